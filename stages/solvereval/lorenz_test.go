package solvereval

import (
	"testing"

	"github.com/chaos-runner/runner/stages/stagetest"
)

func runEval(t *testing.T, yaml string) []Row {
	t.Helper()
	out := stagetest.Run(t, stagetest.Build(t, "solver_eval", yaml, 1), nil)
	rows, err := resultsTable.Read(out["results"])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestLorenzVsScipy checks, through the stage, that dopri5 and dop853 need
// no more RHS evaluations than scipy's RK45 (4,682) and DOP853 (3,161) on
// Lorenz-63 from (1,0,0) to t = 10 at rtol 1e-8, atol 1e-11, for the same or
// better final error (scipy: 5.387e-6 and 3.739e-7, mean absolute error,
// with 1% slack for the disagreement of the two references: RK45 and dopri5
// take the same steps). The scipy figures are a measurement, not a published
// table: scipy.integrate.solve_ivp(method="RK45" | "DOP853", rtol=1e-8,
// atol=1e-11) of SciPy 1.10.1 (Virtanen et al., "SciPy 1.0", Nature Methods
// 17, 261-272, 2020), nfev, error at t = 10 against DOP853 at rtol = atol =
// 1e-13. Both implement Hairer, Norsett & Wanner, Solving Ordinary
// Differential Equations I, 2nd ed., Springer 1993: DOPRI5 (Dormand &
// Prince, J. Comput. Appl. Math. 6, 1980; Sec. II.5) and DOP853 (Sec. II.10) with the step-size control of
// Sec. II.4 and the DOPRI codes of its appendix, which is why the work is
// comparable evaluation for evaluation.
func TestLorenzVsScipy(t *testing.T) {
	rows := runEval(t, "system: Lorenz\nparams: {beta: 2.6666666666666665}\nic: [1, 0, 0]\nhorizon: 10\nmethods: [dopri5, dop853, tsit5, vern9]\ntolerances: [1e-8]\n")
	scipy := map[string]struct {
		evals int
		err   float64
	}{"dopri5": {4682, 5.387218873960838e-06}, "dop853": {3161, 3.738852916157498e-07}}
	for _, r := range rows {
		t.Logf("%-7s rhs=%5d acc=%4d rej=%3d final_abs=%.3g final=%.3g l2=%.3g dense=%.3g pred=%.3g %s",
			r.Method, r.RHSEvals, r.Accepted, r.Rejected, r.FinalAbsError, r.FinalError, r.L2Error, r.DenseError, r.Predictability, r.Status)
		if !r.OK() {
			t.Errorf("%s: %s %s", r.Method, r.Status, r.Error)
		}
		if s, ok := scipy[r.Method]; ok && (r.RHSEvals > s.evals || r.FinalAbsError > s.err*1.01) {
			t.Errorf("%s: %d RHS evaluations (scipy %d), final error %.3g (scipy %.2g)", r.Method, r.RHSEvals, s.evals, r.FinalAbsError, s.err)
		}
	}
}
