package solvers

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// SDEProblem is an Ito SDE with diagonal additive noise
//
//	dy_i = F_i(t, y) dt + Sigma_i dW_i,   y(T0) = Y0.
type SDEProblem struct {
	F     Func
	Sigma []float64 // len(Y0); zero entries are deterministic components
	T0    float64
	Y0    []float64
	Seed  uint64 // seeds a math/rand/v2 PCG stream; equal seeds give equal paths
}

// SDEMethods lists the SDE schemes accepted by SolveSDE: "em" (Euler-Maruyama,
// strong order 1/2 in general, 1 for additive noise) and "heun" (stochastic
// Heun, the trapezoidal predictor-corrector, which for additive noise has
// strong order 1 and weak order 2 for linear drift).
func SDEMethods() []string { return []string{"em", "heun"} }

// SolveSDE integrates an SDE with the fixed step Options.Step (required),
// shortening the step that reaches each output time so that outputs lie on the
// path itself (no interpolation). Stats count steps and drift evaluations.
func SolveSDE(ctx context.Context, method string, p SDEProblem, times []float64, out [][]float64, opts Options) (Stats, error) {
	if method != "em" && method != "heun" {
		return Stats{}, fmt.Errorf("solvers: SolveSDE: unknown method %q (have %v)", method, SDEMethods())
	}
	n := len(p.Y0)
	if p.F == nil || n == 0 || len(p.Sigma) != n {
		return Stats{}, fmt.Errorf("solvers: SolveSDE: need F, Y0 and len(Sigma) == len(Y0)")
	}
	if !(opts.Step > 0) {
		return Stats{}, fmt.Errorf("solvers: SolveSDE: set Options.Step > 0")
	}
	if err := checkOutputs(p.T0, n, times, out); err != nil {
		return Stats{}, fmt.Errorf("solvers: %s: %w", method, err)
	}
	maxSteps := opts.MaxSteps
	if maxSteps <= 0 {
		maxSteps = 1_000_000_000
	}
	for _, row := range out {
		for j := range row {
			row[j] = math.NaN()
		}
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15))
	y := append([]float64(nil), p.Y0...)
	f0, f1, yp, dw := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	var st Stats
	t := p.T0
	fail := func(err error, i int, h float64) (Stats, error) {
		return st, &IntegrationError{Method: method, T: t, H: h, Filled: i, Total: len(times), Err: err}
	}
	for i, tOut := range times {
		for t < tOut {
			h := opts.Step
			last := false
			if tOut-t <= h*(1+1e-8) {
				h, last = tOut-t, true
			}
			sq := math.Sqrt(h)
			for j := range dw {
				dw[j] = p.Sigma[j] * sq * rng.NormFloat64()
			}
			p.F(t, y, f0)
			st.RHSEvals++
			if method == "em" {
				for j := range y {
					y[j] += h*f0[j] + dw[j]
				}
			} else {
				for j := range y {
					yp[j] = y[j] + h*f0[j] + dw[j]
				}
				p.F(t+h, yp, f1)
				st.RHSEvals++
				for j := range y {
					y[j] += 0.5*h*(f0[j]+f1[j]) + dw[j]
				}
			}
			if last {
				t = tOut
			} else {
				t += h
			}
			st.Accepted++
			if !allFinite(y) {
				return fail(ErrNonFinite, i, h)
			}
			if st.Accepted%1000 == 0 {
				if err := ctx.Err(); err != nil {
					return fail(err, i, h)
				}
			}
			if st.Accepted >= maxSteps {
				return fail(ErrMaxSteps, i, h)
			}
		}
		copy(out[i], y)
	}
	return st, nil
}
