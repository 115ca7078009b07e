package schemas

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestSystemsMetadata(t *testing.T) {
	md := arrow.NewMetadata(
		[]string{"systems", "system", "sample_dt", "lyapunov_time"},
		[]string{`[{"system":"Lorenz","family":"nvar","dim":3,"sample_dt":0.015,"lyapunov_time":null},
		           {"system":"Henon","dim":2,"sample_dt":-1},{"dim":4}]`, "Lorenz", "0.02", "1.1"},
	)
	got := SystemsMetadata(arrow.NewSchema(nil, &md))
	if len(got) != 2 {
		t.Fatalf("got %v, want Lorenz and Henon", got)
	}
	// The list wins; single-system keys fill only what it leaves unknown.
	if l := got["Lorenz"]; l != (SystemMeta{Family: "nvar", Dim: 3, SampleDt: 0.015, LyapunovTime: 1.1}) {
		t.Errorf("Lorenz: %+v", l)
	}
	if h := got["Henon"]; h != (SystemMeta{Dim: 2}) {
		t.Errorf("Henon: %+v (a negative sample_dt must read as unknown)", h)
	}
	empty := arrow.NewSchema(nil, nil)
	if len(SystemsMetadata(empty)) != 0 {
		t.Error("metadata from nothing")
	}
}
