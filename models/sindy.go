package models

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/solvers"
)

// SINDy is sparse identification of nonlinear dynamics (Brunton, Proctor &
// Kutz, "Discovering governing equations from data by sparse identification
// of nonlinear dynamical systems", PNAS 113, 3932–3937, 2016): the vector
// field is sought as a sparse combination of candidate functions,
//
//	ẋ = Θ(x) Ξ,
//
// where Θ(x) holds every monomial of the state up to total degree `degree`
// (constant included, graded lexicographic order 1, x, y, z, x², xy, …) and
// Ξ is found column by column with sequentially thresholded least squares
// (STLSQ, Code 1 of the paper): solve the ridge problem on the active terms,
// drop terms whose coefficient (in the data's units) is below `threshold`,
// and repeat until the active set stops changing or `max_iter` rounds pass.
// Library columns are scaled to unit RMS before each solve, so the ridge
// penalty α‖ξ‖² (per sample) acts evenly on terms of different magnitude;
// coefficients are reported in the original units.
//
// Time derivatives come from the data: `diff` = 0 uses second-order central
// differences (second-order one-sided at the ends), `diff` = 1 a
// Savitzky–Golay derivative (Savitzky & Golay, Anal. Chem. 36, 1964): the
// slope of a cubic least-squares fit over `window` points.
//
// Forecast integrates the discovered ODE from the last history point with
// the Dormand–Prince 5(4) method of the solvers package at tolerances rtol
// and atol, using its dense output at the sampling times.
type SINDy struct {
	hyper      Hyper
	d, degree  int
	dt         float64
	rtol, atol float64
	lib        sindyLibrary
	coef       *mat.Dense // terms × variables, original units
	scale      nnScale
	sparse     [][]sindyTerm // nonzero terms per variable
}

// sindyTerm is one nonzero coefficient of an equation.
type sindyTerm struct {
	k int
	c float64
}

func init() {
	register(Family{
		Name:    "sindy",
		Summary: "sparse identification of nonlinear dynamics: polynomial library + sequentially thresholded least squares, forecast by integrating the ODE (Brunton, Proctor & Kutz 2016)",
		Defaults: Hyper{
			"degree":    2,
			"threshold": 0.1,
			"alpha":     1e-8,
			"max_iter":  20,
			"diff":      0,
			"window":    9,
			"rtol":      1e-9,
			"atol":      1e-9,
		},
		Docs: map[string]string{
			"degree":    "maximum total degree of the polynomial library (constant term included)",
			"threshold": "STLSQ threshold λ: coefficients with |ξ| < λ (data units) are set to zero",
			"alpha":     "ridge penalty per sample on the unit-RMS-scaled library coefficients",
			"max_iter":  "maximum STLSQ thresholding rounds",
			"diff":      "derivative estimate: 0 second-order central differences, 1 Savitzky–Golay (cubic over window points)",
			"window":    "Savitzky–Golay window length in points (odd, ≥ 5; diff = 1 only)",
			"rtol":      "relative tolerance of the dopri5 integration in Forecast",
			"atol":      "absolute tolerance of the dopri5 integration in Forecast",
		},
		Fit:  fitSINDy,
		Load: loadSINDy,
	})
}

type sindyConfig struct {
	degree, maxIter, diff, window int
	threshold, alpha, rtol, atol  float64
}

