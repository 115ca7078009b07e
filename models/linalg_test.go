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
	if _, err := Ridge(mat.NewDense(3, 2, nil), mat.NewDense(3, 1, nil), 0); err == nil {
		t.Error("singular Gram with alpha=0: want error")
	}
	if _, err := Ridge(X, mat.NewDense(n-1, 1, nil), 1); err == nil {
		t.Error("row mismatch: want error")
	}
	_ = math.Pi
}
