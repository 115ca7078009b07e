// Package invariants is the `invariants` stage: for every selected catalog
// system (flows, delay systems and maps) it computes the Lyapunov spectrum,
// the Kaplan-Yorke dimension, the correlation dimension, the Rosenstein
// exponent and permutation and multiscale entropies, and compares them with
// the dysts metadata. It is a thin adapter between package metrics (the
// estimators), package solvers (the trajectories) and Arrow.
//
// Methods, per system kind:
//
//   - Flows: the QR method on the tangent flow with the system's Jacobian
//     (metrics.LyapunovSpectrum; analytic where the catalog has one, a
//     finite-difference Jacobian otherwise), integrated by an adaptive
//     Runge-Kutta method, averaged over `periods` dominant periods after
//     `transient_periods`.
//   - Maps: QR on products of Jacobians (metrics.MapSpectrum) over
//     `iterations` iterations.
//   - Delay systems: the finite-dimensional approximation of
//     metrics.DelaySpectrum (history on `delay_grid` points per delay, Heun
//     method of steps, tangent map with finite-difference partial
//     derivatives of the scalar right-hand side), `delay_exponents` exponents.
//
// The Kaplan-Yorke dimension comes from the computed spectrum. The
// correlation dimension (Grassberger-Procaccia with a Theiler window of one
// dominant period, automatic scaling region), the Rosenstein exponent (of
// x0(t), or of the first coordinate that is not an unbounded phase) and the
// entropies are estimated on a trajectory the stage integrates itself:
// `points` samples at `pts_per_period` samples per dominant period (every
// iterate for maps; dysts' delay coordinates for delay systems), after a
// transient. Coordinates listed as unbounded (phases of forced systems) are
// left out of the point cloud.
//
// Each system runs in its own goroutine with its own bound equations; the
// results are written in catalog order, so the output is bitwise identical
// whatever the number of cores. A system that fails is a row with the
// reason in `status` (and NaN values); it does not stop the others.
package invariants
