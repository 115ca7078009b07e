package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// NeuralODE is a neural ordinary differential equation (Chen, Rubanova,
// Bettencourt & Duvenaud, "Neural ordinary differential equations",
// NeurIPS 2018): an MLP vector field on the standardised state,
//
//	dz/dt = c ⊙ f_θ(z),  z = (x − μ)/σ,
//
// where c is a fixed per-variable rate scale (the RMS finite-difference
// derivative of z in the training data) so that f_θ is O(1), and f_θ is
// d-30-30-30-d with tanh by default, as in the neural-ODE baseline of Gilpin
// (2021, 2023).
//
// Training is discretise-then-optimise: the field is integrated with the
// classical fourth-order Runge–Kutta method at step h = dt/substeps over
// random windows of `window` consecutive training points starting from the
// observed first point, and the mean squared error against the observed
// points is differentiated exactly through every RK4 stage by reverse-mode
// accumulation (the discrete adjoint of RK4, see Hager, "Runge–Kutta
// methods in optimal control and the transformed adjoint system", Numer.
// Math. 87, 2000). Parameters are updated with Adam (Kingma & Ba 2015) on
// mini-batches of windows, with an optional cosine learning-rate decay
// (Loshchilov & Hutter, "SGDR", ICLR 2017).
//
// Forecast integrates the learned field with the same fixed-step RK4 and
// substeps used in training, so the model is evaluated exactly as it was
// fitted.
type NeuralODE struct {
	hyper    Hyper
	d        int
	dt       float64
	substeps int
	net      *nnNet
	scale    nnScale
	rate     []float64 // c
	loss     float64   // final training loss
}

func init() {
	register(Family{
		Name:    "neural_ode",
		Summary: "neural ODE: MLP vector field trained by backpropagation through fixed-step RK4 over short windows (Chen et al. 2018)",
		Defaults: Hyper{
			"hidden":       30,
			"layers":       3,
			"lr":           1e-2,
			"batch":        128,
			"iters":        500,
			"window":       10,
			"substeps":     1,
			"weight_decay": 0,
			"cosine":       1,
			"activation":   0,
			"standardize":  1,
		},
		Docs: map[string]string{
			"hidden":       "width of each hidden layer of the vector field",
			"layers":       "number of hidden layers of the vector field",
			"lr":           "Adam learning rate (initial, if cosine = 1)",
			"batch":        "windows per mini-batch",
			"iters":        "number of Adam updates",
			"window":       "window length in points: each window integrates window−1 data steps from its first point",
			"substeps":     "RK4 steps per data step, in training and forecasting",
			"weight_decay": "decoupled (AdamW) weight decay on the weights",
			"cosine":       "1: cosine-anneal the learning rate to lr/100 over iters; 0: constant",
			"activation":   "hidden activation: 0 tanh, 1 GELU",
			"standardize":  "1: the field works on standardised states with a per-variable rate scale; 0: on the raw states, dx/dt = f_θ(x)",
		},
		Fit:  fitNeuralODE,
		Load: loadNeuralODE,
	})
}

type nodeConfig struct {
	hidden, layers, batch, iters, window, substeps int
	lr, decay                                      float64
	cosine                                         bool
	raw                                            bool // standardize = 0
	act                                            nnAct
}

func nodeHyper(h Hyper) (c nodeConfig, err error) {
	if c.hidden, err = nnInt(h, "hidden", 1); err != nil {
		return
	}
	if c.layers, err = nnInt(h, "layers", 1); err != nil {
		return
	}
	if c.batch, err = nnInt(h, "batch", 1); err != nil {
		return
	}
	if c.iters, err = nnInt(h, "iters", 0); err != nil {
		return
	}
	if c.window, err = nnInt(h, "window", 2); err != nil {
		return
	}
	if c.substeps, err = nnInt(h, "substeps", 1); err != nil {
		return
	}
	if c.hidden > nnMaxWidth || c.layers > nnMaxLayers || c.batch > nnMaxBatch || c.substeps > 1000 {
		err = fmt.Errorf("configuration too large: at most %d hidden units, %d layers, batch %d, 1000 substeps", nnMaxWidth, nnMaxLayers, nnMaxBatch)
		return
	}
	if c.lr, err = nnFloat(h, "lr", 0, 10); err != nil {
		return
	}
	if c.decay, err = nnFloat(h, "weight_decay", 0, 1); err != nil {
		return
	}
	cos, err := nnInt(h, "cosine", 0)
	if err != nil {
		return
	}
	if cos > 1 {
		err = fmt.Errorf("hyperparameter cosine = %d: want 0 or 1", cos)
		return
	}
	c.cosine = cos == 1
	std, err := nnInt(h, "standardize", 0)
	if err != nil {
		return
	}
	if std > 1 {
		err = fmt.Errorf("hyperparameter standardize = %d: want 0 or 1", std)
		return
	}
	c.raw = std == 0
	var ok bool
	if c.act, ok = nnActFromHyper(h["activation"]); !ok {
		err = fmt.Errorf("hyperparameter activation = %g: want 0 (tanh) or 1 (GELU)", h["activation"])
	}
	return
}

