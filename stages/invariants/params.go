package invariants

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/chaos-runner/runner/solvers"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

// Names of the invariant groups that the `invariants` param selects.
const (
	Lyapunov             = "lyapunov" // spectrum, largest exponent, Kaplan-Yorke dimension
	CorrelationDimension = "correlation_dimension"
	Rosenstein           = "rosenstein"
	PermutationEntropy   = "permutation_entropy"
	MultiscaleEntropy    = "multiscale_entropy"
)

// AllInvariants lists every invariant group in output order.
var AllInvariants = []string{Lyapunov, CorrelationDimension, Rosenstein, PermutationEntropy, MultiscaleEntropy}

// Params configure the invariants stage.
type Params struct {
	System     string             `yaml:"system" doc:"a catalog name such as Lorenz, or a selection: flows, ode, delay, maps, all, tag:<tag>, or a comma-separated list"`
	Invariants []string           `yaml:"invariants,omitempty" doc:"which invariants to compute: lyapunov (spectrum, largest exponent, Kaplan-Yorke dimension), correlation_dimension, rosenstein, permutation_entropy, multiscale_entropy; default all"`
	Overrides  map[string]float64 `yaml:"params,omitempty" doc:"parameter overrides by dysts name (single system only); Lorenz96's N sets its dimension"`

	Periods          float64 `yaml:"periods,omitempty" doc:"flows and delay systems: QR averaging time, in dominant periods of the system"`
	TransientPeriods float64 `yaml:"transient_periods,omitempty" doc:"flows and delay systems: time integrated before averaging (tangent vectors align meanwhile) and before the sampled trajectory, in periods"`
	Reorth           float64 `yaml:"reorth,omitempty" doc:"flows: re-orthonormalisation interval, in periods"`
	Method           string  `yaml:"method,omitempty" doc:"integrator of the tangent flow and of the trajectory: an adaptive solvers method (default dop853) or rk4 (fixed step: the dysts dt)"`
	RTol             float64 `yaml:"rtol,omitempty" doc:"relative tolerance of the adaptive integrators"`
	ATol             float64 `yaml:"atol,omitempty" doc:"absolute tolerance of the adaptive integrators"`
	MaxEvals         int     `yaml:"max_evals,omitempty" doc:"budget of right-hand-side evaluations per system and integration; a system exceeding it fails (stiff systems) instead of running for hours"`

	Iterations   int `yaml:"iterations,omitempty" doc:"maps: averaged iterations of the QR method"`
	MapTransient int `yaml:"map_transient,omitempty" doc:"maps: iterations discarded first (also before the sampled trajectory)"`

	DelayExponents int `yaml:"delay_exponents,omitempty" doc:"delay systems: number of exponents of the finite-dimensional approximation"`
	DelayGrid      int `yaml:"delay_grid,omitempty" doc:"delay systems: grid intervals per delay of the approximation"`

	Points        int     `yaml:"points,omitempty" doc:"samples of the trajectory used for the correlation dimension, Rosenstein exponent and entropies"`
	PtsPerPeriod  float64 `yaml:"pts_per_period,omitempty" doc:"sampling of that trajectory: samples per dominant period (maps: every iterate)"`
	Theiler       int     `yaml:"theiler,omitempty" doc:"Theiler window in samples for the correlation dimension and Rosenstein (0: one period, or 10 iterates for maps)"`
	EntropyPoints int     `yaml:"entropy_points,omitempty" doc:"leading samples of x0(t) used by the entropies (sample entropy is quadratic in the length)"`
	PEOrder       int     `yaml:"pe_order,omitempty" doc:"permutation entropy order (embedding dimension), delay 1"`
	MSEScales     int     `yaml:"mse_scales,omitempty" doc:"multiscale entropy: number of coarse-graining scales (m = 2, r = 0.15 SD); the value is the mean over the finite scales"`
}

