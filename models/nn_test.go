package models

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// nnLorenzRHS is Lorenz-63 with σ = 10, ρ = 28, β = 8/3.
func nnLorenzRHS(y, dy []float64) {
	dy[0] = 10 * (y[1] - y[0])
	dy[1] = y[0]*(28-y[2]) - y[1]
	dy[2] = y[0]*y[1] - 8.0/3*y[2]
}

// nnLorenz integrates Lorenz-63 with classical RK4 at step dt/sub (sub
// substeps per sample; dt/sub ≤ 1e-3 keeps the local error near 1e-12) and
// returns n samples at spacing dt, after discarding a transient of
// `transient` time units from (1, 1, 1) perturbed by off.
func nnLorenz(n int, dt float64, sub int, transient, off float64) *mat.Dense {
	y := []float64{1 + off, 1, 1}
	h := dt / float64(sub)
	k1, k2, k3, k4, u := make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3)
	step := func() {
		nnLorenzRHS(y, k1)
		for i := range u {
			u[i] = y[i] + h/2*k1[i]
		}
		nnLorenzRHS(u, k2)
		for i := range u {
			u[i] = y[i] + h/2*k2[i]
		}
		nnLorenzRHS(u, k3)
		for i := range u {
			u[i] = y[i] + h*k3[i]
		}
		nnLorenzRHS(u, k4)
		for i := range y {
			y[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
	}
	for t := 0; t < int(math.Round(transient/h)); t++ {
		step()
	}
	out := mat.NewDense(n, 3, nil)
	for i := 0; i < n; i++ {
		out.SetRow(i, y)
		for s := 0; s < sub; s++ {
			step()
		}
	}
	return out
}

// nnSkill forecasts `steps` points from each of the held-out start indices
// (each with its model context taken from series) and returns the RMSE of
// the model and of persistence (the last observed value), averaged over
// starts (RMSE over all points and variables of each start, then mean).
func nnSkill(t *testing.T, m Model, series *mat.Dense, starts []int, steps int) (model, persist float64) {
	t.Helper()
	_, d := series.Dims()
	ctx := m.Context()
	for _, s := range starts {
		hist := series.Slice(s-ctx, s, 0, d).(*mat.Dense)
		f, err := m.Forecast(mat.DenseCopyOf(hist), steps)
		if err != nil {
			t.Fatalf("forecast from %d: %v", s, err)
		}
		last := series.RawRowView(s - 1)
		var em, ep float64
		for i := 0; i < steps; i++ {
			truth := series.RawRowView(s + i)
			for j := 0; j < d; j++ {
				e := f.At(i, j) - truth[j]
				em += e * e
				e = last[j] - truth[j]
				ep += e * e
			}
		}
		model += math.Sqrt(em / float64(steps*d))
		persist += math.Sqrt(ep / float64(steps*d))
	}
	return model / float64(len(starts)), persist / float64(len(starts))
}

// nnFit fits a registered family with overrides on top of its defaults.
func nnFit(t testing.TB, family string, train *mat.Dense, dt float64, seed uint64, over Hyper) Model {
	t.Helper()
	f, ok := Lookup(family)
	if !ok {
		t.Fatalf("family %q not registered", family)
	}
	h, err := MergeHyper(f, over)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Fit(train, TrainConfig{Dt: dt, Hyper: h, Seed: seed})
	if err != nil {
		t.Fatalf("fit %s: %v", family, err)
	}
	return m
}

// nnCheckRoundTrip checks Snapshot → Load → Forecast is bitwise identical.
func nnCheckRoundTrip(t *testing.T, m Model, hist *mat.Dense, steps int) {
	t.Helper()
	f, _ := Lookup(m.Family())
	m2, err := f.Load(m.Snapshot())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if m2.Context() != m.Context() || m2.Family() != m.Family() {
		t.Fatalf("loaded model differs: context %d vs %d", m2.Context(), m.Context())
	}
	a, errA := m.Forecast(hist, steps)
	b, errB := m2.Forecast(hist, steps)
	if (errA == nil) != (errB == nil) {
		t.Fatalf("errors differ: %v vs %v", errA, errB)
	}
	nnBitwise(t, a, b, "original vs loaded forecast")
}

func nnBitwise(t *testing.T, a, b *mat.Dense, what string) {
	t.Helper()
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		t.Fatalf("%s: shapes %d×%d vs %d×%d", what, ra, ca, rb, cb)
	}
	for i := 0; i < ra; i++ {
		for j := 0; j < ca; j++ {
			x, y := a.At(i, j), b.At(i, j)
			if math.Float64bits(x) != math.Float64bits(y) && !(math.IsNaN(x) && math.IsNaN(y)) {
				t.Fatalf("%s: [%d,%d] %v vs %v", what, i, j, x, y)
			}
		}
	}
}

