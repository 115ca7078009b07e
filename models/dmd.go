package models

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// Dynamic mode decomposition and its Koopman relatives.
//
// dmd: exact DMD (Schmid, J. Fluid Mech. 656, 2010; Tu, Rowley, Luchtenburg,
// Brunton & Kutz, J. Comput. Dyn. 1, 2014). With snapshot matrices
// X = [x_0 … x_{m−1}], Y = [x_1 … x_m] (columns are states) and the
// rank-r truncated SVD X ≈ U_r Σ_r V_rᵀ, the reduced operator is
// Ã = U_rᵀ Y V_r Σ_r⁻¹, its eigenpairs Ã W = W Λ give the exact DMD modes
// Φ = Y V_r Σ_r⁻¹ W, and the forecast from x_n is
// x_{n+k} = Re(Φ Λᵏ b) with b = Φ⁺ x_n (least squares).
//
// hankel_dmd: the same on delay vectors h_n = [x_n, x_{n−1}, …, x_{n−q+1}]
// (Hankel DMD; Arbabi & Mezić, SIAM J. Appl. Dyn. Syst. 16, 2017; Brunton
// et al.'s HAVOK, Nat. Commun. 8, 2017); the forecast is the newest block.
//
// edmd: extended DMD (Williams, Kevrekidis & Rowley, J. Nonlinear Sci. 25,
// 2015) with the dictionary ψ(x) = [1, x, monomials of x of degree 2…degree].
// The Koopman matrix K solves min ‖Ψ_X K − Ψ_Y‖² + α‖K‖² (rows of Ψ are
// lifted snapshots); the forecast lifts ψ(x_n), advances ψ ← ψ K linearly
// and projects back by reading the linear coordinates.
//
// All three work on standardised data by default (which also centres it, so
// that the linear operator need not represent the mean).

func init() {
	std := "1: fit on per-variable standardised (hence centred) data; 0: raw data (default 1)"
	rank := "SVD rank r; 0 keeps every singular value above 1e-10 × the largest (default 0)"
	register(Family{
		Name:     "dmd",
		Summary:  "exact dynamic mode decomposition (Schmid 2010; Tu et al. 2014) with rank truncation",
		Defaults: Hyper{"rank": 0, "standardize": 1},
		Docs:     map[string]string{"rank": rank, "standardize": std},
		Fit:      func(x *mat.Dense, c TrainConfig) (Model, error) { return fitDMD("dmd", x, c, 1) },
		Load:     func(s Snapshot) (Model, error) { return loadDMD("dmd", s) },
	})
	register(Family{
		Name:     "hankel_dmd",
		Summary:  "DMD on delay-embedded (Hankel) vectors (Arbabi & Mezić 2017)",
		Defaults: Hyper{"delays": 8, "rank": 0, "standardize": 1},
		Docs: map[string]string{
			"delays":      "number q of delayed copies in each Hankel vector (default 8)",
			"rank":        rank,
			"standardize": std,
		},
		Fit: func(x *mat.Dense, c TrainConfig) (Model, error) {
			return fitDMD("hankel_dmd", x, c, hyperInt(c.Hyper, "delays"))
		},
		Load: func(s Snapshot) (Model, error) { return loadDMD("hankel_dmd", s) },
	})
	register(Family{
		Name:     "edmd",
		Summary:  "extended DMD (Williams et al. 2015) with a polynomial dictionary; forecast by lifting, linear advance and projection",
		Defaults: Hyper{"degree": 2, "ridge": 1e-8, "relift": 0, "standardize": 1},
		Docs: map[string]string{
			"degree":      "highest monomial degree of the dictionary [1, x, monomials] (default 2)",
			"ridge":       "ridge penalty α of the Koopman-matrix regression (default 1e-8)",
			"relift":      "1: re-lift the projected state every step (a polynomial map); 0: advance the lifted vector linearly, the Koopman forecast (default 0)",
			"standardize": std,
		},
		Fit:  fitEDMD,
		Load: loadEDMD,
	})
}

// dmdModel is a (Hankel) DMD model: modes phi (D×r, complex, row-major),
// eigenvalues lambda, on delay vectors of q blocks of d variables.
type dmdModel struct {
	family string
	hyper  Hyper
	d, q   int
	phi    []complex128 // D×r, D = d·q
	lambda []complex128
	pinv   []complex128 // r×D pseudo-inverse Φ⁺
	sc     scaler
	g      guard
}

