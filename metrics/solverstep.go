package metrics

import "fmt"

// newSolverStepper adapts package solvers (pending).
func newSolverStepper(method string, f Func, n int, p SpectrumOptions) (stepper, error) {
	return nil, fmt.Errorf("metrics: unknown integration method %q", method)
}
