package solvereval

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

// Params configure solver_eval (and, with Repeats, solver_timing).
type Params struct {
	System         string             `yaml:"system" doc:"a catalog flow such as Lorenz, or a selection: flows, ode, delay, tag:<tag>, or a comma-separated list (maps are rejected)"`
	Methods        []string           `yaml:"methods,omitempty" doc:"solvers methods to evaluate; adaptive ones sweep tolerances, fixed-step ones (euler, midpoint, rk4) sweep steps"`
	Tolerances     []float64          `yaml:"tolerances,omitempty" doc:"relative tolerances of the sweep (rtol = tol)"`
	ATolFactor     float64            `yaml:"atol_factor,omitempty" doc:"atol = tol * atol_factor (DiffEqDevTools/SciMLBenchmarks pairing: 1e-3)"`
	StepsPerPeriod []float64          `yaml:"steps_per_period,omitempty" doc:"fixed-step sweep: step = dominant period / steps_per_period (the dysts dt is about period/5000)"`
	Steps          []float64          `yaml:"steps,omitempty" doc:"explicit fixed step sizes in time units; override steps_per_period"`
	Horizon        float64            `yaml:"horizon,omitempty" doc:"integration interval in time units; overrides lyapunov_times and max_periods"`
	LyapunovTimes  float64            `yaml:"lyapunov_times,omitempty" doc:"integration interval in Lyapunov times 1/lambda_max (dysts estimate), capped by max_periods"`
	MaxPeriods     float64            `yaml:"max_periods,omitempty" doc:"cap of the interval in dominant periods (systems with tiny lambda_max); also the interval when lambda_max is unknown"`
	Reference      string             `yaml:"reference_method,omitempty" doc:"reference integrator: auto (vern9 for ODEs, dop853 for delay systems, whose interpolated history needs a high-order dense output) or a method name"`
	ReferenceTol   float64            `yaml:"reference_tol,omitempty" doc:"rtol = atol of the reference"`
	Threshold      float64            `yaml:"threshold,omitempty" doc:"predictability horizon: first time the scaled error (RMS of (y - y_ref)/std over coordinates) exceeds this"`
	Points         int                `yaml:"points,omitempty" doc:"uniform grid points (ends included) on which the dense output is compared with the reference"`
	MaxSteps       int                `yaml:"max_steps,omitempty" doc:"attempted steps allowed per run; beyond, the row has status max_steps"`
	IC             []float64          `yaml:"ic,omitempty" doc:"initial condition override (single system only)"`
	Overrides      map[string]float64 `yaml:"params,omitempty" doc:"parameter overrides by dysts name (single system only), e.g. {beta: 2.6666666666666665} for the textbook Lorenz-63 (dysts uses 2.667)"`
}

// DefaultMethods is every adaptive method plus rk4.
var DefaultMethods = []string{"bs3", "dopri5", "tsit5", "dop853", "vern9", "radau5", "rk4"}

// Defaults of solver_eval.
var Defaults = Params{
	Methods:        DefaultMethods,
	Tolerances:     []float64{1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11},
	ATolFactor:     1e-3,
	StepsPerPeriod: []float64{25, 50, 100, 200, 400, 800},
	LyapunovTimes:  10,
	MaxPeriods:     10,
	Reference:      "auto",
	ReferenceTol:   1e-14,
	Threshold:      0.1,
	Points:         201,
	MaxSteps:       200_000,
}

