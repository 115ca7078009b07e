// Package generate is the `generate` stage: trajectories of catalog systems
// (flows, delay systems, maps), sampled as dysts does, split into train and
// test tables. It adapts the systems and solvers packages to Arrow.
//
// # Integration
//
// Flows are integrated with dop853 at rtol = atol = 1e-12 by default (dysts
// uses scipy's Radau at the same tolerances) and sampled from its 7th-order
// dense output every period/pts_per_period. Method "auto" falls back to
// radau5 only when dop853 exhausts 200 steps per sample; at the default
// settings no catalog flow does, and radau5 is slower on every one of them
// (bench/generate: 25 s in total against about 1 s), so none of them is
// stiff at these tolerances. Fixed-step methods (euler, midpoint, rk4) run at
// the system's dysts step, shortened to divide the sampling step. Delay
// systems use SolveDelay (method of steps, constant history x0[0]); maps are
// iterated.
//
// # Differences from dysts' make_trajectory
//
//   - The sampling step is period/pts_per_period; dysts samples
//     np.linspace(0, n·period/pts_per_period, n), a step larger by n/(n-1).
//   - Coordinates are the raw states unless postprocess is set: dysts by
//     default maps the phases and angles of 19 flows to bounded values
//     (its _postprocessing, e.g. Duffing's phase z to cos z; here
//     systems.Bound.Postprocess). dysts applies it as the last step of
//     make_trajectory; here it follows sampling and precedes noise. dysts' noise is dynamical (during integration, like sde_noise here)
//     and its standardize rescales the integration coordinates before the
//     mapping, whereas standardize here rescales the output, after it, by
//     the train statistics. The tests apply the mapping to the raw output
//     before comparing with the dysts mean and std.
//   - Maps: the first row is the initial condition (time 0); dysts'
//     DynMap.make_trajectory starts at the first iterate (transient: 1
//     gives its rows).
//   - Delay coordinates start at t = 0, reading the constant history for
//     t - k·tau/(d-1) < 0 (use transient to skip it); dysts' DynSysDelay
//     samples from t = tau to tlim + tau and integrates with ddeint on the
//     output grid.
//   - Lorenz96's dimension is the parameter N; dysts takes it from the
//     length of the initial condition.
//
// # Evidence
//
// The tests generate every system at the default settings (bounded within
// 20 dysts standard deviations; ZeraouliaSprott escapes and is reported in
// the failures table), compare the first period of every flow with a
// 1e-14 reference (error <= 1e-8 of each coordinate's std, or 100 times the
// growth of a tolerance-level perturbation for the 4 ill-conditioned ones),
// reproduce the dysts mean and std to 2% for 119 of the 129 ODE flows with
// dysts' own protocol, and check 100-period moments against the metadata
// within their sampling error. The whole suite runs by default (about 10 s
// of CPU).
package generate
