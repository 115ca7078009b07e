package solvereval

import (
	"context"
	"math"
	"testing"

	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages/stagetest"
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

// TestOrderStage: through the stage, the orders table says each method's
// observed order is within 0.3 of the nominal one, and the errors table
// holds one row per step of each sweep, with the error decreasing from the
// coarsest to the finest step until round-off.
func TestOrderStage(t *testing.T) {
	out := stagetest.Run(t, stagetest.Build(t, "solver_order", "methods: [euler, rk4]\n", 1), nil)
	orders, err := ordersTable.Read(out["orders"])
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 2 {
		t.Fatalf("%d orders rows, want 2", len(orders))
	}
	for _, o := range orders {
		if !o.Within || o.Points < 2 || !(o.HMin <= o.HMax) {
			t.Errorf("%+v: want within 0.3 of the nominal order over >= 2 points", o)
		}
	}
	errs, err := orderErrorsTable.Read(out["errors"])
	if err != nil {
		t.Fatal(err)
	}
	perMethod := map[string][]orderErrorRow{}
	for _, e := range errs {
		perMethod[e.Method] = append(perMethod[e.Method], e)
	}
	for _, m := range []string{"euler", "rk4"} {
		rs := perMethod[m]
		if len(rs) < 2 || rs[0].Status != "ok" || !(rs[len(rs)-1].H < rs[0].H) || !(rs[len(rs)-1].Error < rs[0].Error) {
			t.Errorf("%s: errors rows %+v", m, rs)
		}
	}
}
