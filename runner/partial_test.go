package runner

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/stages"
)

type failOnParams struct {
	FailOn string `yaml:"fail_on,omitempty"`
}

// failOnStage passes its table on, and fails in the cell whose axis a has
// the value fail_on.
type failOnStage struct {
	p   failOnParams
	env stages.Env
}

func (s *failOnStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "in", Schema: tableSchema}}, []stages.Port{{Name: "table", Schema: tableSchema}}
}

func (s *failOnStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	if v, _ := s.env.Cell.Get("a"); v == s.p.FailOn {
		return nil, fmt.Errorf("told to fail on %s", v)
	}
	rec := in.One("in")
	rec.Retain()
	return stages.Outputs{"table": rec}, nil
}

// partialGather sums each table like gather, on a Partial port: a missing
// producer gives a NaN row.
type partialGather struct{ env stages.Env }

func (s *partialGather) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "tables", Schema: tableSchema, Many: true, Partial: true}}, []stages.Port{{Name: "table", Schema: tableSchema}}
}

func (s *partialGather) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	b := array.NewRecordBuilder(memory.DefaultAllocator, tableSchema)
	defer b.Release()
	for k, it := range in["tables"] {
		sum := math.NaN()
		if !it.Missing {
			sum = 0
			vs := it.Record.Column(1).(*array.Float64)
			for i := 0; i < vs.Len(); i++ {
				sum += vs.Value(i)
			}
		}
		b.Field(0).(*array.Int64Builder).Append(int64(k))
		b.Field(1).(*array.Float64Builder).Append(sum)
	}
	return stages.Outputs{"table": b.NewRecordBatch()}, nil
}

func partialRegistry() *stages.Registry {
	r := testRegistry(1)
	stages.Register(r, stages.Definition[failOnParams]{
		Name: "fail_on", Version: 1, Summary: "fails in one cell",
		Examples: []stages.Example{{Title: "fail on y", Params: "fail_on: y\n"}},
		New:      func(p failOnParams, env stages.Env) (stages.Stage, error) { return &failOnStage{p: p, env: env}, nil },
	})
	stages.Register(r, stages.Definition[gatherParams]{
		Name: "pgather", Version: 1, Summary: "fan-in sum, tolerates failed producers",
		Examples: []stages.Example{{Title: "sum", Params: "{}\n"}},
		New:      func(p gatherParams, env stages.Env) (stages.Stage, error) { return &partialGather{env: env}, nil },
	})
	return r
}

const partialPipeline = `version: 1
name: partial
seed: 1
matrix:
  a: [x, y, z]
stages:
  src:
    kind: src
    foreach: [a]
    params: {n: 4}
  gate:
    kind: fail_on
    foreach: [a]
    inputs: {in: "src[${a}].table"}
    params: {fail_on: y}
  strict:
    kind: gather
    inputs: {tables: "gate[*].table"}
  all:
    kind: pgather
    inputs: {tables: "gate[*].table"}
  after:
    kind: add
    inputs: {in: all.table}
`

// TestPartialInputsRunWithoutFailedProducers: a Partial fan-in runs
// without the failed cell (a plain fan-in is skipped), under a key that
// names the missing cell, so a later apply where the cell fails again
// finds it cached and one where the cell succeeds recomputes it.
func TestPartialInputsRunWithoutFailedProducers(t *testing.T) {
	f := newFixture(t, partialPipeline)
	reg := partialRegistry()
	plan := f.plan(reg)
	fullKey := plan.Node("all").Key
	res, err := Apply(context.Background(), plan, f.store, Options{Jobs: 2})
	ran := runLog.take()
	if err == nil {
		t.Fatal("apply succeeded although gate[y] failed")
	}
	outcome := func(id string) Outcome { return res.Outcomes[plan.Node(id).Index] }
	if outcome("gate[y]") != Failed || outcome("strict") != Skipped || outcome("all") != Ran || outcome("after") != Ran {
		t.Fatalf("outcomes: gate[y] %v strict %v all %v after %v; ran %v", outcome("gate[y]"), outcome("strict"), outcome("all"), outcome("after"), keysOf(ran))
	}
	n := plan.Node("all")
	if n.Key == fullKey || len(n.Missing) != 1 || n.Missing[0] != "gate[y]" {
		t.Fatalf("all: key %s (plan key %s), missing %v", n.Key, fullKey, n.Missing)
	}
	rec, err := f.store.Read(n.Key, "table")
	if err != nil {
		t.Fatal(err)
	}
	vs := rec.Column(1).(*array.Float64)
	if rec.NumRows() != 3 || !math.IsNaN(vs.Value(1)) || math.IsNaN(vs.Value(0)) || math.IsNaN(vs.Value(2)) {
		t.Fatalf("all's table: %v", rec)
	}
	rec.Release()
	m, err := f.store.Lookup(plan.Node("after").Key)
	if err != nil || m.Inputs["in"][0] != n.Key {
		t.Fatalf("after was not stored under a key chained to all's partial key: %v %v", m, err)
	}

	// The same failure again: only the failing cell runs.
	_, _, err = f.apply(reg, 2)
	if err == nil {
		t.Fatal("second apply succeeded")
	}
	_, ran, _ = f.apply(reg, 2)
	if len(ran) != 1 || ran["gate[y]"] != 1 {
		t.Fatalf("with the same failure, ran %v, want gate[y] only", keysOf(ran))
	}

	// The cell succeeds: everything downstream is computed whole.
	res, ran, err = f.apply(reg, 2, "gate.fail_on=none")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gate[x]", "gate[y]", "gate[z]", "strict", "all", "after"} {
		if ran[id] != 1 {
			t.Errorf("%s did not run once the failure was gone (ran %v)", id, keysOf(ran))
		}
	}
	if p := f.plan(reg, "gate.fail_on=none"); p.Node("all").Key == fullKey {
		t.Fatal("the changed gate param did not change the key")
	}
}
