package metrics

import (
	"fmt"
	"math"
)

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

// newStepper returns the integrator named by method for a system of size n.
func newStepper(method string, f Func, n int, p SpectrumOptions) (stepper, error) {
	switch method {
	case "rk4":
		return newRK4(f, n, p.Step), nil
	default:
		return newSolverStepper(method, f, n, p)
	}
}

// rk4 is the classical fixed-step fourth-order Runge-Kutta method; an
// interval dt is covered by ceil(dt/h) equal steps.
type rk4 struct {
	f                  Func
	h                  float64
	k1, k2, k3, k4, yt []float64
}

func newRK4(f Func, n int, h float64) *rk4 {
	return &rk4{f: f, h: h, k1: make([]float64, n), k2: make([]float64, n),
		k3: make([]float64, n), k4: make([]float64, n), yt: make([]float64, n)}
}

func (r *rk4) advance(t, dt float64, y []float64) error {
	m := int(math.Ceil(dt/r.h - 1e-9))
	if m < 1 {
		m = 1
	}
	h := dt / float64(m)
	for s := 0; s < m; s++ {
		r.step(t+float64(s)*h, h, y)
	}
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: rk4 solution at t=%g", ErrNonFinite, t+dt)
		}
	}
	return nil
}

func (r *rk4) step(t, h float64, y []float64) {
	k1, k2, k3, k4, yt := r.k1, r.k2, r.k3, r.k4, r.yt
	r.f(t, y, k1)
	for i := range y {
		yt[i] = y[i] + 0.5*h*k1[i]
	}
	r.f(t+0.5*h, yt, k2)
	for i := range y {
		yt[i] = y[i] + 0.5*h*k2[i]
	}
	r.f(t+0.5*h, yt, k3)
	for i := range y {
		yt[i] = y[i] + h*k3[i]
	}
	r.f(t+h, yt, k4)
	for i := range y {
		y[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
	}
}
