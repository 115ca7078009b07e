package metrics

import (
	"errors"
	"fmt"
	"math"
)

// DelayFunc is the right-hand side of a delay differential equation
// x'(t) = f(t, x(t), x(t−τ)); xd holds x(t−τ). It writes into dx.
type DelayFunc func(t float64, x, xd, dx []float64)

// DelayJacobian writes ∂f/∂x into jx and ∂f/∂x_d into jd (row-major d×d).
type DelayJacobian func(t float64, x, xd, jx, jd []float64)

// DelayOptions configures DelaySpectrum.
type DelayOptions struct {
	// K is the number of exponents (default 1).
	K int
	// N is the number of grid intervals per delay, h = τ/N (default 100).
	N int
	// Transient and T are the discarded and averaged times (T required).
	Transient, T float64
	// Renorm is the re-orthonormalisation interval (default τ), rounded to
	// whole steps.
	Renorm float64
	// Blocks for the standard error (default 20).
	Blocks int
}

// DelaySpectrum estimates the K largest Lyapunov exponents of the delay
// system x'(t) = f(t, x(t), x(t−τ)) with the initial history hist(t, x),
// t ∈ [−τ, 0], from a finite-dimensional approximation (Farmer 1982): the
// history is discretised on N+1 grid points, h = τ/N, and advanced by Heun's
// method of steps,
//
//	k1 = f(t_n, X_n, X_{n−N}),  X̃ = X_n + h k1,
//	k2 = f(t_{n+1}, X̃, X_{n−N+1}),  X_{n+1} = X_n + h (k1 + k2)/2,
//
// a map on R^{(N+1)d}. Its exact tangent map (using ∂f/∂x and ∂f/∂x_d) acts
// on K tangent vectors, which are re-orthonormalised by modified
// Gram-Schmidt every Renorm, and λ_i = (1/T) Σ ln R_ii as for flows. The
// tangent update costs O(K d²) per step thanks to the shift structure.
func DelaySpectrum(f DelayFunc, jac DelayJacobian, tau float64, hist func(t float64, x []float64), d int, opts *DelayOptions) (Estimate, error) {
	if f == nil || jac == nil || hist == nil {
		return Estimate{}, errors.New("metrics: DelaySpectrum needs f, its Jacobians and a history")
	}
	var o DelayOptions
	if opts != nil {
		o = *opts
	}
	if o.K == 0 {
		o.K = 1
	}
	if o.N == 0 {
		o.N = 100
	}
	if o.Renorm == 0 {
		o.Renorm = tau
	}
	if o.Blocks == 0 {
		o.Blocks = 20
	}
	if !(tau > 0) || d < 1 || o.N < 2 || !(o.T > 0) || o.Transient < 0 || !(o.Renorm > 0) || math.IsInf(o.T+o.Transient+tau, 0) {
		return Estimate{}, fmt.Errorf("metrics: invalid delay spectrum settings (tau=%g, d=%d, %+v)", tau, d, o)
	}
	N, K := o.N, o.K
	M := N + 1 // grid points held
	if K > M*d {
		return Estimate{}, fmt.Errorf("metrics: K=%d exceeds the approximation's dimension %d", K, M*d)
	}
	h := tau / float64(N)
	// Ring buffers: slot s holds a grid point; cur is X_n, (cur+1)%M is X_{n−N}.
	X := make([]float64, M*d)
	for i := 0; i < M; i++ { // slot i holds t = −τ + i h
		hist(-tau+float64(i)*h, X[i*d:(i+1)*d])
	}
	if err := checkFinite(X); err != nil {
		return Estimate{}, fmt.Errorf("metrics: history: %w", err)
	}
	cur := M - 1
	V := make([]float64, K*M*d) // tangent vector q: V[q*M*d + slot*d + i]
	for q := 0; q < K; q++ {
		// Start from distinct unit perturbations of the history.
		V[q*M*d+((cur-q%M+M)%M)*d+(q/M)%d] = 1
	}
	k1, k2, xt := make([]float64, d), make([]float64, d), make([]float64, d)
	A1, B1, A2, B2 := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
	dk1, dxt, dk2 := make([]float64, d), make([]float64, d), make([]float64, d)
	// Gram-Schmidt works on a column-major view: vector q is contiguous, so
	// use a small local routine.
	rdiag := make([]float64, K)
	perRenorm := max(int(math.Round(o.Renorm/h)), 1)
	nTrans := int(math.Round(o.Transient/(h*float64(perRenorm)))) * perRenorm
	nAvgBlocks := max(int(math.Round(o.T/(h*float64(perRenorm)))), 1)
	acc := newBlockAcc(K, nAvgBlocks, o.Blocks)
	t := 0.0
	total := nTrans + nAvgBlocks*perRenorm
	for n := 0; n < total; n++ {
		xn := X[cur*d : (cur+1)*d]
		old := (cur + 1) % M
		next := (cur + 2) % M
		xo, xo1 := X[old*d:(old+1)*d], X[next*d:(next+1)*d]
		f(t, xn, xo, k1)
		jac(t, xn, xo, A1, B1)
		for i := range xt {
			xt[i] = xn[i] + h*k1[i]
		}
		f(t+h, xt, xo1, k2)
		jac(t+h, xt, xo1, A2, B2)
		for q := 0; q < K; q++ {
			v := V[q*M*d : (q+1)*M*d]
			vn, vo, vo1 := v[cur*d:(cur+1)*d], v[old*d:(old+1)*d], v[next*d:(next+1)*d]
			for i := 0; i < d; i++ {
				s := 0.0
				for j := 0; j < d; j++ {
					s += A1[i*d+j]*vn[j] + B1[i*d+j]*vo[j]
				}
				dk1[i] = s
			}
			for i := 0; i < d; i++ {
				dxt[i] = vn[i] + h*dk1[i]
			}
			for i := 0; i < d; i++ {
				s := 0.0
				for j := 0; j < d; j++ {
					s += A2[i*d+j]*dxt[j] + B2[i*d+j]*vo1[j]
				}
				dk2[i] = s
			}
			for i := 0; i < d; i++ {
				vo[i] = vn[i] + h/2*(dk1[i]+dk2[i]) // overwrite the oldest slot
			}
		}
		for i := 0; i < d; i++ {
			xo[i] = xn[i] + h/2*(k1[i]+k2[i])
		}
		cur = old
		t += h
		if (n+1)%perRenorm == 0 {
			if err := checkFinite(X[cur*d : (cur+1)*d]); err != nil {
				return Estimate{}, fmt.Errorf("metrics: delay system at t=%g: %w", t, err)
			}
			if err := mgsRows(V, K, M*d, rdiag); err != nil {
				return Estimate{}, fmt.Errorf("%w at t=%g", err, t)
			}
			if n >= nTrans {
				acc.add((n+1-nTrans)/perRenorm-1, rdiag)
			}
		}
	}
	est := acc.estimate(h * float64(perRenorm))
	est.Time = float64(nAvgBlocks*perRenorm) * h
	est.X = append([]float64(nil), X[cur*d:(cur+1)*d]...)
	return est, nil
}

// mgsRows orthonormalises the k contiguous vectors of length m stored in v
// by modified Gram-Schmidt with re-orthogonalisation.
func mgsRows(v []float64, k, m int, rdiag []float64) error {
	for j := 0; j < k; j++ {
		vj := v[j*m : (j+1)*m]
		for pass := 0; pass < 2; pass++ {
			for p := 0; p < j; p++ {
				vp := v[p*m : (p+1)*m]
				dot := 0.0
				for i := range vj {
					dot += vp[i] * vj[i]
				}
				for i := range vj {
					vj[i] -= dot * vp[i]
				}
			}
		}
		nrm := 0.0
		for _, x := range vj {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		if !(nrm > 0) || math.IsInf(nrm, 0) {
			return fmt.Errorf("%w: tangent vector %d has norm %g", ErrNonFinite, j, nrm)
		}
		for i := range vj {
			vj[i] /= nrm
		}
		rdiag[j] = nrm
	}
	return nil
}
