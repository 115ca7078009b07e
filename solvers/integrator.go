package solvers

import (
	"context"
	"fmt"
	"math"
)

// Step-size controller constants (Hairer, Norsett & Wanner, Solving ODEs I,
// II.4 and the DOPRI5 code): PI control h_new = h * safety * err^-beta1 *
// errOld^beta2, beta1 = 1/q - 0.75*beta2 (beta2 per method, tableau.beta2),
// step ratio limited to [1/5, 10].
const (
	safety    = 0.9
	facMin    = 0.2
	facMax    = 10.0
	errOldMin = 1e-4
)

// Integrator advances one initial value problem step by step. Create it with
// New; it allocates its workspace once, so Step allocates nothing.
// An Integrator is not safe for concurrent use.
type Integrator struct {
	m    Method
	tab  *tableau
	f    Func
	jac  JacFunc
	opts Options
	n    int

	t, tPrev float64
	h        float64 // proposed next step
	hLast    float64 // size of the last accepted step
	y, yPrev []float64
	ynew     []float64
	ytmp     []float64
	errv     []float64
	k        [][]float64
	fy       []float64 // f(t, y) when fyValid
	fyValid  bool
	errOld   float64
	rejected bool // last attempt was rejected
	started  bool // a step has been accepted since Reset

	// dense output of the last accepted step
	dense      [][]float64
	denseBuilt bool
	dk         [][]float64 // DOP853: 16 stage pointers
	xk         [][]float64 // DOP853: extra stages

	rad *radau

	stats Stats
}

// New returns an Integrator for the named method (see Methods) positioned at
// (p.T0, p.Y0). Y0 is copied.
func New(method string, p Problem, opts Options) (*Integrator, error) {
	e, ok := registry[method]
	if !ok {
		_, err := Lookup(method)
		return nil, err
	}
	if p.F == nil {
		return nil, fmt.Errorf("solvers: %s: Problem.F is nil", method)
	}
	n := len(p.Y0)
	if n == 0 {
		return nil, fmt.Errorf("solvers: %s: empty initial state", method)
	}
	if opts.RTol == 0 {
		opts.RTol = 1e-6
	}
	if opts.ATol == 0 {
		opts.ATol = 1e-9
	}
	if opts.RTol < 0 || opts.ATol < 0 || opts.H0 < 0 || opts.HMax < 0 || opts.Step < 0 {
		return nil, fmt.Errorf("solvers: %s: negative tolerance or step option", method)
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 1_000_000
	}
	if !e.m.Adaptive && !e.m.Implicit && opts.Step == 0 {
		return nil, fmt.Errorf("solvers: %s is a fixed-step method: set Options.Step > 0", method)
	}
	it := &Integrator{m: e.m, tab: e.tab, f: p.F, jac: p.Jac, opts: opts, n: n}
	newv := func() []float64 { return make([]float64, n) }
	it.y, it.yPrev, it.ynew, it.ytmp, it.errv, it.fy = newv(), newv(), newv(), newv(), newv(), newv()
	if e.m.Implicit {
		it.rad = newRadau(it)
	} else {
		s := e.tab.stages()
		it.k = make([][]float64, s)
		for i := range it.k {
			it.k[i] = newv()
		}
		nd := 4
		switch e.tab.dense {
		case denseDopri5:
			nd = 5
		case densePoly:
			nd = 1 + len(e.tab.bt[0])
		case denseDop853:
			nd = 8
			it.dk = make([][]float64, 16)
			it.xk = [][]float64{newv(), newv(), newv()}
		}
		it.dense = make([][]float64, nd)
		for i := range it.dense {
			it.dense[i] = newv()
		}
	}
	it.Reset(p.T0, p.Y0)
	return it, nil
}

// Reset repositions the integrator at (t0, y0) and clears its step history
// (the next step starts with a fresh initial-step estimate). Stats are kept.
func (it *Integrator) Reset(t0 float64, y0 []float64) {
	it.t, it.tPrev = t0, t0
	copy(it.y, y0)
	copy(it.yPrev, y0)
	it.h = 0
	it.hLast = 0
	it.fyValid = false
	it.errOld = errOldMin
	it.rejected = false
	it.started = false
	it.denseBuilt = false
	if it.rad != nil {
		it.rad.reset()
	}
}

// Method returns the descriptor of the integrator's method.
func (it *Integrator) Method() Method { return it.m }

// T returns the current time.
func (it *Integrator) T() float64 { return it.t }

// Y returns the current state. The slice is owned by the integrator and
// valid until the next call of Step, AdvanceTo or Reset.
func (it *Integrator) Y() []float64 { return it.y }

