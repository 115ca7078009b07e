package models

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// myFamilies are the families defined in baseline.go, nvar.go, esn.go,
// dmd.go, randfeat.go and ssm.go.
var myFamilies = []string{"naive", "mean", "linear_ar", "nvar", "esn", "dmd", "hankel_dmd", "edmd", "random_features", "ssm"}

// familyTestHyper overrides defaults where the default is unsuitable for
// the Lorenz sanity data (NVAR needs training noise on accurate data, see
// nvar.go; a 200-unit ESN keeps the test fast).
var familyTestHyper = map[string]Hyper{
	"nvar": {"noise": 1e-3},
	"esn":  {"units": 200, "washout": 100},
}

func fitFamily(t testing.TB, name string, train *mat.Dense, dt float64, seed uint64) Model {
	t.Helper()
	f, ok := Lookup(name)
	if !ok {
		t.Fatalf("family %q not registered", name)
	}
	h, err := MergeHyper(f, familyTestHyper[name])
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Fit(train, TrainConfig{Dt: dt, Hyper: h, Seed: seed})
	if err != nil {
		t.Fatalf("%s: fit: %v", name, err)
	}
	if m.Family() != name {
		t.Fatalf("%s: Family() = %q", name, m.Family())
	}
	return m
}

func sameBits(a, b *mat.Dense) bool {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		return false
	}
	for i := 0; i < ra; i++ {
		for j := 0; j < ca; j++ {
			if math.Float64bits(a.At(i, j)) != math.Float64bits(b.At(i, j)) {
				return false
			}
		}
	}
	return true
}

// TestFamiliesContract checks every family on Lorenz-63 (dt 0.025, 2,000
// training points): documented defaults, fit and a 200-step forecast
// without error, bitwise Snapshot→Load round trip, bitwise determinism of
// two fits with the same seed, and divergence flagged (not panicked) when
// the history holds a NaN.
func TestFamiliesContract(t *testing.T) {
	const dt = 0.025
	x := lorenzRK4(lorenzPaperY0, dt, 20, 3000)
	train := rowsOf(x, 200, 2200)
	_, sd := colStats(train)
	for _, name := range myFamilies {
		t.Run(name, func(t *testing.T) {
			f, _ := Lookup(name)
			for k := range f.Defaults {
				if f.Docs[k] == "" {
					t.Errorf("hyperparameter %q undocumented", k)
				}
			}
			m := fitFamily(t, name, train, dt, 42)
			c := m.Context()
			hist := rowsOf(x, 2200-max(c, 1), 2200)
			truth := rowsOf(x, 2200, 2400)
			pred, err := m.Forecast(hist, 200)
			if err != nil {
				t.Fatalf("forecast: %v", err)
			}
			if r, cc := pred.Dims(); r != 200 || cc != 3 {
				t.Fatalf("forecast is %d×%d, want 200×3", r, cc)
			}
			t.Logf("VPT(0.5) %.2f Lyapunov times", float64(vptSteps(pred, truth, sd, 0.5))*dt/lorenzLyapTime)

			// Round trip.
			snap := m.Snapshot()
			m2, err := f.Load(snap)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			pred2, err := m2.Forecast(hist, 200)
			if err != nil || !sameBits(pred, pred2) {
				t.Errorf("loaded model forecasts differently (err %v)", err)
			}
			if m2.Context() != c {
				t.Errorf("loaded Context %d, want %d", m2.Context(), c)
			}
			// Determinism.
			m3 := fitFamily(t, name, train, dt, 42)
			pred3, err := m3.Forecast(hist, 200)
			if err != nil || !sameBits(pred, pred3) {
				t.Errorf("two fits with the same seed differ (err %v)", err)
			}
			// Snapshot of a wrong family is rejected.
			bad := snap
			bad.Family = "no_such"
			if _, err := f.Load(bad); err == nil {
				t.Error("Load accepted a snapshot of another family")
			}
			// NaN in the history: flagged, no panic.
			if name != "mean" {
				h := mat.DenseCopyOf(hist)
				r, _ := h.Dims()
				h.Set(r-1, 0, math.NaN())
				p, err := m.Forecast(h, 10)
				var de *DivergenceError
				if !errors.As(err, &de) {
					t.Errorf("NaN history: error %v, want *DivergenceError", err)
				} else if r, _ := p.Dims(); r != 10 || !math.IsNaN(p.At(9, 0)) {
					t.Errorf("NaN history: want 10 rows ending in NaN")
				}
			}
			// Zero steps.
			if p, err := m.Forecast(hist, 0); err != nil {
				t.Errorf("zero steps: %v", err)
			} else if r, _ := p.Dims(); r != 0 {
				t.Errorf("zero steps: %d rows", r)
			}
		})
	}
}

// TestDivergenceFlagged trains models on an exponentially growing
// oscillation x_n = 1.05ⁿ (cos 0.3n, sin 0.3n): linear models learn the
// growth, so a long forecast leaves 1e3 × the training range and must be
// reported as a *DivergenceError with the partial forecast, NaN after.
func TestDivergenceFlagged(t *testing.T) {
	n := 120
	x := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		g := math.Pow(1.05, float64(i))
		x.Set(i, 0, g*math.Cos(0.3*float64(i)))
		x.Set(i, 1, g*math.Sin(0.3*float64(i)))
	}
	for _, name := range []string{"linear_ar", "dmd", "hankel_dmd", "edmd"} {
		f, _ := Lookup(name)
		h, _ := MergeHyper(f, Hyper{"ridge": 1e-12})
		if name == "dmd" || name == "hankel_dmd" {
			h, _ = MergeHyper(f, Hyper{"standardize": 0})
		}
		m, err := f.Fit(x, TrainConfig{Dt: 1, Hyper: h, Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		steps := 2000
		p, err := m.Forecast(rowsOf(x, n-m.Context(), n), steps)
		var de *DivergenceError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %v, want *DivergenceError", name, err)
			continue
		}
		if r, _ := p.Dims(); r != steps {
			t.Errorf("%s: %d rows, want %d", name, r, steps)
		}
		if de.Step < 1 || de.Step >= steps || !math.IsNaN(p.At(de.Step, 0)) || math.IsNaN(p.At(de.Step-1, 0)) {
			t.Errorf("%s: divergence at step %d not reflected in the forecast", name, de.Step)
		}
		t.Logf("%s: %v", name, de)
	}
}

// BenchmarkForecast times a 1,000-step forecast of each family fitted to
// Lorenz-63 (dt 0.025, 2,000 training points).
func BenchmarkForecast(b *testing.B) {
	x := lorenzRK4(lorenzPaperY0, 0.025, 20, 2800)
	train := rowsOf(x, 200, 2200)
	for _, name := range myFamilies {
		b.Run(name, func(b *testing.B) {
			m := fitFamily(b, name, train, 0.025, 1)
			hist := rowsOf(x, 2200-max(m.Context(), 1), 2200)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Forecast(hist, 1000); err != nil {
					var de *DivergenceError
					if !errors.As(err, &de) {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
