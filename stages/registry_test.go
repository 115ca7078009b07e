package stages

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaos-runner/runner/spec"
)

type inner struct {
	A float64 `yaml:"a,omitempty"`
}

type testParams struct {
	Name    string             `yaml:"name" doc:"required name"`
	Ridge   float64            `yaml:"ridge,omitempty" doc:"ridge"`
	Lags    []int              `yaml:"lags,omitempty"`
	Hyper   map[string]float64 `yaml:"hyper,omitempty"`
	Timeout time.Duration      `yaml:"timeout,omitempty"`
	In      inner              `yaml:"inner,omitempty"`
}

func (p *testParams) Validate() []FieldError {
	if p.Ridge < 0 {
		return []FieldError{{Field: "ridge", Message: "must be >= 0"}}
	}
	return nil
}

type nopStage struct{}

func (nopStage) Ports() (in, out []Port)                      { return nil, []Port{{Name: "out"}} }
func (nopStage) Run(context.Context, Inputs) (Outputs, error) { return Outputs{}, nil }

func testReg() *Registry {
	r := NewRegistry()
	Register(r, Definition[testParams]{
		Name: "t", Version: 1, Summary: "test kind",
		Defaults: testParams{Ridge: 1e-4, Lags: []int{1, 2}, Hyper: map[string]float64{"b": 2}},
		Examples: []Example{{Title: "x", Params: "name: x\n"}},
		New:      func(p testParams, env Env) (Stage, error) { return nopStage{}, nil },
	})
	return r
}

func decode(t *testing.T, k Kind, src string) (Params, spec.Diagnostics) {
	t.Helper()
	n, ds := spec.ParseNode("p.yaml", []byte(src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	return k.Decode(n, "params")
}

func TestCanonicalIgnoresFormattingAndKeyOrder(t *testing.T) {
	k, _ := testReg().Lookup("t")
	a, ds := decode(t, k, "name: x\nridge: 0.0001\nhyper: {b: 2, a: 1}\n")
	if ds != nil {
		t.Fatal(ds)
	}
	b, ds := decode(t, k, "hyper:\n  a: 1.0\n  b: 2\nridge: 1e-4\nname: x\n")
	if ds != nil {
		t.Fatal(ds)
	}
	if string(a.Canonical) != string(b.Canonical) {
		t.Fatalf("canonical forms differ:\n%s\n%s", a.Canonical, b.Canonical)
	}
	want := `{"name":"x","ridge":0.0001,"lags":[1,2],"hyper":{"a":1,"b":2},"timeout":"0s","inner":{"a":0}}`
	if string(a.Canonical) != want {
		t.Fatalf("canonical = %s, want %s", a.Canonical, want)
	}
	c, _ := decode(t, k, "name: x\nridge: 0.001\n")
	if string(c.Canonical) == string(a.Canonical) {
		t.Fatal("a param change did not change the canonical form")
	}
}

func TestDecodeKeepsDefaultsUnshared(t *testing.T) {
	k, _ := testReg().Lookup("t")
	p, _ := decode(t, k, "name: x\nhyper: {c: 3}\n")
	p.Value.(testParams).Lags[0] = 99
	def := k.Defaults().(testParams)
	if def.Lags[0] != 1 || len(def.Hyper) != 1 {
		t.Fatalf("decoding mutated the defaults: %+v", def)
	}
}

func TestDecodeReportsValidationAtTheKey(t *testing.T) {
	k, _ := testReg().Lookup("t")
	_, ds := decode(t, k, "name: x\nridge: -1\n")
	if len(ds) != 1 || ds[0].String() != "p.yaml:2:8: params.ridge: must be >= 0" {
		t.Fatalf("got %v", ds)
	}
	_, ds = decode(t, k, "ridg: 1\n")
	got := ds.Error()
	for _, want := range []string{`unknown field "ridg" (did you mean "ridge"?)`, `missing required field "name"`} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

func TestJSONSchemaDescribesParams(t *testing.T) {
	b, err := testReg().JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	p := s["definitions"].(map[string]any)["params_t"].(map[string]any)
	if req := p["required"].([]any); len(req) != 1 || req[0] != "name" {
		t.Fatalf("required = %v, want [name]", req)
	}
	props := p["properties"].(map[string]any)
	ridge := props["ridge"].(map[string]any)
	if ridge["default"] != 1e-4 || ridge["description"] != "ridge" {
		t.Fatalf("ridge schema = %v", ridge)
	}
	if p["additionalProperties"] != false {
		t.Fatal("params schema allows unknown keys")
	}
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	r := testReg()
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate registration did not panic")
		}
	}()
	Register(r, Definition[testParams]{Name: "t", Version: 1, Summary: "again",
		New: func(testParams, Env) (Stage, error) { return nopStage{}, nil }})
}

func TestForEachVisitsEveryIndexOnceAndStopsOnCancel(t *testing.T) {
	seen := make([]int, 100)
	if err := ForEach(context.Background(), len(seen), func(i int) { seen[i]++ }); err != nil {
		t.Fatal(err)
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("index %d visited %d times", i, c)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	var mu sync.Mutex
	err := ForEach(ctx, 1000, func(i int) {
		mu.Lock()
		calls++
		mu.Unlock()
		cancel()
	})
	if err == nil || calls == 1000 {
		t.Fatalf("cancel: err %v after %d calls", err, calls)
	}
}
