package spec

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Alpha float64 `yaml:"alpha,omitempty"`
	Name  string  `yaml:"name"`
}

type common struct {
	Shared string `yaml:"shared,omitempty"`
}

type params struct {
	common  `yaml:",inline"`
	System  string             `yaml:"system" doc:"Which system."`
	N       int                `yaml:"n,omitempty"`
	Big     int64              `yaml:"big,omitempty"`
	Seed    uint64             `yaml:"seed,omitempty"`
	Small   int8               `yaml:"small,omitempty"`
	Ridge   float64            `yaml:"ridge,omitempty"`
	On      bool               `yaml:"on,omitempty"`
	Every   time.Duration      `yaml:"every,omitempty"`
	Lags    []int              `yaml:"lags,omitempty"`
	Weights map[string]float64 `yaml:"weights,omitempty"`
	Inner   inner              `yaml:"inner,omitempty"`
	Ptr     *inner             `yaml:"ptr,omitempty"`
	PtrInt  *int               `yaml:"ptr_int,omitempty"`
	Raw     *Node              `yaml:"raw,omitempty"`
	RawVal  Node               `yaml:"raw_val,omitempty"`
	Any     any                `yaml:"any,omitempty"`
	List    []inner            `yaml:"list,omitempty"`
	Skip    string             `yaml:"-"`
	PtsPer  int                `yaml:",omitempty"`
	hidden  int
}

func defaults() params {
	return params{N: 100, Ridge: 1e-6, Lags: []int{1}, Weights: map[string]float64{"a": 1}, Inner: inner{Alpha: 0.5}}
}

func decodeString(t *testing.T, src string) (params, Diagnostics) {
	t.Helper()
	n, ds := ParseNode("p.yaml", []byte(src))
	if len(ds) > 0 {
		t.Fatalf("parse: %v", ds)
	}
	p := defaults()
	return p, Decode(n, "stages.fit.params", &p)
}

func TestDecodeValues(t *testing.T) {
	p, ds := decodeString(t, `
system: Lorenz
shared: yes-shared
big: 1e3
seed: 18446744073709551615
small: -128
ridge: 3
on: true
every: 1m30s
lags: [1, 2, 3]
weights: {b: 2.5}
inner: {name: x}
ptr: {name: y, alpha: .inf}
ptr_int: 0x10
raw: {anything: [1, 2]}
raw_val: hello
any: {k: [1, 2.5, "s", true, ~]}
list: [{name: a}, {name: b, alpha: 2}]
pts_per: 7
`)
	if len(ds) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", ds.Error())
	}
	sixteen := 16
	want := params{
		common: common{Shared: "yes-shared"},
		System: "Lorenz", N: 100, Big: 1000, Seed: math.MaxUint64, Small: -128, Ridge: 3, On: true,
		Every: 90 * time.Second, Lags: []int{1, 2, 3},
		Weights: map[string]float64{"a": 1, "b": 2.5},
		Inner:   inner{Alpha: 0.5, Name: "x"},
		Ptr:     &inner{Name: "y", Alpha: math.Inf(1)},
		PtrInt:  &sixteen,
		Any:     map[string]any{"k": []any{int64(1), 2.5, "s", true, nil}},
		List:    []inner{{Name: "a"}, {Name: "b", Alpha: 2}},
		PtsPer:  7,
	}
	raw, rawVal := p.Raw, p.RawVal
	p.Raw, p.RawVal = nil, Node{}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	if raw == nil || raw.Kind != MapNode || raw.Get("anything") == nil || raw.Pos.Line != 15 {
		t.Errorf("raw node not kept: %+v", raw)
	}
	if rawVal.Value != "hello" || rawVal.Tag != "!!str" {
		t.Errorf("raw value not kept: %+v", rawVal)
	}
}

