package solvers

import (
	"math"
	"math/cmplx"
)

// Radau IIA of order 5 (3 stages) after Hairer & Wanner, Solving Ordinary
// Differential Equations II, IV.8 (code RADAU5), in the formulation of
// scipy's Radau: the stage equations are transformed with the eigenvectors T
// of A^-1 (one real eigenvalue muR, a complex pair muC) so that a simplified
// Newton iteration needs one real and one complex n x n LU factorization per
// step size; the error estimate is (muR/h I - J)^-1 (f0 + sum_i e_i Z_i / h)
// with the stabilized re-evaluation after a rejection; Gustafsson's
// predictive step control; dense output is the collocation polynomial.

var (
	radauS6 = math.Sqrt(6)
	radauC  = [3]float64{(4 - radauS6) / 10, (4 + radauS6) / 10, 1}
	radauE  = [3]float64{(-13 - 7*radauS6) / 3, (-13 + 7*radauS6) / 3, -1.0 / 3}
	radauMR = 3 + math.Pow(3, 2.0/3) - math.Pow(3, 1.0/3)
	radauMC = complex(3+0.5*(math.Pow(3, 1.0/3)-math.Pow(3, 2.0/3)), -0.5*(math.Pow(3, 5.0/6)+math.Pow(3, 7.0/6)))
	radauT  = [3][3]float64{
		{0.09443876248897524, -0.14125529502095421, 0.03002919410514742},
		{0.25021312296533332, 0.20412935229379994, -0.38294211275726192},
		{1, 1, 0},
	}
	radauTI = [3][3]float64{
		{4.17871859155190428, 0.32768282076106237, 0.52337644549944951},
		{-4.17871859155190428, -0.32768282076106237, 0.47662355450055044},
		{0.50287263494578682, -2.57192694985560522, 0.59603920482822492},
	}
	radauP = [3][3]float64{
		{13.0/3 + 7*radauS6/3, -23.0/3 - 22*radauS6/3, 10.0/3 + 5*radauS6},
		{13.0/3 - 7*radauS6/3, -23.0/3 + 22*radauS6/3, 10.0/3 - 5*radauS6},
		{1.0 / 3, -8.0 / 3, 10.0 / 3},
	}
)

const radauMaxIter = 6

func init() {
	register(Method{Name: "radau5", Order: 5, ErrOrder: 3, Stages: 3, Adaptive: true, Implicit: true, DenseOrder: 3,
		Source: "Hairer & Wanner, Solving ODEs II, IV.8 (RADAU5); scipy.integrate.Radau"}, nil)
}

type radau struct {
	it         *Integrator
	n          int
	jac        []float64
	haveJac    bool
	jacCurrent bool
	luR        []float64
	pivR       []int
	luC        []complex128
	pivC       []int
	rhsC       []complex128
	luValid    bool
	hLU        float64
	z, w, f    [3][]float64
	dw         [3][]float64
	q          [3][]float64 // dense output: y(tPrev + x h) = yPrev + sum_m q[m] x^(m+1)
	haveDense  bool
	scale, ze  []float64
	errv, tmp  []float64
	hOld       float64
	errOld     float64
	newtonTol  float64
}

