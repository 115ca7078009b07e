package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

// Params configure the generate stage.
type Params struct {
	System        string             `yaml:"system" doc:"a catalog name such as Lorenz, or a selection: flows, ode, delay, maps, all, tag:<tag>, or a comma-separated list of names"`
	N             int                `yaml:"n,omitempty" doc:"points per trajectory, train and test together"`
	PtsPerPeriod  float64            `yaml:"pts_per_period,omitempty" doc:"sampling step = the system's dominant period / pts_per_period (dysts' resampling)"`
	Dt            float64            `yaml:"dt,omitempty" doc:"explicit sampling step; overrides pts_per_period"`
	Transient     int                `yaml:"transient,omitempty" doc:"points integrated and discarded before the first kept point"`
	ICs           int                `yaml:"ics,omitempty" doc:"number of initial conditions: the catalog one, then perturbations of it drawn from the stage seed"`
	ICScale       float64            `yaml:"ic_scale,omitempty" doc:"perturbation of extra initial conditions, in units of each coordinate's attractor standard deviation"`
	Standardize   bool               `yaml:"standardize,omitempty" doc:"subtract the train mean and divide by the train standard deviation, per system and coordinate"`
	Noise         float64            `yaml:"noise,omitempty" doc:"observation noise added to every sample, in units of each coordinate's standard deviation"`
	SDENoise      float64            `yaml:"sde_noise,omitempty" doc:"additive dynamical noise (Euler-Maruyama), diffusion in units of each coordinate's standard deviation per unit time"`
	Method        string             `yaml:"method,omitempty" doc:"integrator: auto (dop853, falling back to radau5 for stiff systems) or any solvers method"`
	RTol          float64            `yaml:"rtol,omitempty" doc:"relative tolerance of adaptive integrators"`
	ATol          float64            `yaml:"atol,omitempty" doc:"absolute tolerance of adaptive integrators"`
	TrainFraction float64            `yaml:"train_fraction,omitempty" doc:"fraction of each trajectory in the train table (the rest is test)"`
	TestPoints    int                `yaml:"test_points,omitempty" doc:"if set, the last test_points points of each trajectory are the test table (overrides train_fraction)"`
	Overrides     map[string]float64 `yaml:"params,omitempty" doc:"parameter overrides by dysts name (single system only); Lorenz96's N sets its dimension"`
	IC            []float64          `yaml:"ic,omitempty" doc:"initial condition override (single system only)"`
	Postprocess   bool               `yaml:"postprocess,omitempty" doc:"apply dysts' postprocessing (phases and angles to sin/cos, polar to Cartesian) to the 19 flows that have one, after sampling and before noise and standardize"`
}

// Defaults reach dysts' accuracy (it uses Radau at rtol = atol = 1e-12).
var Defaults = Params{
	N: 1000, PtsPerPeriod: 100, ICs: 1, ICScale: 0.01, Method: "auto",
	RTol: 1e-12, ATol: 1e-12, TrainFraction: 0.8,
}

