package metrics

import (
	"context"
	"fmt"

	"github.com/chaos-runner/runner/solvers"
)

// solverStepper advances a state with a package solvers Integrator. Because
// the QR step rewrites the tangent part of the state between intervals, each
// interval restarts the integrator at the new state while keeping its step
// size proposal (so no initial-step heuristic is repeated).
type solverStepper struct {
	it *solvers.Integrator
}

func newSolverStepper(method string, f Func, n int, p SpectrumOptions) (stepper, error) {
	m, err := solvers.Lookup(method)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	opts := solvers.Options{RTol: p.Rtol, ATol: p.Atol, H0: p.Step, MaxSteps: 1 << 30}
	if !m.Adaptive {
		opts = solvers.Options{Step: p.Step, MaxSteps: 1 << 30}
	}
	it, err := solvers.New(method, solvers.Problem{F: solvers.Func(f), T0: p.T0, Y0: make([]float64, n)}, opts)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &solverStepper{it: it}, nil
}

func (s *solverStepper) advance(t, dt float64, y []float64) error {
	h := s.it.SetStep(0)
	s.it.Reset(t, y)
	if h > 0 {
		s.it.SetStep(h)
	}
	if err := s.it.AdvanceTo(context.Background(), t+dt, y); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := checkFinite(y); err != nil {
		return fmt.Errorf("metrics: integration at t=%g: %w", t+dt, err)
	}
	return nil
}