// nnCheckDivergence feeds a history far outside the training range and
// expects a *DivergenceError with NaN-padded rows, never a panic.
func nnCheckDivergence(t *testing.T, m Model, d int) {
	t.Helper()
	ctx := m.Context()
	hist := mat.NewDense(ctx, d, nil)
	for i := 0; i < ctx; i++ {
		for j := 0; j < d; j++ {
			hist.Set(i, j, 1e7*float64(1+j)*float64(i+1))
		}
	}
	steps := 20
	out, err := m.Forecast(hist, steps)
	var de *DivergenceError
	if !errors.As(err, &de) {
		t.Fatalf("want *DivergenceError, got %v", err)
	}
	if r, c := out.Dims(); r != steps || c != d {
		t.Fatalf("partial forecast is %d×%d, want %d×%d", r, c, steps, d)
	}
	for i := de.Step; i < steps; i++ {
		for j := 0; j < d; j++ {
			if !math.IsNaN(out.At(i, j)) {
				t.Fatalf("row %d after divergence step %d not NaN", i, de.Step)
			}
		}
	}
}

func TestNNBackwardGradient(t *testing.T) {
	for _, act := range []nnAct{nnTanh, nnGELU} {
		net := newNNNet([]int{4, 7, 5, 3}, act)
		rng := rand.New(rand.NewPCG(1, 2))
		net.initGlorot(rng, 1)
		for i := range net.theta {
			net.theta[i] += 0.1 * rng.NormFloat64() // non-zero biases
		}
		B := 5
		x := make([]float64, B*4)
		tgt := make([]float64, B*3)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range tgt {
			tgt[i] = rng.NormFloat64()
		}
		tape := net.newTape(B)
		loss := func() float64 {
			y := net.forward(tape, x)
			var s float64
			for i, v := range y {
				s += 0.5 * (v - tgt[i]) * (v - tgt[i])
			}
			return s
		}
		loss()
		dy := make([]float64, B*3)
		for i, v := range tape.a[len(tape.a)-1] {
			dy[i] = v - tgt[i]
		}
		grad := make([]float64, len(net.theta))
		dx := make([]float64, B*4)
		net.backward(tape, dy, grad, dx)
		fd := func(p *float64) float64 {
			const eps = 1e-6
			old := *p
			*p = old + eps
			lp := loss()
			*p = old - eps
			lm := loss()
			*p = old
			return (lp - lm) / (2 * eps)
		}
		nnCompareGrad(t, "theta", grad, func(i int) float64 { return fd(&net.theta[i]) })
		nnCompareGrad(t, "input", dx, func(i int) float64 { return fd(&x[i]) })

		// apply (single sample, no tape) agrees with forward.
		y := make([]float64, 3)
		net.apply(x[:4], y, make([]float64, 2*net.maxWidth()))
		out := net.forward(net.newTape(1), x[:4])
		for j := range y {
			if math.Abs(y[j]-out[j]) > 1e-14 {
				t.Fatalf("apply %v vs forward %v", y, out)
			}
		}
	}
}

