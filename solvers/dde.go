package solvers

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// DelayProblem is a constant-delay initial value problem
//
//	y'(t) = F(t, y(t), y(t - Tau)),  t > T0,   y(t) = History(t) for t <= T0.
//
// A nil History means the constant history y(t) = Y0.
type DelayProblem struct {
	F       DelayFunc
	Tau     float64
	T0      float64
	Y0      []float64
	History HistoryFunc
}

type segment struct {
	t0, h float64
	r     [][]float64
}

// delayState holds the dense-output history of a delay integration.
type delayState struct {
	p    DelayProblem
	kind denseKind
	segs []segment
	head int // segments before head are no longer needed
	free [][][]float64
	last int
	nd   int
}

func (d *delayState) lookup(s float64, yd []float64) {
	if s <= d.p.T0 || len(d.segs) == d.head {
		if d.p.History != nil && s <= d.p.T0 {
			d.p.History(s, yd)
		} else {
			copy(yd, d.p.Y0)
		}
		return
	}
	segs := d.segs
	i := d.last
	if i < d.head || i >= len(segs) || s < segs[i].t0 || s > segs[i].t0+segs[i].h {
		i = d.head + sort.Search(len(segs)-d.head, func(j int) bool {
			g := segs[d.head+j]
			return g.t0+g.h >= s
		})
		if i == len(segs) {
			i = len(segs) - 1 // rounding just past the newest step
		}
		d.last = i
	}
	g := segs[i]
	evalDense(d.kind, g.r, (s-g.t0)/g.h, yd)
}

func (d *delayState) push(it *Integrator) {
	// The dense output of the last step may evaluate F (DOP853's extra
	// stages, f(t, y) for Hermite), which looks up times >= TPrev - Tau.
	it.buildDense()
	// Drop segments that end before TPrev - Tau: later lookups never reach them.
	for d.head < len(d.segs) && d.segs[d.head].t0+d.segs[d.head].h < it.tPrev-d.p.Tau {
		d.free = append(d.free, d.segs[d.head].r)
		d.segs[d.head].r = nil
		d.head++
	}
	if d.head > 64 && d.head > len(d.segs)/2 {
		n := copy(d.segs, d.segs[d.head:])
		d.segs = d.segs[:n]
		d.last -= d.head
		d.head = 0
	}
	var r [][]float64
	if k := len(d.free); k > 0 {
		r, d.free = d.free[k-1], d.free[:k-1]
	} else {
		r = make([][]float64, d.nd)
		for i := range r {
			r[i] = make([]float64, it.n)
		}
	}
	for i := range r {
		copy(r[i], it.dense[i])
	}
	d.segs = append(d.segs, segment{t0: it.tPrev, h: it.hLast, r: r})
}

// SolveDelay integrates a constant-delay problem by the method of steps with
// an explicit Runge-Kutta method: the delayed state comes from the dense
// output of earlier steps (or the history), steps are limited to h <= Tau so
// every delayed argument lies in the computed past, and steps land on the
// breakpoints T0 + k*Tau where the derivatives of y may jump. Output rows and
// errors behave as in Solve. Implicit methods are not supported.
func SolveDelay(ctx context.Context, method string, p DelayProblem, times []float64, out [][]float64, opts Options) (Stats, error) {
	m, err := Lookup(method)
	if err != nil {
		return Stats{}, err
	}
	if m.Implicit {
		return Stats{}, fmt.Errorf("solvers: SolveDelay: method %s is implicit; use an explicit method", method)
	}
	if p.F == nil || !(p.Tau > 0) || math.IsInf(p.Tau, 0) {
		return Stats{}, fmt.Errorf("solvers: SolveDelay: need F != nil and finite Tau > 0 (Tau=%g)", p.Tau)
	}
	n := len(p.Y0)
	if err := checkOutputs(p.T0, n, times, out); err != nil {
		return Stats{}, fmt.Errorf("solvers: %s: %w", method, err)
	}
	ds := &delayState{p: p, last: -1}
	yd := make([]float64, n)
	f := func(t float64, y, dy []float64) {
		ds.lookup(t-p.Tau, yd)
		p.F(t, y, yd, dy)
	}
	if opts.HMax == 0 || opts.HMax > p.Tau {
		opts.HMax = p.Tau
	}
	if opts.Step > p.Tau {
		return Stats{}, fmt.Errorf("solvers: SolveDelay: Step=%g exceeds Tau=%g", opts.Step, p.Tau)
	}
	it, err := New(method, Problem{F: f, T0: p.T0, Y0: p.Y0}, opts)
	if err != nil {
		return Stats{}, err
	}
	ds.kind, ds.nd = it.tab.dense, len(it.dense)
	for _, row := range out {
		for j := range row {
			row[j] = math.NaN()
		}
	}
	if len(times) == 0 {
		return it.stats, nil
	}
	fail := func(err error, i int) (Stats, error) {
		if ie, ok := err.(*IntegrationError); ok {
			ie.Filled, ie.Total = i, len(times)
		}
		return it.stats, err
	}
	i := 0
	for i < len(times) && times[i] == p.T0 {
		copy(out[i], p.Y0)
		i++
	}
	tEnd := times[len(times)-1]
	exact := it.tab.exactOutputs
	kBreak := 1
	for steps := 1; i < len(times); steps++ {
		stop := tEnd
		if exact {
			stop = times[i]
		}
		for p.T0+float64(kBreak)*p.Tau <= it.t {
			kBreak++
		}
		if b := p.T0 + float64(kBreak)*p.Tau; b < stop {
			stop = b
		}
		if err := it.Step(stop); err != nil {
			return fail(err, i)
		}
		ds.push(it)
		for i < len(times) && times[i] <= it.t {
			if err := it.Dense(times[i], out[i]); err != nil {
				return fail(err, i)
			}
			i++
		}
		if steps%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return fail(it.errorf(err, it.hLast, ""), i)
			}
		}
		if i < len(times) && it.stats.Accepted+it.stats.Rejected >= it.opts.MaxSteps {
			return fail(it.errorf(ErrMaxSteps, it.h, fmt.Sprintf("MaxSteps=%d", it.opts.MaxSteps)), i)
		}
	}
	return it.stats, nil
}
