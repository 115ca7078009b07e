package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// MLP is a multilayer perceptron on a delay embedding that predicts the
// next increment of the state, rolled out autoregressively:
//
//	x_{t+1} = x_t + μ_Δ + σ_Δ ⊙ f_θ(z_t, z_{t−1}, …, z_{t−p+1}),
//
// where z is the standardised state, p = lags, and μ_Δ, σ_Δ standardise the
// one-step increments. f_θ has `layers` hidden layers of width `hidden`
// (tanh or GELU) and a linear output, initialised after Glorot & Bengio
// (AISTATS 2010) and trained by backpropagation (Rumelhart, Hinton &
// Williams, Nature 1986) with mini-batch Adam (Kingma & Ba 2015) and
// decoupled weight decay (Loshchilov & Hutter 2019) on the mean squared
// error of the standardised increments. The last val_frac of the series is
// held out; training stops once the validation loss has not improved for
// `patience` epochs and the best weights are kept (early stopping,
// Prechelt 1998). Gaussian input noise during training (`noise`; Bishop,
// "Training with noise is equivalent to Tikhonov regularization", Neural
// Comput. 7, 1995) keeps the autoregressive roll-out near the data.
type MLP struct {
	hyper        Hyper
	lags, d      int
	net          *nnNet
	scale        nnScale
	incMu, incSd []float64
	valLoss      float64 // best validation loss (standardised increments)
	epochsRun    int
}

func init() {
	register(Family{
		Name:    "mlp",
		Summary: "multilayer perceptron on a delay embedding predicting the next increment, trained by backprop + Adam with early stopping",
		Defaults: Hyper{
			"lags":         2,
			"hidden":       64,
			"layers":       2,
			"lr":           3e-3,
			"epochs":       200,
			"batch":        64,
			"patience":     20,
			"weight_decay": 1e-5,
			"val_frac":     0.15,
			"activation":   1,
			"noise":        0.01,
		},
		Docs: map[string]string{
			"lags":         "number of past states fed to the network (delay embedding length)",
			"hidden":       "width of each hidden layer",
			"layers":       "number of hidden layers",
			"lr":           "Adam learning rate",
			"epochs":       "maximum number of passes over the training windows",
			"batch":        "mini-batch size",
			"patience":     "epochs without validation improvement before early stopping",
			"weight_decay": "decoupled (AdamW) weight decay on the weights",
			"val_frac":     "fraction of the series, at its end, held out for early stopping (0.05–0.5)",
			"activation":   "hidden activation: 0 tanh, 1 GELU",
			"noise":        "std of Gaussian noise added to the standardised inputs in training (Bishop 1995: a Tikhonov regulariser that steadies roll-outs)",
		},
		Fit:  fitMLP,
		Load: loadMLP,
	})
}

type mlpConfig struct {
	lags, hidden, layers, epochs, batch, patience int
	lr, decay, valFrac, noise                     float64
	act                                           nnAct
}

func mlpHyper(h Hyper) (c mlpConfig, err error) {
	if c.lags, err = nnInt(h, "lags", 1); err != nil {
		return
	}
	if c.hidden, err = nnInt(h, "hidden", 1); err != nil {
		return
	}
	if c.layers, err = nnInt(h, "layers", 1); err != nil {
		return
	}
	if c.epochs, err = nnInt(h, "epochs", 0); err != nil {
		return
	}
	if c.batch, err = nnInt(h, "batch", 1); err != nil {
		return
	}
	if c.patience, err = nnInt(h, "patience", 1); err != nil {
		return
	}
	if c.hidden > nnMaxWidth || c.layers > nnMaxLayers || c.lags > nnMaxWidth {
		err = fmt.Errorf("network too large: at most %d hidden units or lags and %d layers", nnMaxWidth, nnMaxLayers)
		return
	}
	if c.lr, err = nnFloat(h, "lr", 0, 10); err != nil {
		return
	}
	if c.decay, err = nnFloat(h, "weight_decay", 0, 1); err != nil {
		return
	}
	if c.valFrac, err = nnFloat(h, "val_frac", 0.05, 0.5); err != nil {
		return
	}
	if c.noise, err = nnFloat(h, "noise", 0, 10); err != nil {
		return
	}
	var ok bool
	if c.act, ok = nnActFromHyper(h["activation"]); !ok {
		err = fmt.Errorf("hyperparameter activation = %g: want 0 (tanh) or 1 (GELU)", h["activation"])
	}
	return
}

