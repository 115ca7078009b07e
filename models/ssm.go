package models

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// Diagonal linear state-space features in the S4D style (Gu, Gupta, Goel &
// Ré, "On the parameterization and initialization of diagonal state space
// models", NeurIPS 2022), frozen rather than trained, with a ridge readout.
//
// Every input channel u_c (standardised) drives `modes` complex diagonal
// states per timescale with the S4D-Lin initialisation A_n = −1/2 + iπn,
// B = 1, discretised by zero-order hold at step Δ:
//
//	h_n(t) = Ā_n h_n(t−1) + B̄_n u_c(t),  Ā_n = exp(ΔA_n),  B̄_n = (Ā_n − 1)/A_n,
//
// for `timescales` values of Δ log-spaced in [dt_min, dt_max] (in units of
// the sampling step, as in S4 where Δ is drawn log-uniformly). The features
// at time t are [1, u(t), monomials of u(t) of degree 2…order, Re h, Im h];
// a ridge readout predicts the increment u(t+1) − u(t) and the forecast
// feeds each prediction back (closed loop). The linear SSM supplies a
// fading memory of the input; the monomials give the readout the quadratic
// nonlinearity that a single linear layer lacks. The model has no random
// parts, so the seed is unused.

func init() {
	register(Family{
		Name:    "ssm",
		Summary: "frozen S4D-Lin diagonal state-space features (Gu et al. 2022) at several ZOH timescales, ridge readout of the increment",
		Defaults: Hyper{"modes": 16, "timescales": 4, "dt_min": 0.01, "dt_max": 0.5, "order": 2,
			"washout": 200, "ridge": 0.1, "standardize": 1},
		Docs: map[string]string{
			"modes":       "complex diagonal states per input channel and timescale, A_n = −1/2 + iπn, n = 0…modes−1 (default 16)",
			"timescales":  "number of ZOH steps Δ, log-spaced in [dt_min, dt_max] (default 4)",
			"dt_min":      "smallest Δ, in sampling steps (default 0.01: memory of ~200 steps)",
			"dt_max":      "largest Δ, in sampling steps (default 0.5)",
			"order":       "highest degree of the monomials of the current input among the features; 1 for none (default 2)",
			"washout":     "initial steps excluded from the fit, and the number of history points Forecast runs the SSM over (default 200)",
			"ridge":       "ridge penalty of the readout (default 0.1; on accurately sampled Lorenz-63 ridges below ~1e-2 give unstable closed-loop forecasts, as for NVAR without noise)",
			"standardize": "1: standardise each variable with the training mean and std (default 1)",
		},
		Fit:  fitSSM,
		Load: loadSSM,
	})
}

type ssmModel struct {
	hyper   Hyper
	d       int
	washout int
	abar    []complex128 // per (timescale, mode)
	bbar    []complex128
	mons    [][]int
	readout
}

func newSSM(h Hyper, d int) (*ssmModel, error) {
	M, J := hyperInt(h, "modes"), hyperInt(h, "timescales")
	lo, hi := h["dt_min"], h["dt_max"]
	order := hyperInt(h, "order")
	switch {
	case M < 1 || J < 1:
		return nil, fmt.Errorf("models: ssm: modes %d and timescales %d must be ≥ 1", M, J)
	case !(lo > 0 && hi >= lo):
		return nil, fmt.Errorf("models: ssm: need 0 < dt_min ≤ dt_max, got %v, %v", lo, hi)
	case order < 1:
		return nil, fmt.Errorf("models: ssm: order %d < 1", order)
	case hyperInt(h, "washout") < 0:
		return nil, fmt.Errorf("models: ssm: washout < 0")
	}
	m := &ssmModel{hyper: copyHyper(h), d: d, washout: hyperInt(h, "washout"), mons: monomials(d, 2, order)}
	for j := 0; j < J; j++ {
		delta := lo
		if J > 1 {
			delta = math.Exp(math.Log(lo) + float64(j)/float64(J-1)*(math.Log(hi)-math.Log(lo)))
		}
		for n := 0; n < M; n++ {
			a := complex(-0.5, math.Pi*float64(n))
			ab := cmplx.Exp(complex(delta, 0) * a)
			m.abar = append(m.abar, ab)
			m.bbar = append(m.bbar, (ab-1)/a)
		}
	}
	return m, nil
}

