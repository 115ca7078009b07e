package models

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Ridge solves the ridge-regression (Tikhonov) normal equations
//
//	(XᵀX + αI) W = XᵀY
//
// for W by a Cholesky factorisation, where X is n×p (rows are samples,
// columns features) and Y is n×q. It returns the p×q weight matrix W, so
// that X·W approximates Y. alpha must be non-negative; with alpha = 0 XᵀX
// must be positive definite. When XᵀX+αI is not positive definite to
// working precision (features of very different scales, as raw polynomial
// features of a large attractor), the system is solved by a pseudo-inverse
// from its symmetric eigendecomposition instead, dropping eigenvalues below
// p·ε·λmax; an error is returned only if that fails too.
//
// See Hoerl & Kennard, "Ridge regression: biased estimation for
// nonorthogonal problems", Technometrics 12 (1970).
func Ridge(X, Y *mat.Dense, alpha float64) (*mat.Dense, error) {
	n, p := X.Dims()
	ny, q := Y.Dims()
	if n != ny {
		return nil, fmt.Errorf("models: Ridge: X has %d rows, Y has %d", n, ny)
	}
	if alpha < 0 || math.IsNaN(alpha) {
		return nil, fmt.Errorf("models: Ridge: alpha %g must be non-negative", alpha)
	}
	g := mat.NewSymDense(p, nil)
	g.SymOuterK(1, X.T())
	for i := 0; i < p; i++ {
		g.SetSym(i, i, g.At(i, i)+alpha)
	}
	xty := mat.NewDense(p, q, nil)
	xty.Mul(X.T(), Y)
	return solveSPD(g, xty)
}

// RidgeGram solves (G + αI) W = B given a precomputed Gram matrix G = XᵀX
// (p×p, symmetric) and right-hand side B = XᵀY (p×q). It lets callers that
// accumulate the Gram matrix in a streaming fashion avoid materialising X.
func RidgeGram(G *mat.SymDense, B *mat.Dense, alpha float64) (*mat.Dense, error) {
	p := G.SymmetricDim()
	if r, _ := B.Dims(); r != p {
		return nil, fmt.Errorf("models: RidgeGram: G is %d×%d, B has %d rows", p, p, r)
	}
	g := mat.NewSymDense(p, nil)
	g.CopySym(G)
	for i := 0; i < p; i++ {
		g.SetSym(i, i, g.At(i, i)+alpha)
	}
	return solveSPD(g, B)
}

var errNotPD = errors.New("ridge normal matrix is not positive definite; increase the ridge")

func solveSPD(g *mat.SymDense, b *mat.Dense) (*mat.Dense, error) {
	var ch mat.Cholesky
	if ok := ch.Factorize(g); !ok {
		return solveSymPinv(g, b)
	}
	p, q := b.Dims()
	w := mat.NewDense(p, q, nil)
	if err := ch.SolveTo(w, b); err != nil {
		// A condition-number warning is not fatal: keep the solution if finite.
		var c mat.Condition
		if !errors.As(err, &c) {
			return nil, err
		}
	}
	if !allFinite(w.RawMatrix().Data) {
		return solveSymPinv(g, b)
	}
	return w, nil
}

// solveSymPinv solves g w = b for symmetric g by the pseudo-inverse
// V diag(1/λ) Vᵀ of its eigendecomposition, ignoring eigenvalues at or
// below p·ε·max|λ| (the numerically null directions).
func solveSymPinv(g *mat.SymDense, b *mat.Dense) (*mat.Dense, error) {
	var es mat.EigenSym
	if !es.Factorize(g, true) {
		return nil, errNotPD
	}
	vals := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	top := 0.0
	for _, l := range vals {
		top = math.Max(top, math.Abs(l))
	}
	tol := float64(len(vals)) * 2.220446049250313e-16 * top
	var vtb mat.Dense
	vtb.Mul(v.T(), b)
	r, c := vtb.Dims()
	for i := 0; i < r; i++ {
		inv := 0.0
		if vals[i] > tol {
			inv = 1 / vals[i]
		}
		for j := 0; j < c; j++ {
			vtb.Set(i, j, vtb.At(i, j)*inv)
		}
	}
	w := mat.NewDense(len(vals), c, nil)
	w.Mul(&v, &vtb)
	if !allFinite(w.RawMatrix().Data) {
		return nil, errNotPD
	}
	return w, nil
}

