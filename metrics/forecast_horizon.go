package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Valid-prediction-time rules.
const (
	// VPTVlachas: e(t) = sqrt(mean_i (y_i(t) − ŷ_i(t))² / σ_i²) with σ_i the
	// standard deviation of component i; threshold 0.5 (Vlachas et al. 2020).
	VPTVlachas = "vlachas"
	// VPTPathak: e(t) = ‖y(t) − ŷ(t)‖ / sqrt(<‖y − <y>‖²>); threshold 0.4
	// (Pathak et al. 2018).
	VPTPathak = "pathak"
	// VPTSMAPE: the rule of Zhang & Gilpin (2025, "Zero-shot forecasting of
	// chaotic systems", ICLR 2025): e(t) is the sMAPE of the forecast up to
	// t, 200 mean_{s≤t, i} |y_i(s) − ŷ_i(s)| / (|y_i(s)| + |ŷ_i(s)|) over
	// rows 0..t and every component (0–200 scale, cumulative, not
	// pointwise); threshold 30. This follows horizoned_smape and vpt_smape
	// in williamgilpin/dysts_data, benchmark_results/scripts/utils.py
	// (commit 5921a85), with smape from dysts/metrics.py: the VPT is the
	// index of the first row whose cumulative sMAPE is strictly above the
	// threshold, i.e. the number of rows before it, and the whole length
	// when it never is; their notebook (benchmark_results/
	// zero_shot_plotting.ipynb) divides that count by the points per
	// Lyapunov time, i.e. VPT = n·dt/lyapunovTime as for every rule here.
	// 0/0 (truth and forecast both exactly 0) counts 0 here, not NaN.
	VPTSMAPE = "smape"
	// VPTSMAPEPointwise: e(t) = 200 mean_i |y_i(t) − ŷ_i(t)| / (|y_i(t)| +
	// |ŷ_i(t)|) at each time alone (0–200 scale); threshold 30. This was the
	// runner's smape rule before version 2 of the metrics stage; it is
	// stricter than VPTSMAPE, whose running mean smooths a single bad row.
	VPTSMAPEPointwise = "smape_pointwise"
)

// VPTRules lists the rule names in a fixed order.
func VPTRules() []string { return []string{VPTVlachas, VPTPathak, VPTSMAPE, VPTSMAPEPointwise} }

// vptThreshold is each rule's default threshold.
var vptThreshold = map[string]float64{VPTVlachas: 0.5, VPTPathak: 0.4, VPTSMAPE: 30, VPTSMAPEPointwise: 30}

// VPTOptions tunes the valid-prediction-time error curves.
type VPTOptions struct {
	// Threshold overrides the rule's default (0.5, 0.4 or 30).
	Threshold float64
	// Std gives σ_i for the vlachas rule (default: population standard
	// deviations of the truth over the forecast window; pass the attractor's
	// values for the published protocol).
	Std []float64
	// RMS gives the denominator sqrt(<‖y − <y>‖²>) of the pathak rule
	// (default: computed from the truth over the forecast window).
	RMS float64
}

