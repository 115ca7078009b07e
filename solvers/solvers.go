package solvers

import (
	"errors"
	"fmt"
	"sort"
)

// Func is a right-hand side dy/dt = f(t, y). It writes f(t, y) into dy and
// allocates nothing. It has the same underlying type as systems.Func.
type Func func(t float64, y, dy []float64)

// JacFunc writes the Jacobian df/dy at (t, y) into jac, row-major:
// jac[i*n+j] = df_i/dy_j. It has the same underlying type as systems.JacFunc.
type JacFunc func(t float64, y, jac []float64)

// DelayFunc is the right-hand side of a delay system: yd holds y(t - tau).
// It has the same underlying type as systems.DelayFunc.
type DelayFunc func(t float64, y, yd, dy []float64)

// MapFunc writes the next iterate of a discrete map into next.
// It has the same underlying type as systems.MapFunc.
type MapFunc func(x, next []float64)

// HistoryFunc writes the initial history y(t), t <= T0, of a delay system into y.
type HistoryFunc func(t float64, y []float64)

// Problem is an initial value problem y' = F(t, y), y(T0) = Y0.
type Problem struct {
	F   Func
	Jac JacFunc // optional; implicit methods use forward differences when nil
	T0  float64
	Y0  []float64
}

// Options control an integration. The zero value selects the defaults.
type Options struct {
	RTol float64 // relative tolerance (default 1e-6)
	ATol float64 // absolute tolerance (default 1e-9)
	H0   float64 // initial step; 0 selects Hairer's starting-step heuristic
	HMax float64 // maximum step; 0 means unbounded
	// MaxSteps bounds the attempted steps (accepted + rejected) of one
	// Solve or AdvanceTo call (default 1,000,000).
	MaxSteps int
	// Step is the step size of fixed-step methods (required for euler,
	// midpoint, rk4). If set for an adaptive explicit method, the method's
	// main formula runs with this fixed step and no error control.
	Step float64
}

// Stats counts the work of an integration.
type Stats struct {
	RHSEvals  int // calls of F
	JacEvals  int // Jacobian evaluations (analytic or finite-difference)
	LUDecomps int // LU factorizations
	Accepted  int // accepted steps
	Rejected  int // rejected steps
}

// Add returns the component-wise sum of two Stats.
func (s Stats) Add(o Stats) Stats {
	return Stats{s.RHSEvals + o.RHSEvals, s.JacEvals + o.JacEvals, s.LUDecomps + o.LUDecomps,
		s.Accepted + o.Accepted, s.Rejected + o.Rejected}
}

// Method describes an integration method.
type Method struct {
	Name       string
	Order      int  // order of the propagated solution
	ErrOrder   int  // order of the embedded error estimator; 0 for fixed-step methods
	Stages     int  // new RHS evaluations per step (FSAL reuse excluded)
	Adaptive   bool // embedded error estimate and step-size control
	Implicit   bool // needs linear solves with the Jacobian
	DenseOrder int  // order of the dense output between steps
	Source     string
}

// Sentinel errors, matched with errors.Is; the returned errors are
// *IntegrationError values that carry the time and step size.
var (
	ErrStepUnderflow = errors.New("step size underflow")
	ErrMaxSteps      = errors.New("too many steps")
	ErrNonFinite     = errors.New("non-finite state")
	ErrNoConvergence = errors.New("newton iteration failed to converge")
)

// IntegrationError reports where and why an integration stopped.
type IntegrationError struct {
	Method string
	T, H   float64 // time reached and last step size tried
	Filled int     // output rows filled before the failure (-1 if not applicable)
	Total  int     // output rows requested
	Err    error   // one of the sentinel errors or a context error
	Detail string
}

func (e *IntegrationError) Error() string {
	s := fmt.Sprintf("solvers: %s: %v at t=%.17g (h=%.3g)", e.Method, e.Err, e.T, e.H)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Filled >= 0 {
		s += fmt.Sprintf("; %d of %d output rows filled, the rest are NaN", e.Filled, e.Total)
	}
	return s
}

func (e *IntegrationError) Unwrap() error { return e.Err }

// Methods returns the names of all methods, sorted.
func Methods() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the descriptor of the named method.
func Lookup(name string) (Method, error) {
	e, ok := registry[name]
	if !ok {
		return Method{}, fmt.Errorf("solvers: unknown method %q (have %v)", name, Methods())
	}
	return e.m, nil
}

type entry struct {
	m   Method
	tab *tableau // nil for implicit methods
}

var registry = map[string]entry{}

func register(m Method, tab *tableau) {
	registry[m.Name] = entry{m, tab}
}

func init() {
	register(Method{Name: "euler", Order: 1, Stages: 1, DenseOrder: 3, Source: "forward Euler"}, euler)
	register(Method{Name: "midpoint", Order: 2, Stages: 2, DenseOrder: 3, Source: "explicit midpoint rule"}, midpoint)
	register(Method{Name: "rk4", Order: 4, Stages: 4, DenseOrder: 3, Source: "classical Runge-Kutta"}, rk4)
	register(Method{Name: "bs3", Order: 3, ErrOrder: 2, Stages: 3, Adaptive: true, DenseOrder: 3,
		Source: "Bogacki & Shampine, Appl. Math. Lett. 2 (1989) 321-325"}, bs3)
	register(Method{Name: "dopri5", Order: 5, ErrOrder: 4, Stages: 6, Adaptive: true, DenseOrder: 4,
		Source: "Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26; dense output of Hairer, Norsett & Wanner, Solving ODEs I, II.6"}, dopri5)
	register(Method{Name: "tsit5", Order: 5, ErrOrder: 4, Stages: 6, Adaptive: true, DenseOrder: 4,
		Source: "Tsitouras, Comput. Math. Appl. 62 (2011) 770-775"}, tsit5)
	register(Method{Name: "dop853", Order: 8, ErrOrder: 5, Stages: 12, Adaptive: true, DenseOrder: 7,
		Source: "Hairer, Norsett & Wanner, Solving ODEs I, II.10 (DOP853)"}, dop853)
	register(Method{Name: "vern9", Order: 9, ErrOrder: 8, Stages: 16, Adaptive: true, DenseOrder: 3,
		Source: "Verner, 'efficient' 9(8) pair (Numer. Algorithms 53 (2010) 383-396; coefficients from Verner's website)"}, vern9)
}