func (c mlpConfig) sizes(d int) []int {
	s := []int{c.lags * d}
	for i := 0; i < c.layers; i++ {
		s = append(s, c.hidden)
	}
	return append(s, d)
}

// mlpSamples builds the inputs (standardised delay vectors, newest first)
// and standardised increment targets for t = lags−1 … n−2.
func (m *MLP) samples(x *mat.Dense) (in, tgt []float64, n int) {
	r, d := x.Dims()
	n = r - m.lags
	w := m.lags * d
	in = make([]float64, n*w)
	tgt = make([]float64, n*d)
	for i := 0; i < n; i++ {
		t := i + m.lags - 1
		m.embed(in[i*w:(i+1)*w], func(back int) []float64 { return x.RawRowView(t - back) })
		cur, nxt := x.RawRowView(t), x.RawRowView(t+1)
		for j := 0; j < d; j++ {
			tgt[i*d+j] = nxt[j] - cur[j]
		}
	}
	return in, tgt, n
}

func (m *MLP) embed(dst []float64, row func(back int) []float64) {
	d := m.d
	for c := 0; c < m.lags; c++ {
		x := row(c)
		for j := 0; j < d; j++ {
			dst[c*d+j] = (x[j] - m.scale.mean[j]) / m.scale.std[j]
		}
	}
}

func fitMLP(train *mat.Dense, cfg TrainConfig) (Model, error) {
	c, err := mlpHyper(cfg.Hyper)
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	if err := nnCheckSeries(train, c.lags+4, "mlp: training series"); err != nil {
		return nil, err
	}
	_, d := train.Dims()
	m := &MLP{hyper: copyHyper(cfg.Hyper), lags: c.lags, d: d, scale: newNNScale(train)}
	in, tgt, n := m.samples(train)
	// Standardise the increments.
	m.incMu, m.incSd = make([]float64, d), make([]float64, d)
	for j := 0; j < d; j++ {
		var s, ss float64
		for i := 0; i < n; i++ {
			s += tgt[i*d+j]
		}
		mu := s / float64(n)
		for i := 0; i < n; i++ {
			e := tgt[i*d+j] - mu
			ss += e * e
		}
		sd := math.Sqrt(ss / float64(n))
		if !(sd > 1e-300) {
			sd = 1
		}
		m.incMu[j], m.incSd[j] = mu, sd
		for i := 0; i < n; i++ {
			tgt[i*d+j] = (tgt[i*d+j] - mu) / sd
		}
	}
	nVal := max(1, int(math.Round(c.valFrac*float64(n))))
	nTr := n - nVal
	if nTr < 1 {
		return nil, fmt.Errorf("mlp: training series too short for a validation split")
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6d6c70)) // "mlp"
	m.net = newNNNet(c.sizes(d), c.act)
	m.net.initGlorot(rng, 1)
	w := c.lags * d
	trIn, trTgt := in[:nTr*w], tgt[:nTr*d]
	vaIn, vaTgt := in[nTr*w:], tgt[nTr*d:]

	opt := newNNAdam(len(m.net.theta), c.lr, c.decay, m.net.weightMask())
	grad := make([]float64, len(m.net.theta))
	best := append([]float64(nil), m.net.theta...)
	bestLoss := m.validate(vaIn, vaTgt, nVal)
	if math.IsNaN(bestLoss) {
		bestLoss = math.Inf(1)
	}
	perm := make([]int, nTr)
	for i := range perm {
		perm[i] = i
	}
	B := min(c.batch, nTr)
	tapes := map[int]*nnTape{}
	xb := make([]float64, B*w)
	dy := make([]float64, B*d)
	tb := make([]float64, B*d)
	bad := 0
	for ep := 0; ep < c.epochs; ep++ {
		m.epochsRun = ep + 1
		rng.Shuffle(nTr, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for s := 0; s < nTr; s += B {
			bs := min(B, nTr-s)
			t := tapes[bs]
			if t == nil {
				t = m.net.newTape(bs)
				tapes[bs] = t
			}
			for i := 0; i < bs; i++ {
				copy(xb[i*w:(i+1)*w], trIn[perm[s+i]*w:(perm[s+i]+1)*w])
			}
			if c.noise > 0 {
				for i := range xb[:bs*w] {
					xb[i] += c.noise * rng.NormFloat64()
				}
			}
			for i := 0; i < bs; i++ {
				copy(tb[i*d:(i+1)*d], trTgt[perm[s+i]*d:(perm[s+i]+1)*d])
			}
			clear(grad)
			m.lossGrad(t, xb, tb, grad, dy)
			opt.step(m.net.theta, grad)
		}
		vl := m.validate(vaIn, vaTgt, nVal)
		if vl < bestLoss {
			bestLoss = vl
			copy(best, m.net.theta)
			bad = 0
		} else if bad++; bad >= c.patience || math.IsNaN(vl) {
			break
		}
	}
	copy(m.net.theta, best)
	m.valLoss = bestLoss
	return m, nil
}

