// Package generate is the `generate` stage: trajectories of catalog systems
// (flows, delay systems, maps), sampled as dysts does, split into train and
// test tables. It adapts the systems and solvers packages to Arrow.
package generate