func (c nodeConfig) sizes(d int) []int {
	s := []int{d}
	for i := 0; i < c.layers; i++ {
		s = append(s, c.hidden)
	}
	return append(s, d)
}

// nodeTrainer holds the buffers of batched RK4 training over windows.
type nodeTrainer struct {
	m        *NeuralODE
	z        []float64 // standardised training series, n×d
	n        int
	batch    int
	window   int
	tapes    []*nnTape   // (window−1)·substeps·4 stage evaluations
	states   [][]float64 // state after each data step, batch×d
	y, u, k  []float64
	acc      []float64
	lam, bar []float64
	kb       [4][]float64
	dy, dx   []float64
}

func newNodeTrainer(m *NeuralODE, z []float64, n, batch, window int) *nodeTrainer {
	d := m.d
	tr := &nodeTrainer{m: m, z: z, n: n, batch: batch, window: window}
	ns := (window - 1) * m.substeps * 4
	for i := 0; i < ns; i++ {
		tr.tapes = append(tr.tapes, m.net.newTape(batch))
	}
	tr.states = make([][]float64, window)
	for i := range tr.states {
		tr.states[i] = make([]float64, batch*d)
	}
	bd := batch * d
	tr.y, tr.u, tr.k = make([]float64, bd), make([]float64, bd), make([]float64, bd)
	tr.acc, tr.lam, tr.bar = make([]float64, bd), make([]float64, bd), make([]float64, bd)
	for i := range tr.kb {
		tr.kb[i] = make([]float64, bd)
	}
	tr.dy, tr.dx = make([]float64, bd), make([]float64, bd)
	return tr
}

// field evaluates k = c ⊙ f_θ(u) on the batch, recording the tape.
func (tr *nodeTrainer) field(t *nnTape, u, k []float64) {
	d := tr.m.d
	out := tr.m.net.forward(t, u)
	for i, v := range out {
		k[i] = tr.m.rate[i%d] * v
	}
}

// lossGrad integrates the windows starting at starts, returns the mean
// squared error and adds its gradient with respect to θ to grad.
func (tr *nodeTrainer) lossGrad(starts []int, grad []float64) float64 {
	m, d, B := tr.m, tr.m.d, tr.batch
	h := m.dt / float64(m.substeps)
	for b, s := range starts {
		copy(tr.states[0][b*d:(b+1)*d], tr.z[s*d:(s+1)*d])
	}
	copy(tr.y, tr.states[0])
	ti := 0
	for step := 1; step < tr.window; step++ {
		for sub := 0; sub < m.substeps; sub++ {
			// Classical RK4: y += h/6 (k1 + 2k2 + 2k3 + k4).
			copy(tr.acc, tr.y)
			for st := 0; st < 4; st++ {
				switch st {
				case 0:
					copy(tr.u, tr.y)
				case 1, 2:
					for i := range tr.u {
						tr.u[i] = tr.y[i] + 0.5*h*tr.k[i]
					}
				case 3:
					for i := range tr.u {
						tr.u[i] = tr.y[i] + h*tr.k[i]
					}
				}
				tr.field(tr.tapes[ti], tr.u, tr.k)
				ti++
				wgt := h / 6
				if st == 1 || st == 2 {
					wgt = h / 3
				}
				for i := range tr.acc {
					tr.acc[i] += wgt * tr.k[i]
				}
			}
			copy(tr.y, tr.acc)
		}
		copy(tr.states[step], tr.y)
	}
	// Loss and adjoint.
	cnt := float64((tr.window - 1) * B * d)
	var loss float64
	clear(tr.lam)
	for step := tr.window - 1; step >= 1; step-- {
		st := tr.states[step]
		for b, s := range starts {
			obs := tr.z[(s+step)*d : (s+step+1)*d]
			for j := 0; j < d; j++ {
				e := st[b*d+j] - obs[j]
				loss += e * e
				tr.lam[b*d+j] += 2 * e / cnt
			}
		}
		for sub := m.substeps - 1; sub >= 0; sub-- {
			ti -= 4
			tr.reverseRK4(ti, h, grad)
		}
	}
	return loss / cnt
}

