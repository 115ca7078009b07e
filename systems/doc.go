// Package systems is the catalog of chaotic dynamical systems of the dysts
// database (Gilpin 2021): continuous flows, delay systems and discrete maps,
// each written from its published equations, with the dysts parameters,
// initial conditions, sampling step, dominant period and reference invariants.
//
// It imports only the standard library and gonum, so it can be used as a plain
// Go library without the runner.
//
// # Using the catalog
//
// [All] lists the 161 systems (135 flows, 6 of them delay systems, and 26
// maps), [Lookup] finds one by its dysts class name, and [Select] resolves
// selectors such as "flows", "maps", "tag:hyperchaotic" or "Lorenz,Henon".
// [System.Bind] fixes the parameters (with overrides) and returns ready
// closures: a right-hand side dx/dt = f(t, x) ([Func]), a delay right-hand
// side ([DelayFunc]) or a map ([MapFunc]), and the Jacobian ([JacFunc],
// analytic where the equations give one, else [NumericalJacobian]). The
// closures write into caller-provided slices and allocate nothing.
//
//	s, _ := systems.Lookup("Lorenz")
//	b, _ := s.Bind(map[string]float64{"rho": 30})
//	dx := make([]float64, b.Dim)
//	b.F(0, b.IC, dx)
//
// # Conventions
//
// The equations follow the dysts implementation (dysts/flows.py and
// dysts/maps.py, commit 4b4d9de), because its metadata (initial conditions,
// periods, exponents) was computed with it; each system's doc comment gives
// its formula and the paper it comes from. Parameter names are those of the
// dysts JSON files; array parameters are flattened to "w[i][j]".
// Non-autonomous flows carry their forcing phase or time as an extra state
// variable, as dysts does, so Info.Dim equals dysts' embedding_dimension.
// Delay systems are scalar (Info.StateDim = 1); their Info.Dim = 10 counts
// the delay coordinates of dysts' stored trajectories. Maps advance one time
// unit per iterate (Dt = Period = 1). The Duffing map is called DuffingMap.
// Lorenz96, whose size dysts takes from its initial condition, has the
// extra parameter N (default 4, the dysts dimension): Bind with
// {"N": 40, "f": 8} gives the 40-site ring (see [Equations.DimParam]).
// [Bound.Postprocess] is dysts' _postprocessing of the 19 flows that have
// one (phases to sin/cos, polar to Cartesian); the closures leave the raw
// integration coordinates alone and callers apply it to sampled states.
// Three maps of the dysts data have no dysts code; see maps.go for the
// equations chosen (Zaslavskii, ZeraouliaSprott, EndCap).
//
// # Attribution
//
// The metadata in data/ is an unmodified copy of the dysts database,
// Apache License 2.0, by William Gilpin and the dysts contributors
// (github.com/williamgilpin/dysts). Cite W. Gilpin, "Chaos as an
// interpretable benchmark for forecasting and data-driven modelling",
// NeurIPS Datasets & Benchmarks 2021 (arXiv:2110.05266), and W. Gilpin,
// "Model scale versus domain knowledge in statistical forecasting of chaotic
// systems", Phys. Rev. Research 2023 (arXiv:2303.08011).
package systems
