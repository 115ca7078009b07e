// Package systems is the catalog of chaotic dynamical systems of the dysts
// database (Gilpin 2021): continuous flows, delay systems and discrete maps,
// each written from its published equations, with the dysts parameters,
// initial conditions, sampling step, dominant period and reference invariants.
//
// It imports only the standard library and gonum, so it can be used as a plain
// Go library without the runner.
package systems