// TPrev returns the start of the last accepted step; Dense is valid on [TPrev, T].
func (it *Integrator) TPrev() float64 { return it.tPrev }

// Stats returns the work counters accumulated since New.
func (it *Integrator) Stats() Stats { return it.stats }

// SetStep sets the next step size to try (adaptive methods) and returns the
// previous proposal.
func (it *Integrator) SetStep(h float64) float64 { old := it.h; it.h = h; return old }

func (it *Integrator) eval(t float64, y, dy []float64) {
	it.stats.RHSEvals++
	it.f(t, y, dy)
}

func (it *Integrator) ensureFy() {
	if !it.fyValid {
		it.eval(it.t, it.y, it.fy)
		it.fyValid = true
	}
}

func (it *Integrator) errorf(err error, h float64, detail string) error {
	return &IntegrationError{Method: it.m.Name, T: it.t, H: h, Filled: -1, Err: err, Detail: detail}
}

// Step takes one accepted step that does not pass tStop (> T). Adaptive
// methods retry rejected steps internally; the final step is shortened to
// land exactly on tStop.
func (it *Integrator) Step(tStop float64) error {
	if !(tStop > it.t) {
		return fmt.Errorf("solvers: %s: Step: tStop=%g is not after t=%g", it.m.Name, tStop, it.t)
	}
	if it.rad != nil {
		return it.rad.step(tStop)
	}
	return it.stepExplicit(tStop)
}

func (it *Integrator) fixed() bool { return it.opts.Step > 0 }

func (it *Integrator) stepExplicit(tStop float64) error {
	tab := it.tab
	s := tab.stages()
	n := it.n
	it.ensureFy()
	it.k[0], it.fy = it.fy, it.k[0]
	it.fyValid = false
	it.denseBuilt = false
	if it.fixed() {
		it.h = it.opts.Step
	} else if it.h == 0 {
		it.h = it.initialStep(it.k[0])
	}
	sawNonFinite := false
	for {
		h := it.h
		if it.opts.HMax > 0 && h > it.opts.HMax {
			h = it.opts.HMax
		}
		last := false
		if it.fixed() {
			if tStop-it.t <= h*(1+1e-8) {
				h, last = tStop-it.t, true
			}
		} else if it.t+1.01*h >= tStop {
			h, last = tStop-it.t, true
		}
		if !last && !(h >= 16*eps*math.Abs(it.t)) || h <= 0 {
			d := ""
			if sawNonFinite {
				d = "non-finite values in trial steps"
			}
			return it.errorf(ErrStepUnderflow, h, d)
		}
		// stages
		y := it.y
		k := it.k
		for i := 1; i < s; i++ {
			ai := tab.a[i]
			dst := it.ytmp
			if tab.fsal && i == s-1 {
				dst = it.ynew
			}
			for d := 0; d < n; d++ {
				var sum float64
				for j, aij := range ai {
					if aij != 0 {
						sum += aij * k[j][d]
					}
				}
				dst[d] = y[d] + h*sum
			}
			it.eval(it.t+tab.c[i]*h, dst, k[i])
		}
		if !tab.fsal {
			for d := 0; d < n; d++ {
				var sum float64
				for j, bj := range tab.b {
					if bj != 0 {
						sum += bj * k[j][d]
					}
				}
				it.ynew[d] = y[d] + h*sum
			}
		}
		if it.fixed() || tab.e == nil {
			if !allFinite(it.ynew) {
				return it.errorf(ErrNonFinite, h, "")
			}
			it.accept(h, last, tStop)
			return nil
		}
		err := it.errNorm(h)
		if math.IsNaN(err) || math.IsInf(err, 0) {
			sawNonFinite = true
			it.stats.Rejected++
			it.rejected = true
			it.h = h * facMin
			continue
		}
		beta2 := tab.beta2
		b1 := 1/float64(tab.qerr) - 0.75*beta2
		fac11 := math.Pow(err, b1)
		if err <= 1 {
			fac := fac11 / math.Pow(it.errOld, beta2)
			fac = math.Max(1/facMax, math.Min(1/facMin, fac/safety))
			hnew := h / fac
			if it.rejected {
				hnew = math.Min(hnew, h)
			}
			it.errOld = math.Max(err, errOldMin)
			it.accept(h, last, tStop)
			// A step shortened to hit tStop says little about the
			// next one: keep the earlier proposal if it was larger.
			if !(last && h < it.h && hnew < it.h) {
				it.h = hnew
			}
			if it.opts.HMax > 0 && it.h > it.opts.HMax {
				it.h = it.opts.HMax
			}
			return nil
		}
		it.stats.Rejected++
		it.rejected = true
		it.h = h / math.Min(1/facMin, fac11/safety)
	}
}

