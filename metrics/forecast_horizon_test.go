package metrics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestValidPredictionTime(t *testing.T) {
	// Truth columns (1,−1,1,−1) and (2,−2,2,−2): σ = (1, 2), ‖σ‖ = sqrt 5.
	// Errors ŷ − y per row: (0,0), (0.3,0.6), (0.6,0), (1,0).
	// vlachas e = sqrt(mean(err²/σ²)): 0, 0.3, 0.4243, 0.7071 → 3 rows ≤ 0.5.
	// pathak e = ‖err‖/sqrt 5: 0, 0.3, 0.268, 0.447 → 3 rows ≤ 0.4.
	// smape_pointwise row 1: 200·mean(0.3/1.7, 0.6/3.4) = 35.3 > 30 → 1 row.
	// smape (cumulative): rows 0..1 give 35.3/2 = 17.6, rows 0..2 add
	// 200·mean(0.6/2.6, 0) = 23.1 → 19.5, rows 0..3 add 200·mean(1/1, 0) =
	// 100 → 39.6 > 30 → 3 rows.
	y := mat.NewDense(4, 2, []float64{1, 2, -1, -2, 1, 2, -1, -2})
	p := mat.NewDense(4, 2, []float64{1, 2, -0.7, -1.4, 1.6, 2, 0, -2})
	const dt, lt = 0.1, 0.5
	cases := []struct {
		rule string
		th   float64
		want float64
	}{
		{VPTVlachas, 0, 3 * dt / lt},
		{VPTPathak, 0, 3 * dt / lt},
		{VPTSMAPEPointwise, 0, 1 * dt / lt},
		{VPTSMAPE, 0, 3 * dt / lt},
		{VPTVlachas, 0.35, 2 * dt / lt},
		{VPTSMAPEPointwise, 100, 4 * dt / lt},
		{VPTSMAPE, 100, 4 * dt / lt},
	}
	for _, c := range cases {
		got, err := ValidPredictionTime(y, p, dt, lt, c.rule, &VPTOptions{Threshold: c.th})
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s(th=%g) = %v (%v), want %v", c.rule, c.th, got, err, c.want)
		}
	}
	e, _ := ForecastErrorCurve(y, p, VPTVlachas, nil)
	want := []float64{0, 0.3, math.Sqrt(0.18), math.Sqrt(0.5)}
	for i := range e {
		if math.Abs(e[i]-want[i]) > 1e-12 {
			t.Errorf("vlachas e[%d] = %v, want %v", i, e[i], want[i])
		}
	}
	if _, err := ValidPredictionTime(y, p, dt, lt, "nope", nil); err == nil {
		t.Error("unknown rule accepted")
	}
	if _, err := ValidPredictionTime(y, p, 0, lt, VPTPathak, nil); err == nil {
		t.Error("dt = 0 accepted")
	}
	// Perfect forecast on a constant truth: valid for the whole window.
	c := mat.NewDense(3, 1, []float64{5, 5, 5})
	if got, _ := ValidPredictionTime(c, c, 1, 1, VPTVlachas, nil); got != 3 {
		t.Errorf("constant perfect VPT = %g, want 3", got)
	}
}

