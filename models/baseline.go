package models

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Baseline forecasters: persistence ("naive"), the climatological mean
// ("mean") and a ridge-regularised vector autoregression ("linear_ar").
// They are the floor every learned model must beat (Gilpin 2023 reports
// LinearRegression among its baselines).

func init() {
	register(Family{
		Name:     "naive",
		Summary:  "persistence: every forecast point equals the last observed point",
		Defaults: Hyper{},
		Docs:     map[string]string{},
		Fit:      fitNaive,
		Load:     loadNaive,
	})
	register(Family{
		Name:     "mean",
		Summary:  "climatology: every forecast point equals the training mean",
		Defaults: Hyper{},
		Docs:     map[string]string{},
		Fit:      fitMean,
		Load:     loadMean,
	})
	register(Family{
		Name: "linear_ar",
		Summary: "vector autoregression x(n+1) = c + Σ_j A_j x(n−j) over `lags` delays, " +
			"fitted by ridge regression on (optionally standardised) data",
		Defaults: Hyper{"lags": 5, "ridge": 1e-6, "standardize": 1},
		Docs: map[string]string{
			"lags":        "number of past points (delays) each prediction uses (default 5)",
			"ridge":       "ridge (Tikhonov) penalty α on all coefficients, in standardised units (default 1e-6)",
			"standardize": "1: fit on data scaled to zero mean and unit variance per variable; 0: raw data (default 1)",
		},
		Fit:  fitLinearAR,
		Load: loadLinearAR,
	})
}

// naiveModel repeats the last observation.
type naiveModel struct {
	d int
	g guard
}

func fitNaive(train *mat.Dense, cfg TrainConfig) (Model, error) {
	if err := checkTrain("naive", train, 1); err != nil {
		return nil, err
	}
	_, d := train.Dims()
	return &naiveModel{d: d, g: newGuard(train)}, nil
}

func (m *naiveModel) Family() string { return "naive" }
func (m *naiveModel) Context() int   { return 1 }

func (m *naiveModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	sc := identityScaler(m.d)
	return rollout("naive", history, steps, 1, sc, m.g, func(next, buf []float64) { copy(next, buf) })
}

func (m *naiveModel) Snapshot() Snapshot {
	return Snapshot{Family: "naive", Hyper: Hyper{}, Arrays: []Array{m.g.array()}}
}

func loadNaive(s Snapshot) (Model, error) {
	if _, err := checkSnapshot(s, "naive"); err != nil {
		return nil, err
	}
	a := s.Array("guard")
	if a == nil || len(a.Data) < 2 {
		return nil, fmt.Errorf("models: naive snapshot: missing guard")
	}
	g, err := loadGuard(s, len(a.Data)-1)
	if err != nil {
		return nil, err
	}
	return &naiveModel{d: len(g.center), g: g}, nil
}

// identityScaler returns the scaler that leaves d variables unchanged.
func identityScaler(d int) scaler {
	s := scaler{mu: make([]float64, d), sd: make([]float64, d)}
	for j := range s.sd {
		s.sd[j] = 1
	}
	return s
}

// meanModel forecasts the training mean.
type meanModel struct{ mu []float64 }

func fitMean(train *mat.Dense, cfg TrainConfig) (Model, error) {
	if err := checkTrain("mean", train, 1); err != nil {
		return nil, err
	}
	mu, _ := colStats(train)
	return &meanModel{mu: mu}, nil
}

func (m *meanModel) Family() string { return "mean" }
func (m *meanModel) Context() int   { return 0 }

func (m *meanModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if history != nil {
		if err := checkHistory("mean", history, 0, len(m.mu), steps); err != nil {
			return nil, err
		}
	} else if steps < 0 {
		return nil, fmt.Errorf("models: mean: negative steps %d", steps)
	}
	if steps == 0 {
		return &mat.Dense{}, nil
	}
	out := mat.NewDense(steps, len(m.mu), nil)
	for t := 0; t < steps; t++ {
		copy(out.RawRowView(t), m.mu)
	}
	return out, nil
}

