package runner

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"

	"github.com/chaos-runner/runner/artifacts"
)

// gatedExecutor computes nodes in process, but only after gate is closed;
// started is closed when the first node reaches the gate.
type gatedExecutor struct {
	plan    *Plan
	store   *artifacts.Store
	gate    chan struct{}
	started chan struct{}
	once    sync.Once
}

func (x *gatedExecutor) Run(ctx context.Context, n *Node) error {
	x.once.Do(func() { close(x.started) })
	<-x.gate
	return ExecuteNode(ctx, x.plan, x.store, n.ID())
}

// TestGCDuringApplyRemovesNothingItNeeds: an apply that has found its
// upstream entries cached is held at its first stage while a gc with no
// roots, no retention and no grace runs; the gc frees only the entries of
// the previous configuration and the apply then finishes reading what it
// found cached.
func TestGCDuringApplyRemovesNothingItNeeds(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	old := f.plan(reg)
	if _, _, err := f.apply(reg, 4); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(reg, "inc.delta=2") // inc[*] and all change; src[*] and other stay
	x := &gatedExecutor{plan: plan, store: f.store, gate: make(chan struct{}), started: make(chan struct{})}
	var res *Result
	var applyErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, applyErr = Apply(context.Background(), plan, f.store, Options{Jobs: 2, Executor: x, RunID: "held"})
	}()
	select {
	case <-x.started:
	case <-done:
		t.Fatalf("apply finished without running anything: %+v, %v", res, applyErr)
	}
	rep, err := f.store.Collect(artifacts.GCOptions{Delete: true})
	close(x.gate)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if applyErr != nil {
		t.Fatalf("apply after a concurrent gc: %v", applyErr)
	}
	if res.Ran != 4 || res.Cached != 4 {
		t.Fatalf("apply ran %d, cached %d; want 4 and 4", res.Ran, res.Cached)
	}
	var freed, want []string
	for _, it := range rep.Doomed {
		freed = append(freed, it.Stage)
	}
	for _, n := range old.Nodes {
		if plan.Node(n.ID()).Key != n.Key {
			want = append(want, n.ID())
		}
	}
	sort.Strings(freed)
	sort.Strings(want)
	if len(want) != 4 || len(freed) != len(want) {
		t.Fatalf("gc freed %v, want %v", freed, want)
	}
	for i := range want {
		if freed[i] != want[i] {
			t.Fatalf("gc freed %v, want %v", freed, want)
		}
	}
	for _, n := range plan.Nodes {
		if _, err := f.store.Lookup(n.Key); err != nil {
			t.Fatalf("%s after the apply: %v", n.ID(), err)
		}
	}
	// With the run over and nothing named, everything may go now.
	rep, err = f.store.Collect(artifacts.GCOptions{Delete: true})
	if err != nil || len(rep.Doomed) != 8 {
		t.Fatalf("final gc: %v, freed %d entries, want 8", err, len(rep.Doomed))
	}
	if _, err := f.store.Lookup(plan.Nodes[0].Key); !errors.Is(err, artifacts.ErrNotFound) {
		t.Fatalf("after the final gc: %v", err)
	}
}
