package solvereval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/systems"
)

// setting is one point of a sweep: a method at one tolerance (adaptive
// methods) or one step size (fixed-step methods).
type setting struct {
	Method         string
	Info           solvers.Method
	Level          int     // index in the tolerance or step sweep
	RTol, ATol     float64 // adaptive methods; NaN otherwise
	Step           float64 // fixed-step methods; NaN otherwise
	StepsPerPeriod float64 // fixed-step methods when the step derives from the period; NaN otherwise
}

// Row is one line of the results table.
type Row struct {
	System       string  `arrow:"system" doc:"catalog name of the system"`
	Kind         string  `arrow:"kind" doc:"system kind: flow or delay (empty when the system is unknown)"`
	Method       string  `arrow:"method" doc:"solvers method name"`
	Order        int     `arrow:"order" doc:"nominal order of the method"`
	Adaptive     bool    `arrow:"adaptive" doc:"whether the method controls its step size (tolerance sweep) rather than taking fixed steps (step sweep)"`
	Implicit     bool    `arrow:"implicit" doc:"whether the method is implicit"`
	Level        int     `arrow:"level" doc:"index of the setting in the method's tolerance or step sweep"`
	RTol         float64 `arrow:"rtol" doc:"relative tolerance of an adaptive method; NaN for fixed-step methods"`
	ATol         float64 `arrow:"atol" doc:"absolute tolerance of an adaptive method (rtol times atol_factor); NaN for fixed-step methods"`
	Step         float64 `arrow:"step" unit:"time units" doc:"step size of a fixed-step method; NaN for adaptive methods"`
	Horizon      float64 `arrow:"horizon" unit:"time units" doc:"integration interval; NaN when the system could not be set up"`
	LyapunovTime float64 `arrow:"lyapunov_time" unit:"time units" doc:"1/lambda_max of the system; NaN if unknown"`

	FinalError    float64 `arrow:"final_error" doc:"RMS over coordinates of (y - y_ref)/std at the horizon, std the attractor's per-coordinate standard deviation; NaN unless status is ok"`
	FinalAbsError float64 `arrow:"final_abs_error" doc:"mean |y - y_ref| over coordinates at the horizon (DiffEqDevTools :final); NaN unless status is ok"`
	L2Error       float64 `arrow:"l2_error" doc:"RMS of the scaled error over the method's own steps; NaN for delay systems and unless status is ok"`
	DenseError    float64 `arrow:"dense_error" doc:"RMS of the scaled error of the dense output on a uniform grid; NaN when not measured"`

	RHSEvals  int `arrow:"rhs_evals" doc:"right-hand side evaluations"`
	JacEvals  int `arrow:"jac_evals" doc:"Jacobian evaluations (implicit methods)"`
	LUDecomps int `arrow:"lu_decomps" doc:"LU decompositions (implicit methods)"`
	Accepted  int `arrow:"accepted" doc:"accepted steps"`
	Rejected  int `arrow:"rejected" doc:"rejected steps (adaptive methods)"`

	// Predictability is the time, in Lyapunov times, of the first step
	// whose scaled error exceeds the threshold; Censored when none did
	// (then Predictability is the horizon in Lyapunov times).
	Predictability float64 `arrow:"predictability_lyapunov_times" unit:"Lyapunov times (time units when lambda_max is unknown)" doc:"time of the first step whose scaled error exceeds the threshold; the horizon when censored; NaN unless status is ok"`
	Censored       bool    `arrow:"predictability_censored" doc:"no step exceeded the threshold before the horizon"`
	ObservedOrder  float64 `arrow:"observed_order" doc:"-slope of log final error against log RHS evaluations over the method's sweep on this system (successful settings with final error in (1e-12, 1e-1)); NaN with fewer than 3 points"`
	Status         string  `arrow:"status" doc:"ok, max_steps, step_underflow, non_finite, no_convergence, unsupported or error"`
	Error          string  `arrow:"error" doc:"error message when status is not ok; empty otherwise"`
}

// resultsTable declares solver_eval's results table. Every column is
// written as a value: NaN marks a float that does not apply, never null.
var resultsTable = schemas.NewTable[Row]()

