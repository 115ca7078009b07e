package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Func is the right-hand side of an ordinary differential equation
// dx/dt = f(t, x). It writes f(t, x) into dx and must not retain x or dx.
type Func func(t float64, x, dx []float64)

// Jacobian writes the Jacobian matrix ∂f/∂x of a Func at (t, x) into jac,
// row-major: jac[i*d+j] = ∂f_i/∂x_j.
type Jacobian func(t float64, x, jac []float64)

// Map is a discrete-time system x_{n+1} = g(x_n). It writes g(x) into next.
type Map func(x, next []float64)

// MapJacobian writes the Jacobian ∂g/∂x of a Map at x into jac, row-major.
type MapJacobian func(x, jac []float64)

// ErrNonFinite is returned (wrapped) when a computation meets NaN or ±Inf in
// its input or when an integration blows up.
var ErrNonFinite = errors.New("metrics: non-finite value")

// SpectrumOptions configures LyapunovSpectrum and LargestLyapunov.
// The zero value of every field selects the documented default.
type SpectrumOptions struct {
	// K is the number of exponents to compute (default: the dimension d).
	K int
	// T0 is the initial time (default 0).
	T0 float64
	// Transient is the time integrated before averaging starts; during it the
	// tangent vectors are also evolved and re-orthonormalised (without
	// accumulating) so that they align with the Lyapunov vectors. Default 0.
	Transient float64
	// T is the averaging time. Required (> 0).
	T float64
	// Tau is the re-orthonormalisation interval (default 10*Step). Tau is
	// rounded so that Transient and T hold whole intervals.
	Tau float64
	// Method names the package solvers integrator run on the extended
	// (state + tangent) system: "rk4" (default; fixed step Step) or an
	// adaptive method such as "dopri5", "tsit5" or "dop853" (tolerances
	// Rtol/Atol, initial step Step).
	Method string
	// Step is the fixed step of "rk4" (default 0.01) and the initial step of
	// adaptive methods.
	Step float64
	// Rtol and Atol are the tolerances of adaptive methods (default 1e-10).
	Rtol, Atol float64
	// Blocks is the number of equal blocks of the averaging period whose
	// means give the standard error (default 20, at most the number of
	// re-orthonormalisations).
	Blocks int
}

// Estimate is a set of Lyapunov exponents with standard errors.
type Estimate struct {
	// Exponents in decreasing order of the QR columns (λ1 ≥ λ2 ≥ … in
	// practice); per unit time for flows and per iteration for maps.
	Exponents []float64
	// StdErr[i] is the standard error of Exponents[i] estimated from the
	// spread of B block means: sd(block means)/sqrt(B).
	StdErr []float64
	// Time is the averaging time (flows) or number of iterations (maps).
	Time float64
	// X is the final state of the reference trajectory.
	X []float64
}

// Sum returns the sum of the exponents.
func (e Estimate) Sum() float64 {
	s := 0.0
	for _, v := range e.Exponents {
		s += v
	}
	return s
}

func (o *SpectrumOptions) defaults(d int) (SpectrumOptions, error) {
	var p SpectrumOptions
	if o != nil {
		p = *o
	}
	if d <= 0 {
		return p, errors.New("metrics: empty initial state")
	}
	if p.K == 0 {
		p.K = d
	}
	if p.K < 0 || p.K > d {
		return p, fmt.Errorf("metrics: K=%d outside [1, %d]", p.K, d)
	}
	if !(p.T > 0) || math.IsInf(p.T, 0) {
		return p, fmt.Errorf("metrics: averaging time T=%g must be positive and finite", p.T)
	}
	if p.Transient < 0 || math.IsNaN(p.Transient) || math.IsInf(p.Transient, 0) {
		return p, fmt.Errorf("metrics: transient %g must be non-negative and finite", p.Transient)
	}
	if p.Step == 0 {
		p.Step = 0.01
	}
	if !(p.Step > 0) {
		return p, fmt.Errorf("metrics: step %g must be positive", p.Step)
	}
	if p.Tau == 0 {
		p.Tau = 10 * p.Step
	}
	if !(p.Tau > 0) {
		return p, fmt.Errorf("metrics: tau %g must be positive", p.Tau)
	}
	if p.Method == "" {
		p.Method = "rk4"
	}
	if p.Rtol == 0 {
		p.Rtol = 1e-10
	}
	if p.Atol == 0 {
		p.Atol = 1e-10
	}
	if p.Blocks == 0 {
		p.Blocks = 20
	}
	if p.Blocks < 1 {
		return p, fmt.Errorf("metrics: blocks %d must be positive", p.Blocks)
	}
	return p, nil
}

