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

import (
	"math"
	"strconv"
)

// heaviside is numpy's heaviside(x, 0): 1 for x > 0, else 0.
func heaviside(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// logistic is the sigmoid 1/(1 + e^{-u}).
func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

// cnnF is the cellular-neural-network output (|u + 1| - |u - 1|)/2.
func cnnF(u float64) float64 { return 0.5 * (math.Abs(u+1) - math.Abs(u-1)) }

// cnnDF is its derivative: 1 on (-1, 1), else 0.
func cnnDF(u float64) float64 {
	if u > -1 && u < 1 {
		return 1
	}
	return 0
}

// set4 writes a 4×4 row-major matrix.
func set4(j []float64, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33 float64) {
	j[0], j[1], j[2], j[3] = a00, a01, a02, a03
	j[4], j[5], j[6], j[7] = a10, a11, a12, a13
	j[8], j[9], j[10], j[11] = a20, a21, a22, a23
	j[12], j[13], j[14], j[15] = a30, a31, a32, a33
}

// izSign is numpy's sign: -1, 0 or +1 (0 at 0).
func izSign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// izVec reads the n entries name[0] .. name[n-1] of a vector parameter.
func izVec(p Params, name string, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = p(name + "[" + strconv.Itoa(i) + "]")
	}
	return v
}

// izMat reads the r×c entries name[i][j] of a matrix parameter, row-major.
func izMat(p Params, name string, r, c int) []float64 {
	m := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m[i*c+j] = p(name + "[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]")
		}
	}
	return m
}

// izZero clears a Jacobian buffer.
func izZero(jac []float64) {
	for i := range jac {
		jac[i] = 0
	}
}

// izProtocol is dysts' smooth square-wave switching protocol used by the
// blinking/driven Stokes flows:
//
//	w(t) = 1/2 + 1/2 tanh(20 τ sin(2π t / τ)).
func izProtocol(t, tau float64) float64 {
	return 0.5 + 0.5*math.Tanh(tau*20*math.Sin(2*math.Pi*t/tau))
}

// izProtocolDeriv is dw/dt of izProtocol:
//
//	dw/dt = 20π (1 - tanh²(20 τ sin(2π t / τ))) cos(2π t / τ).
func izProtocolDeriv(t, tau float64) float64 {
	th := math.Tanh(tau * 20 * math.Sin(2*math.Pi*t/tau))
	return 20 * math.Pi * (1 - th*th) * math.Cos(2*math.Pi*t/tau)
}
