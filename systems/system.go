package systems

import "strconv"

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
//
// As in dysts, the delay systems of the catalog are scalar equations: x, xd
// and dx have Info.StateDim = 1 entries, while Info.Dim (the dysts
// embedding_dimension, 10) counts the delay-embedding coordinates of the
// stored trajectories and initial conditions.
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

	// DimParam names the parameter that sets the dimension of a system whose
	// size dysts takes from the length of its initial condition (Lorenz96:
	// "N"). The dysts metadata has no such parameter; the catalog adds it
	// with the dysts dimension as default. The closures of such a system
	// take the dimension from len(x). MinDim is its smallest value and
	// ResizedIC the default initial condition at a dimension other than the
	// dysts one (whose metadata initial condition is kept).
	DimParam  string
	MinDim    int
	ResizedIC func(p Params, n int) []float64

	// Postprocess is dysts' _postprocessing of the system (nil if it has
	// none): the map from integration coordinates to the bounded ones of
	// dysts' make_trajectory(postprocess=True). See postprocess.go.
	Postprocess func(p Params) PostFunc
}

// PostFunc maps one sampled state to its postprocessed coordinates, in
// place. None of dysts' mappings changes the dimension.
type PostFunc func(x []float64)

// MaxDim bounds the value of a dimension parameter (Equations.DimParam):
// Jacobians and tangent spaces grow as its square.
const MaxDim = 10_000

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

// Array-valued dysts parameters (BeerRNN's w, Hopfield's k, ...) are flattened
// into scalar parameters named with Go index syntax: "eps[0]", "w[1][2]".
// The helpers below read them in a builder.

// paramVec reads the n parameters name[0] ... name[n-1].
func paramVec(p Params, name string, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = p(paramIndex(name, i))
	}
	return v
}

// paramMat reads the rows×cols parameters name[i][j] into a row-major slice.
func paramMat(p Params, name string, rows, cols int) []float64 {
	m := make([]float64, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m[i*cols+j] = p(paramIndex(paramIndex(name, i), j))
		}
	}
	return m
}

// paramIndex returns name[i].
func paramIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}