// lossGrad evaluates the mean squared error of the batch recorded in t
// (inputs xb, targets tb, both row-major) and adds its gradient to grad;
// dy is scratch of batch×d values.
func (m *MLP) lossGrad(t *nnTape, xb, tb, grad, dy []float64) float64 {
	d := m.d
	n := t.batch * d
	y := m.net.forward(t, xb)
	scale := 2 / float64(n)
	var loss float64
	for i := 0; i < n; i++ {
		e := y[i] - tb[i]
		loss += e * e
		dy[i] = scale * e
	}
	m.net.backward(t, dy[:n], grad, nil)
	return loss / float64(n)
}

// validate is the mean squared error over the validation samples.
func (m *MLP) validate(in, tgt []float64, n int) float64 {
	t := m.net.newTape(n)
	y := m.net.forward(t, in)
	var s float64
	for i, v := range y {
		e := v - tgt[i]
		s += e * e
	}
	return s / float64(len(y))
}

func loadMLP(s Snapshot) (Model, error) {
	c, err := mlpHyper(s.Hyper)
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	mu := s.Array("mean")
	if mu == nil || len(mu.Data) == 0 {
		return nil, fmt.Errorf("mlp: snapshot lacks array \"mean\"")
	}
	d := len(mu.Data)
	m := &MLP{hyper: copyHyper(s.Hyper), lags: c.lags, d: d}
	if m.scale, err = loadNNScale(s, d); err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	if m.incMu, err = nnArrayData(s, "inc_mean", d); err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	if m.incSd, err = nnArrayData(s, "inc_std", d); err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	m.net = newNNNet(c.sizes(d), c.act)
	theta, err := nnArrayData(s, "theta", len(m.net.theta))
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	copy(m.net.theta, theta)
	return m, nil
}

// Family implements Model.
func (m *MLP) Family() string { return "mlp" }

// Context implements Model: the number of lags.
func (m *MLP) Context() int { return m.lags }

// Snapshot implements Model.
func (m *MLP) Snapshot() Snapshot {
	arrs := append(m.scale.arrays(),
		Array{Name: "inc_mean", Shape: []int{m.d}, Data: append([]float64(nil), m.incMu...)},
		Array{Name: "inc_std", Shape: []int{m.d}, Data: append([]float64(nil), m.incSd...)},
		Array{Name: "theta", Shape: []int{len(m.net.theta)}, Data: append([]float64(nil), m.net.theta...)},
	)
	return Snapshot{Family: "mlp", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

// Forecast implements Model.
func (m *MLP) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if err := nnForecastArgs(history, steps, m.lags, m.d); err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	d, ctx := m.d, m.lags
	out := nnNaN(steps, d)
	if steps == 0 {
		return out, nil
	}
	buf := make([]float64, (ctx+steps)*d)
	hr, _ := history.Dims()
	for i := 0; i < ctx; i++ {
		copy(buf[i*d:(i+1)*d], history.RawRowView(hr-ctx+i))
	}
	x := make([]float64, ctx*d)
	y := make([]float64, d)
	scratch := make([]float64, 2*m.net.maxWidth())
	for s := 0; s < steps; s++ {
		t := ctx - 1 + s
		m.embed(x, func(back int) []float64 { return buf[(t-back)*d : (t-back+1)*d] })
		m.net.apply(x, y, scratch)
		nxt := buf[(t+1)*d : (t+2)*d]
		cur := buf[t*d : (t+1)*d]
		for j := range nxt {
			nxt[j] = cur[j] + m.incMu[j] + m.incSd[j]*y[j]
		}
		if why := m.scale.check(nxt); why != "" {
			return out, &DivergenceError{Step: s, Reason: why}
		}
		copy(out.RawRowView(s), nxt)
	}
	return out, nil
}