// reverseRK4 back-propagates the adjoint tr.lam of one RK4 step's output
// to its input, using the four stage tapes from index ti on, and adds the
// parameter gradient to grad.
func (tr *nodeTrainer) reverseRK4(ti int, h float64, grad []float64) {
	d := tr.m.d
	lam, bar := tr.lam, tr.bar
	k1, k2, k3, k4 := tr.kb[0], tr.kb[1], tr.kb[2], tr.kb[3]
	copy(bar, lam)
	for i, l := range lam {
		k1[i] = h / 6 * l
		k2[i] = h / 3 * l
		k3[i] = h / 3 * l
		k4[i] = h / 6 * l
	}
	// back propagates a stage adjoint kb through k = c ⊙ f(u), writing ū to dx.
	back := func(tape *nnTape, kb []float64) {
		for i, v := range kb {
			tr.dy[i] = tr.m.rate[i%d] * v
		}
		tr.m.net.backward(tape, tr.dy, grad, tr.dx)
	}
	back(tr.tapes[ti+3], k4) // u4 = y + h k3
	for i, v := range tr.dx {
		bar[i] += v
		k3[i] += h * v
	}
	back(tr.tapes[ti+2], k3) // u3 = y + h/2 k2
	for i, v := range tr.dx {
		bar[i] += v
		k2[i] += 0.5 * h * v
	}
	back(tr.tapes[ti+1], k2) // u2 = y + h/2 k1
	for i, v := range tr.dx {
		bar[i] += v
		k1[i] += 0.5 * h * v
	}
	back(tr.tapes[ti], k1) // u1 = y
	for i, v := range tr.dx {
		bar[i] += v
	}
	copy(lam, bar)
}

func fitNeuralODE(train *mat.Dense, cfg TrainConfig) (Model, error) {
	c, err := nodeHyper(cfg.Hyper)
	if err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	if !(cfg.Dt > 0) || math.IsInf(cfg.Dt, 0) {
		return nil, fmt.Errorf("neural_ode: sampling step Dt = %g must be positive", cfg.Dt)
	}
	if err := nnCheckSeries(train, c.window+1, "neural_ode: training series"); err != nil {
		return nil, err
	}
	n, d := train.Dims()
	m := &NeuralODE{hyper: copyHyper(cfg.Hyper), d: d, dt: cfg.Dt, substeps: c.substeps,
		scale: newNNScale(train), net: newNNNet(c.sizes(d), c.act)}
	dropAtDefault("neural_ode", m.hyper, "standardize")
	if c.raw {
		for j := range d {
			m.scale.mean[j], m.scale.std[j] = 0, 1
		}
	}
	z := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, v := range train.RawRowView(i) {
			z[i*d+j] = (v - m.scale.mean[j]) / m.scale.std[j]
		}
	}
	m.rate = make([]float64, d)
	for j := 0; j < d; j++ {
		var s float64
		for i := 0; i+1 < n; i++ {
			v := (z[(i+1)*d+j] - z[i*d+j]) / cfg.Dt
			s += v * v
		}
		m.rate[j] = math.Sqrt(s / float64(n-1))
		if !(m.rate[j] > 1e-12) || c.raw {
			m.rate[j] = 1
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6e6f6465)) // "node"
	m.net.initGlorot(rng, 1)
	tr := newNodeTrainer(m, z, n, c.batch, c.window)
	opt := newNNAdam(len(m.net.theta), c.lr, c.decay, m.net.weightMask())
	grad := make([]float64, len(m.net.theta))
	starts := make([]int, c.batch)
	for it := 0; it < c.iters; it++ {
		for b := range starts {
			starts[b] = rng.IntN(n - c.window + 1)
		}
		clear(grad)
		m.loss = tr.lossGrad(starts, grad)
		if math.IsNaN(m.loss) || math.IsInf(m.loss, 0) {
			return nil, fmt.Errorf("neural_ode: training loss became non-finite at iteration %d; lower lr or raise substeps", it)
		}
		if c.cosine {
			opt.lr = c.lr * (0.01 + 0.99*0.5*(1+math.Cos(math.Pi*float64(it)/float64(c.iters))))
		}
		opt.step(m.net.theta, grad)
	}
	return m, nil
}