// Validate checks params, including that the system selection resolves.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	names, err := systems.Select(p.System)
	if err != nil {
		bad("system", strings.TrimPrefix(err.Error(), "systems: "))
	}
	if p.N < 2 {
		bad("n", "must be at least 2")
	}
	if !(p.PtsPerPeriod > 0) {
		bad("pts_per_period", "must be > 0")
	}
	if p.Dt < 0 {
		bad("dt", "must be >= 0")
	}
	if p.Transient < 0 {
		bad("transient", "must be >= 0")
	}
	if p.ICs < 1 {
		bad("ics", "must be >= 1")
	}
	if p.Noise < 0 || p.SDENoise < 0 || p.ICScale < 0 {
		bad("noise", "noise, sde_noise and ic_scale must be >= 0")
	}
	if !(p.RTol > 0) || !(p.ATol > 0) {
		bad("rtol", "rtol and atol must be > 0")
	}
	if !(p.TrainFraction > 0 && p.TrainFraction <= 1) {
		bad("train_fraction", "must be in (0, 1]")
	}
	if p.TestPoints < 0 || p.TestPoints >= p.N {
		bad("test_points", "must be >= 0 and less than n")
	}
	if p.Method != "auto" && !slices.Contains(solvers.Methods(), p.Method) {
		bad("method", fmt.Sprintf("unknown method %q (have auto, %s)", p.Method, strings.Join(solvers.Methods(), ", ")))
	}
	if err == nil && len(names) != 1 && (len(p.Overrides) > 0 || len(p.IC) > 0) {
		bad("params", "params and ic overrides need a single system")
	}
	if err == nil && len(names) == 1 {
		s, _ := systems.Lookup(names[0])
		known := true
		for k := range p.Overrides {
			if _, ok := s.Params[k]; !ok {
				known = false
				bad("params", fmt.Sprintf("%s has no parameter %q (parameters: %s)", s.Name, k, strings.Join(s.ParamNames, ", ")))
			}
		}
		dim := s.Dim
		if known {
			// A dimension parameter (Lorenz96's N) changes Dim.
			if b, berr := s.Bind(p.Overrides); berr != nil {
				bad("params", strings.TrimPrefix(berr.Error(), "systems: "))
			} else {
				dim = b.Dim
			}
		}
		if len(p.IC) > 0 && len(p.IC) != dim {
			bad("ic", fmt.Sprintf("%s has dimension %d, got %d values", s.Name, dim, len(p.IC)))
		}
		if p.SDENoise > 0 && s.Kind != systems.Flow {
			bad("sde_noise", "dynamical noise applies to ODE flows only")
		}
	}
	if err == nil && p.Method != "auto" {
		if m, merr := solvers.Lookup(p.Method); merr == nil && m.Implicit {
			for _, n := range names {
				if s, _ := systems.Lookup(n); s.Kind == systems.Delay {
					bad("method", fmt.Sprintf("%s is a delay system; the implicit method %s cannot integrate delay equations (use auto or an explicit method)", n, p.Method))
					break
				}
			}
		}
	}
	return errs
}

// bytesPerPoint is the memory one sampled point of a dim-state system takes
// while the stage runs: its trajectory row ([]float64 and slice header), the
// train or test table row and the Arrow builders' copies. Measured: about 235
// bytes a point for Lorenz (dim 3) at n = 2e6 (peak RSS 475 MB, GOGC 400).
func bytesPerPoint(dim int) float64 { return float64(96 + 48*dim) }