// Steps returns the attempted steps (accepted + rejected).
func (r Row) Steps() int { return r.Accepted + r.Rejected }

// OK reports whether the run finished.
func (r Row) OK() bool { return r.Status == "ok" }

// config is the resolved sweep shared by solver_eval and solver_timing.
type config struct {
	names          []string
	methods        []string
	tolerances     []float64
	atolFactor     float64
	steps          []float64
	stepsPerPeriod []float64
	horizon        float64
	lyapunovTimes  float64
	maxPeriods     float64
	refMethod      string
	refTol         float64
	threshold      float64
	points         int
	maxSteps       int
	ic             []float64
	overrides      map[string]float64
}

// settings expands the sweep of one system.
func (c *config) settings(period float64) []setting {
	var out []setting
	for _, m := range c.methods {
		info, err := solvers.Lookup(m)
		if err != nil {
			continue // rejected by Validate
		}
		if info.Adaptive {
			for i, tol := range c.tolerances {
				out = append(out, setting{Method: m, Info: info, Level: i, RTol: tol, ATol: tol * c.atolFactor,
					Step: math.NaN(), StepsPerPeriod: math.NaN()})
			}
			continue
		}
		if len(c.steps) > 0 {
			for i, h := range c.steps {
				out = append(out, setting{Method: m, Info: info, Level: i, RTol: math.NaN(), ATol: math.NaN(),
					Step: h, StepsPerPeriod: math.NaN()})
			}
			continue
		}
		for i, n := range c.stepsPerPeriod {
			out = append(out, setting{Method: m, Info: info, Level: i, RTol: math.NaN(), ATol: math.NaN(),
				Step: period / n, StepsPerPeriod: n})
		}
	}
	return out
}

// horizonOf returns the integration interval and the Lyapunov time.
func (c *config) horizonOf(b systems.Bound) (T, lt float64) {
	lt = math.NaN()
	if l := b.LyapunovMax; l > 0 && !math.IsInf(l, 0) {
		lt = 1 / l
	}
	if c.horizon > 0 {
		return c.horizon, lt
	}
	T = math.Inf(1)
	if c.lyapunovTimes > 0 && !math.IsNaN(lt) {
		T = c.lyapunovTimes * lt
	}
	if c.maxPeriods > 0 && b.Period > 0 {
		T = math.Min(T, c.maxPeriods*b.Period)
	}
	if math.IsInf(T, 1) {
		T = 10 * b.Period
	}
	return T, lt
}

// problem is one bound system ready for evaluation, with its reference.
type problem struct {
	b      systems.Bound
	delay  bool
	y0     []float64
	jac    solvers.JacFunc
	T, lt  float64
	scale  []float64
	grid   []float64
	refY   [][]float64 // reference on grid; refY[len-1] is the final state
	refOpt solvers.Options
	refM   string
}

func (p *problem) ode() solvers.Problem {
	return solvers.Problem{F: solvers.Func(p.b.F), Jac: p.jac, T0: 0, Y0: p.y0}
}

func (p *problem) dde() solvers.DelayProblem {
	return solvers.DelayProblem{F: solvers.DelayFunc(p.b.DF), Tau: p.b.Tau, Y0: p.y0}
}