// allFinite reports whether every element of xs is finite.
func allFinite(xs []float64) bool {
	for _, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// hyperInt returns the named hyperparameter rounded to an integer.
func hyperInt(h Hyper, name string) int { return int(math.Round(h[name])) }

// hyperBool reports whether the named hyperparameter is non-zero.
func hyperBool(h Hyper, name string) bool { return h[name] != 0 }

// copyHyper returns an independent copy of h.
func copyHyper(h Hyper) Hyper {
	out := make(Hyper, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// dropAtDefault removes from h, the hyperparameters a model of family will
// store, each of keys that is at the family's default. The keys are
// hyperparameters added after models were first stored: at their default a
// model is fitted as before, and its snapshot keeps the bytes it had.
func dropAtDefault(family string, h Hyper, keys ...string) {
	f, _ := Lookup(family)
	for _, k := range keys {
		if v, ok := h[k]; ok && v == f.Defaults[k] {
			delete(h, k)
		}
	}
}

// colStats returns the per-column mean and (population) standard deviation of x.
func colStats(x *mat.Dense) (mu, sd []float64) {
	n, d := x.Dims()
	mu = make([]float64, d)
	sd = make([]float64, d)
	for j := 0; j < d; j++ {
		var s float64
		for i := 0; i < n; i++ {
			s += x.At(i, j)
		}
		m := s / float64(n)
		var v float64
		for i := 0; i < n; i++ {
			e := x.At(i, j) - m
			v += e * e
		}
		mu[j] = m
		sd[j] = math.Sqrt(v / float64(n))
	}
	return mu, sd
}

// scaler standardises each variable: z = (x − mu) / sd. The identity scaler
// has mu = 0 and sd = 1.
type scaler struct{ mu, sd []float64 }

// newScaler fits a scaler to x, or returns the identity if on is false.
// Constant columns get sd = 1.
func newScaler(x *mat.Dense, on bool) scaler {
	_, d := x.Dims()
	s := scaler{mu: make([]float64, d), sd: make([]float64, d)}
	if !on {
		for j := range s.sd {
			s.sd[j] = 1
		}
		return s
	}
	mu, sd := colStats(x)
	for j := range sd {
		if !(sd[j] > 0) {
			sd[j] = 1
		}
	}
	s.mu, s.sd = mu, sd
	return s
}

func (s scaler) fwd(dst, src []float64) {
	for j := range dst {
		dst[j] = (src[j] - s.mu[j]) / s.sd[j]
	}
}

func (s scaler) inv(dst, src []float64) {
	for j := range dst {
		dst[j] = src[j]*s.sd[j] + s.mu[j]
	}
}

// apply returns the standardised copy of x.
func (s scaler) apply(x *mat.Dense) *mat.Dense {
	n, d := x.Dims()
	out := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		s.fwd(out.RawRowView(i), x.RawRowView(i))
	}
	return out
}

func (s scaler) arrays(prefix string) []Array {
	return []Array{vecArray(prefix+"_mu", s.mu), vecArray(prefix+"_sd", s.sd)}
}

func loadScaler(s Snapshot, prefix string, d int) (scaler, error) {
	mu, err := snapVec(s, prefix+"_mu", d)
	if err != nil {
		return scaler{}, err
	}
	sd, err := snapVec(s, prefix+"_sd", d)
	if err != nil {
		return scaler{}, err
	}
	return scaler{mu: mu, sd: sd}, nil
}

// guardFactor is how many times the training data's largest absolute
// deviation from its mean a forecast may stray before it counts as diverged.
const guardFactor = 1e3

// guard detects divergence: a state is invalid when non-finite or when some
// component deviates from the training mean by more than guardFactor times
// the training data's largest absolute deviation.
type guard struct {
	center []float64
	limit  float64
}

func newGuard(x *mat.Dense) guard {
	n, d := x.Dims()
	mu, _ := colStats(x)
	var dev float64
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			dev = math.Max(dev, math.Abs(x.At(i, j)-mu[j]))
		}
	}
	if !(dev > 0) || math.IsInf(dev, 0) {
		dev = 1
	}
	return guard{center: mu, limit: guardFactor * dev}
}