// LyapunovSpectrum estimates the K largest Lyapunov exponents of the flow
// dx/dt = f(t, x) from the initial state x0 by the standard QR method
// (Shimada & Nagashima 1979; Benettin et al. 1980): the extended system
//
//	dx/dt = f(t, x),   dQ/dt = J(t, x) Q,   Q ∈ R^{d×K},
//
// is integrated and every Tau time units Q is re-orthonormalised, Q = Q'R,
// by modified Gram-Schmidt (R_ii > 0). After the transient,
//
//	λ_i = (1/T) Σ ln R_ii.
//
// jac must be the exact Jacobian; x0 is not modified.
func LyapunovSpectrum(f Func, jac Jacobian, x0 []float64, opts *SpectrumOptions) (Estimate, error) {
	if f == nil || jac == nil {
		return Estimate{}, errors.New("metrics: LyapunovSpectrum needs f and its Jacobian")
	}
	p, err := opts.defaults(len(x0))
	if err != nil {
		return Estimate{}, err
	}
	if err := checkFinite(x0); err != nil {
		return Estimate{}, err
	}
	d, k := len(x0), p.K
	ts := newTangentSystem(f, jac, d, k)
	y := make([]float64, d+d*k)
	copy(y, x0)
	q := y[d:]
	for i := 0; i < k; i++ {
		q[i*k+i] = 1 // rows i, column i: identity columns
	}
	st, err := newStepper(p.Method, ts.rhs, len(y), p)
	if err != nil {
		return Estimate{}, err
	}
	return runQR(st, y, d, k, p)
}

// runQR drives the transient and averaging phases shared by flows.
func runQR(st stepper, y []float64, d, k int, p SpectrumOptions) (Estimate, error) {
	q := y[d:]
	rdiag := make([]float64, k)
	t := p.T0
	// Whole intervals of length tau.
	nTrans := int(math.Round(p.Transient / p.Tau))
	nAvg := int(math.Round(p.T / p.Tau))
	if nAvg < 1 {
		nAvg = 1
	}
	for n := 0; n < nTrans; n++ {
		if err := st.advance(t, p.Tau, y); err != nil {
			return Estimate{}, err
		}
		t += p.Tau
		if err := mgs(q, d, k, rdiag); err != nil {
			return Estimate{}, fmt.Errorf("%w at t=%g", err, t)
		}
	}
	acc := newBlockAcc(k, nAvg, p.Blocks)
	for n := 0; n < nAvg; n++ {
		if err := st.advance(t, p.Tau, y); err != nil {
			return Estimate{}, err
		}
		t += p.Tau
		if err := mgs(q, d, k, rdiag); err != nil {
			return Estimate{}, fmt.Errorf("%w at t=%g", err, t)
		}
		acc.add(n, rdiag)
	}
	est := acc.estimate(p.Tau)
	est.Time = float64(nAvg) * p.Tau
	est.X = append([]float64(nil), y[:d]...)
	return est, nil
}

// LargestLyapunov estimates the largest Lyapunov exponent of the flow
// dx/dt = f(t, x) by Benettin's method. With a Jacobian, one tangent vector v
// (dv/dt = J v) is integrated along the orbit and renormalised every Tau:
// λ1 = (1/T) Σ ln‖v‖. With jac == nil, the two-trajectory variant is used: a
// companion orbit at distance d0 = 1e-8 is pulled back to distance d0 along
// the separation every Tau, λ1 = (1/T) Σ ln(d/d0). opts.K is ignored.
func LargestLyapunov(f Func, jac Jacobian, x0 []float64, opts *SpectrumOptions) (Estimate, error) {
	var o SpectrumOptions
	if opts != nil {
		o = *opts
	}
	o.K = 1
	if jac != nil {
		return LyapunovSpectrum(f, jac, x0, &o)
	}
	if f == nil {
		return Estimate{}, errors.New("metrics: LargestLyapunov needs f")
	}
	p, err := o.defaults(len(x0))
	if err != nil {
		return Estimate{}, err
	}
	if err := checkFinite(x0); err != nil {
		return Estimate{}, err
	}
	d := len(x0)
	const d0 = 1e-8
	// Two copies of the system integrated side by side.
	both := func(t float64, y, dy []float64) {
		f(t, y[:d], dy[:d])
		f(t, y[d:], dy[d:])
	}
	y := make([]float64, 2*d)
	copy(y, x0)
	st, err := newStepper(p.Method, both, 2*d, p)
	if err != nil {
		return Estimate{}, err
	}
	// Initial separation along (1, 1, …)/sqrt(d).
	for i := 0; i < d; i++ {
		y[d+i] = y[i] + d0/math.Sqrt(float64(d))
	}
	r := make([]float64, 1)
	renorm := func() error {
		s := 0.0
		for i := 0; i < d; i++ {
			e := y[d+i] - y[i]
			s += e * e
		}
		dist := math.Sqrt(s)
		if !(dist > 0) || math.IsInf(dist, 0) {
			return fmt.Errorf("%w: separation %g", ErrNonFinite, dist)
		}
		for i := 0; i < d; i++ {
			y[d+i] = y[i] + (y[d+i]-y[i])*d0/dist
		}
		r[0] = dist / d0
		return nil
	}
	t := p.T0
	nTrans := int(math.Round(p.Transient / p.Tau))
	nAvg := max(int(math.Round(p.T/p.Tau)), 1)
	acc := newBlockAcc(1, nAvg, p.Blocks)
	for n := 0; n < nTrans+nAvg; n++ {
		if err := st.advance(t, p.Tau, y); err != nil {
			return Estimate{}, err
		}
		t += p.Tau
		if err := renorm(); err != nil {
			return Estimate{}, err
		}
		if n >= nTrans {
			acc.add(n-nTrans, r)
		}
	}
	est := acc.estimate(p.Tau)
	est.Time = float64(nAvg) * p.Tau
	est.X = append([]float64(nil), y[:d]...)
	return est, nil
}