// EstimatedBytes bounds the stage's memory from its params: every system's
// trajectories are held at once until the tables are built.
func (p Params) EstimatedBytes() (float64, string) {
	names, err := systems.Select(p.System)
	if err != nil {
		return 0, ""
	}
	points := float64(max(p.N, 0)) + float64(max(p.Transient, 0))
	field := "n"
	if p.Transient > p.N {
		field = "transient"
	}
	var total float64
	for _, n := range names {
		s, err := systems.Lookup(n)
		if err != nil {
			continue
		}
		dim := s.Dim
		if len(p.Overrides) > 0 {
			if b, err := s.Bind(p.Overrides); err == nil {
				dim = b.Dim
			}
		}
		total += float64(max(p.ICs, 1)) * points * bytesPerPoint(dim)
	}
	return total, field
}

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name: "generate",
		// Version 2: Lorenz96's `parameters` metadata lists its new
		// dimension parameter N (the data are unchanged).
		Version: 2,
		Summary: "Trajectories of catalog systems, sampled as dysts does, split into train and test tables.",
		Doc: "Integrates each selected system from its dysts initial condition (and `ics - 1` perturbed ones) " +
			"with error-controlled solvers, samples it every `period / pts_per_period` time units (or every `dt`), " +
			"drops `transient` points, and splits every trajectory into a train head and a test tail. " +
			"Row i of a trajectory is at time (i + transient)·dt. " +
			"Maps are iterated (`time` counts iterations): their first row, at time 0, is the initial condition itself, " +
			"whereas dysts' DynMap.make_trajectory starts at the first iterate f(IC); `transient: 1` gives dysts' rows. " +
			"Delay systems output dysts' delay coordinates x(t - k tau/(d-1)), k = 0..d-1, from t = 0, reading the " +
			"constant history x(t <= 0) = IC[0] while t < tau; dysts' DynSysDelay.make_trajectory starts its samples at " +
			"t = tau (first row x(tau), ..., x(0)); a `transient` of tau/dt points, when that is whole, starts at t = tau too. " +
			"`params` overrides parameters by their dysts names; Lorenz96's `N` (default 4) sets its dimension and " +
			"with it the number of state columns (at N != 4 its initial condition is x_i = f, x_0 = f + 0.01, off the " +
			"attractor: use `transient`). `postprocess: true` applies dysts' postprocessing to the 19 flows that have " +
			"one (their phases and angles mapped to sin/cos, BlinkingRotlet's family from polar to Cartesian; the " +
			"dimension is unchanged), to every sampled state, before `noise` and `standardize`, as dysts applies it " +
			"at the end of make_trajectory; the system's entry in `systems` then has `postprocessed: true`. " +
			"A system that fails to integrate is listed with its reason in `failures` " +
			"and does not stop the others; when every system fails (a single one, or all of several), the stage fails with their reasons. Schema metadata `systems` " +
			"holds, per system, the parameters, solver, tolerances, sampling step and Lyapunov time.",
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Lorenz, 1,000 points at 100 points per period", Params: "system: Lorenz\nn: 1000\n"},
			{Title: "Every chaotic flow, with a held-out test tail of 200 points", Params: "system: flows\nn: 1200\ntest_points: 200\n"},
			{Title: "Rossler with a parameter override and three initial conditions", Params: "system: Rossler\nparams: {c: 6.0}\nics: 3\n"},
			{Title: "The Henon map", Params: "system: Henon\nn: 500\n"},
			{Title: "Lorenz96 with 40 sites at F = 8, past its transient", Params: "system: Lorenz96\nparams: {N: 40, f: 8}\ntransient: 1000\n"},
			{Title: "Duffing with its forcing phase mapped to cos, as dysts does by default", Params: "system: Duffing\npostprocess: true\n"},
		},
		New: newStage,
	})
	stages.Default.RegisterSelection(stages.Selection{
		Name: "catalog",
		Doc:  "systems of the catalog: flows, ode, delay, maps, all, tag:<tag> or a comma list of names",
		Resolve: func(arg string) ([]string, error) {
			return systems.Select(arg)
		},
	})
}

type stage struct {
	p      Params
	seed   uint64
	names  []string
	maxDim int
}

func newStage(p Params, env stages.Env) (stages.Stage, error) {
	names, err := systems.Select(p.System)
	if err != nil {
		return nil, err
	}
	s := &stage{p: p, seed: env.Seed, names: names}
	for _, n := range names {
		sys, err := systems.Lookup(n)
		if err != nil {
			return nil, err
		}
		dim := sys.Dim
		if len(p.Overrides) > 0 { // a single system; its dimension may be a parameter
			b, err := sys.Bind(p.Overrides)
			if err != nil {
				return nil, err
			}
			dim = b.Dim
		}
		s.maxDim = max(s.maxDim, dim)
	}
	return s, nil
}

// failureRow is one row of the failures table: a system that did not
// integrate, left out of train and test.
type failureRow struct {
	System string `arrow:"system" doc:"catalog name of the system"`
	Reason string `arrow:"reason" doc:"why it failed: the solver's error, a panic, or the first non-finite or escaped sample"`
}

var failuresTable = schemas.NewTable[failureRow]()

func (s *stage) Ports() (in, out []stages.Port) {
	train := stages.TablePort("train", "the head of every trajectory.", schemas.Trajectories)
	test := stages.TablePort("test", "the tail of every trajectory (empty when train_fraction is 1).", schemas.Trajectories)
	// Consumers check the state columns too: declare all maxDim of them.
	train.Schema = schemas.Trajectories.SchemaWidth(s.maxDim, nil)
	test.Schema = train.Schema
	return nil, []stages.Port{
		train, test,
		stages.TablePort("failures", "systems that failed to integrate, with the reason.", failuresTable),
	}
}

// result is one system's trajectories or its failure.
type result struct {
	name string
	info map[string]any
	dim  int
	// data[ic][point][coord]
	data [][][]float64
	dt   float64
	err  error
}

