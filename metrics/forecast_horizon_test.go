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
	// smape row 1: 200·mean(0.3/1.7, 0.6/3.4) = 35.3 > 30 → 1 row.
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
		{VPTSMAPE, 0, 1 * dt / lt},
		{VPTVlachas, 0.35, 2 * dt / lt},
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
