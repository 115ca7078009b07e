package invariants

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

// result is one system's row.
type result struct {
	name, kind string
	dim        int

	lmax, lmaxErr         float64
	spectrum, spectrumErr []float64
	dky                   float64
	d2, d2Err             float64
	rosenstein, rosErr    float64
	pe, mse               float64
	mseScales             []float64

	dystsLmax, dystsD2, dystsDKY, dystsMSE float64

	notes  []string // invariants that could not be estimated, with reasons
	status string   // "ok" or the reason the system failed
}

func nanResult(name string) result {
	n := math.NaN()
	return result{name: name, lmax: n, lmaxErr: n, dky: n, d2: n, d2Err: n, rosenstein: n, rosErr: n, pe: n, mse: n,
		dystsLmax: n, dystsD2: n, dystsDKY: n, dystsMSE: n, status: "ok"}
}

// errBudget is raised (as a panic value, recovered in compute) when an
// integration exceeds max_evals; errCanceled when the context is done.
type abort struct{ err error }

// guard wraps a right-hand side so that it aborts the computation after
// budget evaluations or when ctx is done. The solvers and metrics packages
// run to completion without a context; the panic unwinds them and is
// recovered by compute. It is deterministic: it depends on evaluation
// counts only, except for cancellation, which fails the whole stage anyway.
type guard struct {
	ctx    context.Context
	n      int
	budget int
	what   string
}

func (g *guard) tick() {
	g.n++
	if g.n > g.budget {
		panic(abort{fmt.Errorf("%s: more than max_evals=%d right-hand-side evaluations (stiff or slow system)", g.what, g.budget)})
	}
	if g.n&1023 == 0 {
		if err := g.ctx.Err(); err != nil {
			panic(abort{err})
		}
	}
}

// compute estimates every requested invariant of one system. Only failures
// of the system as a whole (bad equations, blow-up, budget) set status; an
// estimator that does not converge leaves NaN and a note.
func compute(ctx context.Context, p *Params, name string) (r result) {
	r = nanResult(name)
	defer func() {
		if v := recover(); v != nil {
			if a, ok := v.(abort); ok {
				r.status = a.err.Error()
				if errors.Is(a.err, context.Canceled) || errors.Is(a.err, context.DeadlineExceeded) {
					r.status = "canceled: " + a.err.Error()
				}
			} else {
				r.status = fmt.Sprintf("panic: %v", v)
			}
		}
	}()
	sys, err := systems.Lookup(name)
	if err != nil {
		r.status = err.Error()
		return r
	}
	b, err := sys.Bind(p.Overrides) // per goroutine: numerical Jacobians own scratch space
	if err != nil {
		r.status = err.Error()
		return r
	}
	r.kind, r.dim = b.Kind.String(), b.Dim
	r.dystsLmax, r.dystsD2, r.dystsDKY, r.dystsMSE = b.LyapunovMax, b.CorrelationDimension, b.KaplanYorkeDimension, b.MultiscaleEntropy
	note := func(what string, err error) { r.notes = append(r.notes, what+": "+err.Error()) }

	if p.wants(Lyapunov) {
		var est metrics.Estimate
		switch b.Kind {
		case systems.Map:
			est, err = mapSpectrum(p, b)
		case systems.Delay:
			est, err = delaySpectrum(ctx, p, b)
		default:
			est, err = flowSpectrum(ctx, p, b)
		}
		if err != nil {
			r.status = fmt.Sprintf("lyapunov spectrum: %v", err)
			return r
		}
		r.spectrum, r.spectrumErr = est.Exponents, est.StdErr
		r.lmax, r.lmaxErr = est.Exponents[0], est.StdErr[0]
		for i, v := range est.Exponents { // the QR order is decreasing in practice; report the maximum
			if v > r.lmax {
				r.lmax, r.lmaxErr = v, est.StdErr[i]
			}
		}
		r.dky = metrics.KaplanYorke(est.Exponents)
	}
	needTraj := p.wants(CorrelationDimension) || p.wants(Rosenstein) || p.wants(PermutationEntropy) || p.wants(MultiscaleEntropy)
	if !needTraj {
		return r
	}
	traj, dt, err := trajectory(ctx, p, b)
	if err != nil {
		r.status = fmt.Sprintf("trajectory: %v", err)
		return r
	}
	cols := boundedColumns(b)
	theiler := p.Theiler
	if theiler == 0 {
		theiler = int(math.Ceil(p.PtsPerPeriod))
		if b.Kind == systems.Map {
			theiler = 10
		}
	}
	if p.wants(CorrelationDimension) {
		cloud := mat.NewDense(len(traj), len(cols), nil)
		for i, row := range traj {
			for j, c := range cols {
				cloud.Set(i, j, row[c])
			}
		}
		cd, err := metrics.CorrelationDimension(cloud, &metrics.CorrDimOptions{Theiler: theiler})
		if err != nil {
			note(CorrelationDimension, err)
		} else {
			r.d2, r.d2Err = cd.D2, cd.Err
		}
	}
	x := make([]float64, len(traj))
	for i, row := range traj {
		x[i] = row[cols[0]]
	}
	if p.wants(Rosenstein) {
		o := rosensteinOptions(p, b, dt, theiler)
		res, err := metrics.Rosenstein(x, &o)
		if err != nil {
			note(Rosenstein, err)
		} else {
			r.rosenstein, r.rosErr = res.Lambda, res.StdErr
		}
	}
	head := x[:min(len(x), p.EntropyPoints)]
	if p.wants(PermutationEntropy) {
		if v, err := metrics.PermutationEntropy(head, p.PEOrder, 1); err != nil {
			note(PermutationEntropy, err)
		} else {
			r.pe = v
		}
	}
	if p.wants(MultiscaleEntropy) {
		if curve, err := metrics.MultiscaleEntropy(head, 2, 0.15, p.MSEScales); err != nil {
			note(MultiscaleEntropy, err)
		} else {
			r.mseScales = curve
			s, n := 0.0, 0
			for _, v := range curve {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					s += v
					n++
				}
			}
			if n > 0 {
				r.mse = s / float64(n)
			} else {
				note(MultiscaleEntropy, errors.New("sample entropy undefined at every scale"))
			}
		}
	}
	return r
}

