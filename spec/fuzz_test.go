package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// billionLaughs returns an alias bomb of the given depth (9^depth nodes).
func billionLaughs(depth int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nname: lol\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= depth; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(p+", ", 9), ", "))
	}
	b.WriteString("stages:\n  s:\n    kind: generate\n    params: {x: *l" + fmt.Sprint(depth) + "}\n")
	return []byte(b.String())
}

// fuzzResolve is testResolve with small ranges, so fuzzing stays fast.
func fuzzResolve(sel string, arg *Node) ([]string, error) {
	if sel == "range" && len(arg.Value) > 3 {
		return nil, fmt.Errorf("too large")
	}
	return testResolve(sel, arg)
}

func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add(billionLaughs(9))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("a: &a {b: *a}\n<<: *a\n"))
	f.Add([]byte(strings.Repeat("[", 5000)))
	f.Add([]byte("version: 1\nname: x\nmatrix: {a: [1, 2]}\nstages:\n  s: {kind: k, foreach: [a], inputs: {x: \"s[${a}].o\"}, params: {p: \"${a}$${a}${\"}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		opts := Options{Resolve: fuzzResolve, MaxCells: 5000, Sets: []string{"seed=3", "data.n=4"}}
		p, ds := Parse("fuzz.yaml", data, opts)
		if p == nil && len(ds) == 0 {
			t.Fatal("no pipeline and no diagnostics")
		}
		// A pipeline returned with diagnostics holds the sound part of the
		// file: self-contained, every input source among its instances.
		if p != nil {
			ids := map[string]bool{}
			for _, inst := range p.Instances {
				for _, in := range inst.Inputs {
					for _, src := range in.Sources {
						if !ids[src.Instance] {
							t.Fatalf("%s reads %s, which is missing or later in the order", inst.ID, src.Instance)
						}
					}
				}
				ids[inst.ID] = true
			}
		}
		for _, d := range ds {
			if d.Pos.File != "fuzz.yaml" && d.Pos.File != "--set" {
				t.Errorf("diagnostic without the file name: %s", d)
			}
			if d.Message == "" {
				t.Errorf("empty message at %s", d.Pos)
			}
			if strings.Contains(d.Message, "internal error") {
				t.Errorf("internal error: %s", d)
			}
		}
		_ = ds.Error()
		if p != nil && len(p.Instances) > opts.MaxCells {
			t.Errorf("%d instances over the limit", len(p.Instances))
		}
		if n, _ := ParseNode("fuzz.yaml", data); n != nil {
			var v params
			for _, d := range Decode(n, "p", &v) {
				if strings.Contains(d.Message, "internal error") {
					t.Errorf("decode internal error: %s", d)
				}
			}
		}
		if len(data) < 4096 {
			NodeFromSets(strings.Split(string(data), "\n"))
		}
		if el := time.Since(start); len(data) <= 10<<10 && el > 3*time.Second {
			t.Fatalf("%d bytes took %v", len(data), el)
		}
	})
}

func TestAliasBomb(t *testing.T) {
	p, ds := Parse("bomb.yaml", billionLaughs(9), Options{})
	if p != nil || len(ds) != 1 || !strings.Contains(ds[0].Message, "alias bomb") {
		t.Fatalf("got %v", ds)
	}
	// A moderate use of aliases is fine.
	if _, ds := ParseNode("ok.yaml", billionLaughs(2)); len(ds) > 0 {
		t.Fatalf("depth 2: %v", ds)
	}
}

// benchSource is a pipeline with a 100 x 100 matrix: 100 data cells,
// 10,000 fit cells each reading one data cell, and a fan-in of all fits.
func benchSource() []byte {
	var b strings.Builder
	vals := func(prefix string) string {
		s := make([]string, 100)
		for i := range s {
			s[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return strings.Join(s, ", ")
	}
	fmt.Fprintf(&b, "version: 1\nname: bench\nmatrix:\n  system: [%s]\n  model: [%s]\n", vals("s"), vals("m"))
	b.WriteString(`stages:
  data:
    kind: generate
    foreach: [system]
    params: {system: "${system}", n: 1000}
  fit:
    kind: train
    foreach: [system, model]
    inputs: {train: "data[${system}].train"}
    params: {model: "${model}", ridge: 1e-6}
  per_system:
    kind: collect
    foreach: [system]
    inputs: {scores: "fit[${system},*].model"}
  leaderboard:
    kind: collect
    inputs: {scores: "fit[*].model"}
`)
	return []byte(b.String())
}

func BenchmarkParse10000(b *testing.B) {
	src := benchSource()
	b.ReportAllocs()
	for b.Loop() {
		p, ds := Parse("bench.yaml", src, Options{})
		if len(ds) > 0 || len(p.Instances) != 10201 {
			b.Fatalf("%d instances, %v", len(p.Instances), ds)
		}
	}
}