func sindyHyper(h Hyper) (c sindyConfig, err error) {
	if c.degree, err = nnInt(h, "degree", 1); err != nil {
		return
	}
	if c.degree > 6 {
		err = fmt.Errorf("hyperparameter degree = %d: at most 6 supported", c.degree)
		return
	}
	if c.maxIter, err = nnInt(h, "max_iter", 1); err != nil {
		return
	}
	if c.diff, err = nnInt(h, "diff", 0); err != nil {
		return
	}
	if c.diff > 1 {
		err = fmt.Errorf("hyperparameter diff = %d: want 0 or 1", c.diff)
		return
	}
	if c.window, err = nnInt(h, "window", 5); err != nil {
		return
	}
	if c.window%2 == 0 {
		err = fmt.Errorf("hyperparameter window = %d: want an odd number", c.window)
		return
	}
	if c.threshold, err = nnFloat(h, "threshold", 0, math.MaxFloat64); err != nil {
		return
	}
	if c.alpha, err = nnFloat(h, "alpha", 0, math.MaxFloat64); err != nil {
		return
	}
	if c.rtol, err = nnFloat(h, "rtol", 1e-14, 1); err != nil {
		return
	}
	c.atol, err = nnFloat(h, "atol", 1e-16, 1)
	return
}

// sindyLibrary enumerates the monomials of d variables up to a degree.
// Term k (k ≥ 1) is term parent[k] times variable mul[k]; term 0 is 1.
type sindyLibrary struct {
	d      int
	parent []int
	mul    []int
	pow    [][]int // exponent of each variable per term
}

func newSINDyLibrary(d, degree int) sindyLibrary {
	l := sindyLibrary{d: d, parent: []int{-1}, mul: []int{-1}, pow: [][]int{make([]int, d)}}
	last := []int{0} // highest variable index used by each term
	prev := []int{0} // terms of the previous degree
	for g := 1; g <= degree; g++ {
		var cur []int
		for _, p := range prev {
			for j := last[p]; j < d; j++ {
				e := append([]int(nil), l.pow[p]...)
				e[j]++
				l.parent = append(l.parent, p)
				l.mul = append(l.mul, j)
				l.pow = append(l.pow, e)
				last = append(last, j)
				cur = append(cur, len(l.pow)-1)
			}
		}
		prev = cur
	}
	return l
}

// sindyMaxTerms bounds the library size.
const sindyMaxTerms = 5000

// sindyLibrarySize is C(d+degree, degree), the number of monomials of d
// variables up to total degree `degree`.
func sindyLibrarySize(d, degree int) float64 {
	v := 1.0
	for i := 1; i <= degree; i++ {
		v = v * float64(d+i) / float64(i)
	}
	return v
}

// size is the number of terms.
func (l sindyLibrary) size() int { return len(l.parent) }

// eval writes Θ(x) into theta.
func (l sindyLibrary) eval(x, theta []float64) {
	theta[0] = 1
	for k := 1; k < len(l.parent); k++ {
		theta[k] = theta[l.parent[k]] * x[l.mul[k]]
	}
}

// name renders term k with the given variable names, e.g. "x y", "z^2", "1".
func (l sindyLibrary) name(k int, names []string) string {
	var parts []string
	for j, e := range l.pow[k] {
		switch {
		case e == 1:
			parts = append(parts, names[j])
		case e > 1:
			parts = append(parts, fmt.Sprintf("%s^%d", names[j], e))
		}
	}
	if len(parts) == 0 {
		return "1"
	}
	return strings.Join(parts, " ")
}

// sindyDerivative estimates dx/dt for every row of x (n×d, spacing dt).
func sindyDerivative(x *mat.Dense, dt float64, c sindyConfig) *mat.Dense {
	n, d := x.Dims()
	out := mat.NewDense(n, d, nil)
	if c.diff == 0 || n < c.window {
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				var v float64
				switch {
				case n < 3:
					v = (x.At(min(i+1, n-1), j) - x.At(max(i-1, 0), j)) / (dt * float64(min(i+1, n-1)-max(i-1, 0)))
				case i == 0:
					v = (-3*x.At(0, j) + 4*x.At(1, j) - x.At(2, j)) / (2 * dt)
				case i == n-1:
					v = (3*x.At(n-1, j) - 4*x.At(n-2, j) + x.At(n-3, j)) / (2 * dt)
				default:
					v = (x.At(i+1, j) - x.At(i-1, j)) / (2 * dt)
				}
				out.Set(i, j, v)
			}
		}
		return out
	}
	w, half := c.window, c.window/2
	cache := map[int][]float64{}
	for i := 0; i < n; i++ {
		lo := min(max(i-half, 0), n-w) // window start, shifted inside at the ends
		wts := cache[i-lo]
		if wts == nil {
			wts = sgDerivWeights(lo-i, w, 3)
			cache[i-lo] = wts
		}
		for j := 0; j < d; j++ {
			var v float64
			for q, wt := range wts {
				v += wt * x.At(lo+q, j)
			}
			out.Set(i, j, v/dt)
		}
	}
	return out
}

