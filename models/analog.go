package models

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Analog is a nearest-neighbour ("method of analogues") forecaster, after
// E. N. Lorenz, "Atmospheric predictability as revealed by naturally
// occurring analogues", J. Atmos. Sci. 26 (1969), with a delay embedding
// (Takens 1981) and the exponential distance weights of simplex projection
// (Sugihara & May, "Nonlinear forecasting as a way of distinguishing chaos
// from measurement error in time series", Nature 344, 1990).
//
// The state at time t is embedded as the standardised delay vector
// e_t = (x_t, x_{t−τ}, …, x_{t−(m−1)τ}) with m = dim and τ = lag. A
// forecast step finds the k training vectors nearest to the current one
// (exact Euclidean search, ties broken by time index) and predicts the
// weighted mean of their successor increments x_{s+1} − x_s:
//
//	x̂_{t+1} = x_t + Σ_i w_i (x_{s_i+1} − x_{s_i}),  Σ w_i = 1.
type Analog struct {
	hyper      Hyper
	dim, lag   int
	k          int
	kernel     int
	scale      nnScale
	train      *mat.Dense // raw training series
	vecs       []float64  // library embeddings, row-major, n×(dim·d)
	incr       []float64  // successor increments, n×d
	n, d, span int        // library size, variables, embedding width
}

func init() {
	register(Family{
		Name:    "analog",
		Summary: "nearest-neighbour analog forecasting on a delay embedding (Lorenz 1969; simplex weights, Sugihara & May 1990)",
		Defaults: Hyper{
			"dim":    3,
			"lag":    1,
			"k":      4,
			"kernel": 1,
		},
		Docs: map[string]string{
			"dim":    "embedding dimension m: number of delayed copies of the state in the search vector",
			"lag":    "delay τ between copies, in samples",
			"k":      "number of nearest neighbours averaged",
			"kernel": "neighbour weights: 0 uniform, 1 exp(−d_i/d_1) (simplex projection), 2 inverse distance 1/d_i",
		},
		Fit:  fitAnalog,
		Load: loadAnalog,
	})
}

func analogHyper(h Hyper) (dim, lag, k, kernel int, err error) {
	if dim, err = nnInt(h, "dim", 1); err != nil {
		return
	}
	if lag, err = nnInt(h, "lag", 1); err != nil {
		return
	}
	if k, err = nnInt(h, "k", 1); err != nil {
		return
	}
	if kernel, err = nnInt(h, "kernel", 0); err != nil {
		return
	}
	if kernel > 2 {
		err = fmt.Errorf("hyperparameter kernel = %d: want 0, 1 or 2", kernel)
	}
	return
}

func fitAnalog(train *mat.Dense, cfg TrainConfig) (Model, error) {
	dim, lag, k, kernel, err := analogHyper(cfg.Hyper)
	if err != nil {
		return nil, fmt.Errorf("analog: %w", err)
	}
	span := (dim - 1) * lag
	if err := nnCheckSeries(train, span+1+k, "analog: training series"); err != nil {
		return nil, err
	}
	m := &Analog{hyper: copyHyper(cfg.Hyper), dim: dim, lag: lag, k: k, kernel: kernel,
		scale: newNNScale(train), train: mat.DenseCopyOf(train)}
	m.build()
	return m, nil
}

// build computes the library of embeddings and increments.
func (m *Analog) build() {
	r, d := m.train.Dims()
	m.d = d
	m.span = (m.dim - 1) * m.lag
	m.n = r - 1 - m.span
	w := m.dim * d
	m.vecs = make([]float64, m.n*w)
	m.incr = make([]float64, m.n*d)
	for i := 0; i < m.n; i++ {
		t := i + m.span
		m.embed(m.vecs[i*w:(i+1)*w], func(back int) []float64 { return m.train.RawRowView(t - back) })
		cur, nxt := m.train.RawRowView(t), m.train.RawRowView(t+1)
		for j := 0; j < d; j++ {
			m.incr[i*d+j] = nxt[j] - cur[j]
		}
	}
}

// embed writes the standardised delay vector; row(back) returns x_{t−back}.
func (m *Analog) embed(dst []float64, row func(back int) []float64) {
	d := m.d
	for c := 0; c < m.dim; c++ {
		x := row(c * m.lag)
		for j := 0; j < d; j++ {
			dst[c*d+j] = (x[j] - m.scale.mean[j]) / m.scale.std[j]
		}
	}
}

