package solvereval

import (
	"context"
	"math"
	"testing"

	"github.com/chaos-runner/runner/solvers"
)

// TestObservedOrders: the observed order of every method is within 0.3 of
// its nominal order (the DiffEqDevTools acceptance rule, see
// /work/shared/reference/README.md, "Solver evaluation").
func TestObservedOrders(t *testing.T) {
	for _, m := range solvers.Methods() {
		r, err := OrderDefaults.ObservedOrder(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-8s nominal %d observed %.3f over %d points, h in [%.3g, %.3g]", m, r.Order, r.Observed, r.Points, r.HMin, r.HMax)
		if !(math.Abs(r.Observed-float64(r.Order)) <= 0.3) {
			t.Errorf("%s: observed order %.3f, nominal %d", m, r.Observed, r.Order)
		}
	}
}
