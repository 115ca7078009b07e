package invariants

import (
	"math"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/systems"
)

// Lorenz96 with N = 40 sites at F = 8. Reference: P. R. Vlachas, J. Pathak,
// B. R. Hunt, T. P. Sapsis, M. Girvan, E. Ott and P. Koumoutsakos,
// "Backpropagation algorithms and Reservoir Computing in Recurrent Neural
// Networks for the forecasting of complex spatiotemporal dynamics", Neural
// Networks 126, 191-217 (2020), Section 5 (Lorenz-96): λ1 ≈ 1.68 for N = 40,
// F = 8.
const lorenz96Lambda1 = 1.68

// TestLorenz96LargestExponent: λ1 of the 40-site ring within 5% of the
// reference, by metrics.LyapunovSpectrum (the function the stage uses) with
// the stage's settings (dop853 at 1e-9, re-orthonormalised every 0.1
// period) and K = 1, so that it can average over 2000 time units (standard
// error about 0.02, 1%) in a few seconds.
func TestLorenz96LargestExponent(t *testing.T) {
	s, err := systems.Lookup("Lorenz96")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bind(map[string]float64{"N": 40, "f": 8})
	if err != nil {
		t.Fatal(err)
	}
	est, err := metrics.LyapunovSpectrum(metrics.Func(b.F), metrics.Jacobian(b.Jac), b.IC, &metrics.SpectrumOptions{
		K: 1, Transient: 50, T: 2000, Tau: Defaults.Reorth * b.Period, Method: Defaults.Method, Step: b.Dt,
		Rtol: Defaults.RTol, Atol: Defaults.ATol,
	})
	if err != nil {
		t.Fatal(err)
	}
	l := est.Exponents[0]
	t.Logf("Lorenz96 N=40 F=8: λ1 = %.4f ± %.4f over %g time units", l, est.StdErr[0], est.Time)
	if math.Abs(l-lorenz96Lambda1) > 0.05*lorenz96Lambda1 {
		t.Errorf("λ1 = %.4f, want %.2f ± 5%%", l, lorenz96Lambda1)
	}
}

// TestLorenz96Stage: the stage with params {N: 40, f: 8} computes the 40
// exponents of the resized system. Its averaging here is short (20 periods,
// 44 time units), so λ1 is checked to 10% only; the sum of the exponents is
// the trace of the Jacobian, exactly -N.
func TestLorenz96Stage(t *testing.T) {
	r := rows(t, "system: Lorenz96\nparams: {N: 40, f: 8}\ninvariants: [lyapunov]\nperiods: 20\ntransient_periods: 10\n")[0]
	t.Logf("λ1 = %.4f ± %.4f, D_KY %.2f", r.LyapunovMax, r.LyapunovMaxErr, r.KaplanYorke)
	if r.Status != "ok" || r.Dim != 40 || len(r.LyapunovSpectrum) != 40 {
		t.Fatalf("status %q, dim %d, %d exponents", r.Status, r.Dim, len(r.LyapunovSpectrum))
	}
	if l := r.LyapunovMax; math.Abs(l-lorenz96Lambda1) > 0.1*lorenz96Lambda1 {
		t.Errorf("λ1 = %.4f, want %.2f ± 10%%", l, lorenz96Lambda1)
	}
	sum := 0.0
	for _, v := range r.LyapunovSpectrum {
		sum += v
	}
	if math.Abs(sum+40) > 1e-3*40 {
		t.Errorf("sum of exponents %.5f, want -40", sum)
	}
	// The dysts estimates are those of the 4-site ring: not reported.
	if !math.IsNaN(r.DystsLyapunovMax) || !math.IsNaN(r.LyapunovMaxRelDiff) {
		t.Errorf("dysts λ1 %v reported for N = 40", r.DystsLyapunovMax)
	}
}

func TestParamsErrors(t *testing.T) {
	for bad, want := range map[string]string{
		"system: Lorenz96\nparams: {N: 2}\n":        "parameter N",
		"system: Lorenz96\nparams: {nosuch: 1}\n":   "nosuch",
		"system: Lorenz,Lorenz96\nparams: {f: 8}\n": "single system",
	} {
		if err := runErr(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", bad, err, want)
		}
	}
}
