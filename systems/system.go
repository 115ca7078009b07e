package systems

// Kind says how a system evolves in time.
type Kind int

const (
	// Flow is an ordinary differential equation dx/dt = f(t, x).
	Flow Kind = iota
	// Delay is a delay differential equation dx/dt = f(t, x(t), x(t - tau)).
	Delay
	// Map is a discrete map x[n+1] = g(x[n]).
	Map
)

// String returns "flow", "delay" or "map".
func (k Kind) String() string {
	switch k {
	case Flow:
		return "flow"
	case Delay:
		return "delay"
	case Map:
		return "map"
	}
	return "unknown"
}

// Params looks up a parameter value by its dysts name. Builders call it once,
// when a right-hand side is bound, never inside the returned closure.
type Params func(name string) float64

// Func is a right-hand side dx/dt = f(t, x). It writes into dx and allocates nothing.
type Func func(t float64, x, dx []float64)

// DelayFunc is the right-hand side of a delay system: xd holds x(t - tau).
type DelayFunc func(t float64, x, xd, dx []float64)

// MapFunc writes the next iterate of a discrete map into next.
type MapFunc func(x, next []float64)

// JacFunc writes the Jacobian df/dx at (t, x) into jac, row-major:
// jac[i*dim+j] = d f_i / d x_j. For a map it is the Jacobian of g.
type JacFunc func(t float64, x, jac []float64)

// Equations holds the binders of one system's equations. Exactly one of
// Flow, Delay and Map is set; Jac is optional (a checked finite-difference
// Jacobian is used when it is nil).
type Equations struct {
	Flow  func(p Params) Func
	Delay func(p Params) DelayFunc
	Map   func(p Params) MapFunc
	Jac   func(p Params) JacFunc
	// DelayParam names the parameter that holds the delay tau (delay systems only).
	DelayParam string
}

// equations maps a dysts class name to its equations. Files flows_*.go and
// maps.go fill it from init functions through register.
var equations = map[string]Equations{}

// register adds one system's equations; a duplicate name is a programming error.
func register(name string, eq Equations) {
	if _, dup := equations[name]; dup {
		panic("systems: duplicate registration of " + name)
	}
	equations[name] = eq
}
