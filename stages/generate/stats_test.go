package generate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/systems"
)

// statsMismatch compares per-coordinate moments with the dysts metadata
// and returns the worst |mean - mean_dysts| / std_dysts and the worst
// |log(std / std_dysts)|, skipping raw phases (UnboundedIndices that dysts
// does not postprocess).
func statsMismatch(s systems.System, rows [][]float64) (dMean, dStd float64) {
	x := make([][]float64, len(rows))
	for i, r := range rows {
		x[i] = slices.Clone(r[:s.Dim])
		dystsPostprocess(s.Name, s.Params, x[i])
	}
	mean, sd := moments(x, s.Dim)
	for k := 0; k < s.Dim; k++ {
		if slices.Contains(s.UnboundedIndices, k) && !postprocessed(s.Name) {
			continue
		}
		dMean = max(dMean, math.Abs(mean[k]-s.Mean[k])/s.Std[k])
		dStd = max(dStd, math.Abs(math.Log(sd[k]/s.Std[k])))
	}
	return dMean, dStd
}

// dystsProtocolExceptions: systems whose dysts mean and std the stage does
// not reproduce to 2% with dysts' own protocol, and why.
var dystsProtocolExceptions = map[string]string{
	// The trajectory itself differs within 10 periods: the first period is
	// ill-conditioned (TestAccuracyFirstPeriod) or the system is strongly
	// chaotic over 10 periods (λ·T = ThomasLabyrinth 84, Bouali2 ...), so
	// Radau's and dop853's rounding-level differences reach the attractor
	// scale and 10-period moments differ by their sampling error.
	"LiuChen":             "IC 5e-10 from the invariant plane y = z = 0; atol = 1e-12 is 0.2% of y(0)",
	"ThomasLabyrinth":     "84 Lyapunov times in 10 periods; 10-period moments are dominated by sampling error",
	"Bouali2":             "intermittent; the dysts 10-period window sits in a different phase of the attractor",
	"ExcitableCell":       "bursting with long quiescent phases; 10-period moments follow the trajectory, which diverges",
	"KawczynskiStrizhak":  "the trajectory diverges from dysts' within 10 periods (moments differ by 0.1 std)",
	"DoublePendulum":      "Hamiltonian, mixed phase space; divergent trajectories sample different regions in 10 periods",
	"Thomas":              "slow diffusion along the labyrinth; 10-period moments differ by 0.04 std",
	"BelousovZhabotinsky": "relaxation oscillations with stiff spikes; 10-period moments differ by 0.04 std",
	"InteriorSquirmer":    "24 Lyapunov times per period (ill-conditioned, see TestAccuracyFirstPeriod)",
	"BickleyJet":          "dysts maps the unbounded drift x to sin(k_min x); the drift's rounding-level differences shift that mean by 0.12 std",
}

// TestDystsStatisticsReproduced reproduces how dysts computed the `mean`
// and `std` of its metadata (dysts' compute_trajectory_statistics:
// make_trajectory(4096, pts_per_period=409) from the default initial
// condition, i.e. np.linspace(0, 4096/409 periods, 4096), Radau at
// rtol = atol = 1e-12, then its coordinate postprocessing) and requires the
// stage's moments to match: |mean - mean_dysts| <= 0.02 std_dysts and
// |std / std_dysts - 1| <= 2% on every coordinate. Matching to that
// precision means the stage follows the same trajectory as dysts for 10
// periods. Delay systems are skipped: dysts' delay integrator (ddeint on the
// output grid, samples starting at t = tau) is not an accurate solution to
// compare with; they are covered by TestLongTrajectoryStatistics.
func TestDystsStatisticsReproduced(t *testing.T) {
	names, _ := systems.Select("ode")
	const n, ppp = 4096, 409
	matched := 0
	for _, name := range names {
		s := lookup(t, name)
		p := Defaults
		p.N = n
		p.Dt = s.Period * float64(n) / ppp / float64(n-1)
		st := &stage{p: p, names: []string{name}}
		r := st.generate(context.Background(), name)
		if r.err != nil {
			t.Errorf("%s: %v", name, r.err)
			continue
		}
		dMean, dStd := statsMismatch(s, r.data[0])
		ok := dMean <= 0.02 && dStd <= math.Log(1.02)
		reason, excepted := dystsProtocolExceptions[name]
		switch {
		case ok && excepted:
			t.Logf("%s: now matches (mean %.3f std, std ratio %.3f); drop it from the exceptions", name, dMean, math.Exp(dStd))
		case ok:
			matched++
		case excepted:
			t.Logf("exception %s: mean off by %.3f std, std by a factor %.3f (%s)", name, dMean, math.Exp(dStd), reason)
		default:
			t.Errorf("%s: mean off by %.3f dysts std, std by a factor %.3f", name, dMean, math.Exp(dStd))
		}
	}
	t.Logf("%d of %d ODE flows reproduce the dysts mean and std to 2%%", matched, len(names))
}

