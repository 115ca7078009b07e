package forecast

import (
	"context"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// lorenzFlagship returns the first 1,000 points of Lorenz-63 at 100 points
// per period (the flagship setting) and its sampling step.
func lorenzFlagship(b *testing.B) (*mat.Dense, float64) {
	b.Helper()
	data := generate(b, lorenz)
	tab, err := readTrajectories(data["train"])
	if err != nil {
		b.Fatal(err)
	}
	sr := tab.Find("Lorenz", 0)
	return stateMatrix(sr, sr.Len()), sampleDt(tab, "Lorenz")
}

// BenchmarkFamilies times every family's fit on 1,000 Lorenz-63 points and
// its 200-step forecast, at the family defaults:
//
//	go test -run '^$' -bench BenchmarkFamilies -benchtime 3x ./stages/forecast
func BenchmarkFamilies(b *testing.B) {
	x, dt := lorenzFlagship(b)
	n, _ := x.Dims()
	for _, name := range models.Names() {
		fam, _ := models.Lookup(name)
		h, _ := models.MergeHyper(fam, nil)
		cfg := models.TrainConfig{Dt: dt, Hyper: h, Seed: 1}
		b.Run(name+"/fit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fam.Fit(x, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/forecast200", func(b *testing.B) {
			m, err := fam.Fit(x, cfg)
			if err != nil {
				b.Fatal(err)
			}
			var hist *mat.Dense
			if c := m.Context(); c > 0 {
				hist = mat.DenseCopyOf(x.Slice(n-c, n, 0, 3))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_, _ = m.Forecast(hist, 200) // divergence is a result here
			}
		})
	}
}

// BenchmarkStages times the train and forecast stages end to end on one
// system (Arrow decoding and encoding included), NVAR and ESN.
func BenchmarkStages(b *testing.B) {
	data := generate(b, lorenz)
	for _, fam := range []string{"nvar", "esn"} {
		tr := stagetest.Build(b, "train", "model: "+fam+"\n", 1)
		fc := stagetest.Build(b, "forecast", "horizon: 200\n", 1)
		b.Run(fam+"/train", func(b *testing.B) {
			for b.Loop() {
				out, err := tr.Run(context.Background(), stagetest.Inputs("train", data["train"]))
				if err != nil {
					b.Fatal(err)
				}
				stagetest.Release(out)
			}
		})
		mo := stagetest.Run(b, tr, stagetest.Inputs("train", data["train"]))
		b.Run(fam+"/forecast", func(b *testing.B) {
			for b.Loop() {
				out, err := fc.Run(context.Background(), stagetest.Inputs("model", mo["model"], "test", data["test"], "history", data["train"]))
				if err != nil {
					b.Fatal(err)
				}
				stagetest.Release(out)
			}
		})
	}
}