func newRadau(it *Integrator) *radau {
	n := it.n
	r := &radau{it: it, n: n}
	r.jac = make([]float64, n*n)
	r.luR = make([]float64, n*n)
	r.pivR = make([]int, n)
	r.luC = make([]complex128, n*n)
	r.pivC = make([]int, n)
	r.rhsC = make([]complex128, n)
	for i := 0; i < 3; i++ {
		r.z[i], r.w[i], r.f[i], r.dw[i], r.q[i] = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	r.scale, r.ze, r.errv, r.tmp = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	rtol := it.opts.RTol
	r.newtonTol = math.Max(10*eps/rtol, math.Min(0.03, math.Sqrt(rtol)))
	return r
}

func (r *radau) reset() {
	r.haveJac, r.jacCurrent, r.luValid, r.haveDense = false, false, false, false
	r.hOld, r.errOld = 0, 0
}

// computeJac evaluates the Jacobian at (t, y); f0 = f(t, y) is used by the
// forward-difference fallback (Hairer's increment sqrt(eps*max(1e-5,|y_j|))).
func (r *radau) computeJac(t float64, y, f0 []float64) {
	it := r.it
	n := r.n
	it.stats.JacEvals++
	r.haveJac, r.jacCurrent, r.luValid = true, true, false
	if it.jac != nil {
		it.jac(t, y, r.jac)
		return
	}
	yp := it.ytmp
	copy(yp, y)
	for j := 0; j < n; j++ {
		d := math.Sqrt(eps * math.Max(1e-5, math.Abs(y[j])))
		yp[j] = y[j] + d
		it.eval(t, yp, r.tmp)
		yp[j] = y[j]
		for i := 0; i < n; i++ {
			r.jac[i*n+j] = (r.tmp[i] - f0[i]) / d
		}
	}
}

func (r *radau) factor(h float64) bool {
	n := r.n
	mr, mc := radauMR/h, radauMC/complex(h, 0)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := -r.jac[i*n+j]
			r.luR[i*n+j] = v
			r.luC[i*n+j] = complex(v, 0)
		}
		r.luR[i*n+i] += mr
		r.luC[i*n+i] += mc
	}
	r.it.stats.LUDecomps++
	r.luValid, r.hLU = true, h
	return luFactor(r.luR, r.pivR, n, math.Abs) && luFactor(r.luC, r.pivC, n, cmplx.Abs)
}

func (r *radau) rms3(v [3][]float64) float64 {
	var s float64
	for i := 0; i < 3; i++ {
		for d, x := range v[i] {
			x /= r.scale[d]
			s += x * x
		}
	}
	return math.Sqrt(s / float64(3*r.n))
}

// newton solves the collocation system for Z (initial guess in r.z).
func (r *radau) newton(t, h float64) (converged bool, nIter int, rate float64) {
	it := r.it
	n := r.n
	y := it.y
	for d := 0; d < n; d++ {
		for i := 0; i < 3; i++ {
			r.w[i][d] = radauTI[i][0]*r.z[0][d] + radauTI[i][1]*r.z[1][d] + radauTI[i][2]*r.z[2][d]
		}
	}
	mr, mc := radauMR/h, radauMC/complex(h, 0)
	normOld := -1.0
	rate = -1
	for k := 0; k < radauMaxIter; k++ {
		nIter = k + 1
		for i := 0; i < 3; i++ {
			for d := 0; d < n; d++ {
				it.ytmp[d] = y[d] + r.z[i][d]
			}
			it.eval(t+radauC[i]*h, it.ytmp, r.f[i])
		}
		if !allFinite(r.f[0]) || !allFinite(r.f[1]) || !allFinite(r.f[2]) {
			return false, nIter, rate
		}
		for d := 0; d < n; d++ {
			f0, f1, f2 := r.f[0][d], r.f[1][d], r.f[2][d]
			r.dw[0][d] = radauTI[0][0]*f0 + radauTI[0][1]*f1 + radauTI[0][2]*f2 - mr*r.w[0][d]
			re := radauTI[1][0]*f0 + radauTI[1][1]*f1 + radauTI[1][2]*f2
			im := radauTI[2][0]*f0 + radauTI[2][1]*f1 + radauTI[2][2]*f2
			r.rhsC[d] = complex(re, im) - mc*complex(r.w[1][d], r.w[2][d])
		}
		luSolve(r.luR, r.pivR, n, r.dw[0])
		luSolve(r.luC, r.pivC, n, r.rhsC)
		for d := 0; d < n; d++ {
			r.dw[1][d], r.dw[2][d] = real(r.rhsC[d]), imag(r.rhsC[d])
		}
		nrm := r.rms3(r.dw)
		if normOld >= 0 {
			rate = nrm / normOld
		}
		if math.IsNaN(nrm) || (rate >= 0 && (rate >= 1 || math.Pow(rate, float64(radauMaxIter-k))/(1-rate)*nrm > r.newtonTol)) {
			return false, nIter, rate
		}
		for d := 0; d < n; d++ {
			for i := 0; i < 3; i++ {
				r.w[i][d] += r.dw[i][d]
			}
			for i := 0; i < 3; i++ {
				r.z[i][d] = radauT[i][0]*r.w[0][d] + radauT[i][1]*r.w[1][d] + radauT[i][2]*r.w[2][d]
			}
		}
		if nrm == 0 || (rate >= 0 && rate/(1-rate)*nrm < r.newtonTol) {
			return true, nIter, rate
		}
		normOld = nrm
	}
	return false, nIter, rate
}