// Defaults reproduce the reference values of Lorenz (λ1 0.9056, D_KY 2.062)
// to about 1% and run the whole catalog in minutes.
var Defaults = Params{
	Invariants: slices.Clone(AllInvariants),
	Periods:    1500, TransientPeriods: 20, Reorth: 0.1,
	Method: "dop853", RTol: 1e-9, ATol: 1e-9, MaxEvals: 20_000_000,
	Iterations: 200_000, MapTransient: 1000,
	DelayExponents: 10, DelayGrid: 100,
	Points: 20_000, PtsPerPeriod: 20, EntropyPoints: 4000, PEOrder: 5, MSEScales: 10,
}

func finitePos(v float64) bool { return v > 0 && !math.IsInf(v, 0) }

// Validate checks params and that the system selection resolves.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	names, err := systems.Select(p.System)
	if err != nil {
		bad("system", strings.TrimPrefix(err.Error(), "systems: "))
	}
	if err == nil && len(p.Overrides) > 0 {
		if len(names) != 1 {
			bad("params", "params overrides need a single system")
		} else if s, lerr := systems.Lookup(names[0]); lerr == nil {
			if _, berr := s.Bind(p.Overrides); berr != nil {
				bad("params", strings.TrimPrefix(berr.Error(), "systems: "))
			}
		}
	}
	if len(p.Invariants) == 0 {
		bad("invariants", "name at least one invariant ("+strings.Join(AllInvariants, ", ")+")")
	}
	for _, n := range p.Invariants {
		if !slices.Contains(AllInvariants, n) {
			bad("invariants", fmt.Sprintf("unknown invariant %q (have %s)", n, strings.Join(AllInvariants, ", ")))
		}
	}
	if !finitePos(p.Periods) {
		bad("periods", "must be > 0")
	}
	if p.TransientPeriods < 0 || math.IsNaN(p.TransientPeriods) || math.IsInf(p.TransientPeriods, 0) {
		bad("transient_periods", "must be >= 0")
	}
	if !finitePos(p.Reorth) {
		bad("reorth", "must be > 0")
	}
	if m, err := solvers.Lookup(p.Method); err != nil {
		bad("method", fmt.Sprintf("unknown method %q (have %s)", p.Method, strings.Join(solvers.Methods(), ", ")))
	} else if m.Implicit {
		bad("method", fmt.Sprintf("method %s is implicit; the tangent flow needs an explicit method", p.Method))
	}
	if !finitePos(p.RTol) || !finitePos(p.ATol) {
		bad("rtol", "rtol and atol must be > 0")
	}
	if p.MaxEvals < 1000 {
		bad("max_evals", "must be at least 1000")
	}
	if p.Iterations < 100 || p.Iterations > 1_000_000_000 {
		bad("iterations", fmt.Sprintf("must be in [100, 1e9], got %d", p.Iterations))
	}
	// The map transient is held in memory with the sampled trajectory.
	if p.MapTransient < 0 || p.MapTransient > 10_000_000 {
		bad("map_transient", fmt.Sprintf("must be in [0, 1e7], got %d", p.MapTransient))
	}
	if p.DelayExponents < 1 || p.DelayExponents > 100 {
		bad("delay_exponents", "must be in [1, 100]")
	}
	if p.DelayGrid < 10 || p.DelayGrid > 10_000 {
		bad("delay_grid", "must be in [10, 10000]")
	}
	if p.Points < 500 || p.Points > 2_000_000 {
		bad("points", "must be in [500, 2000000]")
	}
	if !finitePos(p.PtsPerPeriod) {
		bad("pts_per_period", "must be > 0")
	}
	if p.Theiler < 0 {
		bad("theiler", "must be >= 0")
	}
	if p.EntropyPoints < 100 {
		bad("entropy_points", "must be at least 100")
	}
	if p.PEOrder < 2 || p.PEOrder > 10 {
		bad("pe_order", "must be in [2, 10]")
	}
	if p.MSEScales < 1 || p.MSEScales > 50 {
		bad("mse_scales", "must be in [1, 50]")
	}
	return errs
}

func (p *Params) wants(name string) bool { return slices.Contains(p.Invariants, name) }
