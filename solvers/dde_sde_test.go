package solvers

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestDelayExact: y'(t) = -y(t-1), y = 1 for t <= 0, has the piecewise
// polynomial solution (method of steps, e.g. Bellen & Zennaro, Numerical
// Methods for Delay Differential Equations, 2003, ch. 2)
//
//	1 - t on [0,1],  1 - t + (t-1)^2/2 on [1,2],  1 - t + (t-1)^2/2 - (t-2)^3/6 on [2,3].
func TestDelayExact(t *testing.T) {
	exact := func(t float64) float64 {
		y := 1 - t
		if t > 1 {
			y += (t - 1) * (t - 1) / 2
		}
		if t > 2 {
			y -= (t - 2) * (t - 2) * (t - 2) / 6
		}
		return y
	}
	f := func(t float64, y, yd, dy []float64) { dy[0] = -yd[0] }
	var times []float64
	for k := 1; k <= 30; k++ {
		times = append(times, 0.1*float64(k)-0.0123)
	}
	times = append(times, 3)
	for _, name := range []string{"bs3", "dopri5", "tsit5", "dop853", "vern9", "rk4"} {
		t.Run(name, func(t *testing.T) {
			out := make([][]float64, len(times))
			for i := range out {
				out[i] = make([]float64, 1)
			}
			opts := Options{RTol: 1e-10, ATol: 1e-10}
			if name == "rk4" {
				opts.Step = 0.05
			}
			st, err := SolveDelay(context.Background(), name, DelayProblem{F: f, Tau: 1, Y0: []float64{1}}, times, out, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, ti := range times {
				if e := math.Abs(out[i][0] - exact(ti)); e > 1e-8 {
					t.Errorf("y(%g) = %.12g, want %.12g", ti, out[i][0], exact(ti))
				}
			}
			t.Logf("%+v", st)
		})
	}
	// A history function (y = cos t for t <= 0, y' = y(t - pi/2)): dop853
	// and a tight dopri5 run must agree.
	hist := func(t float64, y []float64) { y[0] = math.Cos(t) }
	out := [][]float64{{0}, {0}}
	_, err := SolveDelay(context.Background(), "dop853",
		DelayProblem{F: func(t float64, y, yd, dy []float64) { dy[0] = yd[0] }, Tau: math.Pi / 2, Y0: []float64{1}, History: hist},
		[]float64{5, 20}, out, Options{RTol: 1e-11, ATol: 1e-11})
	if err != nil {
		t.Fatal(err)
	}
	ref := [][]float64{{0}, {0}}
	_, err = SolveDelay(context.Background(), "dopri5",
		DelayProblem{F: func(t float64, y, yd, dy []float64) { dy[0] = yd[0] }, Tau: math.Pi / 2, Y0: []float64{1}, History: hist},
		[]float64{5, 20}, ref, Options{RTol: 1e-12, ATol: 1e-12})
	if err != nil || math.Abs(out[1][0]-ref[1][0]) > 1e-7*math.Max(1, math.Abs(ref[1][0])) {
		t.Errorf("history problem: dop853 %v, dopri5 %v (%v)", out, ref, err)
	}
	if _, err := SolveDelay(context.Background(), "radau5", DelayProblem{F: f, Tau: 1, Y0: []float64{1}}, times, make([][]float64, len(times)), Options{}); err == nil {
		t.Error("implicit method accepted for delay problem")
	}
}

// TestSDEOrnsteinUhlenbeck: dX = -theta X dt + sigma dW, X0 = x0 has mean
// x0 e^{-theta t} and variance sigma^2/(2 theta) (1 - e^{-2 theta t})
// (Gardiner, Stochastic Methods, 4.4.4). 4000 independent paths are run as
// one 4000-dimensional system; mean and variance must match within 4
// standard errors (plus the O(h) bias of the scheme).
func TestSDEOrnsteinUhlenbeck(t *testing.T) {
	const M, theta, sigma, x0, T = 4000, 1.0, 0.5, 2.0, 1.0
	f := func(t float64, y, dy []float64) {
		for i := range y {
			dy[i] = -theta * y[i]
		}
	}
	sig := make([]float64, M)
	y0 := make([]float64, M)
	for i := range sig {
		sig[i], y0[i] = sigma, x0
	}
	for _, method := range SDEMethods() {
		out := [][]float64{make([]float64, M), make([]float64, M)}
		p := SDEProblem{F: f, Sigma: sig, Y0: y0, Seed: 42}
		if _, err := SolveSDE(context.Background(), method, p, []float64{0.5, T}, out, Options{Step: 0.005}); err != nil {
			t.Fatal(err)
		}
		var mean, v float64
		for _, x := range out[1] {
			mean += x
		}
		mean /= M
		for _, x := range out[1] {
			v += (x - mean) * (x - mean)
		}
		v /= M - 1
		wantMean := x0 * math.Exp(-theta*T)
		wantVar := sigma * sigma / (2 * theta) * (1 - math.Exp(-2*theta*T))
		seMean, seVar := math.Sqrt(wantVar/M), wantVar*math.Sqrt(2.0/M)
		if math.Abs(mean-wantMean) > 4*seMean+0.01*wantMean || math.Abs(v-wantVar) > 4*seVar+0.01*wantVar {
			t.Errorf("%s: mean %.4f (want %.4f ± %.4f), var %.4f (want %.4f ± %.4f)", method, mean, wantMean, seMean, v, wantVar, seVar)
		}
		// determinism per seed
		again := [][]float64{make([]float64, M), make([]float64, M)}
		SolveSDE(context.Background(), method, p, []float64{0.5, T}, again, Options{Step: 0.005})
		for i := range again[1] {
			if again[1][i] != out[1][i] {
				t.Fatalf("%s: same seed, different path", method)
			}
		}
		p.Seed = 43
		SolveSDE(context.Background(), method, p, []float64{0.5, T}, again, Options{Step: 0.005})
		if again[1][0] == out[1][0] {
			t.Errorf("%s: different seeds gave the same path", method)
		}
	}
}

func TestIterateMap(t *testing.T) {
	// Hénon map (a=1.4, b=0.3) from (0,0): x1 = (1, 0), x2 = (-0.4, 0.3).
	henon := func(x, next []float64) {
		next[0] = 1 - 1.4*x[0]*x[0] + x[1]
		next[1] = 0.3 * x[0]
	}
	out := make([][]float64, 3)
	for i := range out {
		out[i] = make([]float64, 2)
	}
	if err := IterateMap(henon, []float64{0, 0}, 3, out); err != nil {
		t.Fatal(err)
	}
	if out[1][0] != 1 || out[1][1] != 0 || math.Abs(out[2][0]+0.4) > 1e-15 || math.Abs(out[2][1]-0.3) > 1e-15 {
		t.Errorf("Hénon iterates %v", out)
	}
	sq := func(x, next []float64) { next[0] = x[0] * x[0] * 1e100 }
	big := make([][]float64, 10)
	for i := range big {
		big[i] = []float64{0}
	}
	if err := IterateMap(sq, []float64{10}, 10, big); !errors.Is(err, ErrNonFinite) {
		t.Errorf("overflowing map: %v", err)
	}
}