// predictFactor is Gustafsson's predictive controller (Hairer & Wanner IV.8).
func predictFactor(h, hOld, err, errOld float64) float64 {
	mult := 1.0
	if hOld > 0 && errOld > 0 && err > 0 {
		mult = h / hOld * math.Pow(errOld/err, 0.25)
	}
	return math.Min(1, mult) * math.Pow(err, -0.25)
}

func (r *radau) errNorm(ynew []float64) float64 {
	it := r.it
	var s float64
	for d := 0; d < r.n; d++ {
		sk := it.opts.ATol + it.opts.RTol*math.Max(math.Abs(it.y[d]), math.Abs(ynew[d]))
		x := r.errv[d] / sk
		s += x * x
	}
	return math.Sqrt(s / float64(r.n))
}

func (r *radau) step(tStop float64) error {
	it := r.it
	n := r.n
	atol, rtol := it.opts.ATol, it.opts.RTol
	it.ensureFy()
	f0 := it.fy
	t, y := it.t, it.y
	if !r.haveJac {
		r.computeJac(t, y, f0)
	}
	if it.h == 0 {
		it.h = it.initialStepOrder(f0, 3)
	}
	h := it.h
	fixed := it.fixed()
	if fixed {
		h = it.opts.Step
	}
	rejected := false
	for {
		if it.opts.HMax > 0 && h > it.opts.HMax {
			h = it.opts.HMax
		}
		last := false
		if fixed {
			if tStop-t <= h*(1+1e-8) {
				h, last = tStop-t, true
			}
		} else if t+1.01*h >= tStop {
			h, last = tStop-t, true
		}
		if !last && !(h >= 16*eps*math.Abs(t)) || h <= 0 {
			return it.errorf(ErrStepUnderflow, h, "")
		}
		for i := 0; i < 3; i++ {
			if r.haveDense {
				x := (t + radauC[i]*h - it.tPrev) / it.hLast
				for d := 0; d < n; d++ {
					r.z[i][d] = it.yPrev[d] + x*(r.q[0][d]+x*(r.q[1][d]+x*r.q[2][d])) - y[d]
				}
			} else {
				for d := range r.z[i] {
					r.z[i][d] = 0
				}
			}
		}
		for d := 0; d < n; d++ {
			r.scale[d] = atol + rtol*math.Abs(y[d])
		}
		var converged bool
		var nIter int
		var rate float64
		for {
			if !r.luValid || r.hLU != h {
				r.factor(h)
			}
			converged, nIter, rate = r.newton(t, h)
			if converged || r.jacCurrent {
				break
			}
			r.computeJac(t, y, f0)
		}
		if !converged && fixed {
			return it.errorf(ErrNoConvergence, h, "fixed-step mode cannot shrink the step")
		}
		if !converged {
			it.stats.Rejected++
			h *= 0.5
			r.luValid = false
			rejected = true
			continue
		}
		ynew := it.ynew
		for d := 0; d < n; d++ {
			ynew[d] = y[d] + r.z[2][d]
			r.ze[d] = (radauE[0]*r.z[0][d] + radauE[1]*r.z[1][d] + radauE[2]*r.z[2][d]) / h
			r.errv[d] = f0[d] + r.ze[d]
		}
		luSolve(r.luR, r.pivR, n, r.errv)
		errNorm := r.errNorm(ynew)
		safe := 0.9 * (2*radauMaxIter + 1) / float64(2*radauMaxIter+nIter)
		if rejected && errNorm > 1 {
			for d := 0; d < n; d++ {
				it.ytmp[d] = y[d] + r.errv[d]
			}
			it.eval(t, it.ytmp, r.tmp)
			for d := 0; d < n; d++ {
				r.errv[d] = r.tmp[d] + r.ze[d]
			}
			luSolve(r.luR, r.pivR, n, r.errv)
			errNorm = r.errNorm(ynew)
		}
		if fixed {
			errNorm = 0
		}
		if !(errNorm <= 1) {
			it.stats.Rejected++
			fac := facMin
			if !math.IsNaN(errNorm) {
				fac = math.Max(facMin, safe*predictFactor(h, r.hOld, errNorm, r.errOld))
			}
			h *= fac
			r.luValid = false
			rejected = true
			continue
		}
		// accepted
		recompute := nIter > 2 && rate > 1e-3
		fac := math.Min(facMax, safe*predictFactor(h, r.hOld, errNorm, r.errOld))
		if !recompute && fac < 1.2 {
			fac = 1
		}
		r.hOld, r.errOld = h, errNorm
		for m := 0; m < 3; m++ {
			for d := 0; d < n; d++ {
				r.q[m][d] = r.z[0][d]*radauP[0][m] + r.z[1][d]*radauP[1][m] + r.z[2][d]*radauP[2][m]
			}
		}
		r.haveDense = true
		it.stats.Accepted++
		it.started = true
		it.tPrev = t
		if last {
			it.t = tStop
		} else {
			it.t = t + h
		}
		it.hLast = h
		it.yPrev, it.y, it.ynew = it.y, it.ynew, it.yPrev
		if !allFinite(it.y) {
			return it.errorf(ErrNonFinite, h, "")
		}
		it.fyValid = false
		it.ensureFy()
		if recompute {
			r.computeJac(it.t, it.y, it.fy)
		} else {
			r.jacCurrent = false
		}
		if fixed {
			fac = 1
		}
		hNext := h * fac
		if last && h < it.h && hNext < it.h {
			hNext = it.h
		}
		it.h = hNext
		return nil
	}
}