// ForecastErrorCurve returns the error e(t) of a rule (see the VPT*
// constants) for every row of truth and pred: pointwise, except VPTSMAPE
// whose e(t) is the sMAPE of rows 0..t. A zero denominator
// (constant truth) gives +Inf where the error is non-zero, 0 where it is.
func ForecastErrorCurve(truth, pred *mat.Dense, rule string, opts *VPTOptions) ([]float64, error) {
	y, p, err := pair(truth, pred)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	var o VPTOptions
	if opts != nil {
		o = *opts
	}
	e := make([]float64, y.t)
	ratio := func(num, den float64) float64 {
		if num == 0 {
			return 0
		}
		return num / den
	}
	switch rule {
	case VPTVlachas:
		sd := o.Std
		if sd == nil {
			sd = make([]float64, y.d)
			for j := range sd {
				_, sd[j] = meanStd(y.col[j])
			}
		}
		if len(sd) != y.d {
			return nil, fmt.Errorf("metrics: %d standard deviations for %d components", len(sd), y.d)
		}
		for t := range e {
			s := 0.0
			for j := 0; j < y.d; j++ {
				d := y.col[j][t] - p.col[j][t]
				s += ratio(d*d, sd[j]*sd[j])
			}
			e[t] = math.Sqrt(s / float64(y.d))
		}
	case VPTPathak:
		rms := o.RMS
		if rms == 0 {
			s := 0.0
			for j := 0; j < y.d; j++ {
				_, sd := meanStd(y.col[j])
				s += sd * sd
			}
			rms = math.Sqrt(s)
		}
		for t := range e {
			s := 0.0
			for j := 0; j < y.d; j++ {
				d := y.col[j][t] - p.col[j][t]
				s += d * d
			}
			e[t] = ratio(math.Sqrt(s), rms)
		}
	case VPTSMAPE, VPTSMAPEPointwise:
		cum := 0.0 // Σ over rows ≤ t, for the cumulative rule
		for t := range e {
			s := 0.0
			for j := 0; j < y.d; j++ {
				a, b := y.col[j][t], p.col[j][t]
				s += ratio(math.Abs(a-b), math.Abs(a)+math.Abs(b))
			}
			if rule == VPTSMAPE {
				cum += s
				e[t] = 200 * cum / float64((t+1)*y.d)
			} else {
				e[t] = 200 * s / float64(y.d)
			}
		}
	default:
		return nil, fmt.Errorf("metrics: unknown VPT rule %q (have %q)", rule, VPTRules())
	}
	return e, nil
}

// ValidPredictionTime returns the valid prediction time in Lyapunov times:
// n·dt/lyapunovTime with n from ValidPredictionSteps (row 0 is one step dt
// after the forecast start). Pass lyapunovTime = 1 for time units.
func ValidPredictionTime(truth, pred *mat.Dense, dt, lyapunovTime float64, rule string, opts *VPTOptions) (float64, error) {
	if !(dt > 0) || !(lyapunovTime > 0) || math.IsInf(dt, 0) || math.IsInf(lyapunovTime, 0) {
		return math.NaN(), fmt.Errorf("metrics: dt=%g and lyapunovTime=%g must be positive and finite", dt, lyapunovTime)
	}
	n, _, err := ValidPredictionSteps(truth, pred, rule, opts)
	if err != nil {
		return math.NaN(), err
	}
	return float64(n) * dt / lyapunovTime, nil
}

// ValidPredictionSteps returns n, the number of leading rows whose error
// e(t) (ForecastErrorCurve) stays ≤ the threshold, i.e. the index of the
// first row where it is strictly above; and censored, true when no row
// crossed, so that n is the number of rows and only a lower bound of the
// true valid time.
func ValidPredictionSteps(truth, pred *mat.Dense, rule string, opts *VPTOptions) (n int, censored bool, err error) {
	e, err := ForecastErrorCurve(truth, pred, rule, opts)
	if err != nil {
		return 0, false, err
	}
	th := vptThreshold[rule]
	if opts != nil && opts.Threshold != 0 {
		th = opts.Threshold
	}
	for n < len(e) && e[n] <= th {
		n++
	}
	return n, n == len(e), nil
}

// ErrorVsHorizon returns the named forecast metric (Compute) evaluated on the
// first h+1 rows for every h (dysts horizoned_metric). It costs O(T²) for
// the elementwise metrics.
func ErrorVsHorizon(name string, truth, pred *mat.Dense, opts *MetricOptions) ([]float64, error) {
	if truth == nil || pred == nil {
		return nil, fmt.Errorf("metrics: nil matrix")
	}
	r, c := truth.Dims()
	if pr, pc := pred.Dims(); pr != r || pc != c {
		return nil, fmt.Errorf("metrics: shape mismatch: truth %d×%d, prediction %d×%d", r, c, pr, pc)
	}
	out := make([]float64, r)
	for h := 0; h < r; h++ {
		v, err := ComputeWith(name, truth.Slice(0, h+1, 0, c).(*mat.Dense), pred.Slice(0, h+1, 0, c).(*mat.Dense), opts)
		if err != nil {
			return nil, fmt.Errorf("horizon %d: %w", h+1, err)
		}
		out[h] = v
	}
	return out, nil
}

