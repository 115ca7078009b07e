package solvereval

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
)

// TimingParams configure solver_timing: the sweep of solver_eval plus the
// number of repeated runs.
type TimingParams struct {
	Params  `yaml:",inline"`
	Repeats int `yaml:"repeats,omitempty" doc:"runs per setting; the table keeps the minimum and the median wall time"`
}

// Validate checks the sweep and repeats.
func (p *TimingParams) Validate() []stages.FieldError {
	errs := p.Params.Validate()
	if p.Repeats < 1 {
		errs = append(errs, stages.FieldError{Field: "repeats", Message: "must be >= 1"})
	}
	return errs
}

// TimingDefaults are solver_eval's defaults with 3 repeats.
var TimingDefaults = TimingParams{Params: Defaults, Repeats: 3}

const evalDoc = "For each selected flow, method and tolerance (adaptive methods: rtol = tol, atol = tol * atol_factor) " +
	"or step (fixed-step methods), integrates from the catalog initial condition over the horizon " +
	"(`horizon` time units, else `lyapunov_times` Lyapunov times capped at `max_periods` dominant periods) " +
	"and compares with a reference integrated at `reference_tol` (default vern9 at 1e-14). Errors are scaled " +
	"by the attractor: e(t) = sqrt(mean_i ((y_i - y_ref,i) / std_i)^2) with the dysts per-coordinate std. " +
	"`final_error` is e(T); `final_abs_error` the mean absolute error at T (DiffEqDevTools `:final`, what " +
	"scipy comparisons use); `l2_error` the RMS of e over the method's own accepted steps (the reference is " +
	"stopped at each of them; DiffEqDevTools `:l2`); `dense_error` the RMS of e over `points` uniform times " +
	"read from the method's continuous extension (`Integrator.Dense`; DiffEqDevTools `:L2`). Work columns " +
	"(RHS and Jacobian evaluations, LU factorisations, accepted and rejected steps) come from a run without " +
	"dense output. `predictability_lyapunov_times` is the first step time at which e exceeds `threshold`, in " +
	"Lyapunov times (censored at the horizon). `observed_order` is the slope of log final error against log " +
	"RHS evaluations over the method's sweep (errors in 1e-12..1e-1). Delay systems use SolveDelay: no " +
	"l2_error, the predictability horizon is read on the grid, implicit methods are `unsupported`. Failures " +
	"(max_steps, step_underflow, non_finite, no_convergence) are rows with a status, never a failed stage. " +
	"Radau5 gets the analytic Jacobian when the catalog has one, else differences F itself (counted in " +
	"rhs_evals). The table holds only deterministic columns: it is bitwise identical across runs and --jobs " +
	"(systems run in parallel, rows keep catalog order) and is cached like any stage. Wall times are in " +
	"solver_timing."

const timingDoc = "Measures wall time of the settings of a solver_eval sweep (same params, plus `repeats`): each " +
	"setting is one `solvers.Solve` to the horizon with no output besides the final state and no reference, " +
	"run `repeats` times; the table keeps the minimum (the DiffEqDevTools convention) and the median. " +
	"The stage is volatile: it is never cached and runs again on every apply, so its timings always " +
	"describe the current binary on the current host (recorded in the schema metadata `host`, `goos`, " +
	"`goarch`, `gomaxprocs`). Settings run one at a time, so --jobs > 1 makes stages compete for cores: " +
	"compare timings from one apply only. A timing that came from an artifact store (runner artifacts show) " +
	"is the timing measured when that entry was written, on the host of its manifest."

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name:     "solver_eval",
		Version:  1,
		Summary:  "Work-precision table of ODE solvers on catalog flows against a tight reference (deterministic).",
		Doc:      evalDoc,
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Textbook Lorenz-63 (beta = 8/3) from (1,0,0) to t = 10 at rtol 1e-8, atol 1e-11 (the scipy comparison)",
				Params: "system: Lorenz\nparams: {beta: 2.6666666666666665}\nic: [1, 0, 0]\nhorizon: 10\nmethods: [dopri5, dop853, tsit5, vern9]\ntolerances: [1e-8]\n"},
			{Title: "Every ODE flow over 10 Lyapunov times (at most 10 periods), default solvers and tolerances",
				Params: "system: ode\nlyapunov_times: 10\nmax_periods: 10\n"},
			{Title: "Fixed-step methods on Rossler at explicit steps", Params: "system: Rossler\nmethods: [rk4, midpoint]\nsteps: [0.1, 0.05, 0.025]\n"},
		},
		New: func(p Params, _ stages.Env) (stages.Stage, error) {
			c, err := p.config()
			if err != nil {
				return nil, err
			}
			return &evalStage{p: p, c: c}, nil
		},
	})
	stages.Register(stages.Default, stages.Definition[TimingParams]{
		Name:     "solver_timing",
		Version:  1,
		Summary:  "Wall time (minimum and median of repeated runs) of a solver_eval sweep; volatile, never cached.",
		Doc:      timingDoc,
		Defaults: TimingDefaults,
		Examples: []stages.Example{
			{Title: "Time dopri5 and dop853 on Lorenz, 5 repeats",
				Params: "system: Lorenz\nmethods: [dopri5, dop853]\ntolerances: [1e-6, 1e-8]\nrepeats: 5\n"},
		},
		New: func(p TimingParams, _ stages.Env) (stages.Stage, error) {
			c, err := p.Params.config()
			if err != nil {
				return nil, err
			}
			return &timingStage{p: p, c: c}, nil
		},
	})
}

