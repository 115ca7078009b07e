package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func col(v ...float64) *mat.Dense { return mat.NewDense(len(v), 1, v) }

// Hand-worked example: y = (1, 2, 3, 4), ŷ = (1, 3, 2, 6).
// e = y − ŷ = (0, −1, 1, −2), |e| = (0, 1, 1, 2), e² = (0, 1, 1, 4).
func TestForecastMetricsHand(t *testing.T) {
	y := col(1, 2, 3, 4)
	p := col(1, 3, 2, 6)
	want := map[string]float64{
		"mse":  1.5,            // 6/4
		"mae":  1,              // 4/4
		"rmse": math.Sqrt(1.5), // 1.2247
		// σ²(y) = mean((−1.5, −.5, .5, 1.5)²) = 1.25; sqrt(mean(e²)/1.25) = sqrt(1.2)
		"nrmse": math.Sqrt(1.2),
		// range 3: 100·mean(|e|)/3
		"marre": 100.0 / 3,
		// 1 − Σe²/Σ(y−ȳ)² = 1 − 6/5
		"r2_score": -0.2,
		// shifted y' = (0,1,2,3), ŷ' = (0,2,1,5); ln(1+·) differences 0, ±ln1.5, ln(6/4)
		"rmsle": math.Sqrt(0.75) * math.Log(1.5),
		// |e|/(|y|+|ŷ|) = (0, 1/5, 1/5, 2/10): mean 0.15, ×200
		"smape": 30,
		// |e/y| = (0, 1/2, 1/3, 1/2): mean 1/3, ×100
		"mape": 100.0 / 3,
		// 100·4/10
		"wape": 40,
		// ranks (1,2,3,4) vs (1,3,2,4): Σd_ad_b = 4, Σd² = 5 each → 0.8
		"spearman": 0.8,
		// Σ(y−2.5)(ŷ−3) = 7, Σ(y−2.5)² = 5, Σ(ŷ−3)² = 14: 7/sqrt(70)
		"pearson": 7 / math.Sqrt(70),
		// 6 pairs: only (2,3) discordant: (5 − 1)/6
		"kendall": 4.0 / 6,
		// mean e = −0.5, std e = sqrt(5/4); 100·1.1180/2.5
		"coefficient_of_variation": 100 * math.Sqrt(1.25) / 2.5,
		// mean|Δy| = 1, mae = 1
		"mase": 1,
		// Σ|e| = 4, Σ|y − 2.5| = 4
		"ope": 1,
	}
	for name, w := range want {
		got, err := Compute(name, y, p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if math.Abs(got-w) > 1e-8*math.Max(1, math.Abs(w)) {
			t.Errorf("%s = %.12g, want %.12g", name, got, w)
		}
	}
	got, _ := ComputeWith("smape", y, p, &MetricOptions{SMAPEPercent: true})
	if math.Abs(got-15) > 1e-9 {
		t.Errorf("smape (0-100) = %g, want 15", got)
	}
	// MASE with a training series (0, 2, 0, 2): mean|Δ| = 2 → 1/2.
	got, _ = ComputeWith("mase", y, p, &MetricOptions{Train: col(0, 2, 0, 2)})
	if math.Abs(got-0.5) > 1e-9 {
		t.Errorf("mase(train) = %g, want 0.5", got)
	}
	// Multivariate: per-column correlations are averaged: col 1 r = 1, col 2 r = −1 → 0.
	y2 := mat.NewDense(3, 2, []float64{1, 1, 2, 2, 3, 3})
	p2 := mat.NewDense(3, 2, []float64{1, 3, 2, 2, 3, 1})
	for _, name := range []string{"pearson", "spearman", "kendall"} {
		if got, _ := Compute(name, y2, p2); math.Abs(got) > 1e-12 {
			t.Errorf("%s multivariate = %g, want 0", name, got)
		}
	}
}

func TestHellingerHand(t *testing.T) {
	// x = (1, 1): DFT (2, 0), p = (1, 0). (1, −1): DFT (0, 2), q = (0, 1): H = 1.
	// (1, 0): DFT (1, 1), q = (1/2, 1/2): H = sqrt(1 − sqrt(1/2)).
	cases := []struct {
		p    *mat.Dense
		want float64
	}{
		{col(1, 1), 0},
		{col(1, -1), 1},
		{col(1, 0), math.Sqrt(1 - math.Sqrt(0.5))},
	}
	for _, c := range cases {
		got, err := Compute("hellinger_distance", col(1, 1), c.p)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("hellinger = %v (%v), want %v", got, err, c.want)
		}
	}
	// Only the first nb bins count: a tone at bin 150 of 1000 is invisible.
	n := 1000
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = math.Sin(2 * math.Pi * 5 * float64(i) / float64(n))
		b[i] = a[i] + math.Sin(2*math.Pi*150*float64(i)/float64(n))
	}
	if got, _ := Compute("hellinger_distance", col(a...), col(b...)); got > 1e-6 {
		t.Errorf("tone beyond 100 bins changed the distance: %g", got)
	}
}