// MapOptions configures MapSpectrum.
type MapOptions struct {
	// K is the number of exponents (default: the dimension).
	K int
	// Transient iterations discarded (tangent vectors are aligned during them).
	Transient int
	// N is the number of averaged iterations. Required (> 0).
	N int
	// Reorth is the number of iterations between QR factorisations
	// (default 1; larger values are faster but risk overflow for
	// strongly expanding maps).
	Reorth int
	// Blocks for the standard error (default 20).
	Blocks int
}

// MapSpectrum estimates the K largest Lyapunov exponents (per iteration) of
// the map x_{n+1} = g(x_n) by QR factorisation of the product of Jacobians:
// Q_{n+1} R_{n+1} = J(x_n) Q_n, λ_i = (1/N) Σ ln R_ii. A zero R_ii (the orbit
// hitting a critical point, e.g. x = 1/2 of the logistic map) is an error.
func MapSpectrum(g Map, jac MapJacobian, x0 []float64, opts *MapOptions) (Estimate, error) {
	if g == nil || jac == nil {
		return Estimate{}, errors.New("metrics: MapSpectrum needs the map and its Jacobian")
	}
	var p MapOptions
	if opts != nil {
		p = *opts
	}
	d := len(x0)
	if d == 0 {
		return Estimate{}, errors.New("metrics: empty initial state")
	}
	if p.K == 0 {
		p.K = d
	}
	if p.K < 0 || p.K > d {
		return Estimate{}, fmt.Errorf("metrics: K=%d outside [1, %d]", p.K, d)
	}
	if p.N <= 0 {
		return Estimate{}, fmt.Errorf("metrics: N=%d iterations must be positive", p.N)
	}
	if p.Transient < 0 {
		return Estimate{}, fmt.Errorf("metrics: negative transient %d", p.Transient)
	}
	if p.Reorth == 0 {
		p.Reorth = 1
	}
	if p.Reorth < 0 {
		return Estimate{}, fmt.Errorf("metrics: Reorth=%d must be positive", p.Reorth)
	}
	if p.Blocks == 0 {
		p.Blocks = 20
	}
	if err := checkFinite(x0); err != nil {
		return Estimate{}, err
	}
	k := p.K
	x := append([]float64(nil), x0...)
	next := make([]float64, d)
	J := make([]float64, d*d)
	q := make([]float64, d*k)
	tmp := make([]float64, d*k)
	for i := 0; i < k; i++ {
		q[i*k+i] = 1
	}
	rdiag := make([]float64, k)
	nq := (p.N + p.Reorth - 1) / p.Reorth
	acc := newBlockAcc(k, nq, p.Blocks)
	total := p.Transient + p.N
	iq := 0
	for n := 0; n < total; n++ {
		jac(x, J)
		matMul(tmp, J, q, d, d, k)
		q, tmp = tmp, q
		g(x, next)
		x, next = next, x
		done := n + 1
		if done%p.Reorth == 0 || done == total || done == p.Transient {
			if err := mgs(q, d, k, rdiag); err != nil {
				return Estimate{}, fmt.Errorf("%w at iteration %d", err, n)
			}
			if done > p.Transient {
				acc.add(iq, rdiag)
				iq++
			}
		}
	}
	if err := checkFinite(x); err != nil {
		return Estimate{}, err
	}
	est := acc.estimateTotal(float64(p.N))
	est.Time = float64(p.N)
	est.X = x
	return est, nil
}

