package forecast

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages"
)

// hyperBound is the accepted range of one hyperparameter. The models check
// some of these when they fit, hours into an apply; a plan checks them all
// before anything runs. The upper bounds are far above any published
// configuration but keep a typo (spectral_radius: 1e6, units: 1e9) from
// running: a reservoir, a feature vector or a network that big does not fit
// in memory.
type hyperBound struct {
	lo, hi  float64
	openLo  bool // lo itself is excluded
	integer bool
}

func (b hyperBound) check(v float64) string {
	switch {
	case b.integer && v != math.Trunc(v):
		return fmt.Sprintf("must be a whole number in [%g, %g], got %v", b.lo, b.hi, v)
	case b.openLo && !(v > b.lo), !b.openLo && !(v >= b.lo), !(v <= b.hi):
		open := "["
		if b.openLo {
			open = "("
		}
		return fmt.Sprintf("must be in %s%g, %g], got %v", open, b.lo, b.hi, v)
	}
	return ""
}

func ints(lo, hi float64) hyperBound  { return hyperBound{lo: lo, hi: hi, integer: true} }
func reals(lo, hi float64) hyperBound { return hyperBound{lo: lo, hi: hi} }
func positive(hi float64) hyperBound  { return hyperBound{lo: 0, hi: hi, openLo: true} }

var (
	onOff   = ints(0, 1)
	ridge   = reals(0, 1e6)
	lr      = positive(10)
	decay   = reals(0, 10)
	degree  = ints(1, 10)
	widths  = ints(1, 100_000)
	counts  = ints(1, 1_000_000)
	washout = ints(0, 1_000_000)
)

// hyperBounds holds every family's hyperparameters (models' Defaults);
// a test checks that the two agree.
var hyperBounds = map[string]map[string]hyperBound{
	"naive": {},
	"mean":  {},
	"analog": {
		"dim": ints(1, 1000), "k": ints(1, 1000), "kernel": ints(0, 2), "lag": ints(1, 10_000),
	},
	"dmd": {"rank": ints(0, 1_000_000), "standardize": onOff},
	"edmd": {
		"degree": degree, "relift": onOff, "ridge": ridge, "standardize": onOff,
	},
	"esn": {
		"bias": reals(0, 100), "connectivity": positive(1), "input_scaling": reals(0, 100),
		"leak": positive(1), "readout": onOff, "ridge": ridge, "spectral_radius": reals(0, 10),
		"standardize": onOff, "units": widths, "washout": washout, "washout_fraction": reals(0, 1),
	},
	"hankel_dmd": {"delays": ints(1, 10_000), "rank": ints(0, 1_000_000), "standardize": onOff},
	"linear_ar":  {"lags": ints(1, 10_000), "ridge": ridge, "standardize": onOff},
	"mlp": {
		"activation": onOff, "batch": counts, "epochs": counts, "hidden": widths, "lags": ints(1, 10_000),
		"layers": ints(1, 100), "lr": lr, "noise": reals(0, 100), "patience": counts,
		"val_frac": reals(0.05, 0.5), "weight_decay": decay,
	},
	"neural_ode": {
		"activation": onOff, "batch": counts, "cosine": onOff, "hidden": widths, "iters": ints(1, 100_000_000),
		"layers": ints(1, 100), "lr": lr, "standardize": onOff, "substeps": ints(1, 1000), "weight_decay": decay, "window": ints(2, 100_000),
	},
	"nvar": {
		"k": ints(1, 1000), "noise": reals(0, 1e6), "order": degree, "ridge": ridge, "s": ints(1, 10_000), "standardize": onOff,
	},
	"parrot": {"dim": widths},
	"random_features": {
		"features": counts, "k": ints(1, 1000), "lengthscale": positive(1e6), "linear": onOff, "ridge": ridge,
		"s": ints(1, 10_000), "standardize": onOff,
	},
	"sindy": {
		"alpha": reals(0, 1e6), "atol": positive(1), "degree": degree, "diff": onOff, "max_iter": ints(1, 100_000),
		"rtol": positive(1), "threshold": reals(0, 1e6), "window": ints(5, 10_001),
	},
	"ssm": {
		"dt_max": positive(1000), "dt_min": positive(1000), "modes": ints(1, 10_000), "order": degree, "ridge": ridge,
		"standardize": onOff, "timescales": ints(1, 1000), "washout": washout,
	},
}