func TestKLDivergence(t *testing.T) {
	// Single points 0 and a, σ² = 1: KL(N(0,1) ‖ N(a,1)) = a²/2; the MC
	// estimate is a²/2 − a·mean(s), s ~ N(0,1).
	const a = 2.0
	got, err := ComputeWith("kl_divergence", col(0), col(a), &MetricOptions{KLSamples: 200000})
	if err != nil || math.Abs(got-a*a/2) > 0.03 {
		t.Errorf("KL = %v (%v), want %v ± 0.03", got, err, a*a/2)
	}
	y := col(0, 1, 2, 3, 5)
	if got, _ := Compute("kl_divergence", y, y); got != 0 {
		t.Errorf("KL(p‖p) = %g, want 0", got)
	}
	// Far apart: large but finite (log-sum-exp).
	if got, _ := Compute("kl_divergence", col(0), col(1e3)); math.IsInf(got, 0) || got < 1e5 {
		t.Errorf("KL far apart = %g", got)
	}
	// Deterministic.
	g1, _ := Compute("kl_divergence", col(0, 1, 2), col(0.5, 1.5, 3))
	g2, _ := Compute("kl_divergence", col(0, 1, 2), col(0.5, 1.5, 3))
	if g1 != g2 {
		t.Error("KL not deterministic")
	}
}

func TestMutualInformation(t *testing.T) {
	// Bivariate Gaussian with correlation ρ: I = −½ ln(1 − ρ²) nats.
	rng := rand.New(rand.NewPCG(1, 2))
	const n, rho = 2000, 0.8
	x, z, w := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		z[i] = rho*x[i] + math.Sqrt(1-rho*rho)*rng.NormFloat64()
		w[i] = rng.NormFloat64()
	}
	want := -0.5 * math.Log(1-rho*rho) // 0.5108
	got, err := Compute("mutual_information", col(x...), col(z...))
	if err != nil || math.Abs(got-want) > 0.04 {
		t.Errorf("MI = %v (%v), want %.4f ± 0.04", got, err, want)
	}
	if got, _ := Compute("mutual_information", col(x...), col(w...)); got > 0.03 {
		t.Errorf("MI independent = %g, want ≈ 0", got)
	}
}

