package spec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// mustParse parses src with opts and fails on any diagnostic.
func mustParse(t *testing.T, src string, opts Options) *Pipeline {
	t.Helper()
	p, ds := Parse("p.yaml", []byte(src), opts)
	if len(ds) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", ds.Error())
	}
	return p
}

func ids(p *Pipeline) string {
	s := make([]string, len(p.Instances))
	for i, in := range p.Instances {
		s[i] = in.ID
	}
	return strings.Join(s, " ")
}

func sourceIDs(in Input) string {
	s := make([]string, len(in.Sources))
	for i, src := range in.Sources {
		s[i] = src.Instance
	}
	return strings.Join(s, " ")
}

func find(t *testing.T, p *Pipeline, id string) *Instance {
	t.Helper()
	for _, in := range p.Instances {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("no instance %q in %s", id, ids(p))
	return nil
}

const expandSrc = `version: 1
name: expand
matrix:
  system: [A, B]
  model: [m1, m2, m3]
  dt: [0.1, 1]
  exclude: [{system: A, model: m2}, {model: m3, dt: 1}]
stages:
  report:
    kind: collect
    inputs: {all: "fit[*].model", bysys: "per_system[*].out"}
  per_system:
    kind: collect
    foreach: [system]
    inputs: {scores: "fit[${system},*].model", dt: "fit[system=${system},model=m1].model"}
  fit:
    kind: train
    foreach: [system, model]
    inputs: {train: "data[${system}].train"}
    params: {model: "${model}", label: "${system}-${model}", esc: "$${system}", nested: [{m: "${model}"}]}
  data:
    kind: generate
    foreach: [system]
    params: {system: "${system}", n: 10}
  sweep:
    kind: generate
    foreach: [model, dt]
    params: {dt: "${dt}", text: "dt=${dt}"}
`

func TestExpandProducts(t *testing.T) {
	p := mustParse(t, expandSrc, Options{})
	want := "data[A] data[B] fit[A,m1] fit[A,m3] fit[B,m1] fit[B,m2] fit[B,m3] per_system[A] per_system[B] report " +
		"sweep[m1,0.1] sweep[m1,1] sweep[m2,0.1] sweep[m2,1] sweep[m3,0.1]"
	if got := ids(p); got != want {
		t.Errorf("instances:\n got %s\nwant %s", got, want)
	}
	if len(p.Axes) != 3 || p.Axes[2].Name != "dt" || strings.Join(p.Axes[2].Values, ",") != "0.1,1" {
		t.Errorf("axes = %+v", p.Axes)
	}
	fit := find(t, p, "fit[B,m2]")
	if fit.Stage != "fit" || fit.Kind != "train" || fit.Pos.Line != 16 || fit.KindPos.Line != 17 {
		t.Errorf("fit instance = %+v", fit)
	}
	if got := renderNode(fit.Params); got != `{model: "m2"!!str, label: "B-m2"!!str, esc: "${system}"!!str, nested: [{m: "m2"!!str}]}` {
		t.Errorf("params = %s", got)
	}
	if v, _ := fit.Cell.Get("model"); v != "m2" || fit.Cell.Label() != "B,m2" {
		t.Errorf("cell = %v", fit.Cell)
	}
	// A whole-value reference to a numeric value becomes a number.
	sw := find(t, p, "sweep[m1,0.1]")
	if got := renderNode(sw.Params); got != `{dt: "0.1"!!float, text: "dt=0.1"!!str}` {
		t.Errorf("sweep params = %s", got)
	}
	var dec struct {
		DT   float64 `yaml:"dt"`
		Text string  `yaml:"text"`
	}
	if ds := Decode(sw.Params, "stages.sweep.params", &dec); len(ds) > 0 || dec.DT != 0.1 {
		t.Errorf("decode substituted params: %v %+v", ds, dec)
	}
	if in := find(t, p, "sweep[m2,1]").Params.Get("dt"); in.Tag != "!!int" {
		t.Errorf("dt tag = %s", in.Tag)
	}
	// Params are never nil.
	if r := find(t, p, "report"); r.Params == nil || r.Params.Kind != MapNode {
		t.Errorf("report params = %+v", r.Params)
	}
}

func TestExpandInputs(t *testing.T) {
	p := mustParse(t, expandSrc, Options{})
	fit := find(t, p, "fit[B,m2]")
	if len(fit.Inputs) != 1 || fit.Inputs[0].Port != "train" || sourceIDs(fit.Inputs[0]) != "data[B]" || fit.Inputs[0].FanIn {
		t.Errorf("fit inputs = %+v", fit.Inputs)
	}
	if s := fit.Inputs[0].Sources[0]; s.Stage != "data" || s.Port != "train" || s.Cell.Label() != "B" {
		t.Errorf("source = %+v", s)
	}
	if pos := fit.Inputs[0].Pos; pos.Line != 19 || pos.Col != 21 {
		t.Errorf("input pos = %v", pos)
	}
	ps := find(t, p, "per_system[B]")
	if len(ps.Inputs) != 2 || ps.Inputs[0].Port != "dt" || ps.Inputs[1].Port != "scores" {
		t.Fatalf("inputs not sorted by port: %+v", ps.Inputs)
	}
	if got := sourceIDs(ps.Inputs[1]); got != "fit[B,m1] fit[B,m2] fit[B,m3]" || !ps.Inputs[1].FanIn {
		t.Errorf("group-by B = %s (fanin %v)", got, ps.Inputs[1].FanIn)
	}
	if got := sourceIDs(find(t, p, "per_system[A]").Inputs[1]); got != "fit[A,m1] fit[A,m3]" {
		t.Errorf("group-by A = %s", got)
	}
	if got := sourceIDs(ps.Inputs[0]); got != "fit[B,m1]" || ps.Inputs[0].FanIn {
		t.Errorf("named elements = %s", got)
	}
	r := find(t, p, "report")
	if got := sourceIDs(r.Inputs[0]); got != "fit[A,m1] fit[A,m3] fit[B,m1] fit[B,m2] fit[B,m3]" || !r.Inputs[0].FanIn {
		t.Errorf("fan-in = %s", got)
	}
	if got := sourceIDs(r.Inputs[1]); got != "per_system[A] per_system[B]" {
		t.Errorf("fan-in 2 = %s", got)
	}
}

func TestTopologicalOrder(t *testing.T) {
	p := mustParse(t, `version: 1
name: topo
stages:
  d: {kind: x, inputs: {a: "c.o", b: "b.o"}}
  c: {kind: x, inputs: {a: "a.o"}}
  b: {kind: x}
  a: {kind: x, inputs: {a: "b.o"}}
  e: {kind: x}
`, Options{})
	if got := ids(p); got != "b a c d e" {
		t.Errorf("order = %s, want b a c d e", got)
	}
	// Every producer comes before its consumers.
	seen := map[string]bool{}
	for _, in := range p.Instances {
		for _, i := range in.Inputs {
			for _, s := range i.Sources {
				if !seen[s.Instance] {
					t.Errorf("%s comes before its producer %s", in.ID, s.Instance)
				}
			}
		}
		seen[in.ID] = true
	}
}

func TestSets(t *testing.T) {
	src := `version: 1
name: sets
seed: 1
matrix:
  system: [A, B]
stages:
  data:
    kind: generate
    foreach: [system]
    params: {n: 10, opts: {depth: 1}}
  seed:
    kind: collect
`
	p := mustParse(t, src, Options{Sets: []string{
		"seed=7", "data.n=20", "data.opts.width=3", "stages.data.params.opts.depth=2",
		"data.label=${system}-x", "data.list=[1, 2]", "stages.seed.params.x=1",
	}})
	if p.Seed != 7 {
		t.Errorf("seed = %d", p.Seed)
	}
	got := renderNode(find(t, p, "data[B]").Params)
	want := `{n: "20"!!int, opts: {depth: "2"!!int, width: "3"!!int}, label: "B-x"!!str, list: ["1"!!int, "2"!!int]}`
	if got != want {
		t.Errorf("params:\n got %s\nwant %s", got, want)
	}
	if n := find(t, p, "data[A]").Params.Get("n"); n.Pos != (Pos{File: "--set", Line: 1, Col: 2}) {
		t.Errorf("--set position = %v", n.Pos)
	}
	if got := renderNode(find(t, p, "seed").Params); got != `{x: "1"!!int}` {
		t.Errorf("seed stage params = %s", got)
	}

	_, ds := Parse("p.yaml", []byte(src), Options{Sets: []string{
		"dta.n=1", "seed=-1", "nonsense", "name=x", "stages.data.n=1", "data..n=1", "data.n=[1",
	}})
	wants := []string{
		`--set:1:1: --set "dta.n=1": unknown stage "dta" (did you mean "data"?)`,
		`--set:1:2: seed: --set "seed=-1": expected a non-negative integer`,
		`--set:1:3: --set "nonsense": expected key=value`,
		`--set:1:4: --set "name=x": unknown setting "name"`,
		`--set:1:5: --set "stages.data.n=1": expected stages.<stage>.params.<param>=<value>`,
		`--set:1:6: --set "data..n=1": empty key segment`,
		`--set:1:7: data.n: --set "data.n=[1": invalid YAML`,
	}
	if len(ds) != len(wants) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(ds), len(wants), ds.Error())
	}
	for i, w := range wants {
		if !strings.Contains(ds[i].String(), w) {
			t.Errorf("diagnostic %d = %s\nwant it to contain %s", i, ds[i], w)
		}
		if ds[i].Pos.File != "--set" {
			t.Errorf("diagnostic %d not at --set: %v", i, ds[i].Pos)
		}
	}
}