// check returns "" if x is valid, else the reason it is not.
func (g guard) check(x []float64) string {
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "non-finite state"
		}
		if math.Abs(v-g.center[j]) > g.limit {
			return fmt.Sprintf("state exceeds %g × the training data's largest deviation", guardFactor)
		}
	}
	return ""
}

func (g guard) array() Array {
	return vecArray("guard", append([]float64{g.limit}, g.center...))
}

func loadGuard(s Snapshot, d int) (guard, error) {
	v, err := snapVec(s, "guard", d+1)
	if err != nil {
		return guard{}, err
	}
	return guard{limit: v[0], center: v[1:]}, nil
}

// denseArray flattens m row-major into a named Array.
func denseArray(name string, m *mat.Dense) Array {
	r, c := m.Dims()
	data := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		data = append(data, m.RawRowView(i)...)
	}
	return Array{Name: name, Shape: []int{r, c}, Data: data}
}

// vecArray copies v into a named one-dimensional Array.
func vecArray(name string, v []float64) Array {
	return Array{Name: name, Shape: []int{len(v)}, Data: append([]float64(nil), v...)}
}

// snapDense returns the named two-dimensional array of s as a new matrix.
func snapDense(s Snapshot, name string) (*mat.Dense, error) {
	a := s.Array(name)
	if a == nil {
		return nil, fmt.Errorf("models: %s snapshot: missing array %q", s.Family, name)
	}
	if len(a.Shape) != 2 || a.Shape[0]*a.Shape[1] != len(a.Data) || a.Shape[0] == 0 || a.Shape[1] == 0 {
		return nil, fmt.Errorf("models: %s snapshot: array %q has bad shape %v", s.Family, name, a.Shape)
	}
	return mat.NewDense(a.Shape[0], a.Shape[1], append([]float64(nil), a.Data...)), nil
}

// snapVec returns a copy of the named array of s, which must hold n values
// (any length if n < 0).
func snapVec(s Snapshot, name string, n int) ([]float64, error) {
	a := s.Array(name)
	if a == nil {
		return nil, fmt.Errorf("models: %s snapshot: missing array %q", s.Family, name)
	}
	if n >= 0 && len(a.Data) != n {
		return nil, fmt.Errorf("models: %s snapshot: array %q has %d values, want %d", s.Family, name, len(a.Data), n)
	}
	return append([]float64(nil), a.Data...), nil
}

// checkSnapshot verifies the family name and returns the merged hyperparameters.
func checkSnapshot(s Snapshot, family string) (Hyper, error) {
	if s.Family != family {
		return nil, fmt.Errorf("models: snapshot of %q given to %q", s.Family, family)
	}
	f, ok := Lookup(family)
	if !ok {
		return nil, fmt.Errorf("models: unknown family %q", family)
	}
	return MergeHyper(f, s.Hyper)
}

// checkTrain validates a training matrix: at least minRows rows, all finite.
func checkTrain(family string, x *mat.Dense, minRows int) error {
	if x == nil {
		return fmt.Errorf("models: %s: nil training data", family)
	}
	n, d := x.Dims()
	if n < minRows || d == 0 {
		return fmt.Errorf("models: %s: need at least %d training rows, got %d×%d", family, minRows, n, d)
	}
	for i := 0; i < n; i++ {
		if !allFinite(x.RawRowView(i)) {
			return fmt.Errorf("models: %s: training row %d is not finite", family, i)
		}
	}
	return nil
}

