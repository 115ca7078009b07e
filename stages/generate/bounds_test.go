package generate

import (
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// A generate over several systems that all fail is a failure listing each
// reason, not empty tables.
func TestEverySystemFailedFails(t *testing.T) {
	err := runErr("system: Lorenz,Rossler\nn: 200\nmethod: dop853\nrtol: 1e-300\natol: 1e-300\n", 1)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"every one of the 2 systems failed", "Lorenz: solvers: dop853", "Rossler: solvers: dop853"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// n: 1e12 is refused before allocating; the estimate grows with the systems,
// their dimension and the initial conditions.
func TestHugeNFailsBeforeAllocating(t *testing.T) {
	err := runErr("system: Lorenz\nn: 1e12\n", 1)
	if err == nil || !strings.Contains(err.Error(), "for n = 1000000000000, over the memory limit") {
		t.Fatalf("error %v, want the memory limit", err)
	}
	diags := stagetest.DecodeDiags(t, "generate", "system: Lorenz\nn: 1000\n")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	one, _ := Params{System: "Lorenz", N: 1000, ICs: 1}.EstimatedBytes()
	three, _ := Params{System: "Lorenz", N: 1000, ICs: 3}.EstimatedBytes()
	both, _ := Params{System: "Lorenz,Rossler", N: 1000, ICs: 1}.EstimatedBytes()
	wide, _ := Params{System: "Lorenz96", N: 1000, ICs: 1, Overrides: map[string]float64{"N": 40}}.EstimatedBytes()
	if !(three == 3*one && both == 2*one && wide > 8*one) {
		t.Errorf("estimates: one %g, three ICs %g, two systems %g, Lorenz96 N=40 %g", one, three, both, wide)
	}
	if stages.MemoryLimit() <= 0 {
		t.Error("no memory limit")
	}
}