func TestNodeFromSets(t *testing.T) {
	n, ds := NodeFromSets([]string{"system=Lorenz", "n=1000", "solver.rtol=1e-9", "solver.method=dop853",
		"tags=[a, b]", "opts={x: 1}", "empty=", "text=a: b", "n=2000", "quoted='007'"})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	got := renderNode(n)
	want := `{system: "Lorenz"!!str, n: "2000"!!int, solver: {rtol: "1e-9"!!float, method: "dop853"!!str}, ` +
		`tags: ["a"!!str, "b"!!str], opts: {x: "1"!!int}, empty: ""!!str, text: "a: b"!!str, quoted: "007"!!str}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p := n.Get("solver").Get("method").Pos; p != (Pos{File: "--set", Line: 1, Col: 4}) {
		t.Errorf("pos = %v", p)
	}
	var v struct {
		System string `yaml:"system"`
		N      int    `yaml:"n"`
	}
	n, _ = NodeFromSets([]string{"system=Lorenz", "n=x"})
	ds = Decode(n, "params", &v)
	if len(ds) != 1 || ds[0].String() != `--set:1:2: params.n: expected a number, got string "x"` {
		t.Errorf("decode: %v", ds)
	}
	if _, ds := NodeFromSets([]string{"novalue", "=3"}); len(ds) != 2 {
		t.Errorf("want 2 diagnostics, got %v", ds)
	}
}

func TestResolve(t *testing.T) {
	src := `version: 1
name: r
matrix:
  system: {catalog: flows, include: [Extra], exclude: [Chen]}
stages:
  data: {kind: generate, foreach: [system]}
`
	var gotSel string
	var gotArg *Node
	p := mustParse(t, src, Options{Resolve: func(sel string, arg *Node) ([]string, error) {
		gotSel, gotArg = sel, arg
		return []string{"Lorenz", "Chen", "Rossler"}, nil
	}})
	if gotSel != "catalog" || gotArg.Value != "flows" || gotArg.Pos.Line != 4 {
		t.Errorf("Resolve called with %q %+v", gotSel, gotArg)
	}
	if got := ids(p); got != "data[Lorenz] data[Rossler] data[Extra]" {
		t.Errorf("instances = %s", got)
	}
	_, ds := Parse("p.yaml", []byte(src), Options{Resolve: func(string, *Node) ([]string, error) {
		return nil, errors.New("catalog offline")
	}})
	if len(ds) != 1 || !strings.Contains(ds[0].String(), "p.yaml:4:21: matrix.system.catalog: catalog: catalog offline") {
		t.Errorf("resolver error: %v", ds)
	}
	_, ds = Parse("p.yaml", []byte(src), Options{})
	if len(ds) != 1 || !strings.Contains(ds[0].String(), `p.yaml:4:12: matrix.system: cannot resolve the named selection "catalog"`) {
		t.Errorf("no resolver: %v", ds)
	}
}

func TestExpansionLimit(t *testing.T) {
	src := `version: 1
name: limit
matrix:
  a: {range: 30}
  b: {range: 30}
stages:
  one: {kind: generate, foreach: [a]}
  two: {kind: train, foreach: [a, b]}
  three: {kind: train, foreach: [a, b]}
`
	opts := Options{Resolve: testResolve, MaxCells: 1000}
	p, ds := Parse("p.yaml", []byte(src), opts)
	if len(ds) != 1 {
		t.Fatalf("want one diagnostic, got %v", ds)
	}
	// The cells are counted before any is built: a file over the limit
	// expands no stage at all.
	if p != nil && len(p.Instances) != 0 {
		t.Fatalf("instances built for a file over the limit: %d", len(p.Instances))
	}
	want := `p.yaml:9:3: stages.three: matrix expansion of stage "three" gives 900 cells (foreach [a, b]: 30 x 30), bringing the pipeline over the limit of 1000 cells (max_instances)`
	if ds[0].String() != want {
		t.Errorf("got  %s\nwant %s", ds[0], want)
	}
	opts.MaxCells = 1830
	if p := mustParse(t, src, opts); len(p.Instances) != 1830 {
		t.Errorf("instances = %d", len(p.Instances))
	}
	// The file's max_instances wins over the caller's default.
	if p := mustParse(t, "max_instances: 1830\n"+src, Options{Resolve: testResolve, MaxCells: 10}); len(p.Instances) != 1830 {
		t.Errorf("max_instances: instances = %d", len(p.Instances))
	}
	_, ds = Parse("p.yaml", []byte("max_instances: 1829\n"+src), Options{Resolve: testResolve})
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "over the limit of 1829 cells") {
		t.Errorf("max_instances 1829: %v", ds)
	}
	_, ds = Parse("p.yaml", []byte("max_instances: 0\n"+src), Options{Resolve: testResolve})
	if len(ds) != 1 || ds[0].Path != "max_instances" || ds[0].Pos.Line != 1 {
		t.Errorf("max_instances 0: %v", ds)
	}
	// Combination excludes count: 30 x 30 minus the 30 cells with b=v0
	// fits a limit of 30 + 870 + 870.
	excl := strings.Replace(src, "  b: {range: 30}\n", "  b: {range: 30}\n  exclude: [{b: v0}]\n", 1)
	if p := mustParse(t, excl, Options{Resolve: testResolve, MaxCells: 1770}); len(p.Instances) != 1770 {
		t.Errorf("excludes: instances = %d", len(p.Instances))
	}
	_, ds = Parse("p.yaml", []byte(excl), Options{Resolve: testResolve, MaxCells: 1769})
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "gives 870 cells") {
		t.Errorf("excludes over: %v", ds)
	}
	// A product that overflows int is reported without being built.
	var b strings.Builder
	b.WriteString("version: 1\nname: huge\nmatrix:\n")
	var axes []string
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  a%d: {range: 1000}\n", i)
		axes = append(axes, fmt.Sprintf("a%d", i))
	}
	fmt.Fprintf(&b, "stages:\n  s: {kind: x, foreach: [%s]}\n", strings.Join(axes, ", "))
	_, ds = Parse("p.yaml", []byte(b.String()), Options{Resolve: testResolve})
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "more than 1000000 cells") {
		t.Errorf("huge: %v", ds)
	}
}

// TestKindsAreNames: spec knows no stage kinds; the runner checks them
// against its registry.
func TestKindsAreNames(t *testing.T) {
	src := "version: 1\nname: k\nstages:\n  a: {kind: anything}\n"
	p := mustParse(t, src, Options{})
	if len(p.Instances) != 1 || p.Instances[0].Kind != "anything" {
		t.Errorf("instances: %v", p.Instances)
	}
}

func TestLoadMissingFile(t *testing.T) {
	p, ds := Load("testdata/does-not-exist.yaml", Options{})
	if p != nil || len(ds) != 1 || !strings.Contains(ds[0].String(), "testdata/does-not-exist.yaml: cannot read pipeline file") {
		t.Errorf("got %v", ds)
	}
}

func TestParseNodeAliasesAndMerge(t *testing.T) {
	n, ds := ParseNode("a.yaml", []byte(`base: &base {n: 1, m: 2}
use:
  <<: *base
  m: 3
list: [*base, *base]
`))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if got := renderNode(n.Get("use")); got != `{m: "3"!!int, n: "1"!!int}` {
		t.Errorf("merge = %s", got)
	}
	items := n.Get("list").Items
	if items[0] == items[1] || items[0].Pos.Line != 5 || items[0].Pos.Col != 8 || items[1].Pos.Col != 15 {
		t.Errorf("aliases must be copies positioned at their use: %+v %+v", items[0].Pos, items[1].Pos)
	}
	items[0].Entries[0].Value.Value = "changed"
	if n.Get("base").Get("n").Value != "1" {
		t.Error("alias copy shares nodes with its anchor")
	}
}

func TestListOfSelectorsConcatenatesSources(t *testing.T) {
	p := mustParse(t, `version: 1
name: t
matrix:
  s: [a, b]
stages:
  x:
    kind: k
    foreach: [s]
  y:
    kind: k
  z:
    kind: k
    foreach: [s]
    inputs:
      one: y.out
      many: ["x[*].out", y.out, "x[${s}].out"]
`, Options{})
	z := find(t, p, "z[b]")
	if len(z.Inputs) != 2 {
		t.Fatalf("inputs %+v, want two ports", z.Inputs)
	}
	many := z.Inputs[0]
	if many.Port != "many" || !many.FanIn {
		t.Fatalf("first input %+v, want the fan-in port many", many)
	}
	if got, want := sourceIDs(many), "x[a] x[b] y x[b]"; got != want {
		t.Fatalf("sources %q, want %q", got, want)
	}
	if one := z.Inputs[1]; one.FanIn || sourceIDs(one) != "y" {
		t.Fatalf("single input %+v", one)
	}
}

func TestResources(t *testing.T) {
	src := `version: 1
name: res
resources:
  generate: {mem: 4G, time: 30m, partition: short}
stages:
  a:
    kind: generate
    resources: {time: "1:30:00", cpus: 4, extra: [--constraint=haswell]}
  b: {kind: generate}
  c: {kind: train, resources: {gpus: 1, qos: long, account: lab}}
`
	p := mustParse(t, src, Options{})
	got := map[string]Resources{}
	for _, in := range p.Instances {
		got[in.ID] = in.Resources
	}
	a := got["a"]
	if a.Mem != "4G" || a.Partition != "short" || a.Minutes() != 90 || a.CPUs != 4 {
		t.Errorf("a: kind defaults overridden field by field, got %+v", a)
	}
	if got["b"].Minutes() != 30 || got["b"].MemMB() != 4096 {
		t.Errorf("b: kind defaults, got %+v", got["b"])
	}
	want := []string{"--partition=short", "--mem=4096M", "--cpus-per-task=4", "--constraint=haswell"}
	if args := a.SbatchArgs(); !reflect.DeepEqual(args, want) {
		t.Errorf("a: sbatch args %q, want %q", args, want)
	}
	if args := got["c"].SbatchArgs(); !reflect.DeepEqual(args, []string{"--account=lab", "--qos=long", "--gres=gpu:1"}) {
		t.Errorf("c: sbatch args %q", args)
	}

	bad := `version: 1
name: res
resources:
  generate: {mem: lots}
stages:
  a:
    kind: generate
    resources: {time: 1:99:99:99, cpus: -1, gpu: 1, extra: [constraint]}
`
	_, ds := Parse("p.yaml", []byte(bad), Options{})
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	for _, want := range []string{
		`p.yaml:4:19: resources.generate.mem: mem "lots" is not a memory size`,
		`p.yaml:8:45: stages.a.resources: unknown field "gpu" (did you mean "gpus"?)`,
	} {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no diagnostic %q in:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	// Without the unknown key, the values are checked, each at its place.
	_, ds = Parse("p.yaml", []byte(strings.Replace(bad, "gpu: 1, ", "", 1)), Options{})
	msgs := fmt.Sprint(ds)
	for _, want := range []string{"8:23: stages.a.resources.time", "8:41: stages.a.resources.cpus", "8:53: stages.a.resources.extra[0]"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("no %q in %s", want, msgs)
		}
	}
}

func TestSlurmTimeAndMem(t *testing.T) {
	for in, want := range map[string]int{"90": 90, "1:30:00": 90, "10:30": 11, "2-00": 2880, "1-01:01:01": 1502, "45m": 45, "90s": 2} {
		if got, err := parseSlurmTime(in); err != nil || got != want {
			t.Errorf("parseSlurmTime(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"4G": 4096, "500M": 500, "1.5G": 1536, "2048": 2048, "512K": 1, "1T": 1 << 20, "2GB": 2048} {
		if got, err := parseMem(in); err != nil || got != want {
			t.Errorf("parseMem(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-5", "0", "1:2:3:4"} {
		if _, err := parseSlurmTime(in); err == nil {
			t.Errorf("parseSlurmTime(%q) accepted", in)
		}
	}
	if _, err := parseMem("4Q"); err == nil {
		t.Error("parseMem(4Q) accepted")
	}
}

func TestParseResourceOverride(t *testing.T) {
	st, r, err := ParseResourceOverride("fit.time=2h")
	if err != nil || st != "fit" || r.Minutes() != 120 {
		t.Errorf("fit.time=2h: %q %+v %v", st, r, err)
	}
	st, r, err = ParseResourceOverride("extra=[--constraint=a, --exclusive]")
	if err != nil || st != "" || len(r.Extra) != 2 {
		t.Errorf("extra: %q %+v %v", st, r, err)
	}
	for _, bad := range []string{"mem", "mem=lots", "memory=4G", "cpus=x"} {
		if _, _, err := ParseResourceOverride(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