func (r *radau) dense(t float64, y []float64) {
	it := r.it
	x := (t - it.tPrev) / it.hLast
	for d := range y {
		y[d] = it.yPrev[d] + x*(r.q[0][d]+x*(r.q[1][d]+x*r.q[2][d]))
	}
}

// scalar is the element type of the LU routines: Radau IIA factorizes one
// real and one complex matrix per Jacobian.
type scalar interface{ float64 | complex128 }

// luFactor computes an in-place LU factorization with partial pivoting of
// the n x n row-major matrix a, pivoting on abs. It reports false if a pivot
// is zero.
func luFactor[T scalar](a []T, piv []int, n int, abs func(T) float64) bool {
	ok := true
	for k := 0; k < n; k++ {
		p := k
		mx := abs(a[k*n+k])
		for i := k + 1; i < n; i++ {
			if v := abs(a[i*n+k]); v > mx {
				p, mx = i, v
			}
		}
		piv[k] = p
		if p != k {
			for j := 0; j < n; j++ {
				a[k*n+j], a[p*n+j] = a[p*n+j], a[k*n+j]
			}
		}
		if mx == 0 {
			ok = false
			continue
		}
		inv := 1 / a[k*n+k]
		for i := k + 1; i < n; i++ {
			l := a[i*n+k] * inv
			a[i*n+k] = l
			if l != 0 {
				for j := k + 1; j < n; j++ {
					a[i*n+j] -= l * a[k*n+j]
				}
			}
		}
	}
	return ok
}

// luSolve overwrites b with the solution of A x = b, A factorized by luFactor.
func luSolve[T scalar](a []T, piv []int, n int, b []T) {
	for k := 0; k < n; k++ {
		if p := piv[k]; p != k {
			b[k], b[p] = b[p], b[k]
		}
	}
	for i := 1; i < n; i++ {
		s := b[i]
		for j := 0; j < i; j++ {
			s -= a[i*n+j] * b[j]
		}
		b[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for j := i + 1; j < n; j++ {
			s -= a[i*n+j] * b[j]
		}
		b[i] = s / a[i*n+i]
	}
}
