package models

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// mlpTestHyper keeps the test fit to about a second.
var mlpTestHyper = Hyper{"hidden": 32, "epochs": 60, "patience": 10}

func TestMLPBeatsPersistence(t *testing.T) {
	train, test := nnLorenzSplit()
	m := nnFit(t, "mlp", train, 0.01, 1, mlpTestHyper)
	ml := m.(*MLP)
	t.Logf("mlp: %d epochs, best validation MSE (standardised increments) %.3g", ml.epochsRun, ml.valLoss)
	rm, rp := nnSkill(t, m, test, nnStarts, 50)
	t.Logf("mlp RMSE over 0.5 time units: %.3f, persistence %.3f (ratio %.3f)", rm, rp, rm/rp)
	if !(rm < 0.5*rp) {
		t.Errorf("mlp RMSE %.3f not below half of persistence %.3f", rm, rp)
	}
}

func TestMLPContract(t *testing.T) {
	train, test := nnLorenzSplit()
	small := train.Slice(0, 600, 0, 3).(*mat.Dense)
	for _, act := range []float64{0, 1} {
		h := Hyper{"hidden": 8, "epochs": 5, "lags": 3, "activation": act}
		m := nnFit(t, "mlp", small, 0.01, 7, h)
		if m.Context() != 3 {
			t.Fatalf("context %d", m.Context())
		}
		hist := test.Slice(0, 5, 0, 3).(*mat.Dense)
		nnCheckRoundTrip(t, m, hist, 100)
		a, _ := m.Forecast(hist, 100)
		b, _ := nnFit(t, "mlp", small, 0.01, 7, h).Forecast(hist, 100)
		nnBitwise(t, a, b, "same seed")
		c, _ := nnFit(t, "mlp", small, 0.01, 8, h).Forecast(hist, 100)
		if mat.Equal(a, c) {
			t.Error("different seeds gave identical forecasts")
		}
		nnCheckDivergence(t, m, 3)
	}
	f, _ := Lookup("mlp")
	h, _ := MergeHyper(f, Hyper{"activation": 2})
	if _, err := f.Fit(train, TrainConfig{Dt: 0.01, Hyper: h}); err == nil {
		t.Error("activation = 2 accepted")
	}
}

func BenchmarkMLPFit(b *testing.B) {
	train, _ := nnLorenzSplit()
	b.ReportAllocs()
	for b.Loop() {
		nnFit(b, "mlp", train, 0.01, 1, Hyper{"epochs": 10})
	}
}

func BenchmarkMLPForecast(b *testing.B) {
	train, test := nnLorenzSplit()
	m := nnFit(b, "mlp", train.Slice(0, 500, 0, 3).(*mat.Dense), 0.01, 1, Hyper{"epochs": 1})
	hist := test.Slice(0, 10, 0, 3).(*mat.Dense)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Forecast(hist, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMLPGradient checks the backpropagated gradient of the MLP training
// loss against central finite differences, for both activations.
func TestMLPGradient(t *testing.T) {
	train, _ := nnLorenzSplit()
	for _, act := range []float64{0, 1} {
		m := nnFit(t, "mlp", train.Slice(0, 300, 0, 3).(*mat.Dense), 0.01, 3,
			Hyper{"hidden": 7, "layers": 2, "lags": 3, "epochs": 2, "activation": act}).(*MLP)
		in, tgt, _ := m.samples(train.Slice(0, 300, 0, 3).(*mat.Dense))
		B := 9
		xb, tb := in[:B*9], tgt[:B*3]
		for i := range tb {
			tb[i] *= 10 // raw increments are tiny; make the loss O(1)
		}
		tape := m.net.newTape(B)
		grad := make([]float64, len(m.net.theta))
		dy := make([]float64, B*3)
		m.lossGrad(tape, xb, tb, grad, dy)
		scratch := make([]float64, len(grad))
		nnCompareGrad(t, "mlp theta", grad, func(i int) float64 {
			const eps = 1e-6
			old := m.net.theta[i]
			m.net.theta[i] = old + eps
			lp := m.lossGrad(tape, xb, tb, scratch, dy)
			m.net.theta[i] = old - eps
			lm := m.lossGrad(tape, xb, tb, scratch, dy)
			m.net.theta[i] = old
			return (lp - lm) / (2 * eps)
		})
	}
}