// bind prepares a system: parameters, initial condition, horizon, scales.
// It binds the system afresh, so each goroutine owns its closures.
func (c *config) bind(name string) (*problem, error) {
	sys, err := systems.Lookup(name)
	if err != nil {
		return nil, err
	}
	if len(c.ic) > 0 {
		sys.IC = slices.Clone(c.ic)
	}
	b, err := sys.Bind(c.overrides)
	if err != nil {
		return nil, err
	}
	p := &problem{b: b}
	switch b.Kind {
	case systems.Flow:
	case systems.Delay:
		p.delay = true
	default:
		return nil, fmt.Errorf("%s is a %s: solver evaluation needs a flow", name, b.Kind)
	}
	p.y0 = slices.Clone(b.IC[:b.StateDim])
	if b.AnalyticJac && !p.delay {
		// Numerical Jacobians of the catalog call F outside the solver's
		// counters; without one, radau5 differences F itself and counts it.
		p.jac = solvers.JacFunc(b.Jac)
	}
	p.T, p.lt = c.horizonOf(b)
	if !(p.T > 0) || math.IsInf(p.T, 0) {
		return nil, fmt.Errorf("%s: no usable horizon (period %g)", name, b.Period)
	}
	p.scale = make([]float64, b.StateDim)
	for i := range p.scale {
		s := math.NaN()
		if i < len(b.Std) {
			s = b.Std[i]
		}
		if !(s > 0) || math.IsInf(s, 0) {
			s = 1
		}
		p.scale[i] = s
	}
	n := max(c.points, 2)
	p.grid = make([]float64, n)
	for i := range p.grid {
		p.grid[i] = p.T * float64(i) / float64(n-1)
	}
	p.grid[n-1] = p.T
	p.refM = c.refMethod
	if p.refM == "auto" {
		p.refM = "vern9"
		if p.delay {
			// vern9's Hermite dense output would make the delayed values
			// only 4th-order accurate; dop853 interpolates at 7th order.
			p.refM = "dop853"
		}
	}
	p.refOpt = solvers.Options{RTol: c.refTol, ATol: c.refTol, MaxSteps: 50_000_000}
	return p, nil
}

// reference integrates the reference solution on the grid.
func (p *problem) reference(ctx context.Context) error {
	p.refY = make([][]float64, len(p.grid))
	for i := range p.refY {
		p.refY[i] = make([]float64, len(p.y0))
	}
	var err error
	if p.delay {
		_, err = solvers.SolveDelay(ctx, p.refM, p.dde(), p.grid, p.refY, p.refOpt)
	} else {
		_, err = solvers.Solve(ctx, p.refM, p.ode(), p.grid, p.refY, p.refOpt)
	}
	if err != nil {
		return fmt.Errorf("reference %s at tolerance %g: %w", p.refM, p.refOpt.RTol, err)
	}
	return nil
}

// scaledErr is sqrt(mean_i ((y_i - r_i)/scale_i)^2).
func scaledErr(y, r, scale []float64) float64 {
	var s float64
	for i := range y {
		d := (y[i] - r[i]) / scale[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(y)))
}

func meanAbsErr(y, r []float64) float64 {
	var s float64
	for i := range y {
		s += math.Abs(y[i] - r[i])
	}
	return s / float64(len(y))
}

// status maps an integration error to the status column.
func status(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, solvers.ErrMaxSteps):
		return "max_steps"
	case errors.Is(err, solvers.ErrStepUnderflow):
		return "step_underflow"
	case errors.Is(err, solvers.ErrNonFinite):
		return "non_finite"
	case errors.Is(err, solvers.ErrNoConvergence):
		return "no_convergence"
	}
	return "error"
}

func (p *problem) baseRow(s setting) Row {
	return Row{
		System: p.b.Name, Kind: p.b.Kind.String(), Method: s.Method, Order: s.Info.Order,
		Adaptive: s.Info.Adaptive, Implicit: s.Info.Implicit, Level: s.Level,
		RTol: s.RTol, ATol: s.ATol, Step: s.Step, Horizon: p.T, LyapunovTime: p.lt,
		FinalError: math.NaN(), FinalAbsError: math.NaN(), L2Error: math.NaN(), DenseError: math.NaN(),
		Predictability: math.NaN(), ObservedOrder: math.NaN(),
	}
}

func (c *config) options(s setting) solvers.Options {
	o := solvers.Options{MaxSteps: c.maxSteps}
	if s.Info.Adaptive {
		o.RTol, o.ATol = s.RTol, s.ATol
	} else {
		o.Step = s.Step
	}
	return o
}

