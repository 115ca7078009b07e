package metrics

import (
	"math"
	"testing"
)

// The spectrum through package solvers' adaptive methods agrees with the
// built-in RK4 path (Sprott: 0.9056, 0, −14.5723).
func TestLorenzSpectrumSolvers(t *testing.T) {
	for _, m := range []string{"dopri5", "tsit5"} {
		est, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1},
			&SpectrumOptions{Transient: 20, T: 200, Tau: 0.1, Method: m, Rtol: 1e-9, Atol: 1e-9})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		want := []float64{0.9056, 0, -14.5723}
		for i, w := range want {
			if math.Abs(est.Exponents[i]-w) > 0.05 {
				t.Errorf("%s: λ%d = %.4f, want %.4f ± 0.05 (T=200)", m, i+1, est.Exponents[i], w)
			}
		}
		if s := est.Sum(); math.Abs(s+13.6667) > 1e-3 {
			t.Errorf("%s: sum %.5f", m, s)
		}
		t.Logf("%s: %.4f %.4f %.4f", m, est.Exponents[0], est.Exponents[1], est.Exponents[2])
	}
	if _, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1}, &SpectrumOptions{T: 1, Method: "nope"}); err == nil {
		t.Error("unknown method accepted")
	}
}

func BenchmarkLorenzSpectrumMethods(b *testing.B) {
	for _, m := range []string{"rk4", "dopri5", "tsit5"} {
		b.Run(m, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := LyapunovSpectrum(lorenzRHS, lorenzJac, []float64{1, 1, 1},
					&SpectrumOptions{Transient: 50, T: 1000, Tau: 0.1, Method: m, Rtol: 1e-8, Atol: 1e-8})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
