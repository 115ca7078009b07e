package metrics

// stepper advances the state y in place from t to t+dt. Implementations
// allocate nothing per call.
type stepper interface {
	advance(t, dt float64, y []float64) error
}

// tangentSystem is the extended right-hand side of (x, Q) with
// dQ/dt = J(t, x) Q, Q row-major d×k.
type tangentSystem struct {
	f   Func
	jac Jacobian
	d   int
	k   int
	J   []float64
}

func newTangentSystem(f Func, jac Jacobian, d, k int) *tangentSystem {
	return &tangentSystem{f: f, jac: jac, d: d, k: k, J: make([]float64, d*d)}
}

func (s *tangentSystem) rhs(t float64, y, dy []float64) {
	d := s.d
	s.f(t, y[:d], dy[:d])
	s.jac(t, y[:d], s.J)
	matMul(dy[d:], s.J, y[d:], d, d, s.k)
}

// newStepper returns the package solvers integrator named by method for a
// system of size n.
func newStepper(method string, f Func, n int, p SpectrumOptions) (stepper, error) {
	return newSolverStepper(method, f, n, p)
}
