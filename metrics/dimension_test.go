package metrics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func toDense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// Lorenz-63 correlation dimension: 2.05 ± 0.01 (Grassberger & Procaccia,
// Physica D 9, 189–208, 1983), 2.068 ± 0.086 (Sprott, Chaos and Time-Series
// Analysis, 2003, Appendix A). Protocol: 30,000 samples 0.1 time units apart,
// Theiler window 5, slope over the scaling region r in [0.3, 3].
func TestLorenzCorrelationDimension(t *testing.T) {
	pts := toDense(lorenzSeries(30000, 0.1, 0.01))
	res, err := CorrelationDimension(pts, &CorrDimOptions{Theiler: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("auto: D2 = %.4f ± %.4f over r ∈ [%.3g, %.3g]", res.D2, res.Err, res.RLo, res.RHi)
	for i, s := range res.Slopes {
		t.Logf("r=%.4g C=%.4g slope=%.4f", res.Radii[i], res.C[i], s)
	}
	if math.Abs(res.D2-2.05) > 0.05 {
		t.Errorf("D2 = %.4f, want 2.05 ± 0.05", res.D2)
	}
	fixed, err := CorrelationDimension(pts, &CorrDimOptions{Theiler: 5, Fit: [2]float64{0.3, 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixed [0.3, 3]: D2 = %.4f ± %.4f (Python reference 2.0748)", fixed.D2, fixed.Err)
	if math.Abs(fixed.D2-2.05) > 0.05 {
		t.Errorf("D2 fixed = %.4f, want 2.05 ± 0.05", fixed.D2)
	}
}

// Hénon correlation dimension 1.220 ± 0.036 (Sprott), 1.21 ± 0.01 (GP 1983).
func TestHenonCorrelationDimension(t *testing.T) {
	n := 30000
	x := []float64{0.1, 0.1}
	next := make([]float64, 2)
	for i := 0; i < 1000; i++ {
		henonMap(x, next)
		x, next = next, x
	}
	pts := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		henonMap(x, next)
		x, next = next, x
		pts.SetRow(i, x)
	}
	res, err := CorrelationDimension(pts, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Hénon: D2 = %.4f ± %.4f over r ∈ [%.3g, %.3g]", res.D2, res.Err, res.RLo, res.RHi)
	if math.Abs(res.D2-1.22) > 0.05 {
		t.Errorf("Hénon D2 = %.4f, want 1.22 ± 0.05", res.D2)
	}
}
