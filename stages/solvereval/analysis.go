package solvereval

import (
	"math"
	"sort"
)

// errorOf returns the error column selected by name (final, l2, dense).
func errorOf(r Row, which string) float64 {
	switch which {
	case "l2":
		return r.L2Error
	case "dense":
		return r.DenseError
	}
	return r.FinalError
}

// point is one (work, error) pair of a work-precision line.
type point struct{ work, err float64 }

// usable reports whether a row can be drawn on a log-log diagram.
func usable(r Row, which string) bool {
	e := errorOf(r, which)
	return r.OK() && e > 0 && !math.IsInf(e, 0) && r.RHSEvals > 0
}

// workToReach interpolates, in log-log, the work a method needs for error
// target along its sweep (points in any order). ok is false when no setting
// reached the target. When even the cheapest setting beat the target, its
// work is returned (an upper bound).
func workToReach(pts []point, target float64) (float64, bool) {
	if len(pts) == 0 {
		return math.NaN(), false
	}
	ps := append([]point(nil), pts...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].work < ps[j].work })
	// The running minimum of the error: more work never needs to be
	// counted for an error already reached more cheaply.
	for i := 1; i < len(ps); i++ {
		ps[i].err = math.Min(ps[i].err, ps[i-1].err)
	}
	if ps[0].err <= target {
		return ps[0].work, true
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].err <= target {
			a, b := ps[i-1], ps[i]
			if a.err == b.err {
				return b.work, true
			}
			f := (math.Log(target) - math.Log(a.err)) / (math.Log(b.err) - math.Log(a.err))
			return math.Exp(math.Log(a.work) + f*(math.Log(b.work)-math.Log(a.work))), true
		}
	}
	return math.NaN(), false
}

// RankRow is one method's standing in one error band.
type RankRow struct {
	Band             float64 // target error
	Rank             int
	Method           string
	Reached, Systems int
	MedianRatio      float64 // median over all systems of work / best work (unreached: +Inf)
	MedianWork       float64 // median RHS evaluations over reached systems
	Wins             int     // systems where this method needed the least work
}

// Rank ranks methods per error band by work at matched error.
//
// Rule: for each system and method, the RHS evaluations needed to reach the
// band's target error are interpolated log-log along the method's sweep
// (workToReach). Per system, each method's work is divided by the least
// work of any method on that system. A method's score is the median of this
// ratio over all systems, counting systems it never reached as +Inf; lower
// is better, ties go to more systems reached, then to the name.
func Rank(rows []Row, which string, bands []float64) []RankRow {
	methods, systemsOrder := orderOf(rows)
	curves := map[[2]string][]point{}
	for _, r := range rows {
		if usable(r, which) {
			k := [2]string{r.System, r.Method}
			curves[k] = append(curves[k], point{float64(r.RHSEvals), errorOf(r, which)})
		}
	}
	var out []RankRow
	for _, band := range bands {
		work := map[[2]string]float64{}
		for _, s := range systemsOrder {
			for _, m := range methods {
				if w, ok := workToReach(curves[[2]string{s, m}], band); ok {
					work[[2]string{s, m}] = w
				}
			}
		}
		var rr []RankRow
		for _, m := range methods {
			row := RankRow{Band: band, Method: m, Systems: len(systemsOrder)}
			var ratios, works []float64
			for _, s := range systemsOrder {
				w, ok := work[[2]string{s, m}]
				if !ok {
					ratios = append(ratios, math.Inf(1))
					continue
				}
				best := w
				for _, m2 := range methods {
					if w2, ok := work[[2]string{s, m2}]; ok && w2 < best {
						best = w2
					}
				}
				if w == best {
					row.Wins++
				}
				row.Reached++
				ratios = append(ratios, w/best)
				works = append(works, w)
			}
			row.MedianRatio = median(ratios)
			row.MedianWork = median(works)
			rr = append(rr, row)
		}
		sort.SliceStable(rr, func(i, j int) bool {
			a, b := rr[i], rr[j]
			if a.MedianRatio != b.MedianRatio && !(math.IsNaN(a.MedianRatio) || math.IsNaN(b.MedianRatio)) {
				return a.MedianRatio < b.MedianRatio
			}
			if a.Reached != b.Reached {
				return a.Reached > b.Reached
			}
			return a.Method < b.Method
		})
		for i := range rr {
			rr[i].Rank = i + 1
		}
		out = append(out, rr...)
	}
	return out
}