func loadAnalog(s Snapshot) (Model, error) {
	dim, lag, k, kernel, err := analogHyper(s.Hyper)
	if err != nil {
		return nil, fmt.Errorf("analog: %w", err)
	}
	a := s.Array("train")
	if a == nil || len(a.Shape) != 2 || a.Shape[0]*a.Shape[1] != len(a.Data) || a.Shape[1] == 0 {
		return nil, fmt.Errorf("analog: snapshot lacks a valid train array")
	}
	r, d := a.Shape[0], a.Shape[1]
	if r < (dim-1)*lag+1+k {
		return nil, fmt.Errorf("analog: snapshot train array too short")
	}
	sc, err := loadNNScale(s, d)
	if err != nil {
		return nil, fmt.Errorf("analog: %w", err)
	}
	m := &Analog{hyper: copyHyper(s.Hyper), dim: dim, lag: lag, k: k, kernel: kernel, scale: sc,
		train: mat.NewDense(r, d, append([]float64(nil), a.Data...))}
	m.build()
	return m, nil
}

// Family implements Model.
func (m *Analog) Family() string { return "analog" }

// Context implements Model: (dim−1)·lag + 1 points.
func (m *Analog) Context() int { return m.span + 1 }

// Snapshot implements Model. The snapshot stores the training series,
// which is the model.
func (m *Analog) Snapshot() Snapshot {
	r, d := m.train.Dims()
	arrs := []Array{{Name: "train", Shape: []int{r, d}, Data: append([]float64(nil), m.train.RawMatrix().Data...)}}
	return Snapshot{Family: "analog", Hyper: copyHyper(m.hyper), Arrays: append(arrs, m.scale.arrays()...)}
}

// neighbours fills idx and dist with the k nearest library entries to q,
// nearest first, by exhaustive search; ties go to the earlier index.
func (m *Analog) neighbours(q []float64, idx []int, dist []float64) {
	w := len(q)
	k := len(idx)
	cnt := 0
	for i := 0; i < m.n; i++ {
		v := m.vecs[i*w : (i+1)*w]
		// Partial distances only grow, so a candidate is abandoned as soon
		// as it cannot enter the current top k.
		bound := math.Inf(1)
		if cnt == k {
			bound = dist[k-1]
		}
		var s float64
		for j, x := range v {
			e := x - q[j]
			if s += e * e; s >= bound {
				break
			}
		}
		if s >= bound {
			continue
		}
		// Insertion into the sorted top-k list.
		p := cnt
		if cnt < k {
			cnt++
		} else {
			p = k - 1
		}
		for p > 0 && dist[p-1] > s {
			dist[p], idx[p] = dist[p-1], idx[p-1]
			p--
		}
		dist[p], idx[p] = s, i
	}
	for i := range dist {
		dist[i] = math.Sqrt(dist[i])
	}
}

// weights turns neighbour distances into normalised weights in place.
func (m *Analog) weights(dist, w []float64) {
	switch m.kernel {
	case 1:
		d1 := dist[0]
		for i, d := range dist {
			if d1 > 0 {
				w[i] = math.Exp(-d / d1)
			} else if d == 0 {
				w[i] = 1
			} else {
				w[i] = 0
			}
		}
	case 2:
		exact := dist[0] == 0
		for i, d := range dist {
			switch {
			case exact && d == 0:
				w[i] = 1
			case exact:
				w[i] = 0
			default:
				w[i] = 1 / d
			}
		}
	default:
		for i := range w {
			w[i] = 1
		}
	}
	var s float64
	for _, v := range w {
		s += v
	}
	for i := range w {
		w[i] /= s
	}
}

// Forecast implements Model.
func (m *Analog) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if err := nnForecastArgs(history, steps, m.Context(), m.d); err != nil {
		return nil, fmt.Errorf("analog: %w", err)
	}
	d, ctx := m.d, m.Context()
	out := nnNaN(steps, d)
	if steps == 0 {
		return out, nil
	}
	// buf holds the last ctx history rows followed by the forecast.
	buf := make([]float64, (ctx+steps)*d)
	hr, _ := history.Dims()
	for i := 0; i < ctx; i++ {
		copy(buf[i*d:(i+1)*d], history.RawRowView(hr-ctx+i))
	}
	k := min(m.k, m.n)
	q := make([]float64, m.dim*d)
	idx, dist, w := make([]int, k), make([]float64, k), make([]float64, k)
	for s := 0; s < steps; s++ {
		t := ctx - 1 + s
		m.embed(q, func(back int) []float64 { return buf[(t-back)*d : (t-back+1)*d] })
		m.neighbours(q, idx, dist)
		m.weights(dist, w)
		nxt := buf[(t+1)*d : (t+2)*d]
		copy(nxt, buf[t*d:(t+1)*d])
		for i, id := range idx {
			inc := m.incr[id*d : (id+1)*d]
			for j := range nxt {
				nxt[j] += w[i] * inc[j]
			}
		}
		if why := m.scale.check(nxt); why != "" {
			return out, &DivergenceError{Step: s, Reason: why}
		}
		copy(out.RawRowView(s), nxt)
	}
	return out, nil
}
