package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestRidgeNormalEquations checks W against a direct solve of (XᵀX+αI)W = XᵀY
// and that α = 0 recovers exact weights on noiseless data.
func TestRidgeNormalEquations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, p, q := 50, 4, 2
	X := mat.NewDense(n, p, nil)
	Wt := mat.NewDense(p, q, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			X.Set(i, j, rng.NormFloat64())
		}
	}
	for i := 0; i < p; i++ {
		for j := 0; j < q; j++ {
			Wt.Set(i, j, rng.NormFloat64())
		}
	}
	var Y mat.Dense
	Y.Mul(X, Wt)
	W, err := Ridge(X, &Y, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(W, Wt, 1e-10) {
		t.Errorf("alpha=0: W = %v, want %v", mat.Formatted(W), mat.Formatted(Wt))
	}
	alpha := 3.0
	W, err = Ridge(X, &Y, alpha)
	if err != nil {
		t.Fatal(err)
	}
	var A mat.Dense
	A.Mul(X.T(), X)
	for i := 0; i < p; i++ {
		A.Set(i, i, A.At(i, i)+alpha)
	}
	var lhs, rhs mat.Dense
	lhs.Mul(&A, W)
	rhs.Mul(X.T(), &Y)
	if !mat.EqualApprox(&lhs, &rhs, 1e-9) {
		t.Errorf("normal equations not satisfied")
	}
	// A zero Gram with alpha=0 has only null directions: the pseudo-inverse
	// fallback returns the minimum-norm solution, zero.
	if w, err := Ridge(mat.NewDense(3, 2, nil), mat.NewDense(3, 1, nil), 0); err != nil || mat.Norm(w, 2) != 0 {
		t.Errorf("singular Gram with alpha=0: got %v, %v; want the zero solution", w, err)
	}
	if _, err := Ridge(X, mat.NewDense(n-1, 1, nil), 1); err == nil {
		t.Error("row mismatch: want error")
	}
}

// Test helpers shared by the forecasting tests of this file's families.

// lorenzLyapTime is the Lorenz-63 Lyapunov time 1/0.9056 = 1.104 used by
// Gauthier et al. 2021 (reference README, "Forecast skill").
const lorenzLyapTime = 1.104

// lorenzPaperY0 is the initial condition of the NG-RC paper's code.
var lorenzPaperY0 = []float64{17.67715816276679, 12.931379185960404, 43.91404334248268}

// lorenzRK4 samples Lorenz-63 (σ=10, ρ=28, β=8/3) every dt for n+1 points
// (the first is y0), integrating with classical RK4 at dt/sub. At
// dt = 0.025 and sub = 20 the step 1.25e-3 keeps the global error far below
// the 1e-3 noise the NVAR test adds.
func lorenzRK4(y0 []float64, dt float64, sub, n int) *mat.Dense {
	f := func(dst, y []float64) {
		dst[0] = 10 * (y[1] - y[0])
		dst[1] = y[0]*(28-y[2]) - y[1]
		dst[2] = y[0]*y[1] - 8.0/3.0*y[2]
	}
	out := mat.NewDense(n+1, 3, nil)
	y := append([]float64(nil), y0...)
	copy(out.RawRowView(0), y)
	var k1, k2, k3, k4, tmp [3]float64
	h := dt / float64(sub)
	for i := 1; i <= n; i++ {
		for s := 0; s < sub; s++ {
			f(k1[:], y)
			for j := range tmp {
				tmp[j] = y[j] + h/2*k1[j]
			}
			f(k2[:], tmp[:])
			for j := range tmp {
				tmp[j] = y[j] + h/2*k2[j]
			}
			f(k3[:], tmp[:])
			for j := range tmp {
				tmp[j] = y[j] + h*k3[j]
			}
			f(k4[:], tmp[:])
			for j := range y {
				y[j] += h / 6 * (k1[j] + 2*k2[j] + 2*k3[j] + k4[j])
			}
		}
		copy(out.RawRowView(i), y)
	}
	return out
}

// rowsOf returns rows [i, j) of x as a view.
func rowsOf(x *mat.Dense, i, j int) *mat.Dense {
	_, c := x.Dims()
	return x.Slice(i, j, 0, c).(*mat.Dense)
}

// vptSteps is the number of leading rows whose Vlachas et al. (2020)
// normalised error sqrt(mean_i err_i²/σ_i²) stays ≤ threshold (NaN counts
// as above it).
func vptSteps(pred, truth *mat.Dense, sd []float64, threshold float64) int {
	n, d := pred.Dims()
	for t := 0; t < n; t++ {
		var e float64
		for j := 0; j < d; j++ {
			r := (pred.At(t, j) - truth.At(t, j)) / sd[j]
			e += r * r
		}
		if !(math.Sqrt(e/float64(d)) <= threshold) {
			return t
		}
	}
	return n
}

// nrmseTotalVar is Gauthier et al.'s NRMSE over the first n rows:
// sqrt(mean_{t,i} err² / Σ_i var_i).
func nrmseTotalVar(pred, truth *mat.Dense, n int, sd []float64) float64 {
	_, d := pred.Dims()
	var s, tv float64
	for t := 0; t < n; t++ {
		for j := 0; j < d; j++ {
			e := pred.At(t, j) - truth.At(t, j)
			s += e * e
		}
	}
	for _, v := range sd {
		tv += v * v
	}
	return math.Sqrt(s / float64(n*d) / tv)
}

// A singular Gram matrix that Cholesky rejects (features differing by 1e5
// in scale, one exactly collinear) is still solved, by the
// eigendecomposition fallback, and the fit reproduces the targets.
func TestRidgeFallsBackWhenNotPositiveDefinite(t *testing.T) {
	n := 50
	X := mat.NewDense(n, 3, nil)
	Y := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		u := float64(i) / float64(n)
		X.Set(i, 0, 1e5*u)
		X.Set(i, 1, 1e5*u) // collinear with column 0: XᵀX is singular
		X.Set(i, 2, 1)
		Y.Set(i, 0, 3*u+2)
	}
	var g mat.SymDense
	g.SymOuterK(1, X.T())
	var ch mat.Cholesky
	if ch.Factorize(&g) {
		t.Fatal("Cholesky accepted the singular matrix: this test no longer exercises the fallback")
	}
	W, err := Ridge(X, Y, 0)
	if err != nil {
		t.Fatalf("Ridge: %v", err)
	}
	var pred mat.Dense
	pred.Mul(X, W)
	for i := 0; i < n; i++ {
		if d := math.Abs(pred.At(i, 0) - Y.At(i, 0)); d > 1e-4 {
			t.Fatalf("row %d: prediction off by %g", i, d)
		}
	}
}
