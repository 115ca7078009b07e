package systems

import (
	"math"
	"slices"
)

// dysts' coordinate postprocessing.
//
// dysts (github.com/williamgilpin/dysts, dysts/flows.py at commit 4b4d9de)
// gives 19 flows a _postprocessing method (BlinkingVortex inherits
// BlinkingRotlet's) that make_trajectory applies, by default, to the
// integrated trajectory: it maps unbounded phases, angles and clock
// variables to bounded values (sin or cos), and two fluid flows from polar
// to Cartesian coordinates. Every mapping keeps the dimension. The dysts
// mean and std of these systems were computed after the mapping. The
// mapping of each system is written below from the dysts method; x_k is
// coordinate k (0-based) of the state. testdata/dysts_postprocessing.tsv
// lists the same mappings as data for the tests.

// postprocessing maps a catalog name to its postprocessing builder.
var postprocessing = map[string]func(p Params) PostFunc{
	// DoublePendulum: (sin x0, sin x1, x2, x3), the two angles.
	"DoublePendulum": func(Params) PostFunc {
		return func(x []float64) { x[0], x[1] = math.Sin(x[0]), math.Sin(x[1]) }
	},
	// SwingingAtwood: (x0, sin x1, x2, x3), the angle.
	"SwingingAtwood": func(Params) PostFunc {
		return func(x []float64) { x[1] = math.Sin(x[1]) }
	},
	// Duffing, FluidTrampoline, StickSlipOscillator: (x0, x1, cos x2), the
	// forcing phase.
	"Duffing":             cosAt(2),
	"FluidTrampoline":     cosAt(2),
	"StickSlipOscillator": cosAt(2),
	// DoubleGyre, ForcedBrusselator, ForcedVanDerPol, ForcedFitzHughNagumo,
	// TurchinHanski: (x0, x1, sin x2), the forcing phase.
	"DoubleGyre":           sinAt(2),
	"ForcedBrusselator":    sinAt(2),
	"ForcedVanDerPol":      sinAt(2),
	"ForcedFitzHughNagumo": sinAt(2),
	"TurchinHanski":        sinAt(2),
	// BlinkingRotlet (and BlinkingVortex, its subclass), InteriorSquirmer:
	// polar (r, θ) = (x0, x1) to Cartesian, and the clock x2 to
	// sin(2π x2 / tau): (x0 cos x1, x0 sin x1, sin(2π x2/tau)).
	"BlinkingRotlet":   polarClock,
	"BlinkingVortex":   polarClock,
	"InteriorSquirmer": polarClock,
	// LidDrivenCavityFlow: (x0, x1, sin(2π x2/tau)), the clock.
	"LidDrivenCavityFlow": func(p Params) PostFunc {
		w := 2 * math.Pi / p("tau")
		return func(x []float64) { x[2] = math.Sin(w * x[2]) }
	},
	// OscillatingFlow: (cos(k x0), x1, sin x2), the periodic coordinate x0
	// and the forcing phase.
	"OscillatingFlow": func(p Params) PostFunc {
		k := p("k")
		return func(x []float64) { x[0], x[2] = math.Cos(k*x[0]), math.Sin(x[2]) }
	},
	// BickleyJet: (x0, sin(k_min x1), sin(ω x2 k_min σ_min)), with k_min and
	// σ_min the smallest entries of the arrays k and sigma. dysts' state
	// order is (y, x, t) here, so x1 is the along-jet drift.
	"BickleyJet": func(p Params) PostFunc {
		km := slices.Min(paramVec(p, "k", 3))
		sm := slices.Min(paramVec(p, "sigma", 3))
		w := p("omega") * km * sm
		return func(x []float64) { x[1], x[2] = math.Sin(km*x[1]), math.Sin(w*x[2]) }
	},
	// ArnoldBeltramiChildress: (sin x0, cos x1, sin x2), all three periodic.
	"ArnoldBeltramiChildress": func(Params) PostFunc {
		return func(x []float64) { x[0], x[1], x[2] = math.Sin(x[0]), math.Cos(x[1]), math.Sin(x[2]) }
	},
	// ArnoldWeb: (x0, x1, sin x2, sin x3, cos x4), the two angles and the
	// forcing phase.
	"ArnoldWeb": func(Params) PostFunc {
		return func(x []float64) { x[2], x[3], x[4] = math.Sin(x[2]), math.Sin(x[3]), math.Cos(x[4]) }
	},
	// CircadianRhythm: (x0, ..., x3, cos x4), the forcing phase.
	"CircadianRhythm": cosAt(4),
}

func sinAt(k int) func(Params) PostFunc {
	return func(Params) PostFunc { return func(x []float64) { x[k] = math.Sin(x[k]) } }
}

func cosAt(k int) func(Params) PostFunc {
	return func(Params) PostFunc { return func(x []float64) { x[k] = math.Cos(x[k]) } }
}

func polarClock(p Params) PostFunc {
	w := 2 * math.Pi / p("tau")
	return func(x []float64) {
		r, th := x[0], x[1]
		x[0], x[1], x[2] = r*math.Cos(th), r*math.Sin(th), math.Sin(w*x[2])
	}
}