// AttractorOptions configures CompareAttractors.
type AttractorOptions struct {
	// CorrDim configures both correlation-dimension estimates.
	CorrDim *CorrDimOptions
	// Rosenstein configures both largest-exponent estimates (set its Dt);
	// they use column Component of each trajectory.
	Rosenstein *RosensteinOptions
	Component  int
	// HellingerBins for the power-spectrum distance (default 100).
	HellingerBins int
}

// AttractorComparison holds long-forecast (climate) metrics. A value that
// could not be estimated is NaN and its reason is listed in Failures.
type AttractorComparison struct {
	CorrDimTrue, CorrDimPred, CorrDimError float64 // D2 and |ΔD2|
	// SpectrumDistance is hellinger_distance (power spectra, first bins).
	SpectrumDistance                          float64
	LyapunovTrue, LyapunovPred, LyapunovError float64 // Rosenstein λ1 and |Δλ1|
	Failures                                  []string
}

// CompareAttractors compares a long forecast with the truth (rows = time)
// by invariants rather than pointwise: the correlation-dimension error
// (CorrelationDimension on each), the power-spectrum Hellinger distance,
// and the largest-exponent error (Rosenstein on one component of each).
// Only invalid input is an error; an estimate that fails on one trajectory
// (e.g. a forecast collapsed to a fixed point) gives NaN and a Failures entry.
func CompareAttractors(truth, pred *mat.Dense, opts *AttractorOptions) (AttractorComparison, error) {
	var o AttractorOptions
	if opts != nil {
		o = *opts
	}
	y, _, err := pair(truth, pred)
	if err != nil {
		return AttractorComparison{}, fmt.Errorf("metrics: %w", err)
	}
	if o.Component < 0 || o.Component >= y.d {
		return AttractorComparison{}, fmt.Errorf("metrics: component %d outside [0, %d)", o.Component, y.d)
	}
	nan := math.NaN()
	res := AttractorComparison{CorrDimTrue: nan, CorrDimPred: nan, CorrDimError: nan,
		LyapunovTrue: nan, LyapunovPred: nan, LyapunovError: nan}
	fail := func(what string, err error) { res.Failures = append(res.Failures, what+": "+err.Error()) }
	if c, err := CorrelationDimension(truth, o.CorrDim); err != nil {
		fail("correlation dimension (truth)", err)
	} else {
		res.CorrDimTrue = c.D2
	}
	if c, err := CorrelationDimension(pred, o.CorrDim); err != nil {
		fail("correlation dimension (prediction)", err)
	} else {
		res.CorrDimPred = c.D2
	}
	res.CorrDimError = math.Abs(res.CorrDimPred - res.CorrDimTrue)
	res.SpectrumDistance, err = HellingerSpectrumDistance(truth, pred, o.HellingerBins)
	if err != nil {
		return res, err
	}
	if math.IsNaN(res.SpectrumDistance) {
		res.Failures = append(res.Failures, "spectrum distance: zero power spectrum")
	}
	colOf := func(m *mat.Dense) []float64 { return mat.Col(nil, o.Component, m) }
	if r, err := Rosenstein(colOf(truth), o.Rosenstein); err != nil {
		fail("Rosenstein (truth)", err)
	} else {
		res.LyapunovTrue = r.Lambda
	}
	if r, err := Rosenstein(colOf(pred), o.Rosenstein); err != nil {
		fail("Rosenstein (prediction)", err)
	} else {
		res.LyapunovPred = r.Lambda
	}
	res.LyapunovError = math.Abs(res.LyapunovPred - res.LyapunovTrue)
	return res, nil
}
