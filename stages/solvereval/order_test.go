package solvereval

import (
	"context"
	"math"
	"testing"

	"github.com/chaos-runner/runner/solvers"
)

// TestObservedOrders: the observed order of every method is within 0.3 of
// its nominal order. The 0.3 is the acceptance rule of DiffEqDevTools.jl's
// test_convergence as the SciML OrdinaryDiffEq.jl convergence tests apply it
// (|estimated order - order| < testTol, testTol = 0.2, loosened by 0.1 for
// several methods). The nominal orders are the published ones: Euler, the
// midpoint rule and classical RK4 (Hairer, Norsett & Wanner, Solving ODEs I,
// 2nd ed., Sec. II.1), Bogacki-Shampine 3(2) (Appl. Math. Lett. 2, 1989),
// Dormand-Prince 5(4) (J. Comput. Appl. Math. 6, 1980; ibid., Sec. II.5) and DOP853 (ibid., Sec. II.10), Tsitouras 5(4)
// (Comput. Math. Appl. 62, 2011), Verner 9(8) (Numer. Algorithms 53, 2010)
// and Radau IIA of order 5 (Hairer & Wanner, Solving ODEs II, 2nd ed.,
// Sec. IV.5 and IV.8).
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
