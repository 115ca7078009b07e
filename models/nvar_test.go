package models

import (
	"errors"
	"math"
	"testing"
)

// TestNVARLorenzGauthier reproduces the Lorenz-63 experiment of Gauthier et
// al. 2021 (dt 0.025, k 2, s 1, order 2 → 28 features, ridge 2.5e-6, 400
// training points after a warm-up, 10 trials with warm-ups 5, 15, …, 95
// time units from the paper's initial condition) on accurate RK4 data with
// 1e-3 training noise. Reference (README "Forecast skill",
// bench/quality/results/nvar_lorenz.json): NRMSE(1 LT) 3.1–3.8e-3 and
// VPT(0.5) 4.8–5.5 Lyapunov times; we require NRMSE < 1e-2 and VPT ≥ 3.5.
// Without noise the same model must be flagged unstable (reference VPT 0.17).
func TestNVARLorenzGauthier(t *testing.T) {
	const dt = 0.025
	x := lorenzRK4(lorenzPaperY0, dt, 20, 5200) // 130 time units
	_, sd := colStats(x)
	f, _ := Lookup("nvar")
	lyapSteps := int(math.Round(lorenzLyapTime / dt)) // 44
	horizon := int(math.Round(25 / dt))
	var sumNRMSE, sumVPT float64
	unstable := 0
	for trial := 0; trial < 10; trial++ {
		w := int(math.Round((5 + 10*float64(trial)) / dt))
		train := rowsOf(x, w-2, w+400)
		start := w + 400 - 1
		hist := rowsOf(x, start-1, start+1)
		truth := rowsOf(x, start+1, start+1+horizon)

		h, _ := MergeHyper(f, Hyper{"noise": 1e-3})
		m, err := f.Fit(train, TrainConfig{Dt: dt, Hyper: h, Seed: uint64(trial)})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.(*nvarModel).nFeatures(); got != 28 {
			t.Fatalf("features = %d, want 28", got)
		}
		pred, err := m.Forecast(hist, horizon)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		nr := nrmseTotalVar(pred, truth, lyapSteps, sd)
		vpt := float64(vptSteps(pred, truth, sd, 0.5)) * dt / lorenzLyapTime
		sumNRMSE += nr
		sumVPT += vpt
		t.Logf("trial %d: NRMSE(1 LT) %.2e  VPT %.2f LT", trial, nr, vpt)

		h0, _ := MergeHyper(f, nil)
		m0, err := f.Fit(train, TrainConfig{Dt: dt, Hyper: h0, Seed: uint64(trial)})
		if err != nil {
			t.Fatal(err)
		}
		pred0, err := m0.Forecast(hist, horizon)
		var de *DivergenceError
		diverged := errors.As(err, &de)
		if err != nil && !diverged {
			t.Fatalf("noise-free trial %d: unexpected error %v", trial, err)
		}
		vpt0 := float64(vptSteps(pred0, truth, sd, 0.5)) * dt / lorenzLyapTime
		if diverged || vpt0 < 1 {
			unstable++
		}
		t.Logf("trial %d noise-free: diverged %v (%v), VPT %.2f LT", trial, diverged, err, vpt0)
	}
	meanNRMSE, meanVPT := sumNRMSE/10, sumVPT/10
	t.Logf("mean NRMSE(1 LT) %.3e, mean VPT %.2f LT, noise-free unstable %d/10", meanNRMSE, meanVPT, unstable)
	if !(meanNRMSE < 1e-2) {
		t.Errorf("mean NRMSE over 1 Lyapunov time = %.3e, want < 1e-2", meanNRMSE)
	}
	if !(meanVPT >= 3.5) {
		t.Errorf("mean VPT = %.2f Lyapunov times, want ≥ 3.5", meanVPT)
	}
	if unstable < 8 {
		t.Errorf("noise-free model on accurate data flagged unstable in %d/10 trials, want ≥ 8 (reference: all 10)", unstable)
	}
}
