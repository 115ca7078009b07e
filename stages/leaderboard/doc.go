// Package leaderboard is the `leaderboard` stage: it ranks forecasting models
// per task from the metrics tables of stages/scoring, counting failures,
// replicates and censored valid prediction times, and puts Gilpin (2023)'s
// published figure beside ours for the models run in the published
// configuration.
//
// Summaries, per (task, model), over the runs: a run is one scored forecast
// of one system by one replicate (the producer's `seed` axis, if any, and the
// `trajectory` column). Values are summed in the order (system, replicate),
// so the output is bitwise reproducible whatever order the inputs arrive in.
//
//   - mean: arithmetic mean over every run, failures included (the metrics
//     stage scores a failed forecast with the metric's worst value). One
//     +Inf value makes the mean +Inf; a NaN value (a metric that could not
//     be computed) makes it NaN, and NaN means rank last.
//   - median and quartiles: linear interpolation between order statistics,
//     q(p) = x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1]−x[⌊h⌋]) with h = (n−1)p (Hyndman &
//     Fan 1996, definition 7; numpy's default).
//   - replicate_spread: population standard deviation, over replicates, of
//     each replicate's mean over its systems; 0 with one replicate.
//   - VPT quartiles: a censored VPT (the forecast stayed valid to the end of
//     the horizon) counts at its censored value, a lower bound, so the
//     quartiles are lower bounds too; vpt_censored says how many.
//
// Replicates come from the producer's cell, so the metrics tables should
// reach the leaderboard directly (`inputs: {metrics: score[*].metrics}`):
// a `collect` in between drops the cells, and with them the seed axis and
// the task axis.
//
// Published figures are data in this package (Published), each with its
// citation, task, metric and statistic; a figure is only compared with our
// value of the same statistic (a published median with our median).
//
// Wall times of fit and forecast are not in the metrics tables, and would
// break bitwise determinism if they were: the leaderboard leaves them out.
package leaderboard