// sgDerivWeights returns the weights w_q such that Σ w_q f(first+q) is the
// derivative at 0 of the degree-`order` least-squares polynomial through
// the w points at offsets first … first+w−1 (unit spacing).
func sgDerivWeights(first, w, order int) []float64 {
	v := mat.NewDense(w, order+1, nil)
	for q := 0; q < w; q++ {
		t := float64(first + q)
		p := 1.0
		for e := 0; e <= order; e++ {
			v.Set(q, e, p)
			p *= t
		}
	}
	// Least-squares coefficient of t¹ is row 1 of (VᵀV)⁻¹Vᵀ.
	var g mat.Dense
	g.Mul(v.T(), v)
	var inv mat.Dense
	if err := inv.Inverse(&g); err != nil {
		panic("models: singular Savitzky–Golay system") // unreachable: w > order
	}
	var p mat.Dense
	p.Mul(&inv, v.T())
	return mat.Row(nil, 1, &p)
}

// stlsq solves Ẋ ≈ Θ Ξ by sequentially thresholded ridge regression.
func stlsq(theta, dx *mat.Dense, c sindyConfig) (*mat.Dense, error) {
	n, p := theta.Dims()
	_, d := dx.Dims()
	// Unit-RMS column scaling.
	s := make([]float64, p)
	tn := mat.NewDense(n, p, nil)
	for k := 0; k < p; k++ {
		var ss float64
		for i := 0; i < n; i++ {
			v := theta.At(i, k)
			ss += v * v
		}
		s[k] = math.Sqrt(ss / float64(n))
		if s[k] == 0 {
			s[k] = 1
		}
		for i := 0; i < n; i++ {
			tn.Set(i, k, theta.At(i, k)/s[k])
		}
	}
	xi := mat.NewDense(p, d, nil)
	for j := 0; j < d; j++ {
		y := mat.NewDense(n, 1, mat.Col(nil, j, dx))
		active := make([]int, p)
		for k := range active {
			active[k] = k
		}
		var coef []float64 // per active term, original units
		for it := 0; ; it++ {
			sub := mat.NewDense(n, len(active), nil)
			for q, k := range active {
				for i := 0; i < n; i++ {
					sub.Set(i, q, tn.At(i, k))
				}
			}
			w, err := Ridge(sub, y, c.alpha*float64(n))
			if err != nil {
				return nil, fmt.Errorf("variable %d: %w", j, err)
			}
			coef = coef[:0]
			for q, k := range active {
				coef = append(coef, w.At(q, 0)/s[k])
			}
			if it >= c.maxIter {
				break
			}
			var keep []int
			for q, k := range active {
				if math.Abs(coef[q]) >= c.threshold {
					keep = append(keep, k)
				}
			}
			if len(keep) == len(active) {
				break
			}
			active = keep
			if len(active) == 0 {
				coef = coef[:0]
				break
			}
		}
		for q, k := range active {
			if q < len(coef) {
				xi.Set(k, j, coef[q])
			}
		}
	}
	return xi, nil
}