func fitDMD(family string, train *mat.Dense, cfg TrainConfig, q int) (Model, error) {
	if q < 1 {
		return nil, fmt.Errorf("models: %s: delays %d < 1", family, q)
	}
	if err := checkTrain(family, train, q+2); err != nil {
		return nil, err
	}
	n, d := train.Dims()
	m := &dmdModel{family: family, hyper: copyHyper(cfg.Hyper), d: d, q: q,
		sc: newScaler(train, hyperBool(cfg.Hyper, "standardize")), g: newGuard(train)}
	z := m.sc.apply(train).RawMatrix().Data
	D := d * q
	ns := n - q // pairs (h_t, h_{t+1}) for t = q−1 … n−2
	X := mat.NewDense(ns, D, nil)
	Y := mat.NewDense(ns, D, nil)
	for i := 0; i < ns; i++ {
		t := i + q - 1
		hankelVec(X.RawRowView(i), z, t, d, q)
		hankelVec(Y.RawRowView(i), z, t+1, d, q)
	}
	// Row convention: X = P Σ Qᵀ, so the column-convention U is Q and V is P.
	var svd mat.SVD
	if !svd.Factorize(X, mat.SVDThin) {
		return nil, fmt.Errorf("models: %s: SVD failed", family)
	}
	s := svd.Values(nil)
	r := hyperInt(cfg.Hyper, "rank")
	auto := 0
	for _, v := range s {
		if v > 1e-10*s[0] {
			auto++
		}
	}
	if r <= 0 || r > auto {
		r = auto
	}
	if r == 0 {
		return nil, fmt.Errorf("models: %s: training data has rank 0", family)
	}
	var P, Q mat.Dense
	svd.UTo(&P)
	svd.VTo(&Q)
	Pr := P.Slice(0, ns, 0, r)
	Qr := Q.Slice(0, D, 0, r)
	// YVΣ⁻¹ (D×r) = Yᵀ P_r Σ_r⁻¹.
	var yv mat.Dense
	yv.Mul(Y.T(), Pr)
	for j := 0; j < r; j++ {
		for i := 0; i < D; i++ {
			yv.Set(i, j, yv.At(i, j)/s[j])
		}
	}
	var at mat.Dense
	at.Mul(Qr.T(), &yv)
	var eig mat.Eigen
	if !eig.Factorize(&at, mat.EigenRight) {
		return nil, fmt.Errorf("models: %s: eigendecomposition failed", family)
	}
	m.lambda = eig.Values(nil)
	var w mat.CDense
	eig.VectorsTo(&w)
	m.phi = make([]complex128, D*r)
	for i := 0; i < D; i++ {
		for k := 0; k < r; k++ {
			var acc complex128
			for j := 0; j < r; j++ {
				acc += complex(yv.At(i, j), 0) * w.At(j, k)
			}
			m.phi[i*r+k] = acc
		}
	}
	var err error
	if m.pinv, err = complexPinv(m.phi, D, r); err != nil {
		return nil, fmt.Errorf("models: %s: %w", family, err)
	}
	return m, nil
}

// hankelVec writes [z_t, z_{t−1}, …, z_{t−q+1}] into dst (z row-major, d columns).
func hankelVec(dst, z []float64, t, d, q int) {
	for j := 0; j < q; j++ {
		copy(dst[j*d:(j+1)*d], z[(t-j)*d:(t-j+1)*d])
	}
}

// complexPinv returns the r×D Moore–Penrose pseudo-inverse (ΦᴴΦ)⁻¹Φᴴ of
// the full-column-rank D×r matrix Φ (row-major), by Gaussian elimination
// with partial pivoting on the r×r Hermitian system.
func complexPinv(phi []complex128, D, r int) ([]complex128, error) {
	a := make([]complex128, r*r)
	b := make([]complex128, r*D) // Φᴴ, r×D
	for k := 0; k < r; k++ {
		for i := 0; i < D; i++ {
			b[k*D+i] = cmplx.Conj(phi[i*r+k])
		}
		for l := 0; l < r; l++ {
			var s complex128
			for i := 0; i < D; i++ {
				s += cmplx.Conj(phi[i*r+k]) * phi[i*r+l]
			}
			a[k*r+l] = s
		}
	}
	for c := 0; c < r; c++ {
		p := c
		for i := c + 1; i < r; i++ {
			if cmplx.Abs(a[i*r+c]) > cmplx.Abs(a[p*r+c]) {
				p = i
			}
		}
		if cmplx.Abs(a[p*r+c]) < 1e-300 {
			return nil, fmt.Errorf("DMD modes are linearly dependent")
		}
		if p != c {
			for j := 0; j < r; j++ {
				a[c*r+j], a[p*r+j] = a[p*r+j], a[c*r+j]
			}
			for j := 0; j < D; j++ {
				b[c*D+j], b[p*D+j] = b[p*D+j], b[c*D+j]
			}
		}
		for i := 0; i < r; i++ {
			if i == c {
				continue
			}
			f := a[i*r+c] / a[c*r+c]
			if f == 0 {
				continue
			}
			for j := c; j < r; j++ {
				a[i*r+j] -= f * a[c*r+j]
			}
			for j := 0; j < D; j++ {
				b[i*D+j] -= f * b[c*D+j]
			}
		}
	}
	for i := 0; i < r; i++ {
		piv := a[i*r+i]
		for j := 0; j < D; j++ {
			b[i*D+j] /= piv
		}
	}
	for _, v := range b {
		if cmplx.IsNaN(v) || cmplx.IsInf(v) {
			return nil, fmt.Errorf("DMD modes are linearly dependent")
		}
	}
	return b, nil
}

