package models

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Random Fourier features (Rahimi & Recht, "Random features for large-scale
// kernel machines", NIPS 2007) of a delay embedding, with a ridge readout of
// the increment, rolled out autoregressively. The delay vector
// v(n) = [z(n), z(n−s), …, z(n−(k−1)s)] of the standardised series z is
// mapped to
//
//	φ(v) = [1, v, sqrt(2/D) cos(ω_j·v + b_j), j = 1…D],
//
// with ω_j ~ N(0, I/ℓ²) and b_j ~ U[0, 2π) drawn from the seed, so that
// φ·φ approximates the Gaussian kernel exp(−‖v−v'‖²/2ℓ²) (plus a linear
// kernel when `linear` is 1); z(n+1) − z(n) = Wᵀφ(v(n)) by ridge regression.
// Random-feature maps for chaotic forecasting: Gottwald & Reich, Physica D
// 2021; Nelsen & Stuart, SIAM J. Sci. Comput. 2021.

func init() {
	register(Family{
		Name:     "random_features",
		Summary:  "random Fourier features (Rahimi & Recht 2007) of a delay embedding, ridge readout of the increment",
		Defaults: Hyper{"features": 400, "lengthscale": 2, "k": 2, "s": 1, "linear": 1, "ridge": 1e-6, "standardize": 1},
		Docs: map[string]string{
			"features":    "number D of random Fourier features (default 400)",
			"lengthscale": "Gaussian-kernel length scale ℓ in standardised units: ω ~ N(0, 1/ℓ²) (default 2)",
			"k":           "number of delay taps (default 2)",
			"s":           "skip between taps, in steps (default 1)",
			"linear":      "1: include the constant and the delay vector itself among the features (default 1)",
			"ridge":       "ridge penalty of the readout (default 1e-6)",
			"standardize": "1: standardise each variable with the training mean and std (default 1)",
		},
		Fit:  fitRandFeat,
		Load: loadRandFeat,
	})
}

type randFeatModel struct {
	hyper      Hyper
	d, k, s, D int
	linear     bool
	omega      *mat.Dense // D × d·k
	phase      []float64
	readout    // W is nFeatures × d
}

func newRandFeat(h Hyper, d int) (*randFeatModel, error) {
	m := &randFeatModel{hyper: copyHyper(h), d: d, k: hyperInt(h, "k"), s: hyperInt(h, "s"),
		D: hyperInt(h, "features"), linear: hyperBool(h, "linear")}
	if m.k < 1 || m.s < 1 || m.D < 1 {
		return nil, fmt.Errorf("models: random_features: need k, s, features ≥ 1, got %d, %d, %d", m.k, m.s, m.D)
	}
	if !(h["lengthscale"] > 0) {
		return nil, fmt.Errorf("models: random_features: lengthscale %v must be positive", h["lengthscale"])
	}
	return m, nil
}

func (m *randFeatModel) span() int { return (m.k-1)*m.s + 1 }

func (m *randFeatModel) nFeatures() int {
	if m.linear {
		return 1 + m.d*m.k + m.D
	}
	return m.D
}

// features writes φ(v) into dst; v is scratch of length d·k.
func (m *randFeatModel) features(dst, v, buf []float64) {
	d, L := m.d, m.span()
	for i := 0; i < m.k; i++ {
		r := L - 1 - i*m.s
		copy(v[i*d:(i+1)*d], buf[r*d:(r+1)*d])
	}
	off := 0
	if m.linear {
		dst[0] = 1
		copy(dst[1:], v)
		off = 1 + len(v)
	}
	c := math.Sqrt(2 / float64(m.D))
	raw := m.omega.RawMatrix()
	for j := 0; j < m.D; j++ {
		row := raw.Data[j*raw.Stride : j*raw.Stride+len(v)]
		a := m.phase[j]
		for i, x := range v {
			a += row[i] * x
		}
		dst[off+j] = c * math.Cos(a)
	}
}

func fitRandFeat(train *mat.Dense, cfg TrainConfig) (Model, error) {
	_, d := train.Dims()
	m, err := newRandFeat(cfg.Hyper, d)
	if err != nil {
		return nil, err
	}
	L := m.span()
	if err := checkTrain("random_features", train, L+1); err != nil {
		return nil, err
	}
	n, _ := train.Dims()
	rng := newRand(cfg.Seed, 20)
	ell := cfg.Hyper["lengthscale"]
	m.omega = mat.NewDense(m.D, d*m.k, nil)
	om := m.omega.RawMatrix().Data
	for i := range om {
		om[i] = rng.NormFloat64() / ell
	}
	m.phase = make([]float64, m.D)
	for j := range m.phase {
		m.phase[j] = 2 * math.Pi * rng.Float64()
	}
	m.sc = newScaler(train, hyperBool(cfg.Hyper, "standardize"))
	m.g = newGuard(train)
	z := m.sc.apply(train).RawMatrix().Data
	ns := n - L
	X := mat.NewDense(ns, m.nFeatures(), nil)
	Y := mat.NewDense(ns, d, nil)
	v := make([]float64, d*m.k)
	for i := 0; i < ns; i++ {
		t := i + L - 1
		m.features(X.RawRowView(i), v, z[(t-L+1)*d:(t+1)*d])
		y := Y.RawRowView(i)
		for j := range y {
			y[j] = z[(t+1)*d+j] - z[t*d+j]
		}
	}
	if m.w, err = Ridge(X, Y, cfg.Hyper["ridge"]); err != nil {
		return nil, fmt.Errorf("models: random_features: %w", err)
	}
	return m, nil
}

func (m *randFeatModel) Family() string { return "random_features" }
func (m *randFeatModel) Context() int   { return m.span() }

func (m *randFeatModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	phi := make([]float64, m.nFeatures())
	v := make([]float64, m.d*m.k)
	L, d := m.span(), m.d
	return rollout("random_features", history, steps, L, m.sc, m.g, func(next, buf []float64) {
		m.features(phi, v, buf)
		mulVecT(next, m.w, phi)
		for j := 0; j < d; j++ {
			next[j] += buf[(L-1)*d+j]
		}
	})
}

func (m *randFeatModel) Snapshot() Snapshot {
	arrs := append([]Array{denseArray("omega", m.omega), vecArray("phase", m.phase)}, m.arrays()...)
	return Snapshot{Family: "random_features", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

func loadRandFeat(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "random_features")
	if err != nil {
		return nil, err
	}
	r, d, err := loadReadout(s)
	if err != nil {
		return nil, err
	}
	m, err := newRandFeat(h, d)
	if err != nil {
		return nil, err
	}
	if nf, _ := r.w.Dims(); nf != m.nFeatures() {
		return nil, fmt.Errorf("models: random_features snapshot: W has %d rows, want %d", nf, m.nFeatures())
	}
	m.readout = r
	if m.omega, err = snapDense(s, "omega"); err != nil {
		return nil, err
	}
	if r, c := m.omega.Dims(); r != m.D || c != d*m.k {
		return nil, fmt.Errorf("models: random_features snapshot: omega is %d×%d, want %d×%d", r, c, m.D, d*m.k)
	}
	if m.phase, err = snapVec(s, "phase", m.D); err != nil {
		return nil, err
	}
	return m, nil
}
