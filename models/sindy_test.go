package models

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// sindyLorenzTruth is Ξ of Lorenz-63 in the degree-2 library order
// 1, x, y, z, x², xy, xz, y², yz, z² (rows) × (ẋ, ẏ, ż).
func sindyLorenzTruth() *mat.Dense {
	xi := mat.NewDense(10, 3, nil)
	xi.Set(1, 0, -10) // σ(y − x)
	xi.Set(2, 0, 10)
	xi.Set(1, 1, 28) // x(ρ − z) − y
	xi.Set(6, 1, -1)
	xi.Set(2, 1, -1)
	xi.Set(5, 2, 1) // xy − βz
	xi.Set(3, 2, -8.0/3)
	return xi
}

func TestSINDyLibraryOrder(t *testing.T) {
	lib := newSINDyLibrary(3, 2)
	var got []string
	for k := 0; k < lib.size(); k++ {
		got = append(got, lib.name(k, []string{"x", "y", "z"}))
	}
	want := "1,x,y,z,x^2,x y,x z,y^2,y z,z^2"
	if strings.Join(got, ",") != want {
		t.Fatalf("terms %q, want %q", strings.Join(got, ","), want)
	}
	if n := newSINDyLibrary(4, 3).size(); n != 35 { // C(4+3, 3)
		t.Fatalf("degree-3 library of 4 variables has %d terms, want 35", n)
	}
}

// TestSINDyRecoversLorenz fits clean Lorenz-63 data (dt = 0.002, 5,000
// points) and requires exactly the 7 true terms with every coefficient
// within 1% of (σ, ρ, β) = (10, 28, 8/3) and the unit coefficients.
func TestSINDyRecoversLorenz(t *testing.T) {
	for _, diff := range []float64{0, 1} {
		t.Run(fmt.Sprintf("diff=%v", diff), func(t *testing.T) {
			dt := 0.002
			data := nnLorenz(5000, dt, 4, 10, 0)
			m := nnFit(t, "sindy", data, dt, 1, Hyper{"diff": diff}).(*SINDy)
			for _, e := range m.Equations(nil) {
				t.Log(e)
			}
			got, want := m.Coefficients(), sindyLorenzTruth()
			terms := m.Terms(nil)
			nnz := 0
			for k := 0; k < 10; k++ {
				for j := 0; j < 3; j++ {
					g, w := got.At(k, j), want.At(k, j)
					if (g != 0) != (w != 0) {
						t.Errorf("eq %d term %s: got %.4g, want %.4g", j, terms[k], g, w)
					}
					if w != 0 {
						nnz++
						if rel := math.Abs(g-w) / math.Abs(w); rel > 0.01 {
							t.Errorf("eq %d term %s: got %.5g, want %.5g (rel err %.2e)", j, terms[k], g, w, rel)
						}
					}
				}
			}
			if nnz != 7 {
				t.Fatalf("truth has %d terms", nnz)
			}

			// Forecast over one Lyapunov time (1/0.9056 ≈ 1.104) from a
			// held-out start: max abs error below 0.1 (attractor std ≈ 8).
			test := nnLorenz(700, dt, 4, 10, 0.3)
			steps := 552
			f, err := m.Forecast(test.Slice(0, 1, 0, 3).(*mat.Dense), steps)
			if err != nil {
				t.Fatal(err)
			}
			var maxErr float64
			for i := 0; i < steps; i++ {
				for j := 0; j < 3; j++ {
					maxErr = max(maxErr, math.Abs(f.At(i, j)-test.At(i+1, j)))
				}
			}
			t.Logf("max abs forecast error over 1 Lyapunov time: %.2e", maxErr)
			if maxErr > 0.1 {
				t.Errorf("forecast error %.3g over one Lyapunov time exceeds 0.1", maxErr)
			}
		})
	}
}

func TestSINDyEquationsFormat(t *testing.T) {
	m := &SINDy{d: 3, degree: 2, lib: newSINDyLibrary(3, 2), coef: sindyLorenzTruth()}
	m.compile()
	got := m.Equations(nil)
	want := []string{
		"dx/dt = -10.000 x + 10.000 y",
		"dy/dt = 28.000 x - 1.000 y - 1.000 x z",
		"dz/dt = -2.667 z + 1.000 x y",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("equation %d: %q, want %q", i, got[i], want[i])
		}
	}
	if e := m.Equations([]string{"u", "v", "w"})[2]; e != "dw/dt = -2.667 w + 1.000 u v" {
		t.Errorf("named: %q", e)
	}
}