func (m *dmdModel) Family() string { return m.family }
func (m *dmdModel) Context() int   { return m.q }

func (m *dmdModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	d, q := m.d, m.q
	if err := checkHistory(m.family, history, q, d, steps); err != nil {
		return nil, err
	}
	if steps == 0 {
		return &mat.Dense{}, nil
	}
	D, r := d*q, len(m.lambda)
	hn, _ := history.Dims()
	z := make([]float64, q*d)
	for i := 0; i < q; i++ {
		m.sc.fwd(z[i*d:(i+1)*d], history.RawRowView(hn-q+i))
	}
	h := make([]float64, D)
	hankelVec(h, z, q-1, d, q)
	b := make([]complex128, r)
	for k := 0; k < r; k++ {
		var s complex128
		for i, v := range h {
			s += m.pinv[k*D+i] * complex(v, 0)
		}
		b[k] = s
	}
	out := nanDense(steps, d)
	x := make([]float64, d)
	for t := 0; t < steps; t++ {
		for k := range b {
			b[k] *= m.lambda[k]
		}
		for i := 0; i < d; i++ {
			var s float64
			for k := 0; k < r; k++ {
				s += real(m.phi[i*r+k] * b[k])
			}
			x[i] = s
		}
		row := out.RawRowView(t)
		m.sc.inv(row, x)
		if why := m.g.check(row); why != "" {
			for j := range row {
				row[j] = math.NaN()
			}
			return out, &DivergenceError{Step: t, Reason: why}
		}
	}
	return out, nil
}

func complexArrays(name string, v []complex128, shape ...int) []Array {
	re := make([]float64, len(v))
	im := make([]float64, len(v))
	for i, c := range v {
		re[i], im[i] = real(c), imag(c)
	}
	return []Array{{Name: name + "_re", Shape: shape, Data: re}, {Name: name + "_im", Shape: append([]int(nil), shape...), Data: im}}
}

func snapComplex(s Snapshot, name string, n int) ([]complex128, error) {
	re, err := snapVec(s, name+"_re", n)
	if err != nil {
		return nil, err
	}
	im, err := snapVec(s, name+"_im", n)
	if err != nil {
		return nil, err
	}
	out := make([]complex128, n)
	for i := range out {
		out[i] = complex(re[i], im[i])
	}
	return out, nil
}

func (m *dmdModel) Snapshot() Snapshot {
	D, r := m.d*m.q, len(m.lambda)
	arrs := complexArrays("lambda", m.lambda, r)
	arrs = append(arrs, complexArrays("modes", m.phi, D, r)...)
	arrs = append(arrs, complexArrays("modes_pinv", m.pinv, r, D)...)
	arrs = append(arrs, m.g.array())
	arrs = append(arrs, m.sc.arrays("scale")...)
	return Snapshot{Family: m.family, Hyper: copyHyper(m.hyper), Arrays: arrs}
}