func (m *ssmModel) nStates() int { return m.d * len(m.abar) }

func (m *ssmModel) nFeatures() int { return 1 + m.d + len(m.mons) + 2*m.nStates() }

// step advances the states h (channel-major) with input u.
func (m *ssmModel) step(h []complex128, u []float64) {
	K := len(m.abar)
	for c, x := range u {
		hc := h[c*K : (c+1)*K]
		for i := range hc {
			hc[i] = m.abar[i]*hc[i] + m.bbar[i]*complex(x, 0)
		}
	}
}

func (m *ssmModel) features(dst []float64, h []complex128, u []float64) {
	dst[0] = 1
	copy(dst[1:], u)
	off := 1 + m.d
	evalMonomials(dst[off:], u, m.mons)
	off += len(m.mons)
	for i, v := range h {
		dst[off+2*i] = real(v)
		dst[off+2*i+1] = imag(v)
	}
}

func fitSSM(train *mat.Dense, cfg TrainConfig) (Model, error) {
	_, d := train.Dims()
	m, err := newSSM(cfg.Hyper, d)
	if err != nil {
		return nil, err
	}
	if err := checkTrain("ssm", train, m.washout+3); err != nil {
		return nil, err
	}
	n, _ := train.Dims()
	m.sc = newScaler(train, hyperBool(cfg.Hyper, "standardize"))
	m.g = newGuard(train)
	z := m.sc.apply(train)
	ns := n - 1 - m.washout
	X := mat.NewDense(ns, m.nFeatures(), nil)
	Y := mat.NewDense(ns, d, nil)
	h := make([]complex128, m.nStates())
	for t := 0; t < n-1; t++ {
		u := z.RawRowView(t)
		m.step(h, u)
		if t < m.washout {
			continue
		}
		i := t - m.washout
		m.features(X.RawRowView(i), h, u)
		y, nx := Y.RawRowView(i), z.RawRowView(t+1)
		for j := range y {
			y[j] = nx[j] - u[j]
		}
	}
	if m.w, err = Ridge(X, Y, cfg.Hyper["ridge"]); err != nil {
		return nil, fmt.Errorf("models: ssm: %w", err)
	}
	return m, nil
}

func (m *ssmModel) Family() string { return "ssm" }

// Context is the number of history points the SSM runs over before
// forecasting (the washout, at least 1).
func (m *ssmModel) Context() int { return max(m.washout, 1) }

func (m *ssmModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	d := m.d
	if err := checkHistory("ssm", history, 1, d, steps); err != nil {
		return nil, err
	}
	if steps == 0 {
		return &mat.Dense{}, nil
	}
	hn, _ := history.Dims()
	h := make([]complex128, m.nStates())
	u := make([]float64, d)
	dz := make([]float64, d)
	phi := make([]float64, m.nFeatures())
	for t := hn - min(hn, m.Context()); t < hn; t++ {
		m.sc.fwd(u, history.RawRowView(t))
		m.step(h, u)
	}
	out := nanDense(steps, d)
	for t := 0; t < steps; t++ {
		m.features(phi, h, u)
		mulVecT(dz, m.w, phi)
		for j := range u {
			u[j] += dz[j]
		}
		row := out.RawRowView(t)
		m.sc.inv(row, u)
		if why := m.g.check(row); why != "" {
			for j := range row {
				row[j] = math.NaN()
			}
			return out, &DivergenceError{Step: t, Reason: why}
		}
		m.step(h, u)
	}
	return out, nil
}

func (m *ssmModel) Snapshot() Snapshot {
	return Snapshot{Family: "ssm", Hyper: copyHyper(m.hyper), Arrays: m.arrays()}
}

func loadSSM(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "ssm")
	if err != nil {
		return nil, err
	}
	r, d, err := loadReadout(s)
	if err != nil {
		return nil, err
	}
	m, err := newSSM(h, d)
	if err != nil {
		return nil, err
	}
	if nf, _ := r.w.Dims(); nf != m.nFeatures() {
		return nil, fmt.Errorf("models: ssm snapshot: W has %d rows, want %d", nf, m.nFeatures())
	}
	m.readout = r
	return m, nil
}
