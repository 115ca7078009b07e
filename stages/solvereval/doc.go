// Package solvereval holds the solver-evaluation stages of runner: a thin
// adapter between the solvers and systems packages and Arrow tables.
//
//   - solver_eval: work-precision table of each system x method x tolerance
//     (or fixed step) against a tight reference (deterministic, cached).
//   - solver_timing: wall times of the same sweep (volatile: never cached,
//     re-measured on every apply).
//   - solver_order: observed convergence order of every method on a smooth
//     problem with an exact solution.
//   - workprecision_plot: work-precision diagrams (PNG and SVG, gonum/plot),
//     a solver ranking and a stiffness table written to a directory.
//
// # Why two stages for one sweep
//
// The runner caches a stage's outputs together, by one key. Errors and work
// counters are deterministic functions of the params, wall times are not; so
// they live in two stage kinds: solver_eval (bitwise-identical results
// across runs and --jobs, cached) and solver_timing (implements
// stages.Volatile). A timing table read back from the store is the timing
// measured when that entry was written, on the host recorded in its schema
// metadata and manifest.
//
// # Conventions
//
// The protocol follows DiffEqDevTools (SciML): a reference at rtol = atol =
// 1e-14 with a high-order method (vern9; dop853 for delay systems), a
// tolerance sweep with atol = 1e-3 rtol, errors at the final time, over the
// steps (:l2) and of the dense output (:L2), wall time as the minimum over
// repeated runs. Errors are scaled by the dysts attractor standard deviation
// of each coordinate, so systems of different size share one axis.
package solvereval
