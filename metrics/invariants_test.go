package metrics

import (
	"math"
	"testing"
)

// Reference values: Sprott, Chaos and Time-Series Analysis (Oxford University
// Press, 2003), Appendix A, "Common chaotic systems": Lorenz λ = 0.9056, 0,
// −14.5723, D_KY = 2.06215; Rössler λ = 0.0714, 0, −5.3943, D_KY = 2.0132;
// Hénon λ = 0.41922, −1.62319, D_KY = 1.25827. Exact values where they exist
// (the logistic map at r = 4: ln 2; the sum of the Hénon exponents: ln b, the
// log of its constant Jacobian determinant).

func TestLorenzSpectrum(t *testing.T) {
	est, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1},
		&SpectrumOptions{Transient: 50, T: 1000, Step: 0.01, Tau: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.9056, 0, -14.5723} // Sprott
	for i, w := range want {
		if math.Abs(est.Exponents[i]-w) > 0.015 {
			t.Errorf("λ%d = %.5f ± %.5f, want %.4f ± 0.015", i+1, est.Exponents[i], est.StdErr[i], w)
		}
	}
	trace := -(lorenzSigma + 1 + lorenzBeta) // -13.6667
	if s := est.Sum(); math.Abs(s-trace) > 1e-3 {
		t.Errorf("sum = %.6f, want trace %.6f ± 1e-3", s, trace)
	}
	dky := KaplanYorke(est.Exponents)
	if math.Abs(dky-2.06215) > 0.002 { // Sprott
		t.Errorf("D_KY = %.5f, want 2.06215 ± 0.002", dky)
	}
	t.Logf("Lorenz: λ = %.5f %.5f %.5f (SE %.4f %.4f %.4f), sum %.6f, D_KY %.5f",
		est.Exponents[0], est.Exponents[1], est.Exponents[2],
		est.StdErr[0], est.StdErr[1], est.StdErr[2], est.Sum(), dky)
}

func TestRosslerLargest(t *testing.T) {
	est, err := LargestLyapunov(rosslerRHS, rosslerJac, []float64{1, 1, 0},
		&SpectrumOptions{Transient: 200, T: 20000, Step: 0.02, Tau: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Exponents[0]-0.0714) > 0.004 { // Sprott
		t.Errorf("Rössler λ1 = %.5f ± %.5f, want 0.0714 ± 0.004", est.Exponents[0], est.StdErr[0])
	}
	t.Logf("Rössler λ1 = %.5f ± %.5f", est.Exponents[0], est.StdErr[0])
}

func TestLorenzLargestTwoTrajectory(t *testing.T) {
	est, err := LargestLyapunov(lorenzRHS, nil, []float64{1, 1, 1},
		&SpectrumOptions{Transient: 50, T: 500, Step: 0.01, Tau: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Exponents[0]-0.9056) > 0.02 {
		t.Errorf("λ1 = %.5f, want 0.9056 ± 0.02", est.Exponents[0])
	}
	t.Logf("Lorenz two-trajectory λ1 = %.5f ± %.5f", est.Exponents[0], est.StdErr[0])
}

func TestHenonSpectrum(t *testing.T) {
	est, err := MapSpectrum(henonMap, henonJac, []float64{0.1, 0.1}, &MapOptions{Transient: 1000, N: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.41922, -1.62319} // Sprott
	for i, w := range want {
		if math.Abs(est.Exponents[i]-w) > 0.002 {
			t.Errorf("λ%d = %.5f, want %.5f ± 0.002", i+1, est.Exponents[i], w)
		}
	}
	if s := est.Sum(); math.Abs(s-math.Log(henonB)) > 1e-9 {
		t.Errorf("sum = %.12f, want ln 0.3 = %.12f", s, math.Log(henonB))
	}
	t.Logf("Hénon: λ = %.5f %.5f (SE %.5f %.5f), D_KY %.5f", est.Exponents[0], est.Exponents[1],
		est.StdErr[0], est.StdErr[1], KaplanYorke(est.Exponents))
}

func TestLogistic(t *testing.T) {
	est, err := MapSpectrum(logisticMap, logisticJac, []float64{0.1234}, &MapOptions{Transient: 1000, N: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Exponents[0]-math.Ln2) > 1e-3 {
		t.Errorf("λ = %.6f, want ln 2 = %.6f ± 1e-3", est.Exponents[0], math.Ln2)
	}
	t.Logf("logistic r=4: λ = %.6f ± %.6f", est.Exponents[0], est.StdErr[0])
}

func TestKaplanYorke(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{0.9056, 0, -14.5723}, 2 + 0.9056/14.5723},
		{[]float64{-14.5723, 0.9056, 0}, 2 + 0.9056/14.5723}, // order does not matter
		{[]float64{0.41922, -1.62319}, 1 + 0.41922/1.62319},
		{[]float64{-1, -2}, 0},
		{[]float64{1, 0.5}, 2},
		{nil, 0},
	}
	for _, c := range cases {
		if got := KaplanYorke(c.in); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("KaplanYorke(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(KaplanYorke([]float64{math.NaN(), 1})) {
		t.Error("NaN input should give NaN")
	}
}

func TestSpectrumErrors(t *testing.T) {
	if _, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1}, nil); err == nil {
		t.Error("T=0 should be an error")
	}
	if _, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{math.NaN(), 1, 1}, &SpectrumOptions{T: 1}); err == nil {
		t.Error("NaN state should be an error")
	}
	blow := func(_ float64, x, dx []float64) { dx[0] = x[0] * x[0] }
	bj := func(_ float64, x, j []float64) { j[0] = 2 * x[0] }
	if _, err := LyapunovSpectrum(blow, bj, []float64{1}, &SpectrumOptions{T: 10}); err == nil {
		t.Error("blow-up should be an error")
	}
}

func BenchmarkLorenzSpectrum(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1},
			&SpectrumOptions{Transient: 50, T: 1000, Step: 0.01, Tau: 0.1})
		if err != nil {
			b.Fatal(err)
		}
	}
}