func positive(v []float64) bool {
	for _, x := range v {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Validate checks params, including that the system selection resolves to flows.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	names, err := systems.Select(p.System)
	if err != nil {
		bad("system", strings.TrimPrefix(err.Error(), "systems: "))
	}
	for _, n := range names {
		if s, err := systems.Lookup(n); err == nil && s.Kind == systems.Map {
			bad("system", fmt.Sprintf("%s is a map: solver evaluation needs flows (select flows, ode or delay)", n))
			break
		}
	}
	if len(p.Methods) == 0 {
		bad("methods", "must list at least one method")
	}
	for _, m := range p.Methods {
		if _, err := solvers.Lookup(m); err != nil {
			bad("methods", fmt.Sprintf("unknown method %q (have %s)", m, strings.Join(solvers.Methods(), ", ")))
		}
	}
	if len(p.Tolerances) == 0 || !positive(p.Tolerances) {
		bad("tolerances", "must be a non-empty list of positive numbers")
	}
	if !(p.ATolFactor > 0) {
		bad("atol_factor", "must be > 0")
	}
	if len(p.StepsPerPeriod) == 0 || !positive(p.StepsPerPeriod) {
		bad("steps_per_period", "must be a non-empty list of positive numbers")
	}
	if !positive(p.Steps) {
		bad("steps", "must be positive")
	}
	if p.Horizon < 0 || p.LyapunovTimes < 0 || p.MaxPeriods < 0 {
		bad("horizon", "horizon, lyapunov_times and max_periods must be >= 0")
	}
	if p.Horizon == 0 && p.LyapunovTimes == 0 && p.MaxPeriods == 0 {
		bad("horizon", "set horizon, lyapunov_times or max_periods")
	}
	if p.Reference != "auto" {
		if _, err := solvers.Lookup(p.Reference); err != nil {
			bad("reference_method", fmt.Sprintf("unknown method %q (have auto, %s)", p.Reference, strings.Join(solvers.Methods(), ", ")))
		} else if m, _ := solvers.Lookup(p.Reference); !m.Adaptive {
			bad("reference_method", "must be an adaptive method")
		}
	}
	if !(p.ReferenceTol > 0) {
		bad("reference_tol", "must be > 0")
	}
	if !(p.Threshold > 0) {
		bad("threshold", "must be > 0")
	}
	// The upper bounds keep a typo from allocating every grid point of every
	// run (points) or from running for days (max_steps).
	if p.Points < 2 || p.Points > 1_000_000 {
		bad("points", fmt.Sprintf("must be in [2, 1000000], got %d", p.Points))
	}
	if p.MaxSteps < 1 || p.MaxSteps > 1_000_000_000 {
		bad("max_steps", fmt.Sprintf("must be in [1, 1e9], got %d", p.MaxSteps))
	}
	if err == nil && len(p.Overrides) > 0 {
		if len(names) != 1 {
			bad("params", "parameter overrides need a single system")
		} else if s, _ := systems.Lookup(names[0]); true {
			for _, k := range slices.Sorted(maps.Keys(p.Overrides)) {
				if _, ok := s.Params[k]; !ok {
					bad("params", fmt.Sprintf("%s has no parameter %q (parameters: %s)", s.Name, k, strings.Join(s.ParamNames, ", ")))
				}
			}
		}
	}
	if err == nil && len(p.IC) > 0 {
		if len(names) != 1 {
			bad("ic", "an initial condition override needs a single system")
		} else if s, _ := systems.Lookup(names[0]); len(p.IC) != s.Dim {
			bad("ic", fmt.Sprintf("%s has dimension %d, got %d values", s.Name, s.Dim, len(p.IC)))
		}
	}
	return errs
}

func (p Params) config() (*config, error) {
	names, err := systems.Select(p.System)
	if err != nil {
		return nil, err
	}
	if errs := p.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s", errs[0].Field, errs[0].Message)
	}
	return &config{
		names: names, methods: slices.Clone(p.Methods), tolerances: slices.Clone(p.Tolerances),
		atolFactor: p.ATolFactor, steps: slices.Clone(p.Steps), stepsPerPeriod: slices.Clone(p.StepsPerPeriod),
		horizon: p.Horizon, lyapunovTimes: p.LyapunovTimes, maxPeriods: p.MaxPeriods,
		refMethod: p.Reference, refTol: p.ReferenceTol, threshold: p.Threshold, points: p.Points,
		maxSteps: p.MaxSteps, ic: slices.Clone(p.IC), overrides: maps.Clone(p.Overrides),
	}, nil
}