// checkHistory validates the history passed to Forecast.
func checkHistory(family string, h *mat.Dense, need, d, steps int) error {
	if h == nil {
		return fmt.Errorf("models: %s: nil history", family)
	}
	n, c := h.Dims()
	if c != d {
		return fmt.Errorf("models: %s: history has %d columns, model has %d", family, c, d)
	}
	if n < need {
		return fmt.Errorf("models: %s: history has %d rows, need at least %d", family, n, need)
	}
	if steps < 0 {
		return fmt.Errorf("models: %s: negative steps %d", family, steps)
	}
	return nil
}

// nanDense returns an r×c matrix filled with NaN.
func nanDense(r, c int) *mat.Dense {
	data := make([]float64, r*c)
	for i := range data {
		data[i] = math.NaN()
	}
	return mat.NewDense(r, c, data)
}

// newRand returns the PCG generator for one named purpose of a fit, so
// that every random draw derives from the seed alone.
func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^stream))
}

// monomials lists the index tuples (non-decreasing) of all monomials of
// degree lo..hi in n variables, degree by degree, in lexicographic order,
// as itertools.combinations_with_replacement does.
func monomials(n, lo, hi int) [][]int {
	var out [][]int
	for deg := lo; deg <= hi; deg++ {
		idx := make([]int, deg)
		var rec func(pos, start int)
		rec = func(pos, start int) {
			if pos == deg {
				out = append(out, append([]int(nil), idx...))
				return
			}
			for i := start; i < n; i++ {
				idx[pos] = i
				rec(pos+1, i)
			}
		}
		rec(0, 0)
	}
	return out
}

// evalMonomials writes the products of v over each index tuple into dst.
func evalMonomials(dst, v []float64, mons [][]int) {
	for m, idx := range mons {
		p := 1.0
		for _, i := range idx {
			p *= v[i]
		}
		dst[m] = p
	}
}

// stepFunc advances a delay-embedded autoregression by one step: buf holds
// the last L standardised states, oldest first (L·d values), and the
// function writes the next standardised state into next.
type stepFunc func(next, buf []float64)

// rollout runs step autoregressively for steps points after the last row of
// history (which must have at least L rows), mapping states through the
// scaler and checking each new state with the guard. On divergence the
// remaining rows are NaN and a *DivergenceError is returned.
func rollout(family string, history *mat.Dense, steps, L int, sc scaler, g guard, step stepFunc) (*mat.Dense, error) {
	d := len(sc.mu)
	if err := checkHistory(family, history, L, d, steps); err != nil {
		return nil, err
	}
	n, _ := history.Dims()
	buf := make([]float64, L*d)
	for i := 0; i < L; i++ {
		sc.fwd(buf[i*d:(i+1)*d], history.RawRowView(n-L+i))
	}
	out := nanDense(max(steps, 1), d)
	if steps == 0 {
		return out.Slice(0, 0, 0, d).(*mat.Dense), nil
	}
	next := make([]float64, d)
	for t := 0; t < steps; t++ {
		step(next, buf)
		row := out.RawRowView(t)
		sc.inv(row, next)
		if why := g.check(row); why != "" {
			for j := range row {
				row[j] = math.NaN()
			}
			return out, &DivergenceError{Step: t, Reason: why}
		}
		copy(buf, buf[d:])
		copy(buf[(L-1)*d:], next)
	}
	return out, nil
}

// readout is the trained part shared by the linear-readout families
// (linear_ar, nvar, ssm, random_features): weights W (features × d), the
// input scaler and the divergence guard.
type readout struct {
	w  *mat.Dense
	sc scaler
	g  guard
}

// arrays exports W, the guard and the scaler, in that order.
func (r *readout) arrays() []Array {
	return append([]Array{denseArray("W", r.w), r.g.array()}, r.sc.arrays("scale")...)
}

// loadReadout restores W, the scaler and the guard of a snapshot and
// returns them with the state dimension d (W's column count).
func loadReadout(s Snapshot) (readout, int, error) {
	w, err := snapDense(s, "W")
	if err != nil {
		return readout{}, 0, err
	}
	_, d := w.Dims()
	r := readout{w: w}
	if r.sc, err = loadScaler(s, "scale", d); err != nil {
		return readout{}, 0, err
	}
	if r.g, err = loadGuard(s, d); err != nil {
		return readout{}, 0, err
	}
	return r, d, nil
}