func fitSINDy(train *mat.Dense, cfg TrainConfig) (Model, error) {
	c, err := sindyHyper(cfg.Hyper)
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	if !(cfg.Dt > 0) || math.IsInf(cfg.Dt, 0) {
		return nil, fmt.Errorf("sindy: sampling step Dt = %g must be positive", cfg.Dt)
	}
	if err := nnCheckSeries(train, 3, "sindy: training series"); err != nil {
		return nil, err
	}
	n, d := train.Dims()
	if terms := sindyLibrarySize(d, c.degree); terms > sindyMaxTerms {
		return nil, fmt.Errorf("sindy: degree-%d library of %d variables has %.0f terms, more than %d", c.degree, d, terms, sindyMaxTerms)
	}
	lib := newSINDyLibrary(d, c.degree)
	p := lib.size()
	if n < p {
		return nil, fmt.Errorf("sindy: %d training points for %d library terms", n, p)
	}
	dx := sindyDerivative(train, cfg.Dt, c)
	theta := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		lib.eval(train.RawRowView(i), theta.RawRowView(i))
	}
	xi, err := stlsq(theta, dx, c)
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	m := &SINDy{hyper: copyHyper(cfg.Hyper), d: d, degree: c.degree, dt: cfg.Dt, rtol: c.rtol, atol: c.atol,
		lib: lib, coef: xi, scale: newNNScale(train)}
	m.compile()
	return m, nil
}

func (m *SINDy) compile() {
	m.sparse = make([][]sindyTerm, m.d)
	p := m.lib.size()
	for j := 0; j < m.d; j++ {
		for k := 0; k < p; k++ {
			if v := m.coef.At(k, j); v != 0 {
				m.sparse[j] = append(m.sparse[j], sindyTerm{k, v})
			}
		}
	}
}

func loadSINDy(s Snapshot) (Model, error) {
	c, err := sindyHyper(s.Hyper)
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	mu := s.Array("mean")
	if mu == nil || len(mu.Data) == 0 {
		return nil, fmt.Errorf("sindy: snapshot lacks array \"mean\"")
	}
	d := len(mu.Data)
	if sindyLibrarySize(d, c.degree) > sindyMaxTerms {
		return nil, fmt.Errorf("sindy: snapshot library too large")
	}
	m := &SINDy{hyper: copyHyper(s.Hyper), d: d, degree: c.degree, rtol: c.rtol, atol: c.atol,
		lib: newSINDyLibrary(d, c.degree)}
	if m.scale, err = loadNNScale(s, d); err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	dt, err := nnArrayData(s, "dt", 1)
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	if m.dt = dt[0]; !(m.dt > 0) {
		return nil, fmt.Errorf("sindy: snapshot dt = %g", m.dt)
	}
	p := m.lib.size()
	coef, err := nnArrayData(s, "coef", p*d)
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	m.coef = mat.NewDense(p, d, coef)
	m.compile()
	return m, nil
}

// Family implements Model.
func (m *SINDy) Family() string { return "sindy" }

// Context implements Model: the last state is the initial condition.
func (m *SINDy) Context() int { return 1 }

