package models

import (
	"math"
	"math/cmplx"
	"testing"
)

// TestSSMZOHSteadyState: for a constant unit input the ZOH recursion is
// exact, so each state converges to the continuous steady state −B/A_n of
// h' = A_n h + u (S4D-Lin, B = 1), e.g. 2 for A_0 = −1/2.
func TestSSMZOHSteadyState(t *testing.T) {
	f, _ := Lookup("ssm")
	h, _ := MergeHyper(f, Hyper{"modes": 4, "timescales": 2, "dt_min": 0.1, "dt_max": 0.5})
	m, err := newSSM(h, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := make([]complex128, m.nStates())
	for i := 0; i < 2000; i++ {
		m.step(st, []float64{1})
	}
	for i, v := range st {
		n := i % 4
		want := -1 / complex(-0.5, math.Pi*float64(n))
		if cmplx.Abs(v-want) > 1e-9 {
			t.Errorf("state %d (mode %d) = %v, want %v", i, n, v, want)
		}
	}
}

// TestSSMLorenz: the default S4D feature model forecasts Lorenz-63
// (dt 0.025, 2,000 training points) for at least 1 Lyapunov time on average
// over 5 test starts (measured 1.2; a single start reaches ~2).
func TestSSMLorenz(t *testing.T) {
	const dt = 0.025
	x := lorenzRK4(lorenzPaperY0, dt, 20, 4000)
	train := rowsOf(x, 200, 2200)
	_, sd := colStats(train)
	f, _ := Lookup("ssm")
	h, _ := MergeHyper(f, nil)
	m, err := f.Fit(train, TrainConfig{Dt: dt, Hyper: h})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for k := 0; k < 5; k++ {
		s := 2200 + 300*k
		p, err := m.Forecast(rowsOf(x, s-m.Context(), s), 300)
		if err != nil {
			t.Fatalf("start %d: %v", s, err)
		}
		sum += float64(vptSteps(p, rowsOf(x, s, s+300), sd, 0.5)) * dt / lorenzLyapTime
	}
	t.Logf("mean VPT %.2f Lyapunov times", sum/5)
	if sum/5 < 1 {
		t.Errorf("mean VPT %.2f Lyapunov times, want ≥ 1", sum/5)
	}
}
