package models

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Ridge solves the ridge-regression (Tikhonov) normal equations
//
//	(XᵀX + αI) W = XᵀY
//
// for W by a Cholesky factorisation, where X is n×p (rows are samples,
// columns features) and Y is n×q. It returns the p×q weight matrix W, so
// that X·W approximates Y. alpha must be non-negative; with alpha = 0 XᵀX
// must be positive definite. A factorisation failure (XᵀX+αI not positive
// definite to working precision) is an error.
//
// See Hoerl & Kennard, "Ridge regression: biased estimation for
// nonorthogonal problems", Technometrics 12 (1970).
func Ridge(X, Y *mat.Dense, alpha float64) (*mat.Dense, error) {
	n, p := X.Dims()
	ny, q := Y.Dims()
	if n != ny {
		return nil, fmt.Errorf("models: Ridge: X has %d rows, Y has %d", n, ny)
	}
	if alpha < 0 || math.IsNaN(alpha) {
		return nil, fmt.Errorf("models: Ridge: alpha %g must be non-negative", alpha)
	}
	g := mat.NewSymDense(p, nil)
	g.SymOuterK(1, X.T())
	for i := 0; i < p; i++ {
		g.SetSym(i, i, g.At(i, i)+alpha)
	}
	xty := mat.NewDense(p, q, nil)
	xty.Mul(X.T(), Y)
	return solveSPD(g, xty)
}

// RidgeGram solves (G + αI) W = B given a precomputed Gram matrix G = XᵀX
// (p×p, symmetric) and right-hand side B = XᵀY (p×q). It lets callers that
// accumulate the Gram matrix in a streaming fashion avoid materialising X.
func RidgeGram(G *mat.SymDense, B *mat.Dense, alpha float64) (*mat.Dense, error) {
	p := G.SymmetricDim()
	if r, _ := B.Dims(); r != p {
		return nil, fmt.Errorf("models: RidgeGram: G is %d×%d, B has %d rows", p, p, r)
	}
	g := mat.NewSymDense(p, nil)
	g.CopySym(G)
	for i := 0; i < p; i++ {
		g.SetSym(i, i, g.At(i, i)+alpha)
	}
	return solveSPD(g, B)
}

var errNotPD = errors.New("models: ridge normal matrix is not positive definite; increase the ridge")

func solveSPD(g *mat.SymDense, b *mat.Dense) (*mat.Dense, error) {
	var ch mat.Cholesky
	if ok := ch.Factorize(g); !ok {
		return nil, errNotPD
	}
	p, q := b.Dims()
	w := mat.NewDense(p, q, nil)
	if err := ch.SolveTo(w, b); err != nil {
		// A condition-number warning is not fatal: keep the solution if finite.
		var c mat.Condition
		if !errors.As(err, &c) {
			return nil, err
		}
	}
	if !allFinite(w.RawMatrix().Data) {
		return nil, errNotPD
	}
	return w, nil
}

func allFinite(xs []float64) bool {
	for _, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