// boundedColumns lists the trajectory columns that are not unbounded phases.
func boundedColumns(b systems.Bound) []int {
	var cols []int
	for c := 0; c < b.Dim; c++ {
		if !slices.Contains(b.UnboundedIndices, c) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		cols = []int{0}
	}
	return cols
}

// rosensteinOptions: embedding dimension 2·StateDim+1 (at most 10; the delay
// coordinates themselves for delay systems would be redundant, so 7), lag a
// tenth of a period, divergence followed over 10 periods (maps: 30 iterates).
func rosensteinOptions(p *Params, b systems.Bound, dt float64, theiler int) metrics.RosensteinOptions {
	if b.Kind == systems.Map {
		return metrics.RosensteinOptions{Dim: min(2*b.StateDim+1, 10), Lag: 1, Theiler: theiler, MaxSteps: 30, Dt: 1}
	}
	dim := min(2*b.StateDim+1, 10)
	if b.Kind == systems.Delay {
		dim = 7
	}
	return metrics.RosensteinOptions{
		Dim: dim, Lag: max(int(math.Round(p.PtsPerPeriod/10)), 1), Theiler: theiler,
		MaxSteps: max(int(math.Round(10*p.PtsPerPeriod)), 20), Dt: dt,
	}
}

// flowSpectrum runs the QR method on an ODE from its dysts initial condition.
func flowSpectrum(ctx context.Context, p *Params, b systems.Bound) (metrics.Estimate, error) {
	g := &guard{ctx: ctx, budget: p.MaxEvals, what: "lyapunov spectrum"}
	f := b.F
	rhs := func(t float64, x, dx []float64) { g.tick(); f(t, x, dx) }
	jac := metrics.Jacobian(b.Jac)
	o := &metrics.SpectrumOptions{
		Transient: p.TransientPeriods * b.Period, T: p.Periods * b.Period, Tau: p.Reorth * b.Period,
		Method: p.Method, Step: b.Dt, Rtol: p.RTol, Atol: p.ATol,
	}
	return metrics.LyapunovSpectrum(rhs, jac, b.IC, o)
}

// mapSpectrum runs the QR method on a map.
func mapSpectrum(p *Params, b systems.Bound) (metrics.Estimate, error) {
	jac := b.Jac
	return metrics.MapSpectrum(metrics.Map(b.G), func(x, j []float64) { jac(0, x, j) }, b.IC,
		&metrics.MapOptions{Transient: p.MapTransient, N: p.Iterations})
}

// delaySpectrum runs the finite-dimensional approximation of a scalar delay
// system with a constant history x(t ≤ 0) = IC[0] (as dysts integrates it).
func delaySpectrum(ctx context.Context, p *Params, b systems.Bound) (metrics.Estimate, error) {
	g := &guard{ctx: ctx, budget: p.MaxEvals, what: "lyapunov spectrum"}
	df := b.DF
	n := b.StateDim
	f := func(t float64, x, xd, dx []float64) { g.tick(); df(t, x, xd, dx) }
	hist := func(_ float64, x []float64) { copy(x, b.IC[:n]) }
	k := min(p.DelayExponents, (p.DelayGrid+1)*n)
	return metrics.DelaySpectrum(f, numericalDelayJacobian(df, n), b.Tau, hist, n, &metrics.DelayOptions{
		K: k, N: p.DelayGrid, Transient: p.TransientPeriods * b.Period, T: p.Periods * b.Period,
	})
}

