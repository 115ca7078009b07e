package solvers

import (
	"context"
	"fmt"
	"math"
)

// Solve integrates p from p.T0 and writes the state at each output time
// times[i] into out[i] (len(out[i]) == len(p.Y0); the caller allocates).
// Times must be non-decreasing and >= p.T0. Between steps the method's dense
// output is used, and no step passes the last output time (so F is never
// called beyond it by explicit methods). On error the rows not reached are
// NaN and the *IntegrationError says how many rows were filled.
func Solve(ctx context.Context, method string, p Problem, times []float64, out [][]float64, opts Options) (Stats, error) {
	if err := checkOutputs(p.T0, len(p.Y0), times, out); err != nil {
		return Stats{}, fmt.Errorf("solvers: %s: %w", method, err)
	}
	it, err := New(method, p, opts)
	if err != nil {
		return Stats{}, err
	}
	err = it.solveInto(ctx, times, out)
	return it.stats, err
}

func checkOutputs(t0 float64, n int, times []float64, out [][]float64) error {
	if len(out) != len(times) {
		return fmt.Errorf("len(out)=%d != len(times)=%d", len(out), len(times))
	}
	for i, t := range times {
		if len(out[i]) != n {
			return fmt.Errorf("len(out[%d])=%d, want %d", i, len(out[i]), n)
		}
		if math.IsNaN(t) || math.IsInf(t, 0) || t < t0 || (i > 0 && t < times[i-1]) {
			return fmt.Errorf("output times must be finite, non-decreasing and >= T0=%g (times[%d]=%g)", t0, i, t)
		}
	}
	return nil
}

func (it *Integrator) solveInto(ctx context.Context, times []float64, out [][]float64) error {
	for _, row := range out {
		for j := range row {
			row[j] = math.NaN()
		}
	}
	if len(times) == 0 {
		return nil
	}
	fail := func(err error, i int) error {
		if ie, ok := err.(*IntegrationError); ok {
			ie.Filled, ie.Total = i, len(times)
			return ie
		}
		return err
	}
	i := 0
	for i < len(times) && times[i] == it.t {
		copy(out[i], it.y)
		i++
	}
	tEnd := times[len(times)-1]
	exact := it.tab != nil && it.tab.exactOutputs
	start := it.stats.Accepted + it.stats.Rejected
	for n := 1; i < len(times); n++ {
		stop := tEnd
		if exact {
			stop = times[i]
		}
		if err := it.Step(stop); err != nil {
			return fail(err, i)
		}
		for i < len(times) && times[i] <= it.t {
			if err := it.Dense(times[i], out[i]); err != nil {
				return fail(err, i)
			}
			i++
		}
		if n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return fail(it.errorf(err, it.hLast, ""), i)
			}
		}
		if i < len(times) && it.stats.Accepted+it.stats.Rejected-start >= it.opts.MaxSteps {
			return fail(it.errorf(ErrMaxSteps, it.h, fmt.Sprintf("MaxSteps=%d", it.opts.MaxSteps)), i)
		}
	}
	return nil
}
