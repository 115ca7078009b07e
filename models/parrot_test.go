package models

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// A periodic context is continued exactly: the best match of the last
// window is one period back, and copying on from it repeats the period
// (Zhang & Gilpin 2025, arXiv:2505.11349, Sec. 2: parroting reproduces any
// motif that recurs in the context).
func TestParrotContinuesAPeriodicContext(t *testing.T) {
	const period, n = 25, 210
	x := mat.NewDense(n+100, 2, nil)
	for i := 0; i < n+100; i++ {
		ph := 2 * math.Pi * float64(i) / period
		x.Set(i, 0, math.Sin(ph))
		x.Set(i, 1, math.Cos(2*ph)+0.3*math.Sin(ph))
	}
	train := x.Slice(0, n, 0, 2).(*mat.Dense)
	m := nnFit(t, "parrot", train, 0.01, 1, Hyper{"dim": 5})
	f, err := m.Forecast(train.Slice(n-5, n, 0, 2).(*mat.Dense), 100)
	if err != nil {
		t.Fatal(err)
	}
	for s := 0; s < 100; s++ {
		for j := 0; j < 2; j++ {
			if d := math.Abs(f.At(s, j) - x.At(n+s, j)); d > 1e-12 {
				t.Fatalf("step %d variable %d: got %v want %v", s, j, f.At(s, j), x.At(n+s, j))
			}
		}
	}
}

// The forecast is the continuation of the nearest window, copied: here the
// query equals the window ending at row 7 of a hand-made context, so the
// forecast is rows 8, 9, then it starts over at row 8 (the copy reached the
// end of the context).
func TestParrotCopiesTheNearestContinuation(t *testing.T) {
	ctx := mat.NewDense(10, 1, []float64{0, 5, 1, 2, 9, 9, 1, 2, 7, 8})
	m := nnFit(t, "parrot", ctx, 1, 1, Hyper{"dim": 2})
	q := mat.NewDense(2, 1, []float64{1, 2.1})
	f, err := m.Forecast(q, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Windows (1,2) end at rows 3 and 7; ties go to the earlier: row 3,
	// continuation rows 4..9 = 9, 9, 1, 2, 7.
	want := []float64{9, 9, 1, 2, 7}
	for s, w := range want {
		if f.At(s, 0) != w {
			t.Fatalf("step %d: got %v want %v (forecast %v)", s, f.At(s, 0), w, mat.Col(nil, 0, f))
		}
	}
}

func TestParrotWrapsAtTheEndOfTheContext(t *testing.T) {
	ctx := mat.NewDense(6, 1, []float64{3, 4, 0, 1, 2, 6})
	m := nnFit(t, "parrot", ctx, 1, 1, Hyper{"dim": 1})
	f, err := m.Forecast(mat.NewDense(1, 1, []float64{1}), 5)
	if err != nil {
		t.Fatal(err)
	}
	// Match row 3 (value 1); continuation rows 4, 5, then rows 4, 5 again.
	want := []float64{2, 6, 2, 6, 2}
	for s, w := range want {
		if f.At(s, 0) != w {
			t.Fatalf("step %d: got %v want %v", s, f.At(s, 0), w)
		}
	}
}

func TestParrotContract(t *testing.T) {
	train, test := nnLorenzSplit()
	m := nnFit(t, "parrot", train.Slice(0, 1500, 0, 3).(*mat.Dense), 0.01, 3, Hyper{"dim": 4})
	if m.Context() != 4 {
		t.Fatalf("context %d, want 4", m.Context())
	}
	hist := test.Slice(0, 10, 0, 3).(*mat.Dense)
	nnCheckRoundTrip(t, m, hist, 100)
	f, _ := Lookup("parrot")
	h, _ := MergeHyper(f, Hyper{"dim": 0})
	if _, err := f.Fit(train, TrainConfig{Dt: 0.01, Hyper: h}); err == nil {
		t.Error("dim = 0 accepted")
	}
	if _, err := f.Fit(train.Slice(0, 10, 0, 3).(*mat.Dense), TrainConfig{Dt: 0.01, Hyper: Hyper{"dim": 10}}); err == nil {
		t.Error("a context no longer than the window accepted")
	}
}

func TestParrotBeatsPersistence(t *testing.T) {
	train, test := nnLorenzSplit()
	m := nnFit(t, "parrot", train, 0.01, 1, nil)
	rm, rp := nnSkill(t, m, test, nnStarts[:10], 50)
	t.Logf("parrot RMSE over 0.5 time units: %.3f, persistence %.3f (ratio %.3f)", rm, rp, rm/rp)
	if !(rm < rp) {
		t.Errorf("parrot RMSE %.3f not below persistence %.3f", rm, rp)
	}
}