func loadNeuralODE(s Snapshot) (Model, error) {
	// Merged with the defaults: a snapshot lacks the hyperparameters that
	// were left out at their default (dropAtDefault).
	h, err := checkSnapshot(s, "neural_ode")
	if err != nil {
		return nil, err
	}
	c, err := nodeHyper(h)
	if err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	mu := s.Array("mean")
	if mu == nil || len(mu.Data) == 0 {
		return nil, fmt.Errorf("neural_ode: snapshot lacks array \"mean\"")
	}
	d := len(mu.Data)
	m := &NeuralODE{hyper: copyHyper(s.Hyper), d: d, substeps: c.substeps, net: newNNNet(c.sizes(d), c.act)}
	if m.scale, err = loadNNScale(s, d); err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	if m.rate, err = nnArrayData(s, "rate", d); err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	dt, err := nnArrayData(s, "dt", 1)
	if err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	if m.dt = dt[0]; !(m.dt > 0) {
		return nil, fmt.Errorf("neural_ode: snapshot dt = %g", m.dt)
	}
	theta, err := nnArrayData(s, "theta", len(m.net.theta))
	if err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	copy(m.net.theta, theta)
	return m, nil
}

// Family implements Model.
func (m *NeuralODE) Family() string { return "neural_ode" }

// Context implements Model: the state at the last point suffices.
func (m *NeuralODE) Context() int { return 1 }

// Snapshot implements Model.
func (m *NeuralODE) Snapshot() Snapshot {
	arrs := append(m.scale.arrays(),
		Array{Name: "rate", Shape: []int{m.d}, Data: append([]float64(nil), m.rate...)},
		Array{Name: "dt", Shape: []int{1}, Data: []float64{m.dt}},
		Array{Name: "theta", Shape: []int{len(m.net.theta)}, Data: append([]float64(nil), m.net.theta...)},
	)
	return Snapshot{Family: "neural_ode", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

// Field evaluates the learned vector field dx/dt at the state x (original
// units) into dx.
func (m *NeuralODE) Field(x, dx []float64) {
	z := make([]float64, m.d)
	for j := range z {
		z[j] = (x[j] - m.scale.mean[j]) / m.scale.std[j]
	}
	m.net.apply(z, dx, make([]float64, 2*m.net.maxWidth()))
	for j := range dx[:m.d] {
		dx[j] *= m.rate[j] * m.scale.std[j]
	}
}

// Forecast implements Model.
func (m *NeuralODE) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if err := nnForecastArgs(history, steps, 1, m.d); err != nil {
		return nil, fmt.Errorf("neural_ode: %w", err)
	}
	d := m.d
	out := nnNaN(steps, d)
	if steps == 0 {
		return out, nil
	}
	hr, _ := history.Dims()
	y := make([]float64, d)
	for j, v := range history.RawRowView(hr - 1) {
		y[j] = (v - m.scale.mean[j]) / m.scale.std[j]
	}
	u, k, acc := make([]float64, d), make([]float64, d), make([]float64, d)
	x := make([]float64, d)
	scratch := make([]float64, 2*m.net.maxWidth())
	h := m.dt / float64(m.substeps)
	f := func(u, k []float64) {
		m.net.apply(u, k, scratch)
		for j := range k {
			k[j] *= m.rate[j]
		}
	}
	for s := 0; s < steps; s++ {
		for sub := 0; sub < m.substeps; sub++ {
			copy(acc, y)
			f(y, k)
			for j := range acc {
				acc[j] += h / 6 * k[j]
				u[j] = y[j] + 0.5*h*k[j]
			}
			f(u, k)
			for j := range acc {
				acc[j] += h / 3 * k[j]
				u[j] = y[j] + 0.5*h*k[j]
			}
			f(u, k)
			for j := range acc {
				acc[j] += h / 3 * k[j]
				u[j] = y[j] + h*k[j]
			}
			f(u, k)
			for j := range acc {
				acc[j] += h / 6 * k[j]
			}
			copy(y, acc)
		}
		for j := range x {
			x[j] = m.scale.mean[j] + m.scale.std[j]*y[j]
		}
		if why := m.scale.check(x); why != "" {
			return out, &DivergenceError{Step: s, Reason: why}
		}
		copy(out.RawRowView(s), x)
	}
	return out, nil
}
