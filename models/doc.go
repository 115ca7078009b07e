// Package models holds forecasting models for multivariate time series of
// dynamical systems: baselines, next-generation reservoir computing (NVAR),
// echo state networks, DMD and Koopman methods, SINDy, analog forecasting,
// random features, diagonal state-space models, MLPs and neural ODEs. Each
// family trains deterministically from a seed on gonum matrices and can be
// saved as a Snapshot and loaded again.
//
// It imports only the standard library, gonum and the sibling science
// packages (solvers, systems), never the runner or Arrow.
package models