type evalStage struct {
	p Params
	c *config
}

func (s *evalStage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{stages.TablePort("results",
		"one row per system, method and tolerance or step: errors, work counters, predictability, status.", resultsTable)}
}

// parallel runs f over the systems with GOMAXPROCS workers and returns the
// results in input order.
func parallel[T any](ctx context.Context, names []string, f func(context.Context, string) (T, error)) ([]T, error) {
	out := make([]T, len(names))
	errs := make([]error, len(names))
	err := stages.ForEach(ctx, len(names), func(i int) {
		defer func() {
			if p := recover(); p != nil {
				errs[i] = fmt.Errorf("%s: panic: %v", names[i], p)
			}
		}()
		out[i], errs[i] = f(ctx, names[i])
	})
	if err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *evalStage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	per, err := parallel(ctx, s.c.names, s.c.evaluateSystem)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, r := range per {
		rows = append(rows, r...)
	}
	meta := map[string]string{
		"runner.kind":      "solver_eval",
		"reference_method": s.p.Reference,
		"reference_tol":    strconv.FormatFloat(s.p.ReferenceTol, 'g', -1, 64),
		"threshold":        strconv.FormatFloat(s.p.Threshold, 'g', -1, 64),
		"atol_factor":      strconv.FormatFloat(s.p.ATolFactor, 'g', -1, 64),
		"error_scale":      "dysts per-coordinate std of the attractor",
	}
	return stages.Outputs{"results": resultsTable.Record(rows, meta)}, nil
}

type timingStage struct {
	p TimingParams
	c *config
}

// Volatile: wall times differ on every run, so the stage is never cached.
func (s *timingStage) Volatile() bool { return true }

func (s *timingStage) Ports() (in, out []stages.Port) {
	return nil, []stages.Port{stages.TablePort("timings",
		"one row per setting: minimum and median wall seconds over the repeats (non-deterministic).", timingsTable)}
}

func (s *timingStage) Run(ctx context.Context, _ stages.Inputs) (stages.Outputs, error) {
	// Timings run one system at a time: parallel runs would compete for
	// cores and memory bandwidth and distort each other.
	var ts []Timing
	for _, name := range s.c.names {
		t, err := s.timeSystem(ctx, name)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t...)
	}
	host, _ := os.Hostname()
	meta := map[string]string{
		"runner.kind": "solver_timing", "host": host, "goos": runtime.GOOS, "goarch": runtime.GOARCH,
		"gomaxprocs": strconv.Itoa(runtime.GOMAXPROCS(0)), "measured": time.Now().UTC().Format(time.RFC3339),
	}
	return stages.Outputs{"timings": timingsTable.Record(ts, meta)}, nil
}

func (s *timingStage) timeSystem(ctx context.Context, name string) ([]Timing, error) {
	p, err := s.c.bind(name)
	if err != nil {
		return []Timing{{System: name, Status: "error"}}, nil
	}
	var out []Timing
	for _, st := range s.c.settings(p.b.Period) {
		t := Timing{System: name, Method: st.Method, Level: st.Level, RTol: st.RTol, ATol: st.ATol, Step: st.Step,
			Repeats: s.p.Repeats, Min: math.NaN(), Median: math.NaN(), Status: "ok"}
		if p.delay && st.Info.Implicit {
			t.Status = "unsupported"
			out = append(out, t)
			continue
		}
		walls := make([]float64, 0, s.p.Repeats)
		end := [][]float64{make([]float64, len(p.y0))}
		for k := 0; k < s.p.Repeats; k++ {
			start := time.Now()
			var err error
			if p.delay {
				_, err = solvers.SolveDelay(ctx, st.Method, p.dde(), []float64{p.T}, end, s.c.options(st))
			} else {
				_, err = solvers.Solve(ctx, st.Method, p.ode(), []float64{p.T}, end, s.c.options(st))
			}
			wall := time.Since(start).Seconds()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				t.Status = status(err)
				break
			}
			walls = append(walls, wall)
		}
		if t.Status == "ok" {
			sort.Float64s(walls)
			t.Min, t.Median = walls[0], median(walls)
		}
		out = append(out, t)
	}
	return out, nil
}