func (it *Integrator) accept(h float64, last bool, tStop float64) {
	it.stats.Accepted++
	it.rejected = false
	it.started = true
	it.tPrev = it.t
	if last {
		it.t = tStop
	} else {
		it.t += h
	}
	it.hLast = h
	it.yPrev, it.y, it.ynew = it.y, it.ynew, it.yPrev
	if it.tab.fsal {
		s := it.tab.stages()
		it.fy, it.k[s-1] = it.k[s-1], it.fy
		it.fyValid = true
	}
}

// errNorm is Hairer's RMS error norm of the embedded estimate, scaled by
// atol + rtol*max(|y|, |y_new|). For DOP853 it combines the 5th- and
// 3rd-order estimates as in dop853.f.
func (it *Integrator) errNorm(h float64) float64 {
	tab := it.tab
	atol, rtol := it.opts.ATol, it.opts.RTol
	var s5, s3 float64
	for d := 0; d < it.n; d++ {
		var e5, e3 float64
		for j, ej := range tab.e {
			if ej != 0 {
				e5 += ej * it.k[j][d]
			}
		}
		sk := atol + rtol*math.Max(math.Abs(it.y[d]), math.Abs(it.ynew[d]))
		e5 /= sk
		s5 += e5 * e5
		if tab.e3 != nil {
			for j, ej := range tab.e3 {
				if ej != 0 {
					e3 += ej * it.k[j][d]
				}
			}
			e3 /= sk
			s3 += e3 * e3
		}
	}
	nf := float64(it.n)
	if tab.e3 == nil {
		return math.Abs(h) * math.Sqrt(s5/nf)
	}
	deno := s5 + 0.01*s3
	if deno <= 0 {
		deno = 1
	}
	return math.Abs(h) * s5 * math.Sqrt(1/(nf*deno))
}

const eps = 2.220446049250313e-16

// initialStep is Hairer's starting-step heuristic (Solving ODEs I, II.4,
// code HINIT): one extra RHS evaluation.
func (it *Integrator) initialStep(f0 []float64) float64 {
	return it.initialStepOrder(f0, it.m.Order)
}

func (it *Integrator) initialStepOrder(f0 []float64, order int) float64 {
	if it.opts.H0 > 0 {
		return it.opts.H0
	}
	n := it.n
	atol, rtol := it.opts.ATol, it.opts.RTol
	var dnf, dny float64
	for d := 0; d < n; d++ {
		sk := atol + rtol*math.Abs(it.y[d])
		dnf += (f0[d] / sk) * (f0[d] / sk)
		dny += (it.y[d] / sk) * (it.y[d] / sk)
	}
	nf := float64(n)
	dnf, dny = math.Sqrt(dnf/nf), math.Sqrt(dny/nf)
	var h float64
	if dnf <= 1e-5 || dny <= 1e-5 {
		h = 1e-6
	} else {
		h = 0.01 * dny / dnf
	}
	if it.opts.HMax > 0 {
		h = math.Min(h, it.opts.HMax)
	}
	for d := 0; d < n; d++ {
		it.ytmp[d] = it.y[d] + h*f0[d]
	}
	f1 := it.errv
	it.eval(it.t+h, it.ytmp, f1)
	var der2 float64
	for d := 0; d < n; d++ {
		sk := atol + rtol*math.Abs(it.y[d])
		v := (f1[d] - f0[d]) / sk
		der2 += v * v
	}
	der2 = math.Sqrt(der2/nf) / h
	der12 := math.Max(der2, dnf)
	var h1 float64
	if der12 <= 1e-15 {
		h1 = math.Max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der12, 1/float64(order))
	}
	h = math.Min(100*h, h1)
	if it.opts.HMax > 0 {
		h = math.Min(h, it.opts.HMax)
	}
	return h
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// AdvanceTo integrates until T() == t exactly (never stepping past t) and
// copies the state into y (if y is not nil). It checks ctx every 1000 steps
// and enforces Options.MaxSteps for this call.
func (it *Integrator) AdvanceTo(ctx context.Context, t float64, y []float64) error {
	start := it.stats.Accepted + it.stats.Rejected
	for i := 1; it.t < t; i++ {
		if err := it.Step(t); err != nil {
			return err
		}
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return it.errorf(err, it.hLast, "")
			}
		}
		if it.stats.Accepted+it.stats.Rejected-start >= it.opts.MaxSteps && it.t < t {
			return it.errorf(ErrMaxSteps, it.h, fmt.Sprintf("MaxSteps=%d", it.opts.MaxSteps))
		}
	}
	if y != nil {
		copy(y, it.y)
	}
	return nil
}
