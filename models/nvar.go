package models

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Next-generation reservoir computing (NG-RC), also called nonlinear vector
// autoregression (NVAR): Gauthier, Bollt, Griffith & Barbosa, "Next
// generation reservoir computing", Nat. Commun. 12, 5564 (2021).
//
// The feature vector at step n is
//
//	O(n) = [1, O_lin(n), O_nonlin(n)],
//	O_lin(n) = [x(n), x(n−s), …, x(n−(k−1)s)]            (d·k values)
//	O_nonlin(n) = unique monomials of O_lin of degree 2…order,
//
// and the readout predicts the increment x(n+1) − x(n) = Wᵀ O(n), with W
// from ridge regression. With the paper's Lorenz-63 settings (dt 0.025,
// k 2, s 1, order 2, ridge 2.5e-6, 400 training points) there are
// 1 + 6 + 21 = 28 features. On accurately integrated data that model is
// unstable; adding ~1e-3 Gaussian noise to the training series restores the
// paper's skill (Zhang & Cornelius, "Catch-22s of reservoir computing",
// Phys. Rev. Research 5, 033213 (2023); their NG-RC section).

func init() {
	register(Family{
		Name:     "nvar",
		Summary:  "next-generation reservoir computing (Gauthier et al. 2021): polynomial features of a delay vector, ridge readout of the increment",
		Defaults: Hyper{"k": 2, "s": 1, "order": 2, "ridge": 2.5e-6, "noise": 0, "standardize": 0},
		Docs: map[string]string{
			"k":           "number of delay taps in the linear feature vector (default 2, as in Gauthier et al. 2021)",
			"s":           "skip between taps, in steps (default 1)",
			"order":       "highest degree of the unique monomials of the linear features; 1 gives a linear model (default 2)",
			"ridge":       "ridge penalty α on all features, constant included (default 2.5e-6, the paper's Lorenz value)",
			"noise":       "standard deviation of Gaussian noise added to the training series (features and targets), in data units, drawn from the seed; 1e-3 stabilises the model on accurate Lorenz data (default 0)",
			"standardize": "1: work in per-variable standardised coordinates; 0: raw data as in the paper (default 0)",
		},
		Fit:  fitNVAR,
		Load: loadNVAR,
	})
}

type nvarModel struct {
	hyper   Hyper
	d, k, s int
	mons    [][]int
	readout // W is features × d
}

func newNVAR(h Hyper, d int) (*nvarModel, error) {
	k, s, order := hyperInt(h, "k"), hyperInt(h, "s"), hyperInt(h, "order")
	if k < 1 || s < 1 || order < 1 {
		return nil, fmt.Errorf("models: nvar: need k, s, order ≥ 1, got %d, %d, %d", k, s, order)
	}
	return &nvarModel{hyper: copyHyper(h), d: d, k: k, s: s,
		mons: monomials(d*k, 2, order)}, nil
}

// nFeatures is 1 + d·k + the number of nonlinear monomials.
func (m *nvarModel) nFeatures() int { return 1 + m.d*m.k + len(m.mons) }

// span is how many consecutive points one feature vector needs.
func (m *nvarModel) span() int { return (m.k-1)*m.s + 1 }

// features writes O(n) into dst from buf, the last span() points, oldest
// first; the linear part O_lin is dst[1 : 1+d·k].
func (m *nvarModel) features(dst, buf []float64) {
	d, L := m.d, m.span()
	lin := dst[1 : 1+d*m.k]
	for i := 0; i < m.k; i++ {
		r := L - 1 - i*m.s
		copy(lin[i*d:(i+1)*d], buf[r*d:(r+1)*d])
	}
	dst[0] = 1
	evalMonomials(dst[1+len(lin):], lin, m.mons)
}

func fitNVAR(train *mat.Dense, cfg TrainConfig) (Model, error) {
	_, d := train.Dims()
	m, err := newNVAR(cfg.Hyper, d)
	if err != nil {
		return nil, err
	}
	L := m.span()
	if err := checkTrain("nvar", train, L+1); err != nil {
		return nil, err
	}
	n, _ := train.Dims()
	x := mat.DenseCopyOf(train)
	if sigma := cfg.Hyper["noise"]; sigma > 0 {
		rng := newRand(cfg.Seed, 1)
		raw := x.RawMatrix()
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				raw.Data[i*raw.Stride+j] += sigma * rng.NormFloat64()
			}
		}
	}
	m.sc = newScaler(x, hyperBool(cfg.Hyper, "standardize"))
	m.g = newGuard(train)
	z := m.sc.apply(x).RawMatrix().Data
	ns := n - L
	X := mat.NewDense(ns, m.nFeatures(), nil)
	Y := mat.NewDense(ns, d, nil)
	for i := 0; i < ns; i++ {
		t := i + L - 1 // newest point of the feature window
		m.features(X.RawRowView(i), z[(t-L+1)*d:(t+1)*d])
		y := Y.RawRowView(i)
		for j := 0; j < d; j++ {
			y[j] = z[(t+1)*d+j] - z[t*d+j]
		}
	}
	if m.w, err = Ridge(X, Y, cfg.Hyper["ridge"]); err != nil {
		return nil, fmt.Errorf("models: nvar: %w", err)
	}
	return m, nil
}

func (m *nvarModel) Family() string { return "nvar" }
func (m *nvarModel) Context() int   { return m.span() }

func (m *nvarModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	phi := make([]float64, m.nFeatures())
	L, d := m.span(), m.d
	return rollout("nvar", history, steps, L, m.sc, m.g, func(next, buf []float64) {
		m.features(phi, buf)
		mulVecT(next, m.w, phi)
		for j := 0; j < d; j++ {
			next[j] += buf[(L-1)*d+j]
		}
	})
}

func (m *nvarModel) Snapshot() Snapshot {
	return Snapshot{Family: "nvar", Hyper: copyHyper(m.hyper), Arrays: m.arrays()}
}

func loadNVAR(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "nvar")
	if err != nil {
		return nil, err
	}
	r, d, err := loadReadout(s)
	if err != nil {
		return nil, err
	}
	m, err := newNVAR(h, d)
	if err != nil {
		return nil, err
	}
	if nf, _ := r.w.Dims(); nf != m.nFeatures() {
		return nil, fmt.Errorf("models: nvar snapshot: W has %d rows, hyperparameters give %d features", nf, m.nFeatures())
	}
	m.readout = r
	return m, nil
}
