package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestJobSpecsComputeWhatWasPlanned: every node, compiled to a JobSpec,
// written, read back and executed in plan order without the pipeline file,
// gives the entries of a local apply, byte for byte.
func TestJobSpecsComputeWhatWasPlanned(t *testing.T) {
	local := newFixture(t, basePipeline)
	jobs := newFixture(t, basePipeline)
	reg := testRegistry(1)
	if _, _, err := local.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	plan := jobs.plan(reg)
	var specs []JobSpec
	for _, n := range plan.Nodes {
		js := n.JobSpec()
		if got := specKey(&js); got != n.Key {
			t.Fatalf("%s: spec key %s, plan key %s", n.ID(), got, n.Key)
		}
		specs = append(specs, js)
	}
	path := filepath.Join(jobs.dir, "jobs.json")
	if err := WriteJobSpecs(path, specs); err != nil {
		t.Fatal(err)
	}
	read, err := ReadJobSpecs(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range read {
		if err := ExecuteJob(context.Background(), &read[i], reg, jobs.store); err != nil {
			t.Fatalf("%s: %v", read[i].ID, err)
		}
	}
	for _, n := range plan.Nodes {
		ml, err := local.store.Lookup(n.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ml.Outputs {
			if !bytes.Equal(readEntryFile(t, local.store, n.Key, o.File), readEntryFile(t, jobs.store, n.Key, o.File)) {
				t.Errorf("%s port %s differs", n.ID(), o.Port)
			}
		}
	}
}

// TestJobSpecRefusesATamperedSpec: a job never computes something else than
// what was planned.
func TestJobSpecRefusesATamperedSpec(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	plan := f.plan(reg)
	n := plan.Nodes[len(plan.Nodes)-1]
	js := n.JobSpec()
	for name, edit := range map[string]func(js *JobSpec){
		"seed":    func(js *JobSpec) { js.Seed++ },
		"version": func(js *JobSpec) { js.Version++ },
		"params":  func(js *JobSpec) { js.Params = json.RawMessage(`{"x": 1}`) },
		"kind":    func(js *JobSpec) { js.Kind = "nosuchkind" },
	} {
		bad := js
		edit(&bad)
		if _, _, err := CompileNode(&bad, reg); err == nil || !strings.Contains(err.Error(), "job "+n.ID()) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if len(js.Inputs) > 0 {
		bad := js
		bad.Inputs = append([]JobInput(nil), js.Inputs...)
		bad.Inputs[0].Sources = append([]JobSource(nil), js.Inputs[0].Sources...)
		bad.Inputs[0].Sources[0].Key = "0000000000000000000000000000000000000000000000000000000000000000"
		if _, _, err := CompileNode(&bad, reg); err == nil {
			t.Error("a changed input key was accepted")
		}
	}
}
