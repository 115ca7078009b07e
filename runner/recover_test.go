package runner

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// One producer read by eight consumers of a matrix; the consumers' delta is
// changed between applies so that all eight run (in parallel) over the
// cached producer.
const fanOutPipeline = `version: 1
name: fan
seed: 1
matrix:
  b: [1, 2, 3, 4, 5, 6, 7, 8]
stages:
  src:
    kind: src
    params: {n: 64, sleep: 10ms}
  use:
    kind: add
    foreach: [b]
    inputs: {in: "src.table"}
    params: {delta: 1}
`

// TestCorruptSharedInputRecoversUnderParallelism flips a byte of an entry
// that eight parallel consumers read. Every consumer must succeed in the same
// apply, and the producer must be recomputed exactly once: the first reader
// recomputes it under its key lock, the others wait for that and read the
// new entry (none counts "cached" as a failure, none reads during the
// evict-and-rewrite window and gives up). Repeated, because which consumer
// sees what depends on scheduling; the assertions hold for every order.
func TestCorruptSharedInputRecoversUnderParallelism(t *testing.T) {
	f := newFixture(t, fanOutPipeline)
	reg := testRegistry(1)
	if _, _, err := f.apply(reg, 8); err != nil {
		t.Fatal(err)
	}
	src := f.plan(reg).Node("src").Key
	for i := 0; i < 20; i++ {
		flip(t, f.store, src)
		set := fmt.Sprintf("use.delta=%d", i+2)
		res, ran, err := f.apply(reg, 4, set)
		if err != nil {
			t.Fatalf("round %d: apply over a corrupt shared input: %v", i, err)
		}
		if res.Failed != 0 || res.Skipped != 0 || res.Ran != 8 || res.Cached != 1 {
			t.Fatalf("round %d: ran %d cached %d failed %d skipped %d, want 8, 1, 0, 0", i, res.Ran, res.Cached, res.Failed, res.Skipped)
		}
		if ran["src"] != 1 {
			t.Fatalf("round %d: producer computed %d times, want 1 (ran %v)", i, ran["src"], ran)
		}
		for b := 1; b <= 8; b++ {
			if id := fmt.Sprintf("use[%d]", b); ran[id] != 1 {
				t.Fatalf("round %d: %s ran %d times, want 1", i, id, ran[id])
			}
		}
		if err := f.store.Verify(src); err != nil {
			t.Fatalf("round %d: producer still damaged: %v", i, err)
		}
	}
}

// TestRemovedInputIsRecomputed removes a cached producer's entry as if by a
// concurrent gc or quarantine: the consumers recompute it once and succeed.
func TestRemovedInputIsRecomputed(t *testing.T) {
	f := newFixture(t, fanOutPipeline)
	reg := testRegistry(1)
	if _, _, err := f.apply(reg, 8); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(reg, "use.delta=5")
	src := plan.Node("src").Key
	decisions := plan.Decide(f.store, 4)
	if err := f.store.Remove(src); err != nil {
		t.Fatal(err)
	}
	a := &applier{plan: plan, store: f.store, opts: Options{Jobs: 4, Log: io.Discard}, res: &Result{Outcomes: make([]Outcome, len(plan.Nodes))}}
	a.prog = newProgress(io.Discard, false, len(plan.Nodes), time.Now())
	a.exec = a.localExecutor()
	a.walk(t.Context(), decisions) // the plan still says src is cached
	ran := runLog.take()
	if len(a.failures) > 0 {
		t.Fatalf("failures: %v", a.failures[0])
	}
	if ran["src"] != 1 || len(ran) != 9 {
		t.Fatalf("ran %v, want src once and the 8 consumers", ran)
	}
}