func (s *stage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	results := make([]result, len(s.names))
	if err := stages.ForEach(ctx, len(s.names), func(i int) {
		results[i] = s.generate(ctx, s.names[i])
	}); err != nil {
		return nil, err
	}
	if len(s.names) == 1 && results[0].err != nil {
		return nil, fmt.Errorf("%s: %w", s.names[0], results[0].err)
	}
	// Empty tables would pass for data: when every system failed, the
	// stage fails with their reasons.
	if len(results) == 0 {
		return s.tables(results)
	}
	var reasons []string
	for _, r := range results {
		if r.err == nil {
			return s.tables(results)
		}
		reasons = append(reasons, fmt.Sprintf("%s: %v", r.name, r.err))
	}
	return nil, fmt.Errorf("every one of the %d systems failed:\n  %s", len(results), strings.Join(reasons, "\n  "))
}

// lyapunovTime is 1/lambda_max from the catalog, in time units.
func lyapunovTime(info systems.Info) float64 {
	if l := info.LyapunovMax; l > 0 && !math.IsNaN(l) {
		return 1 / l
	}
	return math.NaN()
}

func (s *stage) generate(ctx context.Context, name string) (r result) {
	r.name = name
	defer func() {
		if p := recover(); p != nil {
			r.err = fmt.Errorf("panic while integrating: %v", p)
		}
	}()
	sys, err := systems.Lookup(name)
	if err != nil {
		r.err = err
		return r
	}
	if len(s.p.IC) > 0 {
		sys.IC = slices.Clone(s.p.IC)
	}
	b, err := sys.Bind(s.p.Overrides)
	if err != nil {
		r.err = err
		return r
	}
	r.dim = b.Dim
	dt := s.p.Dt
	if dt == 0 {
		dt = b.Period / s.p.PtsPerPeriod
	}
	if b.Kind == systems.Map {
		dt = 1
	}
	r.dt = dt
	total := s.p.Transient + s.p.N
	rng := rand.New(rand.NewPCG(s.seed, stages.NameHash(name)))
	method := s.p.Method
	var stats solvers.Stats
	post := s.p.Postprocess && b.Postprocess != nil
	for ic := 0; ic < s.p.ICs; ic++ {
		x0 := slices.Clone(b.IC)
		if ic > 0 {
			for i := range x0 {
				sd := 1.0
				if i < len(b.Std) && b.Std[i] > 0 {
					sd = b.Std[i]
				}
				x0[i] += s.p.ICScale * sd * rng.NormFloat64()
			}
		}
		traj := make([][]float64, total)
		for i := range traj {
			traj[i] = make([]float64, b.Dim)
		}
		var used string
		var st solvers.Stats
		switch b.Kind {
		case systems.Map:
			used = "map"
			err = solvers.IterateMap(solvers.MapFunc(b.G), x0, total, traj)
		case systems.Delay:
			used, st, err = s.delay(ctx, b, x0, dt, traj)
		default:
			if s.p.SDENoise > 0 {
				used, st, err = s.sde(ctx, b, x0, dt, traj, rng.Uint64())
			} else {
				used, st, err = s.flow(ctx, b, x0, dt, traj, method)
				method = used // later initial conditions reuse what worked
			}
		}
		stats = stats.Add(st)
		if err == nil {
			err = stages.CheckFinite(traj)
		}
		if err != nil {
			r.err = err
			return r
		}
		if post {
			for _, row := range traj {
				b.Postprocess(row)
			}
		}
		if s.p.Noise > 0 {
			for _, row := range traj {
				for i := range row {
					sd := 1.0
					if i < len(b.Std) && b.Std[i] > 0 {
						sd = b.Std[i]
					}
					row[i] += s.p.Noise * sd * rng.NormFloat64()
				}
			}
		}
		r.data = append(r.data, traj[s.p.Transient:])
		r.info = map[string]any{
			"system": name, "parameters": b.Params, "solver": used, "rtol": s.p.RTol, "atol": s.p.ATol,
			"sample_dt": dt, "period": b.Period, "lyapunov_time": jsonNumber(lyapunovTime(b.Info)),
			"dim": b.Dim, "kind": b.Kind.String(), "citation": b.Citation,
		}
		if post {
			r.info["postprocessed"] = true
		}
	}
	r.info["rhs_evals"] = stats.RHSEvals
	r.info["steps"] = stats.Accepted + stats.Rejected
	return r
}