func TestForecastEdgeCases(t *testing.T) {
	c := col(2, 2, 2, 2)
	p := col(1, 2, 3, 4)
	all, err := ComputeAll(c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"r2_score", "pearson", "spearman", "kendall", "ope"} {
		if !math.IsNaN(all[name]) {
			t.Errorf("%s with constant truth = %g, want NaN", name, all[name])
		}
	}
	for _, name := range []string{"nrmse", "marre", "mase"} {
		if v := all[name]; math.IsNaN(v) || math.IsInf(v, 0) || v < 1e4 {
			t.Errorf("%s with constant truth = %g, want a huge finite value (eps denominator)", name, v)
		}
	}
	// Zeros: sMAPE of 0 vs 0 is 0; MAPE with zero truth is huge but finite.
	z := col(0, 0)
	if v, _ := Compute("smape", z, z); v != 0 {
		t.Errorf("smape(0,0) = %g", v)
	}
	if v, _ := Compute("mape", z, col(1, 1)); v != 100/1e-10 {
		t.Errorf("mape zero truth = %g, want 1e12", v)
	}
	if v, _ := Compute("hellinger_distance", z, col(1, 1)); !math.IsNaN(v) {
		t.Errorf("hellinger of a zero spectrum = %g, want NaN", v)
	}
	// Errors.
	if _, err := Compute("mse", col(1, math.NaN()), col(1, 2)); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN input: err = %v, want ErrNonFinite", err)
	}
	if _, err := Compute("mse", col(1, 2), col(1, math.Inf(1))); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Inf input: err = %v", err)
	}
	if _, err := Compute("mse", col(1, 2), col(1, 2, 3)); err == nil {
		t.Error("shape mismatch accepted")
	}
	if _, err := Compute("nope", col(1), col(1)); err == nil {
		t.Error("unknown metric accepted")
	}
	if _, err := Compute("mse", nil, col(1)); err == nil {
		t.Error("nil accepted")
	}
	if _, err := Compute("mase", col(1), col(1)); err == nil {
		t.Error("mase with a single point accepted")
	}
	// Every metric on a single row or a perfect forecast does not panic.
	for _, name := range ForecastMetricNames() {
		_, _ = Compute(name, col(3), col(4))
		v, err := Compute(name, p, p)
		if err != nil {
			t.Errorf("%s perfect: %v", name, err)
		}
		_ = v
	}
	if n := len(ForecastMetricNames()); n != 19 {
		t.Errorf("%d metric names, want 19", n)
	}
}

// BenchmarkKLDivergenceLong is the long-horizon task's KL divergence: 5,000
// points of a three-dimensional orbit, 1,000 samples (the default).
func BenchmarkKLDivergenceLong(b *testing.B) {
	const n = 5000
	y, p := mat.NewDense(n, 3, nil), mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		t := float64(i) * 0.01
		y.SetRow(i, []float64{math.Sin(t), math.Cos(1.3 * t), math.Sin(0.7 * t)})
		p.SetRow(i, []float64{math.Sin(t + 0.1), math.Cos(1.3*t + 0.2), math.Sin(0.7 * t)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute("kl_divergence", y, p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKendallMatchesPairCount checks Knight's O(n log n) τ_b against the
// count over all pairs, bit for bit, on series with many ties (values drawn
// from a few levels), no ties, constants, signed zeros and non-finite values.
func TestKendallMatchesPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	draw := func(n, levels int) []float64 {
		s := make([]float64, n)
		for i := range s {
			if levels == 0 {
				s[i] = rng.NormFloat64()
			} else {
				s[i] = float64(rng.IntN(levels)) - float64(levels)/2
			}
		}
		return s
	}
	cases := map[string][2][]float64{
		"empty":          {{}, {}},
		"one":            {{1}, {2}},
		"constant a":     {{3, 3, 3, 3}, {1, 2, 3, 4}},
		"signed zeros":   {{0, math.Copysign(0, -1), 1, 2}, {1, 1, math.Copysign(0, -1), 0}},
		"nan":            {{1, math.NaN(), 3, 2}, {1, 2, 3, 4}},
		"inf":            {{1, math.Inf(1), 3, math.Inf(-1)}, {4, 2, math.Inf(1), 1}},
		"two levels":     {draw(300, 2), draw(300, 2)},
		"few levels":     {draw(1001, 7), draw(1001, 5)},
		"ties in a only": {draw(500, 10), draw(500, 0)},
		"continuous":     {draw(2000, 0), draw(2000, 0)},
	}
	for name, c := range cases {
		got, want := kendallTauB(c[0], c[1]), kendallTauBPairs(c[0], c[1])
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("%s: Knight %v, pair count %v", name, got, want)
		}
	}
}

// BenchmarkKendallLong is kendall on one 5,000-point column (the long task).
func BenchmarkKendallLong(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, 5000), make([]float64, 5000)
	for i := range x {
		x[i] = math.Sin(float64(i) * 0.01)
		y[i] = x[i] + 0.1*rng.NormFloat64()
	}
	for b.Loop() {
		kendallTauB(x, y)
	}
}