func loadDMD(family string, s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, family)
	if err != nil {
		return nil, err
	}
	mu := s.Array("scale_mu")
	lam := s.Array("lambda_re")
	if mu == nil || lam == nil || len(mu.Data) == 0 || len(lam.Data) == 0 {
		return nil, fmt.Errorf("models: %s snapshot: missing arrays", family)
	}
	d, r := len(mu.Data), len(lam.Data)
	q := 1
	if family == "hankel_dmd" {
		q = hyperInt(h, "delays")
	}
	if q < 1 {
		return nil, fmt.Errorf("models: %s snapshot: delays %d < 1", family, q)
	}
	m := &dmdModel{family: family, hyper: h, d: d, q: q}
	D := d * q
	if m.lambda, err = snapComplex(s, "lambda", r); err != nil {
		return nil, err
	}
	if m.phi, err = snapComplex(s, "modes", D*r); err != nil {
		return nil, err
	}
	if m.pinv, err = snapComplex(s, "modes_pinv", r*D); err != nil {
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

// edmdModel is extended DMD with a polynomial dictionary.
type edmdModel struct {
	hyper  Hyper
	d      int
	relift bool
	mons   [][]int
	k      *mat.Dense // Koopman matrix, nψ×nψ, acting on row vectors: ψ' = ψ K
	sc     scaler
	g      guard
}

func newEDMD(h Hyper, d int) (*edmdModel, error) {
	deg := hyperInt(h, "degree")
	if deg < 1 {
		return nil, fmt.Errorf("models: edmd: degree %d < 1", deg)
	}
	return &edmdModel{hyper: copyHyper(h), d: d, relift: hyperBool(h, "relift"), mons: monomials(d, 2, deg)}, nil
}

func (m *edmdModel) dim() int { return 1 + m.d + len(m.mons) }

// lift writes ψ(z) = [1, z, monomials of z] into dst.
func (m *edmdModel) lift(dst, z []float64) {
	dst[0] = 1
	copy(dst[1:], z)
	evalMonomials(dst[1+m.d:], z, m.mons)
}

func fitEDMD(train *mat.Dense, cfg TrainConfig) (Model, error) {
	_, d := train.Dims()
	m, err := newEDMD(cfg.Hyper, d)
	if err != nil {
		return nil, err
	}
	if err := checkTrain("edmd", train, 3); err != nil {
		return nil, err
	}
	n, _ := train.Dims()
	m.sc = newScaler(train, hyperBool(cfg.Hyper, "standardize"))
	m.g = newGuard(train)
	z := m.sc.apply(train)
	p := m.dim()
	PX := mat.NewDense(n-1, p, nil)
	PY := mat.NewDense(n-1, p, nil)
	for t := 0; t < n-1; t++ {
		m.lift(PX.RawRowView(t), z.RawRowView(t))
		m.lift(PY.RawRowView(t), z.RawRowView(t+1))
	}
	if m.k, err = Ridge(PX, PY, cfg.Hyper["ridge"]); err != nil {
		return nil, fmt.Errorf("models: edmd: %w", err)
	}
	return m, nil
}

func (m *edmdModel) Family() string { return "edmd" }
func (m *edmdModel) Context() int   { return 1 }

func (m *edmdModel) Forecast(history *mat.Dense, steps int) (*mat.Dense, error) {
	d := m.d
	if err := checkHistory("edmd", history, 1, d, steps); err != nil {
		return nil, err
	}
	if steps == 0 {
		return &mat.Dense{}, nil
	}
	hn, _ := history.Dims()
	z := make([]float64, d)
	m.sc.fwd(z, history.RawRowView(hn-1))
	psi := make([]float64, m.dim())
	next := make([]float64, m.dim())
	m.lift(psi, z)
	out := nanDense(steps, d)
	for t := 0; t < steps; t++ {
		mulVecT(next, m.k, psi)
		if m.relift {
			m.lift(psi, next[1:1+d])
		} else {
			psi, next = next, psi
		}
		row := out.RawRowView(t)
		m.sc.inv(row, psi[1:1+d])
		if why := m.g.check(row); why != "" {
			for j := range row {
				row[j] = math.NaN()
			}
			return out, &DivergenceError{Step: t, Reason: why}
		}
	}
	return out, nil
}

func (m *edmdModel) Snapshot() Snapshot {
	arrs := append([]Array{denseArray("K", m.k), m.g.array()}, m.sc.arrays("scale")...)
	return Snapshot{Family: "edmd", Hyper: copyHyper(m.hyper), Arrays: arrs}
}

func loadEDMD(s Snapshot) (Model, error) {
	h, err := checkSnapshot(s, "edmd")
	if err != nil {
		return nil, err
	}
	mu := s.Array("scale_mu")
	if mu == nil || len(mu.Data) == 0 {
		return nil, fmt.Errorf("models: edmd snapshot: missing scale")
	}
	d := len(mu.Data)
	m, err := newEDMD(h, d)
	if err != nil {
		return nil, err
	}
	if m.k, err = snapDense(s, "K"); err != nil {
		return nil, err
	}
	if r, c := m.k.Dims(); r != m.dim() || c != m.dim() {
		return nil, fmt.Errorf("models: edmd snapshot: K is %d×%d, want %d×%d", r, c, m.dim(), m.dim())
	}
	if m.sc, err = loadScaler(s, "scale", d); err != nil {
		return nil, err
	}
	if m.g, err = loadGuard(s, d); err != nil {
		return nil, err
	}
	return m, nil
}