func jsonNumber(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func sampleTimes(n int, dt float64) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = float64(i) * dt
	}
	return ts
}

// fixedStep is the step of a fixed-step method: dysts' integration step
// b.Dt, shortened so that a whole number of steps spans the sampling step dt
// (every sample then falls on a step, not inside one).
func fixedStep(b systems.Bound, dt float64) float64 {
	h := b.Dt
	if !(h > 0) || h > dt {
		return dt
	}
	return dt / math.Ceil(dt/h*(1-1e-12))
}

// isFixedStep reports whether method has no error control, so it needs an
// explicit step.
func isFixedStep(method string) bool {
	m, err := solvers.Lookup(method)
	return err == nil && !m.Adaptive && !m.Implicit
}

// flow integrates an ODE; "auto" tries dop853 and falls back to radau5 when
// the explicit method needs too many steps (a stiff system).
func (s *stage) flow(ctx context.Context, b systems.Bound, x0 []float64, dt float64, out [][]float64, method string) (string, solvers.Stats, error) {
	prob := solvers.Problem{F: solvers.Func(b.F), Jac: solvers.JacFunc(b.Jac), T0: 0, Y0: x0}
	times := sampleTimes(len(out), dt)
	opts := solvers.Options{RTol: s.p.RTol, ATol: s.p.ATol}
	if method != "auto" {
		if isFixedStep(method) {
			opts.Step = fixedStep(b, dt)
		}
		st, err := solvers.Solve(ctx, method, prob, times, out, opts)
		return method, st, err
	}
	opts.MaxSteps = 200 * len(out)
	st, err := solvers.Solve(ctx, "dop853", prob, times, out, opts)
	if err == nil || ctx.Err() != nil || !slices.Contains(solvers.Methods(), "radau5") {
		return "dop853", st, err
	}
	if !errors.Is(err, solvers.ErrMaxSteps) && !errors.Is(err, solvers.ErrStepUnderflow) {
		return "dop853", st, err
	}
	opts.MaxSteps = 0
	st2, err := solvers.Solve(ctx, "radau5", prob, times, out, opts)
	return "radau5", st.Add(st2), err
}

// sde integrates the flow with additive noise by Euler-Maruyama at a step
// well below the sampling step.
func (s *stage) sde(ctx context.Context, b systems.Bound, x0 []float64, dt float64, out [][]float64, seed uint64) (string, solvers.Stats, error) {
	sigma := make([]float64, b.Dim)
	for i := range sigma {
		sd := 1.0
		if i < len(b.Std) && b.Std[i] > 0 {
			sd = b.Std[i]
		}
		sigma[i] = s.p.SDENoise * sd
	}
	for _, i := range b.UnboundedIndices {
		if i < len(sigma) {
			sigma[i] = 0 // phases of forced systems stay deterministic
		}
	}
	step := min(b.Dt, dt/10)
	st, err := solvers.SolveSDE(ctx, "em", solvers.SDEProblem{F: solvers.Func(b.F), Sigma: sigma, Y0: x0, Seed: seed},
		sampleTimes(len(out), dt), out, solvers.Options{Step: step})
	return "em", st, err
}

// delay integrates a scalar delay system and writes its delay coordinates
// x(t - k tau/(d-1)), k = 0..d-1, as dysts does.
func (s *stage) delay(ctx context.Context, b systems.Bound, x0 []float64, dt float64, out [][]float64) (string, solvers.Stats, error) {
	d := b.Dim
	lag := 0.0
	if d > 1 {
		lag = b.Tau / float64(d-1)
	}
	// Every time some coordinate needs, on or after t = 0 (before: the
	// constant history x0[0]).
	var need []float64
	for i := range out {
		for k := 0; k < d; k++ {
			if t := float64(i)*dt - float64(k)*lag; t >= 0 {
				need = append(need, t)
			}
		}
	}
	slices.Sort(need)
	need = slices.Compact(need)
	vals := make([][]float64, len(need))
	for i := range vals {
		vals[i] = make([]float64, b.StateDim)
	}
	y0 := x0[:b.StateDim]
	method := s.p.Method
	if method == "auto" {
		method = "dop853"
	}
	opts := solvers.Options{RTol: s.p.RTol, ATol: s.p.ATol}
	if isFixedStep(method) {
		opts.Step = min(fixedStep(b, dt), b.Tau)
	}
	st, err := solvers.SolveDelay(ctx, method, solvers.DelayProblem{F: solvers.DelayFunc(b.DF), Tau: b.Tau, Y0: y0},
		need, vals, opts)
	if err != nil {
		return method, st, err
	}
	for i := range out {
		for k := 0; k < d; k++ {
			t := float64(i)*dt - float64(k)*lag
			if t < 0 {
				out[i][k] = y0[0]
				continue
			}
			j, _ := slices.BinarySearch(need, t)
			out[i][k] = vals[j][0]
		}
	}
	return method, st, nil
}