// orderOf lists methods and systems in order of first appearance.
func orderOf(rows []Row) (methods, systemNames []string) {
	seenM, seenS := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if !seenM[r.Method] {
			seenM[r.Method] = true
			methods = append(methods, r.Method)
		}
		if !seenS[r.System] {
			seenS[r.System] = true
			systemNames = append(systemNames, r.System)
		}
	}
	return methods, systemNames
}

// StiffRow is the stiffness verdict for one system.
type StiffRow struct {
	System        string
	Level         int     // tolerance level of the largest ratio (-1: no comparison possible)
	RTol          float64 // its tolerance
	Explicit      string  // the explicit adaptive method with the fewest steps there ("" if all failed)
	ExplicitSteps int
	ImplicitSteps int
	Ratio         float64 // ExplicitSteps / ImplicitSteps; +Inf when every explicit method failed
	Stiff         bool
}

// DetectStiff compares, for each system and tolerance level, the fewest
// attempted steps (accepted + rejected) of any successful explicit adaptive
// method with the steps of the implicit method(s) (the fewest if several).
// A level where the implicit method succeeded and every explicit one failed
// (max_steps, step_underflow) has ratio +Inf. The system's ratio is the
// largest over levels; it is stiff when that ratio is at least factor.
// Systems without a successful implicit run get Level -1 and NaN.
func DetectStiff(rows []Row, factor float64) []StiffRow {
	_, names := orderOf(rows)
	type cell struct {
		expl, impl        int
		explMethod        string
		explTried, explOK bool
		rtol              float64
	}
	cells := map[string]map[int]*cell{}
	for _, r := range rows {
		if !r.Adaptive {
			continue
		}
		if cells[r.System] == nil {
			cells[r.System] = map[int]*cell{}
		}
		c := cells[r.System][r.Level]
		if c == nil {
			c = &cell{rtol: r.RTol}
			cells[r.System][r.Level] = c
		}
		if r.Implicit {
			if r.OK() && (c.impl == 0 || r.Steps() < c.impl) {
				c.impl = r.Steps()
			}
			continue
		}
		c.explTried = true
		if r.OK() && (!c.explOK || r.Steps() < c.expl || (r.Steps() == c.expl && r.Method < c.explMethod)) {
			c.expl, c.explMethod, c.explOK = r.Steps(), r.Method, true
		}
	}
	var out []StiffRow
	for _, s := range names {
		sr := StiffRow{System: s, Level: -1, RTol: math.NaN(), Ratio: math.NaN()}
		levels := make([]int, 0, len(cells[s]))
		for l := range cells[s] {
			levels = append(levels, l)
		}
		sort.Ints(levels)
		for _, l := range levels {
			c := cells[s][l]
			if c.impl == 0 || !c.explTried {
				continue
			}
			ratio := math.Inf(1)
			if c.explOK {
				ratio = float64(c.expl) / float64(c.impl)
			}
			if math.IsNaN(sr.Ratio) || ratio > sr.Ratio {
				sr.Level, sr.RTol, sr.Ratio = l, c.rtol, ratio
				sr.Explicit, sr.ExplicitSteps, sr.ImplicitSteps = c.explMethod, c.expl, c.impl
			}
		}
		sr.Stiff = sr.Ratio >= factor
		out = append(out, sr)
	}
	return out
}

// aggregate is one method's catalog line: per level, the median error and
// the median work over the systems where the setting succeeded.
type aggPoint struct {
	level          int
	err, work, sec float64
	n              int
}

func aggregate(rows []Row, which string, secs map[timingKey]float64) map[string][]aggPoint {
	type acc struct{ errs, works, secs []float64 }
	accs := map[string]map[int]*acc{}
	for _, r := range rows {
		if !usable(r, which) {
			continue
		}
		if accs[r.Method] == nil {
			accs[r.Method] = map[int]*acc{}
		}
		a := accs[r.Method][r.Level]
		if a == nil {
			a = &acc{}
			accs[r.Method][r.Level] = a
		}
		a.errs = append(a.errs, errorOf(r, which))
		a.works = append(a.works, float64(r.RHSEvals))
		if s, ok := secs[timingKey{r.System, r.Method, r.Level}]; ok {
			a.secs = append(a.secs, s)
		}
	}
	out := map[string][]aggPoint{}
	for m, levels := range accs {
		keys := make([]int, 0, len(levels))
		for l := range levels {
			keys = append(keys, l)
		}
		sort.Ints(keys)
		for _, l := range keys {
			a := levels[l]
			out[m] = append(out[m], aggPoint{level: l, err: median(a.errs), work: median(a.works), sec: median(a.secs), n: len(a.errs)})
		}
	}
	return out
}

type timingKey struct {
	system, method string
	level          int
}