func TestDecodeDefaultsKept(t *testing.T) {
	p, ds := decodeString(t, "system: Lorenz\ninner: ~\nlags: ~\n")
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	want := defaults()
	want.System = "Lorenz"
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
	// Decoding a map must not modify the default map in place.
	def := map[string]float64{"a": 1}
	p2 := params{Weights: def}
	n, _ := ParseNode("p.yaml", []byte("system: x\nweights: {a: 5}\n"))
	Decode(n, "", &p2)
	if def["a"] != 1 || p2.Weights["a"] != 5 {
		t.Errorf("default map modified or not decoded: def=%v got=%v", def, p2.Weights)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // one substring per expected diagnostic, in sorted order
	}{
		{"missing required", "n: 3\n", []string{`1:1: stages.fit.params: missing required field "system"`}},
		{"empty document", "", []string{`missing required field "system"`}},
		{"unknown with suggestion", "system: x\nridg: 1\n", []string{`2:1: stages.fit.params: unknown field "ridg" (did you mean "ridge"?)`}},
		{"unknown prefix suggestion", "system: x\nwei: 1\n", []string{`unknown field "wei" (did you mean "weights"?)`}},
		{"unknown without suggestion", "system: x\nzzzzzz: 1\n", []string{`unknown field "zzzzzz"` + "\n"}},
		{"string for number", "system: x\nn: abc\n", []string{`2:4: stages.fit.params.n: expected a number, got string "abc"`}},
		{"float for int", "system: x\nn: 1.5\n", []string{`expected an integer, got float 1.5`}},
		{"overflow int8", "system: x\nsmall: 200\n", []string{`number 200 out of range for int8`}},
		{"overflow int", "system: x\nn: 1e30\n", []string{`number 1e30 out of range for int`}},
		{"negative uint", "system: x\nseed: -1\n", []string{`expected a non-negative integer, got int -1`}},
		{"bool", "system: x\non: yes\n", []string{`expected a boolean (true or false), got string "yes"`}},
		{"duration", "system: x\nevery: 30\n", []string{`expected a duration such as "30s"`}},
		{"bad duration", "system: x\nevery: soon\n", []string{`got string "soon"`}},
		{"list", "system: x\nlags: 3\n", []string{`stages.fit.params.lags: expected a list, got int 3`}},
		{"list item", "system: x\nlags: [1, b]\n", []string{`stages.fit.params.lags[1]: expected a number, got string "b"`}},
		{"map", "system: x\nweights: [1]\n", []string{`expected a map, got a list`}},
		{"map value", "system: x\nweights: {a: x}\n", []string{`stages.fit.params.weights.a: expected a number`}},
		{"struct", "system: x\ninner: 3\n", []string{`stages.fit.params.inner: expected a map, got int 3`}},
		{"nested", "system: x\nlist: [{alpha: 1, nam: z}]\n", []string{
			`stages.fit.params.list[0]: missing required field "name"`,
			`stages.fit.params.list[0]: unknown field "nam" (did you mean "name"?)`}},
		{"required null", "system: ~\n", []string{`stages.fit.params.system: expected a string, got null`}},
		{"string gets map", "system: {a: 1}\n", []string{`expected a string, got a map`}},
		{"skipped field is unknown", "system: x\nskip: 1\n", []string{`unknown field "skip"`}},
		{"all at once", "n: x\nridge: y\nbogus: 1\n", []string{
			`1:1: stages.fit.params: missing required field "system"`,
			`1:4: stages.fit.params.n: expected a number`,
			`2:8: stages.fit.params.ridge: expected a number`,
			`3:1: stages.fit.params: unknown field "bogus"`}},
		{"top not a map", "- 1\n", []string{`stages.fit.params: expected a map, got a list`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := decodeString(t, tc.src)
			if len(ds) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(ds), len(tc.want), ds.Error())
			}
			for i, w := range tc.want {
				if got := ds[i].String() + "\n"; !strings.Contains(got, w) {
					t.Errorf("diagnostic %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

func TestDecodeScalarsIntoString(t *testing.T) {
	// Substituted matrix values may be numbers; string fields take any scalar.
	var v struct {
		S string `yaml:"s"`
	}
	n, _ := ParseNode("f", []byte("s: 0.01\n"))
	if ds := Decode(n, "", &v); len(ds) > 0 || v.S != "0.01" {
		t.Fatalf("got %q, %v", v.S, ds)
	}
}

func TestDecodeBadTarget(t *testing.T) {
	n, _ := ParseNode("f", []byte("a: 1\n"))
	var p params
	for _, v := range []any{nil, p, (*params)(nil)} {
		ds := Decode(n, "x", v)
		if len(ds) != 1 || !strings.Contains(ds[0].Message, "non-nil pointer") {
			t.Errorf("Decode(%T) = %v", v, ds)
		}
	}
	var c struct {
		C chan int `yaml:"c"`
	}
	n, _ = ParseNode("f", []byte("c: 1\n"))
	if ds := Decode(n, "", &c); len(ds) != 1 || !strings.Contains(ds[0].Message, "unsupported field type") {
		t.Errorf("chan field: %v", ds)
	}
}

func TestFields(t *testing.T) {
	fs := Fields(reflect.TypeFor[*params]())
	byName := map[string]Field{}
	var names []string
	for _, f := range fs {
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	want := "shared system n big seed small ridge on every lags weights inner ptr ptr_int raw raw_val any list pts_per"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names = %s\nwant    %s", got, want)
	}
	if f := byName["system"]; !f.Required || f.Doc != "Which system." || f.Type.Kind() != reflect.String {
		t.Errorf("system field = %+v", f)
	}
	if byName["n"].Required {
		t.Error("n (omitempty) must be optional")
	}
	if f := byName["shared"]; len(f.Index) != 2 {
		t.Errorf("inline field index = %v", f.Index)
	}
	if Fields(reflect.TypeFor[int]()) != nil {
		t.Error("Fields(int) must be nil")
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"PtsPerPeriod": "pts_per_period", "HTTPPort": "http_port", "N": "n", "Lyapunov2D": "lyapunov2_d", "ID": "id",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileFields(t *testing.T) {
	top, st := FileFields()
	var names []string
	for _, f := range append(top, st...) {
		names = append(names, fmt.Sprintf("%s:%v", f.Name, f.Required))
	}
	want := "version:true name:true seed:false max_instances:false matrix:false resources:false stages:true kind:true foreach:false inputs:false params:false timeout:false retries:false batch:false resources:false publish:false"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