// evaluate runs one setting against the reference. It returns an error only
// when ctx is done; integration failures become the row's status.
func (c *config) evaluate(ctx context.Context, p *problem, s setting) (Row, error) {
	r := p.baseRow(s)
	if p.delay && s.Info.Implicit {
		r.Status, r.Error = "unsupported", "implicit methods do not integrate delay systems"
		return r, nil
	}
	var err error
	if p.delay {
		err = c.evalDelay(ctx, p, s, &r)
	} else {
		err = c.evalODE(ctx, p, s, &r)
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if err != nil {
		r.Status, r.Error = status(err), err.Error()
		r.FinalError, r.FinalAbsError, r.L2Error, r.Predictability = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		r.Censored = false
		return r, nil
	}
	r.Status = "ok"
	return r, nil
}

func (p *problem) predict(t float64) float64 {
	if math.IsNaN(p.lt) {
		return t
	}
	return t / p.lt
}

// evalODE integrates step by step in lockstep with a reference integrator
// that stops at every step of the method (for the error over the steps and
// the predictability horizon), then runs again writing the dense output on
// the grid. Work counters come from the first run, which evaluates no dense
// output.
func (c *config) evalODE(ctx context.Context, p *problem, s setting, r *Row) error {
	opts := c.options(s)
	it, err := solvers.New(s.Method, p.ode(), opts)
	if err != nil {
		return err
	}
	ref, err := solvers.New(p.refM, p.ode(), p.refOpt)
	if err != nil {
		return err
	}
	yref := make([]float64, len(p.y0))
	var sum float64
	var n int
	pred := math.NaN()
	defer func() {
		st := it.Stats()
		r.RHSEvals, r.JacEvals, r.LUDecomps, r.Accepted, r.Rejected = st.RHSEvals, st.JacEvals, st.LUDecomps, st.Accepted, st.Rejected
	}()
	for k := 1; it.T() < p.T; k++ {
		if st := it.Stats(); st.Accepted+st.Rejected >= c.maxSteps {
			return &solvers.IntegrationError{Method: s.Method, T: it.T(), Filled: -1, Err: solvers.ErrMaxSteps,
				Detail: fmt.Sprintf("max_steps=%d", c.maxSteps)}
		}
		if k%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := it.Step(p.T); err != nil {
			return err
		}
		if err := ref.AdvanceTo(ctx, it.T(), yref); err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		e := scaledErr(it.Y(), yref, p.scale)
		if math.IsNaN(e) {
			return &solvers.IntegrationError{Method: s.Method, T: it.T(), Filled: -1, Err: solvers.ErrNonFinite}
		}
		sum += e * e
		n++
		if math.IsNaN(pred) && e > c.threshold {
			pred = it.T()
		}
	}
	final := p.refY[len(p.refY)-1]
	r.FinalError = scaledErr(it.Y(), final, p.scale)
	r.FinalAbsError = meanAbsErr(it.Y(), final)
	r.L2Error = math.Sqrt(sum / float64(max(n, 1)))
	if math.IsNaN(pred) {
		r.Predictability, r.Censored = p.predict(p.T), true
	} else {
		r.Predictability = p.predict(pred)
	}
	r.DenseError = c.denseODE(ctx, p, s)
	return nil
}

// denseODE measures the method's continuous extension on the grid: it
// takes the same steps as a free run and evaluates Dense at every grid time
// inside each step. NaN when the run fails.
func (c *config) denseODE(ctx context.Context, p *problem, s setting) float64 {
	it, err := solvers.New(s.Method, p.ode(), c.options(s))
	if err != nil {
		return math.NaN()
	}
	y := make([]float64, len(p.y0))
	var sum float64
	i := 1 // grid[0] is the initial condition: zero error
	for k := 1; it.T() < p.T; k++ {
		if st := it.Stats(); st.Accepted+st.Rejected >= c.maxSteps || (k%256 == 0 && ctx.Err() != nil) {
			return math.NaN()
		}
		if err := it.Step(p.T); err != nil {
			return math.NaN()
		}
		for i < len(p.grid) && p.grid[i] <= it.T() {
			if err := it.Dense(p.grid[i], y); err != nil {
				return math.NaN()
			}
			e := scaledErr(y, p.refY[i], p.scale)
			sum += e * e
			i++
		}
	}
	return math.Sqrt(sum / float64(len(p.grid)))
}

// evalDelay uses SolveDelay (no step-by-step interface): a run to the
// horizon gives the final error and the work, a run on the grid the dense
// error and the predictability horizon. The error over the steps is NaN.
func (c *config) evalDelay(ctx context.Context, p *problem, s setting, r *Row) error {
	opts := c.options(s)
	end := [][]float64{make([]float64, len(p.y0))}
	st, err := solvers.SolveDelay(ctx, s.Method, p.dde(), []float64{p.T}, end, opts)
	r.RHSEvals, r.JacEvals, r.LUDecomps, r.Accepted, r.Rejected = st.RHSEvals, st.JacEvals, st.LUDecomps, st.Accepted, st.Rejected
	if err != nil {
		return err
	}
	final := p.refY[len(p.refY)-1]
	r.FinalError = scaledErr(end[0], final, p.scale)
	r.FinalAbsError = meanAbsErr(end[0], final)
	out := make([][]float64, len(p.grid))
	for i := range out {
		out[i] = make([]float64, len(p.y0))
	}
	if _, err := solvers.SolveDelay(ctx, s.Method, p.dde(), p.grid, out, opts); err != nil {
		return nil // the dense error stays NaN
	}
	var sum float64
	pred := math.NaN()
	for i := range p.grid {
		e := scaledErr(out[i], p.refY[i], p.scale)
		sum += e * e
		if math.IsNaN(pred) && e > c.threshold {
			pred = p.grid[i]
		}
	}
	r.DenseError = math.Sqrt(sum / float64(len(p.grid)))
	if math.IsNaN(pred) {
		r.Predictability, r.Censored = p.predict(p.T), true
	} else {
		r.Predictability = p.predict(pred)
	}
	return nil
}

// evaluateSystem runs every setting of one system. A system-level failure
// (binding, reference) yields one row per setting with status "error".
func (c *config) evaluateSystem(ctx context.Context, name string) ([]Row, error) {
	p, err := c.bind(name)
	if err == nil {
		err = p.reference(ctx)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		period := 1.0
		if sys, lerr := systems.Lookup(name); lerr == nil {
			period = sys.Period
		}
		var rows []Row
		kind := ""
		if sys, lerr := systems.Lookup(name); lerr == nil {
			kind = sys.Kind.String()
		}
		for _, s := range c.settings(period) {
			rows = append(rows, Row{System: name, Kind: kind, Method: s.Method, Order: s.Info.Order,
				Adaptive: s.Info.Adaptive, Implicit: s.Info.Implicit, Level: s.Level, RTol: s.RTol, ATol: s.ATol,
				Step: s.Step, Horizon: math.NaN(), LyapunovTime: math.NaN(), FinalError: math.NaN(),
				FinalAbsError: math.NaN(), L2Error: math.NaN(), DenseError: math.NaN(), Predictability: math.NaN(),
				ObservedOrder: math.NaN(), Status: "error", Error: err.Error()})
		}
		return rows, nil
	}
	var rows []Row
	for _, s := range c.settings(p.b.Period) {
		r, err := c.evaluate(ctx, p, s)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	fillObservedOrders(rows)
	return rows, nil
}

// fillObservedOrders sets, per method, the least-squares slope of
// -log(final error) against log(RHS evaluations) over its successful
// settings with final error in (1e-12, 1e-1): for error ~ C h^p and work ~
// 1/h it estimates the order p from the sweep itself.
func fillObservedOrders(rows []Row) {
	byMethod := map[string][]int{}
	for i, r := range rows {
		byMethod[r.Method] = append(byMethod[r.Method], i)
	}
	for _, idx := range byMethod {
		var xs, ys []float64
		for _, i := range idx {
			r := rows[i]
			if r.OK() && r.FinalError > 1e-12 && r.FinalError < 1e-1 && r.RHSEvals > 0 {
				xs = append(xs, math.Log(float64(r.RHSEvals)))
				ys = append(ys, math.Log(r.FinalError))
			}
		}
		o := -slope(xs, ys)
		for _, i := range idx {
			rows[i].ObservedOrder = o
		}
	}
}

// slope is the least-squares slope of y on x; NaN with fewer than 3 points
// or no spread in x.
func slope(xs, ys []float64) float64 {
	if len(xs) < 3 {
		return math.NaN()
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// median of the finite values of v; NaN if none. +Inf counts as a value.
func median(v []float64) float64 {
	w := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			w = append(w, x)
		}
	}
	if len(w) == 0 {
		return math.NaN()
	}
	sort.Float64s(w)
	m := len(w) / 2
	if len(w)%2 == 1 {
		return w[m]
	}
	if math.IsInf(w[m], 1) {
		return w[m]
	}
	return (w[m-1] + w[m]) / 2
}
