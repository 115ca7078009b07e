package metrics

import (
	"math"
	"testing"
)

// Rosenstein, Collins & De Luca, "A practical method for calculating largest
// Lyapunov exponents from small data sets", Physica D 65, 117–134 (1993), on
// Lorenz x(t) must recover λ1 = 0.9056 (Sprott, Chaos and Time-Series
// Analysis, 2003, Appendix A) when the divergence curve is fitted over 1–3
// time units; fitted earlier, it gives about twice that. Protocol: dt = 0.01,
// 200 time units, embedding m = 5, lag 10, Theiler window 100, 400 steps.
func TestRosensteinLorenz(t *testing.T) {
	rows := lorenzSeries(20001, 0.01, 0.01)
	x := make([]float64, len(rows))
	for i, r := range rows {
		x[i] = r[0]
	}
	o := RosensteinOptions{Dim: 5, Lag: 10, Theiler: 100, MaxSteps: 400, Dt: 0.01, FitStart: 1, FitEnd: 3}
	res, err := Rosenstein(x, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fit [1,3]: λ = %.4f ± %.4f (%d pairs)", res.Lambda, res.StdErr, res.Pairs)
	if math.Abs(res.Lambda-0.9056)/0.9056 > 0.05 {
		t.Errorf("λ = %.4f, want 0.9056 within 5%%", res.Lambda)
	}
	o.FitStart, o.FitEnd = 0, 0
	auto, err := Rosenstein(x, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("auto fit [%.2f, %.2f]: λ = %.4f ± %.4f", auto.FitStart, auto.FitEnd, auto.Lambda, auto.StdErr)
	for k := 0; k < 400; k += 25 {
		t.Logf("t=%.2f y=%.4f", auto.Times[k], auto.Divergence[k])
	}
	if math.Abs(auto.Lambda-0.9056)/0.9056 > 0.15 {
		t.Errorf("auto λ = %.4f, want 0.9056 within 15%%", auto.Lambda)
	}
}

func TestPermutationEntropy(t *testing.T) {
	// Bandt & Pompe (2002) example: x = (4, 7, 9, 10, 6, 11, 3), order 3:
	// patterns 012, 012, 201, 102, 201 → p = (2/5, 2/5, 1/5),
	// H = −(0.8 ln 0.4 + 0.2 ln 0.2) = 1.054920 nats (1.52 bits), / ln 6.
	got, err := PermutationEntropy([]float64{4, 7, 9, 10, 6, 11, 3}, 3, 1)
	want := -(0.8*math.Log(0.4) + 0.2*math.Log(0.2)) / math.Log(6) // 0.588765
	if err != nil || math.Abs(got-want) > 1e-12 {
		t.Errorf("PE = %v (%v), want %v", got, err, want)
	}
	mono := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	if got, _ := PermutationEntropy(mono, 4, 1); got != 0 {
		t.Errorf("monotone PE = %g, want 0", got)
	}
	rng := newTestRand()
	noise := make([]float64, 20000)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	if got, _ := PermutationEntropy(noise, 4, 1); got < 0.99 {
		t.Errorf("white-noise PE = %g, want ≈ 1", got)
	}
	if _, err := PermutationEntropy(mono, 1, 1); err == nil {
		t.Error("order 1 accepted")
	}
	if _, err := PermutationEntropy([]float64{1, math.NaN(), 2}, 2, 1); err == nil {
		t.Error("NaN accepted")
	}
}

func TestSampleEntropy(t *testing.T) {
	// x = (1, 2, 3, 1, 2, 4), m = 1, r = 0.5: templates (1, 2, 3, 1, 2);
	// matching pairs (0,3), (1,4): B = 2; extended, only (0,3) still
	// matches (2 = 2; 3 ≠ 4): A = 1. SampEn = −ln(1/2) = ln 2.
	got, err := SampleEntropy([]float64{1, 2, 3, 1, 2, 4}, 1, 0.5)
	if err != nil || math.Abs(got-math.Ln2) > 1e-12 {
		t.Errorf("SampEn = %v (%v), want ln 2", got, err)
	}
	if got, _ := SampleEntropy([]float64{1, 2, 3, 4}, 1, 0.1); !math.IsNaN(got) {
		t.Errorf("no matches: %g, want NaN", got)
	}
	if got, _ := SampleEntropy([]float64{1, 2, 1, 3}, 1, 0.1); !math.IsInf(got, 1) {
		t.Errorf("B>0, A=0: %g, want +Inf", got)
	}
}

func TestMultiscaleEntropyWhiteNoise(t *testing.T) {
	// Gaussian white noise, m = 2, r = 0.15 σ: coarse-graining at scale τ
	// leaves white noise of variance σ²/τ, so (Costa et al. 2002)
	// SampEn(τ) ≈ −ln P(|X−Y| ≤ r) = −ln erf(0.15·sqrt(τ)/2).
	rng := newTestRand()
	x := make([]float64, 4000)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	mse, err := MultiscaleEntropy(x, 2, 0.15, 4)
	if err != nil {
		t.Fatal(err)
	}
	for tau, got := range mse {
		want := -math.Log(math.Erf(0.15 * math.Sqrt(float64(tau+1)) / 2))
		if math.Abs(got-want) > 0.12 {
			t.Errorf("scale %d: SampEn = %.3f, want %.3f ± 0.12", tau+1, got, want)
		}
	}
	t.Logf("white-noise MSE: %.3f", mse)
}

// PermutationEntropy must be bitwise reproducible (the invariants stage's
// outputs are cached and compared byte for byte).
func TestPermutationEntropyIsBitwiseDeterministic(t *testing.T) {
	x := make([]float64, 5000)
	v := 0.3
	for i := range x {
		v = 3.99 * v * (1 - v)
		x[i] = v
	}
	first, err := PermutationEntropy(x, 6, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if got, _ := PermutationEntropy(x, 6, 1); math.Float64bits(got) != math.Float64bits(first) {
			t.Fatalf("run %d: %.17g, first run %.17g", i, got, first)
		}
	}
}
