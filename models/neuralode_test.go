package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestNeuralODEGradient checks the reverse-mode gradient through RK4
// windows (with substeps) against central finite differences.
func TestNeuralODEGradient(t *testing.T) {
	train, _ := nnLorenzSplit()
	n, d := 200, 3
	for _, act := range []nnAct{nnTanh, nnGELU} {
		m := &NeuralODE{d: d, dt: 0.01, substeps: 2, scale: newNNScale(train.Slice(0, n, 0, d).(*mat.Dense)),
			net: newNNNet([]int{d, 6, 5, d}, act), rate: []float64{3, 5, 4}}
		rng := rand.New(rand.NewPCG(5, 6))
		m.net.initGlorot(rng, 1)
		for i := range m.net.theta {
			m.net.theta[i] += 0.1 * rng.NormFloat64()
		}
		z := make([]float64, n*d)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				z[i*d+j] = (train.At(i, j) - m.scale.mean[j]) / m.scale.std[j]
			}
		}
		starts := []int{0, 17, 99, 150}
		tr := newNodeTrainer(m, z, n, len(starts), 6)
		grad := make([]float64, len(m.net.theta))
		tr.lossGrad(starts, grad)
		scratch := make([]float64, len(grad))
		nnCompareGrad(t, "neural ODE theta", grad, func(i int) float64 {
			const eps = 1e-6
			old := m.net.theta[i]
			m.net.theta[i] = old + eps
			lp := tr.lossGrad(starts, scratch)
			m.net.theta[i] = old - eps
			lm := tr.lossGrad(starts, scratch)
			m.net.theta[i] = old
			return (lp - lm) / (2 * eps)
		})
	}
}

// nodeTestHyper keeps the test fit to a few seconds.
var nodeTestHyper = Hyper{"iters": 300, "batch": 64, "window": 6}

func TestNeuralODEBeatsPersistence(t *testing.T) {
	train, test := nnLorenzSplit()
	m := nnFit(t, "neural_ode", train, 0.01, 1, nodeTestHyper)
	t.Logf("neural ODE final training loss %.3g", m.(*NeuralODE).loss)
	rm, rp := nnSkill(t, m, test, nnStarts, 50)
	t.Logf("neural ODE RMSE over 0.5 time units: %.3f, persistence %.3f (ratio %.3f)", rm, rp, rm/rp)
	if !(rm < 0.5*rp) {
		t.Errorf("neural ODE RMSE %.3f not below half of persistence %.3f", rm, rp)
	}
	// The learned field should resemble Lorenz-63 on the attractor.
	var num, den float64
	dx, want := make([]float64, 3), make([]float64, 3)
	for i := 0; i < 2000; i += 20 {
		x := test.RawRowView(i)
		m.(*NeuralODE).Field(x, dx)
		nnLorenzRHS(x, want)
		for j := range dx {
			num += (dx[j] - want[j]) * (dx[j] - want[j])
			den += want[j] * want[j]
		}
	}
	t.Logf("relative RMS error of the learned vector field: %.3f", math.Sqrt(num/den))
}

func TestNeuralODEContract(t *testing.T) {
	train, test := nnLorenzSplit()
	small := train.Slice(0, 400, 0, 3).(*mat.Dense)
	h := Hyper{"iters": 5, "batch": 8, "hidden": 8, "window": 4, "substeps": 2}
	m := nnFit(t, "neural_ode", small, 0.01, 11, h)
	hist := test.Slice(0, 1, 0, 3).(*mat.Dense)
	nnCheckRoundTrip(t, m, hist, 100)
	a, _ := m.Forecast(hist, 100)
	b, _ := nnFit(t, "neural_ode", small, 0.01, 11, h).Forecast(hist, 100)
	nnBitwise(t, a, b, "same seed")
	nnCheckDivergence(t, m, 3)
	f, _ := Lookup("neural_ode")
	hh, _ := MergeHyper(f, nil)
	if _, err := f.Fit(small, TrainConfig{Dt: 0, Hyper: hh}); err == nil {
		t.Error("Dt = 0 accepted")
	}
}

func BenchmarkNeuralODEFit(b *testing.B) {
	train, _ := nnLorenzSplit()
	b.ReportAllocs()
	for b.Loop() {
		nnFit(b, "neural_ode", train, 0.01, 1, Hyper{"iters": 50})
	}
}

func BenchmarkNeuralODEForecast(b *testing.B) {
	train, test := nnLorenzSplit()
	m := nnFit(b, "neural_ode", train.Slice(0, 500, 0, 3).(*mat.Dense), 0.01, 1, Hyper{"iters": 1})
	hist := test.Slice(0, 1, 0, 3).(*mat.Dense)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Forecast(hist, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNeuralODERawStates: standardize 0 fits dx/dt = f_θ(x) on the raw
// states (mean 0, std 1, rate 1 in the snapshot, which records the choice);
// at the default the snapshot's hyperparameters are those of models fitted
// before the choice existed, and such a snapshot still loads.
func TestNeuralODERawStates(t *testing.T) {
	train, test := nnLorenzSplit()
	small := train.Slice(0, 400, 0, 3).(*mat.Dense)
	hist := test.Slice(0, 1, 0, 3).(*mat.Dense)
	h := Hyper{"iters": 5, "batch": 8, "hidden": 8, "window": 4}
	def := nnFit(t, "neural_ode", small, 0.01, 11, h)
	if _, ok := def.Snapshot().Hyper["standardize"]; ok {
		t.Error("the default standardize is in the snapshot")
	}
	h["standardize"] = 0
	raw := nnFit(t, "neural_ode", small, 0.01, 11, h)
	nnCheckRoundTrip(t, raw, hist, 50)
	s := raw.Snapshot()
	if v, ok := s.Hyper["standardize"]; !ok || v != 0 {
		t.Errorf("snapshot standardize = %v, %v; want 0", v, ok)
	}
	for name, want := range map[string]float64{"mean": 0, "std": 1, "rate": 1} {
		a := s.Array(name)
		if a == nil {
			t.Fatalf("snapshot lacks %s", name)
		}
		for _, v := range a.Data {
			if v != want {
				t.Errorf("%s = %v, want all %v", name, a.Data, want)
				break
			}
		}
	}
	a, _ := def.Forecast(hist, 50)
	b, _ := raw.Forecast(hist, 50)
	if mat.Equal(a, b) {
		t.Error("raw and standardised fits forecast the same")
	}
}