// checkHyper checks the values of a family's hyperparameters: each in its
// range, then the rules that tie several together, on the merged set
// (defaults, then hyper). field is where the values were written ("hyper",
// or "grid.k[2]" for a tune grid value); unknown names are reported elsewhere.
func checkHyper(family string, given map[string]float64, field func(name string) string) []stages.FieldError {
	fam, ok := models.Lookup(family)
	bounds, known := hyperBounds[family]
	if !ok || !known {
		return nil
	}
	var errs []stages.FieldError
	for _, k := range slices.Sorted(maps.Keys(given)) {
		b, ok := bounds[k]
		v := given[k]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue // unknown names and non-finite values have their own messages
		}
		if msg := b.check(v); msg != "" {
			errs = append(errs, stages.FieldError{Field: field(k), Message: fmt.Sprintf("%s %s: %s", family, k, msg)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	h, err := models.MergeHyper(fam, given)
	if err != nil {
		return nil
	}
	bad := func(name, msg string) {
		errs = append(errs, stages.FieldError{Field: field(name), Message: family + ": " + msg})
	}
	switch family {
	case "esn":
		// The sparse reservoir holds about units² · connectivity weights.
		if n := h["units"]; n*n*h["connectivity"] > 1e9 {
			bad("units", fmt.Sprintf("a reservoir of %g units at connectivity %g has %.3g connections, over 1e9", n, h["connectivity"], n*n*h["connectivity"]))
		}
	case "ssm":
		if h["dt_min"] > h["dt_max"] {
			bad("dt_min", fmt.Sprintf("dt_min %g is above dt_max %g", h["dt_min"], h["dt_max"]))
		}
	case "sindy":
		if h["diff"] == 1 && math.Mod(h["window"], 2) != 1 {
			bad("window", fmt.Sprintf("the Savitzky-Golay window must be odd, got %g", h["window"]))
		}
	case "mlp", "neural_ode":
		// Weights of layers × hidden²: a network that big does not train.
		if w := h["layers"] * h["hidden"] * h["hidden"]; w > 1e9 {
			bad("hidden", fmt.Sprintf("%g layers of %g units are %.3g weights, over 1e9", h["layers"], h["hidden"], w))
		}
	}
	return errs
}

// binom is C(n, k) as a float (no overflow for absurd sizes).
func binom(n, k float64) float64 {
	r := 1.0
	for i := 0.0; i < k; i++ {
		r *= (n - i) / (i + 1)
	}
	return r
}

// polyTerms counts the monomials of degree lo..hi in n variables.
func polyTerms(n, lo, hi float64) float64 {
	t := 0.0
	for deg := lo; deg <= hi; deg++ {
		t += binom(n+deg-1, deg)
	}
	return t
}

// fitBytes estimates the memory a fit of rows points of a d-variable series
// takes: the design matrix of its features (rows × features) and their Gram
// matrix (features²), which is what grows with the hyperparameters. It is
// known only once the data are, so train checks it before each fit.
func fitBytes(family string, h models.Hyper, rows, d int) (bytes float64, features float64) {
	n, dd := float64(rows), float64(d)
	switch family {
	case "nvar":
		lin := dd * h["k"]
		features = 1 + lin + polyTerms(lin, 2, h["order"])
	case "random_features":
		features = h["features"] + 1 + dd*h["k"]
	case "esn":
		u := h["units"]
		features = 1 + dd + u
		bytes = 16 * u * u * h["connectivity"] // the sparse reservoir
	case "edmd":
		features = polyTerms(dd, 0, h["degree"])
	case "sindy":
		features = polyTerms(dd, 0, h["degree"])
	case "linear_ar":
		features = 1 + dd*h["lags"]
	case "hankel_dmd":
		features = dd * h["delays"]
	case "ssm":
		features = 1 + 2*h["modes"]*h["timescales"]*dd + polyTerms(dd, 2, h["order"])
	case "mlp", "analog", "parrot":
		features = dd * max(h["lags"], h["dim"], 1)
	default:
		features = dd
	}
	return bytes + 8*n*features + 8*features*features, features
}
