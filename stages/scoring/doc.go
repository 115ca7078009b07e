// Package scoring is the `metrics` and `cluster` stages. `metrics` scores a
// forecast table against the true trajectories with package metrics (dysts'
// forecast metrics, valid prediction time in Lyapunov times, error against
// horizon, attractor comparison); `cluster` groups the rows of any table
// (the invariants table, typically) by k-medoids (FasterPAM) on standardised
// numeric features. Both are thin adapters between Arrow tables and package
// metrics.
//
// Joining forecast and truth (metrics): rows of the same system and
// trajectory are matched on `step` when the tables share steps, else by
// order within the (system, trajectory). Diverged forecasts never fail the
// stage: they are scored over the rows before the failure (or as NaN, per
// the `diverged` param) with the reason in the row's status.
//
// NaN features (cluster): rows with a non-finite feature are dropped from the
// clustering (cluster -1) or imputed by the column median, per the `nan`
// param; a column with no finite value is left out.
package scoring
