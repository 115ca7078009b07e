package metrics

import (
	"math"
	"testing"
)

// Mackey–Glass x' = β x_τ/(1 + x_τ^10) − γ x, β = 0.2, γ = 0.1, τ = 17:
// λ1 ≈ 0.0056 per unit time, the value of the published Lyapunov spectra of
// this equation, which go back to Farmer, "Chaotic attractors of an
// infinite-dimensional dynamical system", Physica D 4, 366–393 (1982).
func TestMackeyGlassLargest(t *testing.T) {
	const beta, gamma, p = 0.2, 0.1, 10.0
	f := func(_ float64, x, xd, dx []float64) {
		dx[0] = beta*xd[0]/(1+math.Pow(xd[0], p)) - gamma*x[0]
	}
	jac := func(_ float64, x, xd, jx, jd []float64) {
		u := math.Pow(xd[0], p)
		jx[0] = -gamma
		jd[0] = beta * (1 + u - p*u) / ((1 + u) * (1 + u))
	}
	hist := func(_ float64, x []float64) { x[0] = 1.2 }
	est, err := DelaySpectrum(f, jac, 17, hist, 1, &DelayOptions{K: 2, N: 170, Transient: 1000, T: 40000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Mackey-Glass τ=17: λ = %.5f ± %.5f, %.5f ± %.5f", est.Exponents[0], est.StdErr[0], est.Exponents[1], est.StdErr[1])
	if math.Abs(est.Exponents[0]-0.0056) > 0.0015 {
		t.Errorf("λ1 = %.5f, want 0.0056 ± 0.0015", est.Exponents[0])
	}
	if math.Abs(est.Exponents[1]) > 0.002 {
		t.Errorf("λ2 = %.5f, want ≈ 0 (flow direction)", est.Exponents[1])
	}
}
