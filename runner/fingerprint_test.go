package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
)

// scriptParams configure the fake "script" kind: a stage that depends on
// files, like an exec stage.
type scriptParams struct {
	Files []string `yaml:"files,omitempty"`
	N     int      `yaml:"n,omitempty"`
}

type scriptStage struct {
	srcStage
	files []string
	dir   string
}

func (s *scriptStage) FingerprintFiles() []string { return s.files }

func (s *scriptStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	return s.srcStage.Run(ctx, in)
}

func fingerprintRegistry() *stages.Registry {
	r := testRegistry(1)
	stages.Register(r, stages.Definition[scriptParams]{
		Name: "script", Version: 1, Summary: "depends on files",
		Defaults: scriptParams{N: 3},
		Examples: []stages.Example{{Title: "one file", Params: "files: [m.py]\n"}},
		New: func(p scriptParams, env stages.Env) (stages.Stage, error) {
			return &scriptStage{srcStage: srcStage{p: srcParams{N: p.N}, env: env}, files: p.Files, dir: env.Dir}, nil
		},
	})
	return r
}

const scriptPipeline = `version: 1
name: fp
seed: 1
matrix:
  k: [a, b]
stages:
  uses_a:
    kind: script
    foreach: [k]
    params: {files: [models/a.py, common.py]}
  uses_b:
    kind: script
    params: {files: [models/b.py]}
  plain:
    kind: src
  down:
    kind: add
    foreach: [k]
    inputs: {in: "uses_a[${k}].table"}
`

// Editing a file reruns exactly the stages that list it (and what depends
// on them), plan names the file, and the digests are recorded with the
// params in the manifest.
func TestFileDigestsInKey(t *testing.T) {
	f := newFixture(t, scriptPipeline)
	write := func(rel, body string) {
		path := filepath.Join(f.dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("models/a.py", "print('a')\n")
	write("models/b.py", "print('b')\n")
	write("common.py", "x = 1\n")
	reg := fingerprintRegistry()
	if _, ran, err := f.apply(reg, 2); err != nil || len(ran) != 6 {
		t.Fatalf("first apply: %v, ran %v", err, keysOf(ran))
	}
	plan := f.plan(reg)
	if plan.Node("uses_a[a]").Stage.(*scriptStage).dir != f.dir {
		t.Errorf("Env.Dir = %q, want the pipeline's directory %q", plan.Node("uses_a[a]").Stage.(*scriptStage).dir, f.dir)
	}
	m, err := f.store.Lookup(plan.Node("uses_a[a]").Key)
	if err != nil {
		t.Fatal(err)
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(m.Params, &params); err != nil {
		t.Fatal(err)
	}
	if got := string(params[stages.FileDigestsKey]); !strings.Contains(got, `"models/a.py":"sha256:`) || !strings.Contains(got, `"common.py":"sha256:`) {
		t.Errorf("recorded %s = %s, want both digests", stages.FileDigestsKey, got)
	}

	write("common.py", "x = 2\n")
	plan = f.plan(reg)
	decisions := plan.Decide(f.store, 2)
	for i, n := range plan.Nodes {
		want := map[string]string{"uses_a[a]": "script common.py changed", "uses_a[b]": "script common.py changed",
			"down[a]": "upstream uses_a[a] changed", "down[b]": "upstream uses_a[b] changed"}[n.ID()]
		switch {
		case want == "" && !decisions[i].Cached:
			t.Errorf("%s would rerun: %s", n.ID(), decisions[i].Reason)
		case want != "" && decisions[i].Reason != want:
			t.Errorf("%s: reason %q, want %q", n.ID(), decisions[i].Reason, want)
		}
	}
	if _, ran, err := f.apply(reg, 2); err != nil || strings.Join(keysOf(ran), " ") != "down[a] down[b] uses_a[a] uses_a[b]" {
		t.Fatalf("apply after the edit: %v, ran %v", err, keysOf(ran))
	}

	// A listed file that is gone is a plan error at the files key.
	if err := os.Remove(filepath.Join(f.dir, "models/b.py")); err != nil {
		t.Fatal(err)
	}
	p, ds := Load(f.path, nil, reg)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if _, ds := NewPlan(p, reg); len(ds) != 1 || !strings.Contains(ds.Error(), "p.yaml:13:21: stages.uses_b.params.files: file models/b.py: no such file or directory") {
		t.Errorf("plan with a missing file: %v", ds)
	}
}

func TestWithFileDigestsKeepsCanonicalJSON(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.py"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newFileDigests(dir)
	for _, canon := range []string{`{}`, `{"n":3}`} {
		out, _, err := d.withFileDigests([]byte(canon), []string{"m.py"})
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil || v[stages.FileDigestsKey] == nil {
			t.Errorf("%s -> %s: %v", canon, out, err)
		}
	}
	// sha256("1")
	out, sums, _ := d.withFileDigests([]byte(`{}`), []string{"m.py"})
	if sums["m.py"] != "sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b" {
		t.Errorf("sums %v", sums)
	}
	if want := `{"file_digests":{"m.py":"sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"}}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
}
