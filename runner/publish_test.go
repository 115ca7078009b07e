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

type docParams struct {
	Text string `yaml:"text,omitempty"`
}

type docStage struct {
	p   docParams
	env stages.Env
}

func (s *docStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "in", Schema: tableSchema, Optional: true}},
		[]stages.Port{stages.FilePort("files", "an HTML page and a figure", "text/html", "image/svg+xml")}
}

func (s *docStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	runLog.add(s.env.ID)
	rec, err := stages.FilesRecord([]stages.File{
		{Name: "index.html", MediaType: "text/html", Data: []byte("<p>" + s.p.Text + "</p>")},
		{Name: "fig/a.svg", MediaType: "image/svg+xml", Data: []byte("<svg/>")},
	}, "text/html", "image/svg+xml")
	if err != nil {
		return nil, err
	}
	return stages.Outputs{"files": rec}, nil
}

func publishRegistry() *stages.Registry {
	r := testRegistry(1)
	stages.Register(r, stages.Definition[docParams]{
		Name: "doc", Version: 1, Summary: "writes files",
		Examples: []stages.Example{{Title: "hello", Params: "text: hello\n"}},
		New:      func(p docParams, env stages.Env) (stages.Stage, error) { return &docStage{p: p, env: env}, nil },
	})
	return r
}

const publishPipeline = `version: 1
name: pub
stages:
  a:
    kind: src
  page:
    kind: doc
    inputs: {in: a.table}
    params: {text: hello}
    publish: out/site/
`

func TestPublishFilesOnceAndAtomically(t *testing.T) {
	f := newFixture(t, publishPipeline)
	reg := publishRegistry()
	site := filepath.Join(f.dir, "out", "site")
	// A file of the user's in the folder is left alone.
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _, err := f.apply(reg, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 2 {
		t.Fatalf("first apply published %d files, want 2", res.Published)
	}
	got, err := os.ReadFile(filepath.Join(site, "index.html"))
	if err != nil || string(got) != "<p>hello</p>" {
		t.Fatalf("index.html = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(site, "fig", "a.svg")); err != nil {
		t.Fatal(err)
	}
	var rf RunFile
	data, err := os.ReadFile(filepath.Join(site, RunFileName))
	if err != nil || json.Unmarshal(data, &rf) != nil || rf.Stage != "page" || rf.Upstream["ran"] != 1 || len(rf.Ran) != 1 || rf.PipelineSHA == "" || !hasKey(rf.WallSeconds, "a") {
		t.Fatalf("run.json = %s (%v)", data, err)
	}
	m, err := f.store.Lookup(f.plan(reg).Node("page").Key)
	if err != nil || len(m.Files) != 2 || m.Files[0].MediaType != "text/html" || m.Files[0].SHA256 == "" {
		t.Fatalf("manifest files = %+v, %v", m, err)
	}
	if err := f.store.Verify(m.Key); err != nil {
		t.Fatal(err)
	}

	// Second apply: nothing runs, nothing is republished, run.json stays.
	before, _ := os.Stat(filepath.Join(site, "index.html"))
	res, ran, err := f.apply(reg, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 0 || len(ran) != 0 || res.Published != 0 {
		t.Fatalf("second apply: ran %v, published %d, want nothing", keysOf(ran), res.Published)
	}
	after, _ := os.Stat(filepath.Join(site, "index.html"))
	if !os.SameFile(before, after) {
		t.Fatal("index.html was replaced on a no-op apply")
	}
	if data2, _ := os.ReadFile(filepath.Join(site, RunFileName)); string(data2) != string(data) {
		t.Fatal("run.json rewritten on a no-op apply")
	}

	// A published file that was changed by hand is restored from the store
	// (a copy of it, the store's file is never written through).
	if err := os.Remove(filepath.Join(site, "index.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>edited</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _, err = f.apply(reg, 2)
	if err != nil || res.Published != 1 || res.Ran != 0 {
		t.Fatalf("restore: published %d ran %d err %v, want 1, 0, nil", res.Published, res.Ran, err)
	}
	if got, _ := os.ReadFile(filepath.Join(site, "index.html")); string(got) != "<p>hello</p>" {
		t.Fatalf("index.html = %q after restore", got)
	}

	// A changed param reruns and republishes the page only.
	res, ran, err = f.apply(reg, 2, "page.text=bye")
	if err != nil || res.Published != 1 || len(ran) != 1 || ran["page"] != 1 {
		t.Fatalf("changed text: published %d ran %v err %v", res.Published, keysOf(ran), err)
	}
	if got, _ := os.ReadFile(filepath.Join(site, "notes.txt")); string(got) != "mine" {
		t.Fatal("publishing touched a file it does not own")
	}
	entries, _ := os.ReadDir(site)
	for _, e := range entries {
		if strings.Contains(e.Name(), "publish-") {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
}

func TestPublishWithoutFilePortIsDiagnosed(t *testing.T) {
	f := newFixture(t, "version: 1\nname: x\nstages:\n  a:\n    kind: src\n    publish: out/\n")
	p, ds := Load(f.path, nil, publishRegistry())
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	_, ds = NewPlan(p, publishRegistry())
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "no file output to publish") || ds[0].Pos.Line != 6 {
		t.Fatalf("diagnostics = %v", ds)
	}
}

func hasKey(m map[string]float64, k string) bool {
	_, ok := m[k]
	return ok
}
