package systems

// The flows of the catalog are grouped by family in flows_<family>.go
// (Lorenz-like, Sprott, hyperchaotic, circuits and neurons, fluids and
// forced oscillators, chemistry and biology, delay systems); this file holds
// the helpers they share.
//
// Every right-hand side is written from the equations as implemented in
// dysts (williamgilpin/dysts, dysts/flows.py, commit 4b4d9de), with the
// parameter names of dysts' chaotic_attractors.json. Where dysts departs
// from the cited paper, dysts' form is kept, because the metadata (initial
// conditions, periods, exponents) was computed with it. Non-autonomous
// systems carry their forcing phase or time as an extra state variable, as
// dysts does, so the state dimension equals the embedding_dimension.
// Array-valued parameters are read element by element with paramVec and
// paramMat: "a[0]", "c[1][2]".
//
// Every definition has the same shape. An init function of the family file
// calls register(name, Equations{Flow: ..., Jac: ...}); systems that dysts
// derives from one class (Arneodo and Coullet, DequanLi, PanXuZhou and
// Tsucs2, ...) share a nameEquations() constructor. A builder
// func(p Params) Func reads each parameter once into a local named as in
// the dysts metadata (pp or sp where p or s would be shadowed) and returns
// the closure func(t float64, s, ds []float64), whose first statement
// unpacks the state s into locals named as in the equations (x, y, z, w;
// phi or th for a forcing phase). Jacobians are func(t float64, s, j []float64)
// and delay right-hand sides func(t float64, s, sd, ds []float64), sd
// holding x(t - τ).

// heaviside is numpy's heaviside(x, 0): 1 for x > 0, else 0.
func heaviside(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}
