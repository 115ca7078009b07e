package models

import (
	"fmt"
	"math"
	"math/cmplx"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Echo state network: Jaeger, "The 'echo state' approach to analysing and
// training recurrent neural networks", GMD Report 148 (2001); for chaotic
// forecasting Pathak, Lu, Hunt, Girvan & Ott, Chaos 27, 121102 (2017) and
// Pathak, Hunt, Girvan, Lu & Ott, PRL 120, 024102 (2018).
//
// The reservoir state r ∈ ℝᴺ is driven by the (standardised) input u(n):
//
//	r(n+1) = (1−a) r(n) + a tanh(A r(n) + W_in u(n) + b),
//
// with A a sparse Erdős–Rényi matrix (each entry non-zero with probability
// `connectivity`, values uniform in [−1, 1]) rescaled to spectral radius ρ,
// W_in giving every node one randomly chosen input component with weight
// uniform in [−σ, σ] (Pathak et al. 2017), b uniform in [−bias, bias], and a
// the leak rate. After a washout, a ridge readout v = W_out r̃ is fitted to
// the next input, where r̃ is r with every second entry squared (Pathak et
// al.'s symmetry-breaking trick, readout 0) or r̃ = [1, u, r] (readout 1).
// Forecasting listens to the history in open loop, then feeds each
// prediction back as the next input (closed loop).
//
// Lorenz-63 accuracy (reference README "Forecast skill",
// bench/quality/esn_lorenz.py): with dt 0.02, 5,000 training points, washout
// 500, units 500, connectivity 0.006 (mean degree 3), spectral_radius 0.9,
// input_scaling 0.5, ridge 1e-6, leak 1 and standardised input the valid
// prediction time (Vlachas, threshold 0.5) is about 7 Lyapunov times. The
// registered defaults are the Gilpin (2023) benchmark settings instead
// (ρ 0.99, connectivity 0.1, ridge 1e-4), which trade accuracy on Lorenz for
// robustness across systems.

func init() {
	register(Family{
		Name:    "esn",
		Summary: "echo state network (Jaeger 2001; Pathak et al. 2018): sparse random tanh reservoir, ridge readout, closed-loop forecast",
		Defaults: Hyper{"units": 500, "spectral_radius": 0.99, "connectivity": 0.1, "input_scaling": 0.5,
			"leak": 1, "bias": 0, "washout": 100, "washout_fraction": 0, "ridge": 1e-4, "readout": 0, "standardize": 1},
		Docs: map[string]string{
			"units":            "reservoir size N (default 500, Gilpin 2023)",
			"spectral_radius":  "spectral radius ρ the reservoir matrix is scaled to (default 0.99, Gilpin 2023; 0.9 is best on Lorenz-63)",
			"connectivity":     "probability that a reservoir connection exists (default 0.1, Gilpin 2023; Pathak et al. use mean degree 3, i.e. 3/N)",
			"input_scaling":    "σ: input weights are uniform in [−σ, σ], one input per node (default 0.5)",
			"leak":             "leak rate a in (0, 1] (default 1: no leak; Gilpin 2023 tunes 0.1–1.1)",
			"bias":             "node biases are uniform in [−bias, bias] (default 0)",
			"washout":          "reservoir steps discarded before fitting, and the number of history points Forecast listens to (default 100)",
			"washout_fraction": "if > 0, the washout is at most this fraction of the training transitions (rows − 1), rounded down: 0.1 is the warm-up of Gilpin 2023's ESN (min(100, 10 %)); default 0, a fixed washout",
			"ridge":            "ridge penalty β of the readout (default 1e-4, Gilpin 2023; 1e-6 is best on Lorenz-63)",
			"readout":          "0: r with every second entry squared (Pathak et al.); 1: [1, u, r] (default 0)",
			"standardize":      "1: standardise each input variable with the training mean and std (default 1)",
		},
		Fit:  fitESN,
		Load: loadESN,
	})
}

type esnModel struct {
	hyper   Hyper
	n, d    int
	washout int
	leak    float64
	readout int
	rowPtr  []int // CSR reservoir matrix
	colIdx  []int
	vals    []float64
	win     []float64 // n×d row-major
	bias    []float64
	wout    *mat.Dense // features × d
	sc      scaler
	g       guard
}

func esnCheckHyper(h Hyper) error {
	switch {
	case hyperInt(h, "units") < 1:
		return fmt.Errorf("models: esn: units %v < 1", h["units"])
	case !(h["connectivity"] > 0 && h["connectivity"] <= 1):
		return fmt.Errorf("models: esn: connectivity %v not in (0, 1]", h["connectivity"])
	case !(h["leak"] > 0 && h["leak"] <= 1):
		return fmt.Errorf("models: esn: leak %v not in (0, 1]", h["leak"])
	case hyperInt(h, "washout") < 0:
		return fmt.Errorf("models: esn: washout %v < 0", h["washout"])
	case !(h["washout_fraction"] >= 0 && h["washout_fraction"] <= 1):
		return fmt.Errorf("models: esn: washout_fraction %v not in [0, 1]", h["washout_fraction"])
	case hyperInt(h, "readout") != 0 && hyperInt(h, "readout") != 1:
		return fmt.Errorf("models: esn: readout %v must be 0 or 1", h["readout"])
	case !(h["spectral_radius"] >= 0):
		return fmt.Errorf("models: esn: spectral_radius %v < 0", h["spectral_radius"])
	}
	return nil
}

func fitESN(train *mat.Dense, cfg TrainConfig) (Model, error) {
	h := cfg.Hyper
	if err := esnCheckHyper(h); err != nil {
		return nil, err
	}
	washout := hyperInt(h, "washout")
	stored := copyHyper(h)
	dropAtDefault("esn", stored, "washout_fraction")
	if f := h["washout_fraction"]; f > 0 && train != nil {
		// The snapshot keeps the washout used, which Forecast listens to.
		nt, _ := train.Dims()
		washout = min(washout, int(math.Floor(f*float64(max(nt-1, 0)))))
		stored["washout"] = float64(washout)
	}
	if err := checkTrain("esn", train, washout+3); err != nil {
		return nil, err
	}
	nt, d := train.Dims()
	N := hyperInt(h, "units")
	m := &esnModel{hyper: stored, n: N, d: d, washout: washout, leak: h["leak"],
		readout: hyperInt(h, "readout"), sc: newScaler(train, hyperBool(h, "standardize")), g: newGuard(train)}

	// Reservoir, input weights and biases, each from its own stream of the seed.
	rng := newRand(cfg.Seed, 10)
	p := h["connectivity"]
	m.rowPtr = make([]int, N+1)
	for i := 0; i < N; i++ {
		for j := 0; j < N; j++ {
			if rng.Float64() < p {
				m.colIdx = append(m.colIdx, j)
				m.vals = append(m.vals, 2*rng.Float64()-1)
			}
		}
		m.rowPtr[i+1] = len(m.vals)
	}
	if rho := spectralRadiusCSR(N, m.rowPtr, m.colIdx, m.vals); rho > 0 {
		s := h["spectral_radius"] / rho
		for i := range m.vals {
			m.vals[i] *= s
		}
	}
	rng = newRand(cfg.Seed, 11)
	sigma := h["input_scaling"]
	m.win = make([]float64, N*d)
	for i := 0; i < N; i++ {
		j := rng.IntN(d)
		m.win[i*d+j] = sigma * (2*rng.Float64() - 1)
	}
	m.bias = make([]float64, N)
	if b := h["bias"]; b != 0 {
		rng = newRand(cfg.Seed, 12)
		for i := range m.bias {
			m.bias[i] = b * (2*rng.Float64() - 1)
		}
	}

	// Drive the reservoir; collect readout features column-major (one
	// contiguous time series per feature) for the Gram kernel.
	z := m.sc.apply(train)
	T := nt - 1 - washout
	nf := m.nFeatures()
	cols := make([]float64, nf*T)
	Y := mat.NewDense(T, d, nil)
	r := make([]float64, N)
	pre := make([]float64, N)
	acc := newGramAcc(cols, nf, T) // accumulates while the drive goes on
	// Features are written row by row into a block buffer and transposed
	// into the column-major cols a block at a time, in tiles: writing each
	// step's nf values straight into cols would touch nf pages per step.
	rows := make([]float64, gramBlock*nf)
	for t := 0; t < nt-1; t++ {
		m.update(r, pre, z.RawRowView(t))
		if t < washout {
			continue
		}
		s := t - washout
		m.features(rows[(s%gramBlock)*nf:(s%gramBlock+1)*nf], r, z.RawRowView(t))
		copy(Y.RawRowView(s), z.RawRowView(t+1))
		if (s+1)%gramBlock == 0 || s+1 == T {
			t0 := s + 1 - (s%gramBlock + 1)
			transposeBlock(cols, rows, nf, T, t0, s+1)
			acc.add(t0, s+1)
		}
	}
	B := mat.NewDense(nf, d, nil)
	yd := Y.RawMatrix().Data
	for f := 0; f < nf; f++ {
		c := cols[f*T : (f+1)*T]
		b := B.RawRowView(f)
		for s, v := range c {
			y := yd[s*d : (s+1)*d]
			for j := range b {
				b[j] += v * y[j]
			}
		}
	}
	G := mat.NewSymDense(nf, acc.finish())
	w, err := RidgeGram(G, B, h["ridge"])
	if err != nil {
		return nil, fmt.Errorf("models: esn: %w", err)
	}
	m.wout = w
	return m, nil
}

func (m *esnModel) nFeatures() int {
	if m.readout == 1 {
		return 1 + m.d + m.n
	}
	return m.n
}

// update advances r in place with input u; pre is scratch of length N.
func (m *esnModel) update(r, pre, u []float64) {
	d := m.d
	for i := 0; i < m.n; i++ {
		s := m.bias[i]
		for k := m.rowPtr[i]; k < m.rowPtr[i+1]; k++ {
			s += m.vals[k] * r[m.colIdx[k]]
		}
		w := m.win[i*d : (i+1)*d]
		for j, v := range w {
			s += v * u[j]
		}
		pre[i] = s
	}
	a := m.leak
	if a == 1 {
		for i, s := range pre {
			r[i] = math.Tanh(s)
		}
		return
	}
	for i, s := range pre {
		r[i] = (1-a)*r[i] + a*math.Tanh(s)
	}
}

// features writes the readout features of state r (input u) into dst.
func (m *esnModel) features(dst, r, u []float64) {
	if m.readout == 1 {
		dst[0] = 1
		copy(dst[1:], u)
		copy(dst[1+m.d:], r)
		return
	}
	for i, v := range r {
		if i%2 == 1 {
			v *= v
		}
		dst[i] = v
	}
}

func (m *esnModel) Family() string { return "esn" }

// Context is the number of history points Forecast listens to (the washout,
// at least 1); a shorter history is accepted but synchronises less well.
func (m *esnModel) Context() int { return max(m.washout, 1) }

func (m *esnModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	if err := checkHistory("esn", history, 1, m.d, steps); err != nil {
		return nil, err
	}
	if steps == 0 {
		return &mat.Dense{}, nil
	}
	hn, _ := history.Dims()
	listen := min(hn, m.Context())
	r := make([]float64, m.n)
	pre := make([]float64, m.n)
	u := make([]float64, m.d)
	phi := make([]float64, m.nFeatures())
	for t := hn - listen; t < hn; t++ {
		m.sc.fwd(u, history.RawRowView(t))
		m.update(r, pre, u)
	}
	out := nanDense(steps, m.d)
	for t := 0; t < steps; t++ {
		m.features(phi, r, u)
		mulVecT(u, m.wout, phi)
		row := out.RawRowView(t)
		m.sc.inv(row, u)
		if why := m.g.check(row); why != "" {
			for j := range row {
				row[j] = math.NaN()
			}
			return out, &DivergenceError{Step: t, Reason: why}
		}
		if t+1 < steps {
			m.update(r, pre, u)
		}
	}
	return out, nil
}

func (m *esnModel) Snapshot() Snapshot {
	ints := func(name string, v []int) Array {
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		return Array{Name: name, Shape: []int{len(v)}, Data: f}
	}
	arrs := []Array{
		ints("A_rowptr", m.rowPtr), ints("A_col", m.colIdx), vecArray("A_val", m.vals),
		{Name: "W_in", Shape: []int{m.n, m.d}, Data: append([]float64(nil), m.win...)},
		vecArray("bias", m.bias), denseArray("W_out", m.wout), m.g.array(),
	}
	arrs = append(arrs, m.sc.arrays("scale")...)
	return Snapshot{Family: "esn", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

func loadESN(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "esn")
	if err != nil {
		return nil, err
	}
	if err := esnCheckHyper(h); err != nil {
		return nil, err
	}
	wout, err := snapDense(s, "W_out")
	if err != nil {
		return nil, err
	}
	_, d := wout.Dims()
	N := hyperInt(h, "units")
	m := &esnModel{hyper: h, n: N, d: d, washout: hyperInt(h, "washout"), leak: h["leak"],
		readout: hyperInt(h, "readout"), wout: wout}
	if r, _ := wout.Dims(); r != m.nFeatures() {
		return nil, fmt.Errorf("models: esn snapshot: W_out has %d rows, want %d", r, m.nFeatures())
	}
	toInts := func(v []float64) []int {
		out := make([]int, len(v))
		for i, x := range v {
			out[i] = int(x)
		}
		return out
	}
	rp, err := snapVec(s, "A_rowptr", N+1)
	if err != nil {
		return nil, err
	}
	m.rowPtr = toInts(rp)
	nnz := m.rowPtr[N]
	ci, err := snapVec(s, "A_col", nnz)
	if err != nil {
		return nil, err
	}
	m.colIdx = toInts(ci)
	for i := 0; i < N; i++ {
		if m.rowPtr[i] > m.rowPtr[i+1] || m.rowPtr[i] < 0 {
			return nil, fmt.Errorf("models: esn snapshot: bad row pointers")
		}
	}
	for _, c := range m.colIdx {
		if c < 0 || c >= N {
			return nil, fmt.Errorf("models: esn snapshot: column index %d out of range", c)
		}
	}
	if m.vals, err = snapVec(s, "A_val", nnz); err != nil {
		return nil, err
	}
	if m.win, err = snapVec(s, "W_in", N*d); err != nil {
		return nil, err
	}
	if m.bias, err = snapVec(s, "bias", N); err != nil {
		return nil, err
	}
	if m.sc, err = loadScaler(s, "scale", d); err != nil {
		return nil, err
	}
	if m.g, err = loadGuard(s, d); err != nil {
		return nil, err
	}
	return m, nil
}

// gramColMajor returns the n×n Gram matrix G = XᵀX (full, symmetric,
// row-major) of the T×n matrix X given column-major in cols (column f is
// cols[f·T:(f+1)·T]).
func gramColMajor(cols []float64, n, T int) []float64 {
	acc := newGramAcc(cols, n, T)
	for t0 := 0; t0 < T; t0 += gramBlock {
		acc.add(t0, min(t0+gramBlock, T))
	}
	return acc.finish()
}

// transposeBlock copies rows (time points t0..t1-1, row-major, nf values
// each) into the column-major cols (column f at cols[f·T:]), in 32×32 tiles.
func transposeBlock(cols, rows []float64, nf, T, t0, t1 int) {
	const tile = 32
	n := t1 - t0
	for s0 := 0; s0 < n; s0 += tile {
		for f0 := 0; f0 < nf; f0 += tile {
			for f := f0; f < min(f0+tile, nf); f++ {
				dst := cols[f*T+t0:]
				for s := s0; s < min(s0+tile, n); s++ {
					dst[s] = rows[s*nf+f]
				}
			}
		}
	}
}

// gramBlock is the number of time points the Gram kernel processes at once.
const gramBlock = 512

// gramAcc accumulates a Gram matrix block of time points by block, so that
// a producer (the reservoir drive) can overlap with the accumulation. Two
// workers own disjoint 4-row tile strips of the upper triangle and compute
// 4×2 tiles with dotTile4x2 (AVX where available, with the same bits as the
// portable loop); every entry is summed in a fixed order (blocks in time
// order, then the kernel's order), so the result is deterministic and
// independent of scheduling and of the CPU.
type gramAcc struct {
	g    []float64
	cols []float64
	n, T int
	jobs []chan [2]int
	wg   sync.WaitGroup
}

func newGramAcc(cols []float64, n, T int) *gramAcc {
	const workers = 2
	a := &gramAcc{g: make([]float64, n*n), cols: cols, n: n, T: T}
	for w := 0; w < workers; w++ {
		ch := make(chan [2]int, (T+gramBlock-1)/gramBlock+1)
		a.jobs = append(a.jobs, ch)
		a.wg.Add(1)
		go func(w int) {
			defer a.wg.Done()
			for b := range ch {
				a.block(w, workers, b[0], b[1])
			}
		}(w)
	}
	return a
}

// add queues time points [t0, t1), which must already be written in cols.
func (a *gramAcc) add(t0, t1 int) {
	for _, ch := range a.jobs {
		ch <- [2]int{t0, t1}
	}
}

// finish waits for the workers and returns the symmetric Gram matrix.
func (a *gramAcc) finish() []float64 {
	for _, ch := range a.jobs {
		close(ch)
	}
	a.wg.Wait()
	n, g := a.n, a.g
	// Mirror the upper triangle (tiles on the diagonal also wrote a few
	// entries below it, which are overwritten here).
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			g[j*n+i] = g[i*n+j]
		}
	}
	return g
}