// TestVPTSMAPEZhangGilpin checks the smape rule against values worked by
// hand from the definition of Zhang & Gilpin (2025, ICLR, "Zero-shot
// forecasting of chaotic systems"), as coded in williamgilpin/dysts_data,
// benchmark_results/scripts/utils.py (commit 5921a85): horizoned_smape
// takes, for i = 1..nt, dysts' smape (200·mean |x − x̂|/(|x| + |x̂|)) of the
// first i rows, and vpt_smape returns the first index where that array is
// strictly above the threshold (np.where(arr > threshold)), or nt when there
// is none. Every term below is 0 (ŷ = y = 1), 1/2 (ŷ = 3 against 1) or 1.
func TestVPTSMAPEZhangGilpin(t *testing.T) {
	ones := func(n int) *mat.Dense {
		m := mat.NewDense(n, 1, nil)
		for i := 0; i < n; i++ {
			m.Set(i, 0, 1)
		}
		return m
	}
	cases := []struct {
		name     string
		truth    *mat.Dense
		pred     *mat.Dense
		rule     string
		th       float64
		n        int
		censored bool
	}{
		// Pointwise 0, 100, 100, 0; cumulative 0, 50, 66.7, 50.
		{"cumulative crosses at row 1", ones(4), col(1, 3, 3, 1), VPTSMAPE, 0, 1, false},
		// 50 at row 1 equals the threshold: not above it, still valid.
		{"equal to the threshold is valid", ones(4), col(1, 3, 3, 1), VPTSMAPE, 50, 2, false},
		{"never above: the whole length, censored", ones(4), col(1, 3, 3, 1), VPTSMAPE, 70, 4, true},
		// Pointwise 0, 0, 0, 100, 0; cumulative 0, 0, 0, 25, 20: the running
		// mean never reaches 30, the pointwise rule fails at row 3.
		{"one bad row: cumulative stays valid", ones(5), col(1, 1, 1, 3, 1), VPTSMAPE, 0, 5, true},
		{"one bad row: pointwise fails", ones(5), col(1, 1, 1, 3, 1), VPTSMAPEPointwise, 0, 3, false},
		// Two components: row 0 gives 200·mean(0, 1/2) = 50 > 30.
		{"mean over components", mat.NewDense(2, 2, []float64{1, 1, 1, 1}), mat.NewDense(2, 2, []float64{1, 3, 1, 1}), VPTSMAPE, 0, 0, false},
	}
	for _, c := range cases {
		n, censored, err := ValidPredictionSteps(c.truth, c.pred, c.rule, &VPTOptions{Threshold: c.th})
		if err != nil || n != c.n || censored != c.censored {
			t.Errorf("%s: n = %d censored = %v (%v), want %d %v", c.name, n, censored, err, c.n, c.censored)
		}
		// In Lyapunov times the VPT is n·dt/λ-time: dysts_data's notebook
		// divides the index by 30 points per Lyapunov time.
		got, err := ValidPredictionTime(c.truth, c.pred, 1.0/30, 1, c.rule, &VPTOptions{Threshold: c.th})
		if want := float64(c.n) / 30; err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: VPT %v (%v), want %v", c.name, got, err, want)
		}
	}
	e, err := ForecastErrorCurve(ones(4), col(1, 3, 3, 1), VPTSMAPE, nil)
	want := []float64{0, 50, 200.0 / 3, 50}
	for i := range want {
		if err != nil || math.Abs(e[i]-want[i]) > 1e-12 {
			t.Errorf("cumulative sMAPE e[%d] = %v (%v), want %v", i, e[i], err, want[i])
		}
	}
}

func TestWorstValue(t *testing.T) {
	for _, name := range ForecastMetricNames() {
		if math.IsNaN(WorstValue(name, nil)) {
			t.Errorf("%s has no worst value", name)
		}
	}
	if WorstValue("smape", &MetricOptions{SMAPEPercent: true}) != 100 || WorstValue("smape", nil) != 200 {
		t.Error("smape worst value is not its scale")
	}
	// 4 rows at sMAPE 20, then 6 failed rows at 200: (80 + 1200)/10.
	if got := PenalizedSMAPE(20, 4, 10, nil); math.Abs(got-128) > 1e-12 {
		t.Errorf("PenalizedSMAPE = %v, want 128", got)
	}
	if got := PenalizedSMAPE(math.NaN(), 0, 10, &MetricOptions{SMAPEPercent: true}); got != 100 {
		t.Errorf("PenalizedSMAPE with no valid row = %v, want 100", got)
	}
}

func TestErrorVsHorizon(t *testing.T) {
	// mae on (1,2,3) vs (1,3,5): horizons 1, 2, 3 → 0, 1/2, 1.
	got, err := ErrorVsHorizon("mae", col(1, 2, 3), col(1, 3, 5), nil)
	want := []float64{0, 0.5, 1}
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("mae horizon %d = %v, want %v", i+1, got[i], want[i])
		}
	}
}

func TestCompareAttractors(t *testing.T) {
	rows := lorenzSeries(20000, 0.05, 0.01)
	a, b := toDense(rows[:10000]), toDense(rows[10000:])
	opts := &AttractorOptions{
		CorrDim:    &CorrDimOptions{Theiler: 10},
		Rosenstein: &RosensteinOptions{Dim: 5, Lag: 2, Theiler: 40, MaxSteps: 80, Dt: 0.05},
	}
	same, err := CompareAttractors(a, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if same.CorrDimError != 0 || same.LyapunovError != 0 || same.SpectrumDistance > 1e-7 || len(same.Failures) > 0 {
		t.Errorf("self comparison: %+v", same)
	}
	diff, err := CompareAttractors(a, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("two Lorenz segments: %+v", diff)
	if diff.CorrDimError > 0.1 || diff.LyapunovError > 0.15 || diff.SpectrumDistance > 0.45 {
		t.Errorf("two segments of one attractor differ too much: %+v", diff)
	}
	// A forecast collapsed to a fixed point: D2 = 0, the exponent NaN with a
	// reason, no error.
	fixed := mat.NewDense(10000, 3, nil)
	for i := 0; i < 10000; i++ {
		fixed.SetRow(i, []float64{8.48, 8.48, 27})
	}
	bad, err := CompareAttractors(a, fixed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if bad.CorrDimPred != 0 || !math.IsNaN(bad.LyapunovError) || len(bad.Failures) != 1 ||
		bad.SpectrumDistance < diff.SpectrumDistance {
		t.Errorf("fixed point: %+v", bad)
	}
	t.Logf("fixed point: %q", bad.Failures)
}