// KaplanYorke returns the Kaplan-Yorke (Lyapunov) dimension
//
//	D_KY = j + (λ1 + … + λj) / |λ_{j+1}|,
//
// where the exponents are sorted in decreasing order and j is the largest
// index with λ1 + … + λj ≥ 0 (Kaplan & Yorke 1979). It returns 0 when
// λ1 < 0 and len(spectrum) when the full sum is non-negative. NaN in the
// input gives NaN.
func KaplanYorke(spectrum []float64) float64 {
	if len(spectrum) == 0 {
		return 0
	}
	s := append([]float64(nil), spectrum...)
	for _, v := range s {
		if math.IsNaN(v) {
			return math.NaN()
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	sum := 0.0
	for j, v := range s {
		if sum+v < 0 {
			if j == 0 {
				return 0
			}
			return float64(j) + sum/math.Abs(v)
		}
		sum += v
	}
	return float64(len(s))
}

// mgs orthonormalises the k columns of the row-major d×k matrix q in place by
// modified Gram-Schmidt with one re-orthogonalisation pass, writing the
// diagonal of R (positive) into rdiag.
func mgs(q []float64, d, k int, rdiag []float64) error {
	for j := 0; j < k; j++ {
		for pass := 0; pass < 2; pass++ {
			for p := 0; p < j; p++ {
				dot := 0.0
				for i := 0; i < d; i++ {
					dot += q[i*k+p] * q[i*k+j]
				}
				for i := 0; i < d; i++ {
					q[i*k+j] -= dot * q[i*k+p]
				}
			}
		}
		nrm := 0.0
		for i := 0; i < d; i++ {
			nrm += q[i*k+j] * q[i*k+j]
		}
		nrm = math.Sqrt(nrm)
		if !(nrm > 0) || math.IsInf(nrm, 0) {
			return fmt.Errorf("%w: tangent vector %d has norm %g", ErrNonFinite, j, nrm)
		}
		inv := 1 / nrm
		for i := 0; i < d; i++ {
			q[i*k+j] *= inv
		}
		rdiag[j] = nrm
	}
	return nil
}

// matMul computes c = a·b for row-major a (m×n), b (n×p), c (m×p).
func matMul(c, a, b []float64, m, n, p int) {
	b = b[:n*p]
	for i := 0; i < m; i++ {
		arow := a[i*n : i*n+n]
		crow := c[i*p : i*p+p]
		for j := range crow {
			s := 0.0
			for l, av := range arow {
				s += av * b[l*p+j]
			}
			crow[j] = s
		}
	}
}

// blockAcc accumulates ln R_ii per interval into B blocks.
type blockAcc struct {
	k, n, b int
	sums    []float64 // b×k
	counts  []int
}

func newBlockAcc(k, n, b int) *blockAcc {
	b = max(min(b, n), 1)
	return &blockAcc{k: k, n: n, b: b, sums: make([]float64, b*k), counts: make([]int, b)}
}

func (a *blockAcc) add(i int, r []float64) {
	blk := i * a.b / a.n
	if blk >= a.b {
		blk = a.b - 1
	}
	a.counts[blk]++
	for j := 0; j < a.k; j++ {
		a.sums[blk*a.k+j] += math.Log(r[j])
	}
}

// estimate converts sums of logs over intervals of length dt into rates.
func (a *blockAcc) estimate(dt float64) Estimate {
	est := Estimate{Exponents: make([]float64, a.k), StdErr: make([]float64, a.k)}
	total := 0
	for _, c := range a.counts {
		total += c
	}
	for j := 0; j < a.k; j++ {
		s := 0.0
		for blk := 0; blk < a.b; blk++ {
			s += a.sums[blk*a.k+j]
		}
		est.Exponents[j] = s / (float64(total) * dt)
		est.StdErr[j] = a.blockSE(j, dt, est.Exponents[j])
	}
	return est
}

// estimateTotal divides by a total time (maps: iterations), with blocks
// weighted by their share of intervals.
func (a *blockAcc) estimateTotal(total float64) Estimate {
	n := 0
	for _, c := range a.counts {
		n += c
	}
	return a.estimate(total / float64(n))
}

func (a *blockAcc) blockSE(j int, dt, mean float64) float64 {
	if a.b < 2 {
		return math.NaN()
	}
	ss, nb := 0.0, 0
	for blk := 0; blk < a.b; blk++ {
		if a.counts[blk] == 0 {
			continue
		}
		m := a.sums[blk*a.k+j] / (float64(a.counts[blk]) * dt)
		ss += (m - mean) * (m - mean)
		nb++
	}
	if nb < 2 {
		return math.NaN()
	}
	return math.Sqrt(ss / float64(nb-1) / float64(nb))
}

func checkFinite(x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w at index %d", ErrNonFinite, i)
		}
	}
	return nil
}