func (a *gramAcc) block(w, workers, t0, t1 int) {
	n, T, g, cols := a.n, a.T, a.g, a.cols
	col := func(f int) []float64 { return cols[f*T+t0 : f*T+t1] }
	for i := 4 * w; i < n; i += 4 * workers {
		for j := i; j < n; j += 2 {
			if i+4 > n || j+2 > n {
				for ii := i; ii < min(i+4, n); ii++ {
					for jj := max(j, ii); jj < min(j+2, n); jj++ {
						x, y := col(ii), col(jj)
						var s float64
						for t := range x {
							s += x[t] * y[t]
						}
						g[ii*n+jj] += s
					}
				}
				continue
			}
			var s [8]float64
			dotTile4x2(col(i), col(i+1), col(i+2), col(i+3), col(j), col(j+1), &s)
			g[i*n+j] += s[0]
			g[i*n+j+1] += s[1]
			g[(i+1)*n+j] += s[2]
			g[(i+1)*n+j+1] += s[3]
			g[(i+2)*n+j] += s[4]
			g[(i+2)*n+j+1] += s[5]
			g[(i+3)*n+j] += s[6]
			g[(i+3)*n+j+1] += s[7]
		}
	}
}

// spectralRadiusCSR estimates the spectral radius of the n×n CSR matrix
// (rowPtr, colIdx, vals) by the Arnoldi method (Saad, "Numerical Methods for
// Large Eigenvalue Problems", 2011): a 100-step Krylov basis from the
// all-ones start vector (as scipy's eigs with v0 = ones), then the largest
// eigenvalue modulus of the 100×100 Hessenberg matrix from mat.Eigen.
// For n ≤ 200 the matrix is factorised densely instead. An invariant
// subspace found early (breakdown) gives exact eigenvalues of its part.
func spectralRadiusCSR(n int, rowPtr, colIdx []int, vals []float64) float64 {
	matvec := func(dst, x []float64) {
		for i := 0; i < n; i++ {
			var s float64
			for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
				s += vals[k] * x[colIdx[k]]
			}
			dst[i] = s
		}
	}
	if n <= 200 {
		a := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
				a.Set(i, colIdx[k], vals[k])
			}
		}
		return maxEigAbs(a)
	}
	m := min(n, 100)
	V := make([][]float64, 0, m+1)
	H := mat.NewDense(m+1, m, nil)
	v := make([]float64, n)
	for i := range v {
		v[i] = 1 / math.Sqrt(float64(n))
	}
	V = append(V, v)
	k := 0
	for ; k < m; k++ {
		w := make([]float64, n)
		matvec(w, V[k])
		// Modified Gram–Schmidt, twice for stability.
		for pass := 0; pass < 2; pass++ {
			for j := 0; j <= k; j++ {
				var h float64
				for i, x := range V[j] {
					h += x * w[i]
				}
				for i, x := range V[j] {
					w[i] -= h * x
				}
				H.Set(j, k, H.At(j, k)+h)
			}
		}
		var nrm float64
		for _, x := range w {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		H.Set(k+1, k, nrm)
		if nrm < 1e-12 {
			k++
			break
		}
		for i := range w {
			w[i] /= nrm
		}
		V = append(V, w)
	}
	return maxEigAbs(mat.DenseCopyOf(H.Slice(0, k, 0, k)))
}

// maxEigAbs returns the largest eigenvalue modulus of the square matrix a.
func maxEigAbs(a *mat.Dense) float64 {
	var e mat.Eigen
	if !e.Factorize(a, mat.EigenNone) {
		return 0
	}
	var rho float64
	for _, l := range e.Values(nil) {
		rho = math.Max(rho, cmplx.Abs(l))
	}
	return rho
}