func (m *meanModel) Snapshot() Snapshot {
	return Snapshot{Family: "mean", Hyper: Hyper{}, Arrays: []Array{vecArray("mean", m.mu)}}
}

func loadMean(s Snapshot) (Model, error) {
	if _, err := checkSnapshot(s, "mean"); err != nil {
		return nil, err
	}
	mu, err := snapVec(s, "mean", -1)
	if err != nil {
		return nil, err
	}
	if len(mu) == 0 {
		return nil, fmt.Errorf("models: mean snapshot: empty mean")
	}
	return &meanModel{mu: mu}, nil
}

// linearARModel is a VAR(p): z(n+1) = c + Σ_{j<p} A_j z(n−j) in
// standardised coordinates z, with coefficients W (1+p·d)×d.
type linearARModel struct {
	hyper Hyper
	lags  int
	readout
}

func fitLinearAR(train *mat.Dense, cfg TrainConfig) (Model, error) {
	p := hyperInt(cfg.Hyper, "lags")
	if p < 1 {
		return nil, fmt.Errorf("models: linear_ar: lags %d < 1", p)
	}
	if err := checkTrain("linear_ar", train, p+2); err != nil {
		return nil, err
	}
	n, d := train.Dims()
	m := &linearARModel{hyper: copyHyper(cfg.Hyper), lags: p,
		readout: readout{sc: newScaler(train, hyperBool(cfg.Hyper, "standardize")), g: newGuard(train)}}
	z := m.sc.apply(train)
	ns := n - p
	nf := 1 + p*d
	X := mat.NewDense(ns, nf, nil)
	Y := mat.NewDense(ns, d, nil)
	for i := 0; i < ns; i++ {
		t := i + p - 1 // newest input row
		m.features(X.RawRowView(i), z.RawMatrix().Data[(t-p+1)*d:(t+1)*d], d)
		copy(Y.RawRowView(i), z.RawRowView(t+1))
	}
	w, err := Ridge(X, Y, cfg.Hyper["ridge"])
	if err != nil {
		return nil, fmt.Errorf("models: linear_ar: %w", err)
	}
	m.w = w
	return m, nil
}

// features writes [1, z(n), z(n−1), …, z(n−p+1)] from buf (p rows, oldest first).
func (m *linearARModel) features(dst, buf []float64, d int) {
	dst[0] = 1
	for j := 0; j < m.lags; j++ {
		copy(dst[1+j*d:1+(j+1)*d], buf[(m.lags-1-j)*d:(m.lags-j)*d])
	}
}

func (m *linearARModel) Family() string { return "linear_ar" }
func (m *linearARModel) Context() int   { return m.lags }

func (m *linearARModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	d := len(m.sc.mu)
	phi := make([]float64, 1+m.lags*d)
	return rollout("linear_ar", history, steps, m.lags, m.sc, m.g, func(next, buf []float64) {
		m.features(phi, buf, d)
		mulVecT(next, m.w, phi)
	})
}

func (m *linearARModel) Snapshot() Snapshot {
	return Snapshot{Family: "linear_ar", Hyper: copyHyper(m.hyper), Arrays: m.arrays()}
}

func loadLinearAR(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "linear_ar")
	if err != nil {
		return nil, err
	}
	r, d, err := loadReadout(s)
	if err != nil {
		return nil, err
	}
	nf, _ := r.w.Dims()
	p := hyperInt(h, "lags")
	if p < 1 || nf != 1+p*d {
		return nil, fmt.Errorf("models: linear_ar snapshot: W is %d×%d, inconsistent with lags %d", nf, d, p)
	}
	return &linearARModel{hyper: h, lags: p, readout: r}, nil
}

// mulVecT sets dst = Wᵀ phi for W of shape len(phi)×len(dst), accumulating
// row by row so that it allocates nothing.
func mulVecT(dst []float64, w *mat.Dense, phi []float64) {
	for j := range dst {
		dst[j] = 0
	}
	raw := w.RawMatrix()
	d := len(dst)
	for i, f := range phi {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for j, v := range row {
			dst[j] += f * v
		}
	}
}