// longExceptions: systems whose 100-period moments disagree with the dysts
// metadata beyond the tolerance of TestLongTrajectoryStatistics, and why.
var longExceptions = map[string]string{
	"Bouali2":       "intermittent: window means spread by 2.2 std; the std of x2 differs by a factor 4.7 from dysts' 10-period value (sampling-error tolerance 2.3)",
	"ExcitableCell": "bursting with long quiescent phases: the std of x2 differs by a factor 2.95 (sampling-error tolerance 2.84)",
	// Delay systems: the dysts metadata came from dysts' own delay
	// integrator (ddeint on the output grid from a constant history,
	// samples from t = tau), not an accurate solution of the equation.
	"SprottDelay":      "delay system, dysts' coarse delay integrator (mean off by 8.9 std)",
	"IkedaDelay":       "delay system, dysts' coarse delay integrator (mean off by 2.6 std)",
	"VossDelay":        "delay system, dysts' coarse delay integrator (std off by a factor 1.7)",
	"MackeyGlass":      "delay system, dysts' coarse delay integrator (mean off by 0.7 std)",
	"PiecewiseCircuit": "delay system, dysts' coarse delay integrator (mean off by 0.36 std)",
}

// windows is the number of 10-period windows of the 100-period run.
const windows = 10

// TestLongTrajectoryStatistics generates every flow for 100 dominant periods
// (n = 10,000 at 100 points per period, one stage run) and compares the
// per-coordinate mean and std (dysts postprocessing applied) with the dysts
// metadata. The metadata are 10-period estimates (see
// TestDystsStatisticsReproduced), so they carry the sampling error of 10
// periods; the tolerance is the larger of a fixed one and 4 times that
// sampling error as measured on this run: the spread (standard deviation)
// of the moments over the ten 10-period windows,
//
//	|mean - mean_dysts| <= max(0.25, 4 s_w(mean)/std) std_dysts
//	|log(std / std_dysts)| <= max(log 1.25, 4 s_w(log std)).
func TestLongTrajectoryStatistics(t *testing.T) {
	out := mustRun(t, "system: flows\nn: 10000\n", 1)
	if f := failures(t, out["failures"]); len(f) > 0 {
		t.Fatalf("failures: %v", f)
	}
	trajs := joined(t, out)
	names, _ := systems.Select("flows")
	fixedOK, windowOK := 0, 0
	for _, name := range names {
		s := lookup(t, name)
		tr := trajs[trajKey{name, 0}]
		if tr == nil || len(tr.X) != 10000 {
			t.Errorf("%s: missing or short trajectory", name)
			continue
		}
		x := make([][]float64, len(tr.X))
		for i, r := range tr.X {
			x[i] = slices.Clone(r[:s.Dim])
			dystsPostprocess(name, s.Params, x[i])
		}
		mean, sd := moments(x, s.Dim)
		// Spread of the window moments.
		wm := make([][]float64, windows)
		ws := make([][]float64, windows)
		for w := range windows {
			m, d := moments(x[w*len(x)/windows:(w+1)*len(x)/windows], s.Dim)
			wm[w], ws[w] = m, d
			for k := range ws[w] {
				ws[w][k] = math.Log(ws[w][k])
			}
		}
		_, sMean := moments(wm, s.Dim)
		_, sLogStd := moments(ws, s.Dim)
		var bad []string
		fixed := true
		for k := 0; k < s.Dim; k++ {
			if slices.Contains(s.UnboundedIndices, k) && !postprocessed(name) {
				continue
			}
			dm := math.Abs(mean[k]-s.Mean[k]) / s.Std[k]
			ds := math.Abs(math.Log(sd[k] / s.Std[k]))
			fixed = fixed && dm <= 0.25 && ds <= math.Log(1.25)
			tm := max(0.25, 4*sMean[k]/s.Std[k])
			ts := max(math.Log(1.25), 4*sLogStd[k])
			if dm > tm || ds > ts || math.IsNaN(dm+ds) {
				bad = append(bad, fmt.Sprintf("x%d: mean off by %.2f std (tolerance %.2f), std by a factor %.2f (tolerance %.2f)",
					k, dm, tm, math.Exp(ds), math.Exp(ts)))
			}
		}
		if fixed {
			fixedOK++
		}
		reason, excepted := longExceptions[name]
		switch {
		case len(bad) == 0 && excepted:
			t.Logf("%s: now within tolerance; drop it from the exceptions", name)
		case len(bad) == 0:
			windowOK++
		case excepted:
			t.Logf("exception %s: %s (%s)", name, bad[0], reason)
		default:
			t.Errorf("%s: %s", name, strings.Join(bad, "; "))
		}
	}
	t.Logf("%d of %d flows within 0.25 std and 25%% of the dysts mean and std; %d within the sampling-error tolerance",
		fixedOK, len(names), windowOK)
}