// tables assembles the train, test and failures tables in catalog order.
func (s *stage) tables(results []result) (stages.Outputs, error) {
	split := func(n int) int {
		if s.p.TestPoints > 0 {
			return n - s.p.TestPoints
		}
		return int(math.Round(float64(n) * s.p.TrainFraction))
	}
	var infos []map[string]any
	for i := range results {
		r := &results[i]
		if r.err != nil {
			continue
		}
		if s.p.Standardize {
			standardize(r, split(s.p.N))
		}
		infos = append(infos, r.info)
	}
	metaJSON, err := json.Marshal(infos)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{
		"runner.kind": "generate", "systems": string(metaJSON), "seed": strconv.FormatUint(s.seed, 10),
		"standardized": strconv.FormatBool(s.p.Standardize),
	}
	if len(s.names) == 1 && len(infos) == 1 {
		meta["system"] = s.names[0]
		meta["lyapunov_time"] = fmt.Sprint(infos[0]["lyapunov_time"])
		meta["sample_dt"] = strconv.FormatFloat(results[0].dt, 'g', -1, 64)
		meta["solver"] = fmt.Sprint(infos[0]["solver"])
	}
	cut := split(s.p.N)
	var failed []failureRow
	trajectories := 0
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, failureRow{System: r.name, Reason: r.err.Error()})
			continue
		}
		trajectories += len(r.data)
	}
	// One row buffer serves both tables: the writer copies the rows out.
	buf := make([]schemas.TrajectoryRow, 0, trajectories*max(cut, s.p.N-cut))
	table := func(from, to int) arrow.RecordBatch {
		rows := buf[:0]
		for _, r := range results {
			if r.err != nil {
				continue // its data may hold the trajectories before the failing one
			}
			for ic, traj := range r.data {
				for i := from; i < to; i++ {
					// A state shorter than maxDim is NaN-padded by the writer.
					rows = append(rows, schemas.TrajectoryRow{System: r.name, Trajectory: int64(ic), Step: int64(i),
						Time: float64(i+s.p.Transient) * r.dt, State: traj[i]})
				}
			}
		}
		return schemas.Trajectories.RecordWidth(rows, s.maxDim, meta)
	}
	return stages.Outputs{
		"train":    table(0, cut),
		"test":     table(cut, s.p.N),
		"failures": failuresTable.Record(failed, nil),
	}, nil
}

// standardize rescales a system's data by its train mean and std.
func standardize(r *result, cut int) {
	mean := make([]float64, r.dim)
	sd := make([]float64, r.dim)
	count := 0.0
	for _, traj := range r.data {
		for _, row := range traj[:cut] {
			count++
			for k, v := range row {
				mean[k] += v
			}
		}
	}
	for k := range mean {
		mean[k] /= count
	}
	for _, traj := range r.data {
		for _, row := range traj[:cut] {
			for k, v := range row {
				sd[k] += (v - mean[k]) * (v - mean[k])
			}
		}
	}
	for k := range sd {
		sd[k] = math.Sqrt(sd[k] / count)
		if sd[k] == 0 {
			sd[k] = 1
		}
	}
	for _, traj := range r.data {
		for _, row := range traj {
			for k := range row {
				row[k] = (row[k] - mean[k]) / sd[k]
			}
		}
	}
	r.info["mean"] = mean
	r.info["std"] = sd
}
