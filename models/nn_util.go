package models

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Helpers shared by the sindy, analog, mlp and neural_ode families:
// hyperparameter parsing, standardisation, divergence bounds and snapshot
// arrays. Names carry an nn prefix to stay clear of sibling files.

// nnDivergenceFactor bounds a forecast: a state further than this many
// times the largest deviation seen in training (per variable, from the
// training mean) counts as divergence.
const nnDivergenceFactor = 1e3

// Size limits that keep a mistyped hyperparameter from exhausting memory.
const (
	nnMaxWidth  = 8192
	nnMaxLayers = 64
	nnMaxBatch  = 1 << 16
)

// nnInt reads a positive-integer hyperparameter no smaller than lo.
func nnInt(h Hyper, key string, lo int) (int, error) {
	v, ok := h[key]
	if !ok {
		return 0, fmt.Errorf("missing hyperparameter %q", key)
	}
	if v != math.Trunc(v) || v < float64(lo) || v > 1<<30 {
		return 0, fmt.Errorf("hyperparameter %s = %g: want an integer ≥ %d", key, v, lo)
	}
	return int(v), nil
}

// nnFloat reads a finite hyperparameter within [lo, hi].
func nnFloat(h Hyper, key string, lo, hi float64) (float64, error) {
	v, ok := h[key]
	if !ok {
		return 0, fmt.Errorf("missing hyperparameter %q", key)
	}
	if math.IsNaN(v) || v < lo || v > hi {
		return 0, fmt.Errorf("hyperparameter %s = %g: want a value in [%g, %g]", key, v, lo, hi)
	}
	return v, nil
}

// nnCheckSeries validates a training or history matrix.
func nnCheckSeries(x *mat.Dense, minRows int, what string) error {
	if x == nil {
		return fmt.Errorf("%s is nil", what)
	}
	r, c := x.Dims()
	if c == 0 {
		return fmt.Errorf("%s has no columns", what)
	}
	if r < minRows {
		return fmt.Errorf("%s has %d rows, need at least %d", what, r, minRows)
	}
	for i := 0; i < r; i++ {
		for _, v := range x.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s row %d is not finite", what, i)
			}
		}
	}
	return nil
}

// nnScale holds per-variable statistics of a training series: mean,
// standard deviation (floored so constant columns stay usable) and the
// divergence bound |x − mean| ≤ bound.
type nnScale struct {
	mean, std, bound []float64
}

func newNNScale(x *mat.Dense) nnScale {
	r, c := x.Dims()
	s := nnScale{mean: make([]float64, c), std: make([]float64, c), bound: make([]float64, c)}
	for j := 0; j < c; j++ {
		var m float64
		for i := 0; i < r; i++ {
			m += x.At(i, j)
		}
		m /= float64(r)
		var v, dev float64
		for i := 0; i < r; i++ {
			d := x.At(i, j) - m
			v += d * d
			dev = max(dev, math.Abs(d))
		}
		sd := math.Sqrt(v / float64(r))
		if sd < 1e-12*(1+math.Abs(m)) || sd == 0 {
			sd = 1
		}
		s.mean[j], s.std[j] = m, sd
		s.bound[j] = nnDivergenceFactor * max(dev, sd)
	}
	return s
}

// arrays and loadNNScale put the statistics into and out of a snapshot.
func (s nnScale) arrays() []Array {
	d := len(s.mean)
	return []Array{
		{Name: "mean", Shape: []int{d}, Data: append([]float64(nil), s.mean...)},
		{Name: "std", Shape: []int{d}, Data: append([]float64(nil), s.std...)},
		{Name: "bound", Shape: []int{d}, Data: append([]float64(nil), s.bound...)},
	}
}

func loadNNScale(s Snapshot, d int) (nnScale, error) {
	var sc nnScale
	var err error
	if sc.mean, err = nnArrayData(s, "mean", d); err != nil {
		return sc, err
	}
	if sc.std, err = nnArrayData(s, "std", d); err != nil {
		return sc, err
	}
	if sc.bound, err = nnArrayData(s, "bound", d); err != nil {
		return sc, err
	}
	return sc, nil
}

// check reports why the state x (original units) is invalid, or "".
func (s nnScale) check(x []float64) string {
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprintf("variable %d is not finite", j)
		}
		if math.Abs(v-s.mean[j]) > s.bound[j] {
			return fmt.Sprintf("variable %d = %g exceeds %g× the training range", j, v, nnDivergenceFactor)
		}
	}
	return ""
}

// nnArrayData copies a named array out of a snapshot, checking its length
// (want < 0 accepts any length).
func nnArrayData(s Snapshot, name string, want int) ([]float64, error) {
	a := s.Array(name)
	if a == nil {
		return nil, fmt.Errorf("snapshot of %s lacks array %q", s.Family, name)
	}
	if want >= 0 && len(a.Data) != want {
		return nil, fmt.Errorf("snapshot of %s: array %q has %d values, want %d", s.Family, name, len(a.Data), want)
	}
	return append([]float64(nil), a.Data...), nil
}

// nnNaN returns a steps×d matrix filled with NaN.
func nnNaN(steps, d int) *mat.Dense {
	data := make([]float64, max(steps, 1)*d)
	for i := range data {
		data[i] = math.NaN()
	}
	if steps == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(steps, d, data)
}

// nnForecastArgs validates Forecast arguments common to all families.
func nnForecastArgs(history *mat.Dense, steps, context, d int) error {
	if steps < 0 {
		return fmt.Errorf("steps = %d is negative", steps)
	}
	if history == nil {
		return fmt.Errorf("history is nil")
	}
	r, c := history.Dims()
	if c != d {
		return fmt.Errorf("history has %d columns, model was fitted on %d", c, d)
	}
	if r < context {
		return fmt.Errorf("history has %d rows, model needs %d", r, context)
	}
	for i := r - context; i < r; i++ {
		for _, v := range history.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("history row %d is not finite", i)
			}
		}
	}
	return nil
}