// numericalDelayJacobian returns central-difference partial derivatives of a
// delay right-hand side with respect to x(t) and x(t−τ). Step h_j =
// 1e-6·max(1, |v_j|) (error O(h²)); the catalog's delay equations are
// smooth. Not safe for concurrent use (scratch space).
func numericalDelayJacobian(f systems.DelayFunc, n int) metrics.DelayJacobian {
	xp, dp, fp, fm := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	return func(t float64, x, xd, jx, jd []float64) {
		copy(xp, x)
		copy(dp, xd)
		for j := 0; j < n; j++ {
			h := 1e-6 * math.Max(1, math.Abs(x[j]))
			xp[j] = x[j] + h
			f(t, xp, xd, fp)
			xp[j] = x[j] - h
			f(t, xp, xd, fm)
			xp[j] = x[j]
			for i := 0; i < n; i++ {
				jx[i*n+j] = (fp[i] - fm[i]) / (2 * h)
			}
			h = 1e-6 * math.Max(1, math.Abs(xd[j]))
			dp[j] = xd[j] + h
			f(t, x, dp, fp)
			dp[j] = xd[j] - h
			f(t, x, dp, fm)
			dp[j] = xd[j]
			for i := 0; i < n; i++ {
				jd[i*n+j] = (fp[i] - fm[i]) / (2 * h)
			}
		}
	}
}

// trajectory integrates (or iterates) the system from its initial condition
// and returns p.Points samples after the transient, with the sampling step.
// Delay systems give dysts' delay coordinates x(t − k τ/(Dim−1)).
func trajectory(ctx context.Context, p *Params, b systems.Bound) ([][]float64, float64, error) {
	n := p.Points
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, b.Dim)
	}
	if b.Kind == systems.Map {
		all := make([][]float64, p.MapTransient+n)
		copy(all[p.MapTransient:], out)
		for i := 0; i < p.MapTransient; i++ {
			all[i] = make([]float64, b.Dim)
		}
		if err := solvers.IterateMap(solvers.MapFunc(b.G), b.IC, len(all), all); err != nil {
			return nil, 0, err
		}
		return out, 1, stages.CheckFinite(out)
	}
	dt := b.Period / p.PtsPerPeriod
	t0 := p.TransientPeriods * b.Period
	g := &guard{ctx: ctx, budget: p.MaxEvals, what: "trajectory"}
	opts := solvers.Options{RTol: p.RTol, ATol: p.ATol, MaxSteps: 1 << 30}
	if b.Kind == systems.Delay {
		df := b.DF
		f := func(t float64, x, xd, dx []float64) { g.tick(); df(t, x, xd, dx) }
		lag := 0.0
		if b.Dim > 1 {
			lag = b.Tau / float64(b.Dim-1)
		}
		var need []float64
		for i := 0; i < n; i++ {
			for k := 0; k < b.Dim; k++ {
				need = append(need, t0+float64(i)*dt-float64(k)*lag)
			}
		}
		slices.Sort(need)
		need = slices.Compact(need)
		first, _ := slices.BinarySearch(need, 0)
		need = need[first:]
		vals := make([][]float64, len(need))
		for i := range vals {
			vals[i] = make([]float64, b.StateDim)
		}
		y0 := b.IC[:b.StateDim]
		if _, err := solvers.SolveDelay(ctx, p.Method, solvers.DelayProblem{F: solvers.DelayFunc(f), Tau: b.Tau, Y0: y0}, need, vals, opts); err != nil {
			return nil, 0, err
		}
		for i := range out {
			for k := 0; k < b.Dim; k++ {
				t := t0 + float64(i)*dt - float64(k)*lag
				if t < 0 {
					out[i][k] = y0[0]
					continue
				}
				j, _ := slices.BinarySearch(need, t)
				out[i][k] = vals[j][0]
			}
		}
		return out, dt, stages.CheckFinite(out)
	}
	f := b.F
	rhs := func(t float64, x, dx []float64) { g.tick(); f(t, x, dx) }
	times := make([]float64, n)
	for i := range times {
		times[i] = t0 + float64(i)*dt
	}
	if p.Method == "rk4" {
		opts = solvers.Options{Step: math.Min(b.Dt, dt), MaxSteps: 1 << 30}
	}
	_, err := solvers.Solve(ctx, p.Method, solvers.Problem{F: solvers.Func(rhs), Jac: solvers.JacFunc(b.Jac), Y0: b.IC}, times, out, opts)
	if err != nil {
		return nil, 0, err
	}
	return out, dt, stages.CheckFinite(out)
}