// nnCompareGrad checks an analytic gradient against central finite
// differences: the relative error ‖g − g_fd‖/‖g_fd‖ < 1e-5 overall and
// per component |g − g_fd| < 1e-5·max(|g_fd|, ‖g_fd‖_∞·1e-3).
func nnCompareGrad(t *testing.T, what string, g []float64, fd func(i int) float64) {
	t.Helper()
	num := make([]float64, len(g))
	var diff, norm, inf float64
	for i := range g {
		num[i] = fd(i)
		diff += (g[i] - num[i]) * (g[i] - num[i])
		norm += num[i] * num[i]
		inf = max(inf, math.Abs(num[i]))
	}
	rel := math.Sqrt(diff / norm)
	t.Logf("%s gradient: relative error %.2e over %d components", what, rel, len(g))
	if !(rel < 1e-5) {
		t.Errorf("%s gradient relative error %.3e ≥ 1e-5", what, rel)
	}
	for i := range g {
		if math.Abs(g[i]-num[i]) > 1e-5*max(math.Abs(num[i]), 1e-3*inf) {
			t.Errorf("%s[%d]: backprop %.10g vs finite difference %.10g", what, i, g[i], num[i])
		}
	}
}

var nnLorenzCache struct {
	once        sync.Once
	train, test *mat.Dense
}

// nnLorenzSplit returns a training series (4,000 points, dt = 0.01) and a
// held-out series from another initial condition (3,000 points).
func nnLorenzSplit() (train, test *mat.Dense) {
	nnLorenzCache.once.Do(func() {
		nnLorenzCache.train = nnLorenz(4000, 0.01, 10, 20, 0)
		nnLorenzCache.test = nnLorenz(3000, 0.01, 10, 20, 0.5)
	})
	return nnLorenzCache.train, nnLorenzCache.test
}

// nnStarts are held-out forecast origins in the test series.
var nnStarts = []int{100, 350, 600, 850, 1100, 1350, 1600, 1850, 2100, 2350, 2600, 2850}

func asDivergence(err error, de **DivergenceError) bool { return errors.As(err, de) }

// TestNNLoadRejectsBadSnapshots: a snapshot with a missing or truncated
// array, or invalid hyperparameters, is an error from Load, never a panic.
func TestNNLoadRejectsBadSnapshots(t *testing.T) {
	train, _ := nnLorenzSplit()
	small := train.Slice(0, 300, 0, 3).(*mat.Dense)
	fits := map[string]Hyper{
		"analog":     nil,
		"mlp":        {"epochs": 1, "hidden": 4},
		"neural_ode": {"iters": 1, "hidden": 4, "batch": 4},
		"sindy":      nil,
	}
	for fam, h := range fits {
		m := nnFit(t, fam, small, 0.01, 1, h)
		f, _ := Lookup(fam)
		snap := m.Snapshot()
		for i := range snap.Arrays {
			bad := Snapshot{Family: snap.Family, Hyper: snap.Hyper}
			bad.Arrays = append(bad.Arrays, snap.Arrays[:i]...)
			bad.Arrays = append(bad.Arrays, snap.Arrays[i+1:]...)
			if _, err := f.Load(bad); err == nil {
				t.Errorf("%s: load without %q succeeded", fam, snap.Arrays[i].Name)
			}
			trunc := Snapshot{Family: snap.Family, Hyper: snap.Hyper, Arrays: append([]Array(nil), snap.Arrays...)}
			a := trunc.Arrays[i]
			a.Data = a.Data[:len(a.Data)-1]
			trunc.Arrays[i] = a
			if _, err := f.Load(trunc); err == nil {
				t.Errorf("%s: load with truncated %q succeeded", fam, a.Name)
			}
		}
		hyp := copyHyper(snap.Hyper)
		for k := range hyp {
			hyp[k] = -1.5
		}
		if _, err := f.Load(Snapshot{Family: fam, Hyper: hyp, Arrays: snap.Arrays}); err == nil {
			t.Errorf("%s: load with invalid hyperparameters succeeded", fam)
		}
	}
}
