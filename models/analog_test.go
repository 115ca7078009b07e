package models

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestAnalogBeatsPersistence(t *testing.T) {
	train, test := nnLorenzSplit()
	m := nnFit(t, "analog", train, 0.01, 1, nil)
	rm, rp := nnSkill(t, m, test, nnStarts[:10], 50)
	t.Logf("analog RMSE over 0.5 time units: %.3f, persistence %.3f (ratio %.3f)", rm, rp, rm/rp)
	if !(rm < 0.5*rp) {
		t.Errorf("analog RMSE %.3f not below half of persistence %.3f", rm, rp)
	}
}

func TestAnalogExactNeighbour(t *testing.T) {
	// Forecasting from a training point with k = 1 reproduces the training
	// successor exactly.
	train, _ := nnLorenzSplit()
	m := nnFit(t, "analog", train, 0.01, 1, Hyper{"k": 1})
	s := 1234
	f, err := m.Forecast(train.Slice(s-m.Context(), s, 0, 3).(*mat.Dense), 1)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 3; j++ {
		want := train.At(s, j)
		if d := f.At(0, j) - want; d > 1e-12 || d < -1e-12 {
			t.Fatalf("variable %d: got %v want %v", j, f.At(0, j), want)
		}
	}
}

func TestAnalogContract(t *testing.T) {
	train, test := nnLorenzSplit()
	for _, kernel := range []float64{0, 1, 2} {
		m := nnFit(t, "analog", train.Slice(0, 1500, 0, 3).(*mat.Dense), 0.01, 3, Hyper{"dim": 2, "lag": 3, "kernel": kernel})
		if m.Context() != 4 {
			t.Fatalf("context %d, want 4", m.Context())
		}
		hist := test.Slice(0, 10, 0, 3).(*mat.Dense)
		nnCheckRoundTrip(t, m, hist, 100)
		m2 := nnFit(t, "analog", train.Slice(0, 1500, 0, 3).(*mat.Dense), 0.01, 3, Hyper{"dim": 2, "lag": 3, "kernel": kernel})
		a, _ := m.Forecast(hist, 50)
		b, _ := m2.Forecast(hist, 50)
		nnBitwise(t, a, b, "same seed")
		nnCheckDivergence(t, m, 3)
	}
	f, _ := Lookup("analog")
	h, _ := MergeHyper(f, Hyper{"k": 0})
	if _, err := f.Fit(train, TrainConfig{Dt: 0.01, Hyper: h}); err == nil {
		t.Error("k = 0 accepted")
	}
}

func BenchmarkAnalogFit(b *testing.B) {
	train, _ := nnLorenzSplit()
	b.ReportAllocs()
	for b.Loop() {
		nnFit(b, "analog", train, 0.01, 1, nil)
	}
}

func BenchmarkAnalogForecast(b *testing.B) {
	train, test := nnLorenzSplit()
	hist := test.Slice(0, 10, 0, 3).(*mat.Dense)
	for _, n := range []int{1000, 4000} {
		b.Run(fmt.Sprintf("library=%d", n), func(b *testing.B) {
			m := nnFit(b, "analog", train.Slice(0, n, 0, 3).(*mat.Dense), 0.01, 1, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Forecast(hist, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