// Snapshot implements Model.
func (m *SINDy) Snapshot() Snapshot {
	p := m.lib.size()
	arrs := append(m.scale.arrays(),
		Array{Name: "dt", Shape: []int{1}, Data: []float64{m.dt}},
		Array{Name: "coef", Shape: []int{p, m.d}, Data: append([]float64(nil), m.coef.RawMatrix().Data...)},
	)
	return Snapshot{Family: "sindy", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

// Coefficients returns a copy of Ξ: one row per library term (in the order
// of Terms), one column per variable, in the data's units.
func (m *SINDy) Coefficients() *mat.Dense { return mat.DenseCopyOf(m.coef) }

// sindyNames returns names if it has one entry per variable, else x, y, z
// for three or fewer variables and x0, x1, … otherwise.
func (m *SINDy) names(names []string) []string {
	if len(names) == m.d {
		return names
	}
	out := make([]string, m.d)
	for j := range out {
		if m.d <= 3 {
			out[j] = string("xyz"[j])
		} else {
			out[j] = fmt.Sprintf("x%d", j)
		}
	}
	return out
}

// Terms names the library terms, e.g. "1", "x", "x y", "z^2".
func (m *SINDy) Terms(names []string) []string {
	names = m.names(names)
	out := make([]string, m.lib.size())
	for k := range out {
		out[k] = m.lib.name(k, names)
	}
	return out
}

// Equations renders the discovered equations, one per variable, such as
// "dx/dt = -10.000 x + 10.000 y". Names default to x, y, z (or x0, x1, …).
func (m *SINDy) Equations(names []string) []string {
	names = m.names(names)
	terms := m.Terms(names)
	out := make([]string, m.d)
	for j := 0; j < m.d; j++ {
		var b strings.Builder
		fmt.Fprintf(&b, "d%s/dt =", names[j])
		if len(m.sparse[j]) == 0 {
			b.WriteString(" 0")
		}
		for q, t := range m.sparse[j] {
			c := t.c
			switch {
			case q == 0:
				fmt.Fprintf(&b, " %.3f", c)
			case c < 0:
				fmt.Fprintf(&b, " - %.3f", -c)
			default:
				fmt.Fprintf(&b, " + %.3f", c)
			}
			if t.k != 0 {
				b.WriteString(" " + terms[t.k])
			}
		}
		out[j] = b.String()
	}
	return out
}

// RHS evaluates the discovered vector field Θ(x)Ξ at x into dx; theta
// must hold one value per library term (it is overwritten).
func (m *SINDy) rhs(x, dx, theta []float64) {
	m.lib.eval(x, theta)
	for j, terms := range m.sparse {
		var s float64
		for _, t := range terms {
			s += t.c * theta[t.k]
		}
		dx[j] = s
	}
}

// Derivatives returns Θ(x)Ξ for every row of x: the time derivatives the
// discovered equations predict.
func (m *SINDy) Derivatives(x *mat.Dense) (*mat.Dense, error) {
	r, c := x.Dims()
	if c != m.d {
		return nil, fmt.Errorf("sindy: x has %d columns, model has %d", c, m.d)
	}
	out := mat.NewDense(max(r, 1), m.d, nil)
	theta := make([]float64, m.lib.size())
	for i := 0; i < r; i++ {
		m.rhs(x.RawRowView(i), out.RawRowView(i), theta)
	}
	if r == 0 {
		return &mat.Dense{}, nil
	}
	return out, nil
}

// sindyMaxSteps bounds the solver steps of one Forecast call per output
// point (plus a constant), so a stiff or blowing-up discovered system is
// reported as divergence instead of running for ever.
const sindyMaxSteps = 1000

// Forecast implements Model.
func (m *SINDy) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if err := nnForecastArgs(history, steps, 1, m.d); err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	out := nnNaN(steps, m.d)
	if steps == 0 {
		return out, nil
	}
	hr, _ := history.Dims()
	theta := make([]float64, m.lib.size())
	prob := solvers.Problem{
		F:  func(_ float64, y, dy []float64) { m.rhs(y, dy, theta) },
		T0: 0,
		Y0: append([]float64(nil), history.RawRowView(hr-1)...),
	}
	it, err := solvers.New("dopri5", prob, solvers.Options{RTol: m.rtol, ATol: m.atol})
	if err != nil {
		return nil, fmt.Errorf("sindy: %w", err)
	}
	tEnd := float64(steps) * m.dt
	budget := sindyMaxSteps*steps + 10000
	row := 0
	for nstep := 0; row < steps; nstep++ {
		if nstep >= budget {
			return out, &DivergenceError{Step: row, Reason: fmt.Sprintf("integrator needed more than %d steps", budget)}
		}
		if err := it.Step(tEnd); err != nil {
			var ie *solvers.IntegrationError
			reason := err.Error()
			if errors.As(err, &ie) {
				reason = "integration failed: " + ie.Err.Error()
			}
			return out, &DivergenceError{Step: row, Reason: reason}
		}
		for row < steps {
			t := float64(row+1) * m.dt
			if row == steps-1 {
				t = tEnd
			}
			if t > it.T() {
				break
			}
			dst := out.RawRowView(row)
			if err := it.Dense(t, dst); err != nil {
				return out, &DivergenceError{Step: row, Reason: err.Error()}
			}
			if why := m.scale.check(dst); why != "" {
				for j := range dst {
					dst[j] = math.NaN()
				}
				return out, &DivergenceError{Step: row, Reason: why}
			}
			row++
		}
	}
	return out, nil
}

// SymmetricMAPE is the symmetric mean absolute percentage error as a
// fraction in [0, 2]: the mean over all entries of 2|a − b| / (|a| + |b|),
// with 0/0 counted as 0. This is sktime's symmetric MAPE, used by the
// equation-discovery benchmark of Gilpin (2021); multiply by 100 for the
// 0–200 percentage scale.
func SymmetricMAPE(a, b *mat.Dense) float64 {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb || ra*ca == 0 {
		return math.NaN()
	}
	var s float64
	for i := 0; i < ra; i++ {
		for j := 0; j < ca; j++ {
			x, y := a.At(i, j), b.At(i, j)
			if den := math.Abs(x) + math.Abs(y); den > 0 {
				s += 2 * math.Abs(x-y) / den
			}
		}
	}
	return s / float64(ra*ca)
}

// DiscoveryResult is the outcome of SINDyDiscovery.
type DiscoveryResult struct {
	Model     *SINDy
	Predicted *mat.Dense // discovered right-hand side at the test states
	PerVar    []float64  // symmetric MAPE per variable (fraction, 0–2)
	Score     float64    // median of PerVar, the benchmark's score
}

// SINDyDiscovery runs the equation-discovery task of Gilpin, "Chaos as an
// interpretable benchmark for forecasting and data-driven modelling"
// (NeurIPS Datasets and Benchmarks 2021): SINDy is fitted to the training
// trajectory alone (derivatives estimated from the samples, spacing dt),
// its right-hand side is evaluated at the test states and compared with
// the exact right-hand side values testRHS by the symmetric MAPE of each
// variable; the score is the median over variables (published median over
// systems: 0.37 for SINDy with a degree-2 polynomial library). The
// benchmark used 150-point trajectories at 15 points per period. hyper
// overrides the sindy defaults; train and test may be the same trajectory.
func SINDyDiscovery(train, test, testRHS *mat.Dense, dt float64, hyper Hyper) (*DiscoveryResult, error) {
	f, _ := Lookup("sindy")
	h, err := MergeHyper(f, hyper)
	if err != nil {
		return nil, err
	}
	mod, err := fitSINDy(train, TrainConfig{Dt: dt, Hyper: h})
	if err != nil {
		return nil, err
	}
	m := mod.(*SINDy)
	if test == nil || testRHS == nil {
		return nil, fmt.Errorf("sindy: discovery needs test states and their exact right-hand side")
	}
	rt, ct := test.Dims()
	rr, cr := testRHS.Dims()
	if rt != rr || ct != cr {
		return nil, fmt.Errorf("sindy: test states are %d×%d, right-hand side %d×%d", rt, ct, rr, cr)
	}
	pred, err := m.Derivatives(test)
	if err != nil {
		return nil, err
	}
	res := &DiscoveryResult{Model: m, Predicted: pred, PerVar: make([]float64, ct)}
	for j := 0; j < ct; j++ {
		res.PerVar[j] = SymmetricMAPE(mat.NewDense(rt, 1, mat.Col(nil, j, pred)), mat.NewDense(rt, 1, mat.Col(nil, j, testRHS)))
	}
	s := append([]float64(nil), res.PerVar...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		res.Score = s[len(s)/2]
	} else {
		res.Score = 0.5 * (s[len(s)/2-1] + s[len(s)/2])
	}
	return res, nil
}