func TestSymmetricMAPE(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{1, 0, -1, 2})
	b := mat.NewDense(2, 2, []float64{1, 0, 1, 6})
	// entries: 0, 0 (0/0), 2·2/2 = 2, 2·4/8 = 1 → mean 0.75
	if got := SymmetricMAPE(a, b); math.Abs(got-0.75) > 1e-15 {
		t.Fatalf("SymmetricMAPE = %v, want 0.75", got)
	}
}

// TestSINDyDiscoveryLorenz runs the Gilpin (2021) equation-discovery task
// on Lorenz-63: 150 points at 15 points per period (period ≈ 0.75, so
// dt = 0.05), scored on another trajectory's exact right-hand side.
func TestSINDyDiscoveryLorenz(t *testing.T) {
	dt := 0.05
	train := nnLorenz(150, dt, 50, 10, 0)
	test := nnLorenz(150, dt, 50, 10, 0.4)
	rhs := mat.NewDense(150, 3, nil)
	for i := 0; i < 150; i++ {
		nnLorenzRHS(test.RawRowView(i), rhs.RawRowView(i))
	}
	for _, diff := range []float64{0, 1} {
		res, err := SINDyDiscovery(train, test, rhs, dt, Hyper{"diff": diff, "window": 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("diff=%v: per-variable sMAPE %.3f, score %.3f; %v", diff, res.PerVar, res.Score, res.Model.Equations(nil))
		// A degree-2 library contains Lorenz, so the score should be far
		// below the published median over all systems (0.37).
		if !(res.Score < 0.37) {
			t.Errorf("diff=%v: discovery score %.3f ≥ 0.37", diff, res.Score)
		}
	}
}

func TestSINDyContract(t *testing.T) {
	dt := 0.01
	train, test := nnLorenzSplit()
	m := nnFit(t, "sindy", train, dt, 1, nil)
	hist := test.Slice(0, 1, 0, 3).(*mat.Dense)
	nnCheckRoundTrip(t, m, hist, 200)
	a, _ := m.Forecast(hist, 200)
	b, _ := nnFit(t, "sindy", train, dt, 2, nil).Forecast(hist, 200)
	nnBitwise(t, a, b, "refit")
	nnCheckDivergence(t, m, 3)

	// An unstable discovered system (ẋ = x²) blows up in finite time.
	blow := &SINDy{d: 1, degree: 2, dt: 0.1, rtol: 1e-9, atol: 1e-9, lib: newSINDyLibrary(1, 2),
		coef: mat.NewDense(3, 1, []float64{0, 0, 1}), scale: newNNScale(mat.NewDense(2, 1, []float64{0, 1}))}
	blow.compile()
	f, err := blow.Forecast(mat.NewDense(1, 1, []float64{1}), 20)
	var de *DivergenceError
	if !asDivergence(err, &de) {
		t.Fatalf("want divergence, got %v", err)
	}
	t.Logf("ẋ = x² from 1: %v (row %d: %v)", err, de.Step, f.At(de.Step, 0))
	if de.Step > 10 || !math.IsNaN(f.At(19, 0)) {
		t.Errorf("divergence at step %d, last row %v", de.Step, f.At(19, 0))
	}
}

func BenchmarkSINDyFit(b *testing.B) {
	train, _ := nnLorenzSplit()
	for _, deg := range []float64{2, 3, 4} {
		b.Run(fmt.Sprintf("degree=%v", deg), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nnFit(b, "sindy", train, 0.01, 1, Hyper{"degree": deg})
			}
		})
	}
}

func BenchmarkSINDyForecast(b *testing.B) {
	train, test := nnLorenzSplit()
	m := nnFit(b, "sindy", train, 0.01, 1, nil)
	hist := test.Slice(0, 1, 0, 3).(*mat.Dense)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Forecast(hist, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// ExampleSINDy_Equations recovers the Lorenz-63 equations from 10 time
// units of clean data sampled at dt = 0.002, with Savitzky–Golay
// derivatives.
func ExampleSINDy_Equations() {
	dt := 0.002
	data := nnLorenz(5000, dt, 4, 10, 0)
	f, _ := Lookup("sindy")
	h, _ := MergeHyper(f, Hyper{"diff": 1})
	m, err := f.Fit(data, TrainConfig{Dt: dt, Hyper: h})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, eq := range m.(*SINDy).Equations([]string{"x", "y", "z"}) {
		fmt.Println(eq)
	}
	// Output:
	// dx/dt = -10.000 x + 10.000 y
	// dy/dt = 28.000 x - 1.000 y - 1.000 x z
	// dz/dt = -2.667 z + 1.000 x y
}
