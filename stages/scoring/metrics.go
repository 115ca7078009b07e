package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// VPT rules accepted by the metrics stage.
var vptRules = metrics.VPTRules()

// Scorings of a failed forecast (param diverged).
const (
	divergedPenalize = "penalize"
	divergedTruncate = "truncate"
	divergedNaN      = "nan"
)

// MetricsParams configure the metrics stage.
type MetricsParams struct {
	Metrics      []string `yaml:"metrics,omitempty" doc:"forecast metrics to compute (default: all of metrics.ForecastMetricNames: dysts' 17 plus mase and ope)"`
	SMAPEScale   int      `yaml:"smape_scale,omitempty" doc:"sMAPE scale: 200 (Gilpin 2023 benchmark, 200·mean|e|/(|y|+|ŷ|)) or 100"`
	VPTRules     []string `yaml:"vpt_rules,omitempty" doc:"valid-prediction-time rules: vlachas (normalised error ≤ 0.5), pathak (≤ 0.4), smape (Zhang & Gilpin 2025: sMAPE of the forecast so far ≤ 30, 0–200 scale), smape_pointwise (sMAPE of each row ≤ 30); rows vpt_<rule> in Lyapunov times, censored when valid to the last row"`
	VPTThreshold float64  `yaml:"vpt_threshold,omitempty" doc:"threshold overriding the rule's default (only with a single rule)"`
	Horizons     []int    `yaml:"horizons,omitempty" doc:"forecast lengths (in steps) at which the curve metrics are evaluated on the leading rows, written to the curves port (empty: no curves)"`
	CurveMetrics []string `yaml:"curve_metrics,omitempty" doc:"metrics evaluated at each horizon"`
	Attractor    bool     `yaml:"attractor,omitempty" doc:"also compare the attractors of long forecasts: correlation dimension, power-spectrum Hellinger distance, Rosenstein exponent (rows attractor_*)"`
	Horizon      int      `yaml:"horizon,omitempty" doc:"score only the first horizon rows of each truth trajectory (0: all of them), so one long truth table serves forecasts of several lengths; a forecast shorter than the window is a failure"`
	Diverged     string   `yaml:"diverged,omitempty" doc:"scoring of a failed forecast (diverged, failed fit, or shorter than the truth): penalize (the metric over the whole truth window, the rows from the failure on counting as its worst value: smape the scale, unbounded errors +Inf, r2_score -Inf, correlations -1, mutual_information 0, hellinger_distance 1), truncate (over the rows before the failure, NaN if fewer than 2) or nan (every metric NaN); VPT always ends at the failure at the latest"`
}

// MetricsDefaults: every metric, the 0-200 sMAPE, the three published VPT
// rules, failures penalized.
var MetricsDefaults = MetricsParams{
	Metrics:      metrics.ForecastMetricNames(),
	SMAPEScale:   200,
	VPTRules:     []string{metrics.VPTVlachas, metrics.VPTPathak, metrics.VPTSMAPE},
	CurveMetrics: []string{"smape", "rmse"},
	Diverged:     divergedPenalize,
}

// Validate checks metric names, rules and horizons.
func (p *MetricsParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	known := metrics.ForecastMetricNames()
	for _, m := range p.Metrics {
		if !slices.Contains(known, m) {
			bad("metrics", fmt.Sprintf("unknown metric %q (have %s)", m, strings.Join(known, ", ")))
		}
	}
	for _, m := range p.CurveMetrics {
		if !slices.Contains(known, m) {
			bad("curve_metrics", fmt.Sprintf("unknown metric %q (have %s)", m, strings.Join(known, ", ")))
		}
	}
	if p.SMAPEScale != 100 && p.SMAPEScale != 200 {
		bad("smape_scale", fmt.Sprintf("must be 100 or 200, got %d", p.SMAPEScale))
	}
	for _, r := range p.VPTRules {
		if !slices.Contains(vptRules, r) {
			bad("vpt_rules", fmt.Sprintf("unknown rule %q (have %s)", r, strings.Join(vptRules, ", ")))
		}
	}
	if p.VPTThreshold < 0 || math.IsNaN(p.VPTThreshold) || math.IsInf(p.VPTThreshold, 0) {
		bad("vpt_threshold", "must be finite and >= 0 (0: the rule's default)")
	} else if p.VPTThreshold > 0 && len(p.VPTRules) != 1 {
		bad("vpt_threshold", "a threshold needs exactly one rule in vpt_rules")
	}
	for _, h := range p.Horizons {
		if h < 1 {
			bad("horizons", fmt.Sprintf("horizons must be >= 1, got %d", h))
		}
	}
	if p.Horizon < 0 {
		bad("horizon", fmt.Sprintf("must be >= 0 (0: the whole truth), got %d", p.Horizon))
	}
	if p.Diverged != divergedPenalize && p.Diverged != divergedTruncate && p.Diverged != divergedNaN {
		bad("diverged", fmt.Sprintf("must be penalize, truncate or nan, got %q", p.Diverged))
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[MetricsParams]{
		Name: "metrics",
		// Version 2: failed forecasts penalized by default, columns failed,
		// failure_step and censored, the cumulative smape VPT rule, model
		// named by its label.
		Version: 2,
		Summary: "Score forecasts against the truth: dysts' forecast metrics, valid prediction time in Lyapunov times, error vs horizon, attractor comparison.",
		Doc: "Pairs every (system, trajectory) of the `forecast` table with the same (system, trajectory) of the `truth` " +
			"table (the test split), which is the window scored. Rows are joined on `step` when the two tables share " +
			"steps (forecast rows without a truth row are left out and counted in `status`); when no step matches (a " +
			"forecast numbered from 0, say) the rows are aligned by order: the i-th forecast row with the i-th truth " +
			"row. State columns are those that hold a value in the truth (generate pads smaller systems with NaN). The " +
			"model name comes from the forecast's per-system `label` metadata, its per-system `family`, its " +
			"table-level `family`, its matrix cell's `model` axis, or is \"unknown\". A forecast fails at the first " +
			"truth row that it has not forecast finitely: a row flagged by the forecast stage (`diverged`/`failure_step`, " +
			"which also marks every row of a failed fit), a non-finite value, or a truth row without a forecast row (a " +
			"short forecast). A failed forecast is scored per `diverged`: by default (`penalize`) over the whole truth " +
			"window with the rows from the failure on counting as the metric's worst value (sMAPE: the scale, so a " +
			"forecast that fails early cannot beat one that stays finite), or over its rows before the failure " +
			"(`truncate`), or as NaN (`nan`). Output `metrics`: one row per (system, model, trajectory, metric) with the " +
			"value, the number of points scored, `failed` and `failure_step` (the forecast's, on every row), `censored` " +
			"and a status (\"ok\", or notes); VPT rows `vpt_<rule>` are in Lyapunov times (n·dt/λ-time, n the rows " +
			"before the error first exceeds the threshold), with the Lyapunov time from the forecast's or truth's " +
			"metadata, else the catalog's 1/λmax (the Vlachas σ_i and Pathak RMS come from the whole truth window); the " +
			"VPT of a failed forecast ends at the failure at the latest, and a VPT that never crossed the threshold " +
			"within the window is `censored` (a lower bound equal to the horizon). Rule `smape` is Zhang & Gilpin's " +
			"(2025): the sMAPE of the forecast so far, rows 0..t, above 30; `smape_pointwise` tests each row alone. A " +
			"row `diverged` is 1 when the forecast failed. Output `curves`: the `curve_metrics` at each of `horizons` " +
			"(leading rows), for error-vs-horizon plots, penalized like the metrics. With `attractor`, rows " +
			"attractor_corrdim_true/pred/error, attractor_spectrum_distance and attractor_lyapunov_true/pred/error " +
			"compare the invariants of long forecasts (NaN with status when an estimate fails, e.g. a forecast " +
			"collapsed to a point, or when the forecast failed).",
		Defaults: MetricsDefaults,
		Examples: []stages.Example{
			{Title: "Every metric and VPT rule (defaults)", Params: "{}\n"},
			{Title: "sMAPE and VPT by the Zhang & Gilpin rule, with an error-vs-horizon curve", Params: "metrics: [smape]\nvpt_rules: [smape]\nhorizons: [10, 50, 100, 200]\ncurve_metrics: [smape]\n"},
			{Title: "The pre-2 scoring: a diverged forecast scored on its rows before the failure", Params: "diverged: truncate\n"},
			{Title: "Long forecasts: attractor metrics, sMAPE on the 0-100 scale", Params: "attractor: true\nsmape_scale: 100\n"},
		},
		New: func(p MetricsParams, env stages.Env) (stages.Stage, error) {
			return &metricsStage{p: p, seed: env.Seed}, nil
		},
	})
}

type metricsStage struct {
	p    MetricsParams
	seed uint64
}

// MetricRow is one row of the metrics output: one metric of one forecast.
type MetricRow struct {
	System      string  `arrow:"system" doc:"catalog name of the system"`
	Model       string  `arrow:"model" doc:"model name: the forecast's per-system label metadata, its per-system family, its table-level family, its matrix cell's model axis, or \"unknown\""`
	Trajectory  int64   `arrow:"trajectory" doc:"initial-condition index shared by the forecast and its truth"`
	Metric      string  `arrow:"metric" doc:"metric name: a forecast metric (mse, smape, ...), diverged, vpt_<rule> or attractor_*"`
	Value       float64 `arrow:"value" unit:"the metric's own; vpt_* in Lyapunov times; diverged 0 or 1" doc:"the metric's value (a failed forecast scored per the diverged param), NaN when it could not be computed (see status)"`
	Points      int     `arrow:"points" unit:"samples" doc:"number of aligned samples scored: the truth window, or the rows before the failure with diverged: truncate"`
	Failed      bool    `arrow:"failed" doc:"the forecast diverged or failed (non-finite values, the forecast's diverged/failure_step columns, a failed fit, or fewer rows than the truth window) and was scored as a failure; the same on every row of the forecast"`
	FailureStep int     `arrow:"failure_step" unit:"steps" doc:"index (0-based, in scored rows) of the forecast's first failed row, -1 when it did not fail"`
	Censored    bool    `arrow:"censored" doc:"on vpt_* rows, true when the forecast stayed valid up to the last scored row, so the VPT is a lower bound equal to the horizon; false on every other row"`
	Status      string  `arrow:"status" doc:"\"ok\", or notes on the alignment, the failure and why a value is NaN, joined by \"; \""`
}

// CurveRow is one row of the curves output: a metric over the leading rows
// of a forecast, for error-vs-horizon plots.
type CurveRow struct {
	System     string  `arrow:"system" doc:"catalog name of the system"`
	Model      string  `arrow:"model" doc:"model name, as in the metrics output"`
	Trajectory int64   `arrow:"trajectory" doc:"initial-condition index"`
	Horizon    int     `arrow:"horizon" unit:"steps" doc:"number of leading aligned rows scored"`
	Metric     string  `arrow:"metric" doc:"curve metric name"`
	Value      float64 `arrow:"value" unit:"the metric's own" doc:"the metric over the first horizon rows; past a failure scored per the diverged param (penalize: failed rows at the worst value; truncate, nan: NaN); NaN past the truth window or below 2 rows"`
}

var (
	// MetricsTable declares the metrics output; its records carry the
	// schema metadata runner.kind=metrics.
	MetricsTable = schemas.NewTable[MetricRow]()
	// CurvesTable declares the curves output.
	CurvesTable = schemas.NewTable[CurveRow]()
)

// metricsMeta is the schema metadata of every metrics record.
var metricsMeta = map[string]string{"runner.kind": "metrics"}

var trajectoryInput = schemas.Trajectory(1, nil)

func (s *metricsStage) Ports() (in, out []stages.Port) {
	return []stages.Port{
			{Name: "forecast", Schema: trajectoryInput, Doc: "forecasts (a forecast stage's table: trajectory columns plus diverged and failure_step)."},
			{Name: "truth", Schema: trajectoryInput, Doc: "the true trajectories (normally a generate stage's test table)."},
		}, []stages.Port{
			stages.TablePort("metrics", "one row per (system, model, trajectory, metric).", MetricsTable),
			stages.TablePort("curves", "curve metrics at each horizon (empty without horizons).", CurvesTable),
		}
}

func (s *metricsStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	fc, err := readTable(in.One("forecast"))
	if err != nil {
		return nil, fmt.Errorf("forecast table: %w", err)
	}
	truth, err := readTable(in.One("truth"))
	if err != nil {
		return nil, fmt.Errorf("truth table: %w", err)
	}
	cellModel := ""
	if items := in["forecast"]; len(items) > 0 {
		cellModel = items[0].Cell.Map()["model"]
	}
	var rows []MetricRow
	var curves []CurveRow
	for _, sys := range fc.Order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		model := fc.labels[sys]
		for _, m := range []string{fc.Meta[sys].Family, fc.family, cellModel, "unknown"} {
			if model == "" {
				model = m
			}
		}
		for _, f := range fc.series[sys] {
			tr := truth.find(sys, f.Trajectory)
			if tr == nil {
				rows = append(rows, MetricRow{System: sys, Model: model, Trajectory: f.Trajectory, Metric: "diverged",
					Value: math.NaN(), FailureStep: -1, Status: fmt.Sprintf("no truth for system %s trajectory %d", sys, f.Trajectory)})
				continue
			}
			r, c := s.score(sys, model, f, tr, fc, truth)
			rows = append(rows, r...)
			curves = append(curves, c...)
		}
	}
	return stages.Outputs{"metrics": MetricsTable.Record(rows, metricsMeta), "curves": CurvesTable.Record(curves, nil)}, nil
}

// pairing is a forecast aligned with its truth: one row per truth row.
type pairing struct {
	truth, pred *mat.Dense // all truth rows; pred is NaN where the forecast has no row
	fail        int        // index of the first failed row, or n
	missing     int        // truth rows without a forecast row (a short forecast)
	dropped     int        // forecast rows without a truth row
	byOrder     bool
}

// align joins on step, or by order when no step is shared, over every row of
// the truth (the window scored), and restricts the state to the truth's
// columns. A truth row the forecast lacks is a failed row.
func align(f, tr *series) (pairing, error) {
	d := 0
	for _, row := range tr.X {
		for j := len(row) - 1; j >= d; j-- {
			if !math.IsNaN(row[j]) {
				d = j + 1
				break
			}
		}
	}
	if d == 0 {
		return pairing{}, fmt.Errorf("truth has no finite state values")
	}
	if len(f.X) > 0 && len(f.X[0]) < d {
		return pairing{}, fmt.Errorf("forecast has %d state columns, truth %d", len(f.X[0]), d)
	}
	n := len(tr.Steps)
	fi := make([]int, n) // forecast row of each truth row, -1 if none
	idx := make(map[int64]int, len(f.Steps))
	for i, st := range f.Steps {
		idx[st] = i
	}
	shared := 0
	for r, st := range tr.Steps {
		fi[r] = -1
		if i, ok := idx[st]; ok {
			fi[r] = i
			shared++
		}
	}
	p := pairing{dropped: len(f.Steps) - shared}
	if shared == 0 {
		p.byOrder, p.dropped = true, max(len(f.Steps)-n, 0)
		for r := range fi {
			if r < len(f.Steps) {
				fi[r] = r
			}
		}
	}
	p.truth, p.pred = mat.NewDense(n, d, nil), mat.NewDense(n, d, nil)
	p.fail = n
	for r := 0; r < n; r++ {
		for _, v := range tr.X[r][:d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return pairing{}, fmt.Errorf("non-finite truth at step %d", tr.Steps[r])
			}
		}
		p.truth.SetRow(r, tr.X[r][:d])
		i := fi[r]
		if i < 0 {
			p.missing++
			for j := 0; j < d; j++ {
				p.pred.Set(r, j, math.NaN())
			}
			p.fail = min(p.fail, r)
			continue
		}
		p.pred.SetRow(r, f.X[i][:d])
		bad := f.diverged != nil && f.diverged[i]
		bad = bad || (f.failStep >= 0 && f.Steps[i] >= f.failStep)
		for _, v := range f.X[i][:d] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if bad {
			p.fail = min(p.fail, r)
		}
	}
	return p, nil
}

func (s *metricsStage) score(sys, model string, f, tr *series, fc, truth *table) ([]MetricRow, []CurveRow) {
	var rows []MetricRow
	failed, failStep := false, -1
	add := func(metric string, v float64, n int, censored bool, status string) {
		if status == "" {
			status = "ok"
		}
		rows = append(rows, MetricRow{System: sys, Model: model, Trajectory: f.Trajectory, Metric: metric, Value: v,
			Points: n, Failed: failed, FailureStep: failStep, Censored: censored, Status: status})
	}
	nan := math.NaN()
	if h := s.p.Horizon; h > 0 && h < tr.Len() {
		tr = tr.head(h)
	}
	p, err := align(f, tr)
	if err != nil {
		add("diverged", nan, 0, false, err.Error())
		return rows, nil
	}
	n, d := p.truth.Dims()
	var notes []string
	if p.byOrder {
		notes = append(notes, "aligned by order (no shared steps)")
	}
	if p.dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d forecast rows without truth", p.dropped))
	}
	if p.missing > 0 {
		notes = append(notes, fmt.Sprintf("short forecast: %d truth rows without a forecast row", p.missing))
	}
	// m is the number of valid leading rows.
	m := p.fail
	failed = m < n
	divVal := 0.0
	if failed {
		failStep, divVal = m, 1
		why := fmt.Sprintf("diverged after %d of %d points", m, n)
		if r := fc.reasons[sysTraj{sys, f.Trajectory}]; r != "" {
			why += " (" + r + ")"
		}
		notes = append(notes, why)
	}
	status := strings.Join(notes, "; ")
	add("diverged", divVal, n, false, status)

	opts := &metrics.MetricOptions{SMAPEPercent: s.p.SMAPEScale == 100, KLSeed: s.seed}
	sub := func(a *mat.Dense, k int) *mat.Dense { return a.Slice(0, k, 0, d).(*mat.Dense) }
	// metric scores a metric on the first h rows, a failure among them per
	// the diverged param; it returns the value, the points scored and a note.
	metric := func(name string, h int) (float64, int, string) {
		k := min(h, m) // valid rows among the h
		if k == h {
			if h < 2 {
				return nan, h, "fewer than 2 points"
			}
			v, err := metrics.ComputeWith(name, sub(p.truth, h), sub(p.pred, h), opts)
			if err != nil {
				return nan, h, err.Error()
			}
			return v, h, ""
		}
		switch s.p.Diverged {
		case divergedNaN:
			return nan, 0, ""
		case divergedTruncate:
			if k < 2 {
				return nan, k, "fewer than 2 valid points"
			}
			v, err := metrics.ComputeWith(name, sub(p.truth, k), sub(p.pred, k), opts)
			if err != nil {
				return nan, k, err.Error()
			}
			return v, k, ""
		}
		note := fmt.Sprintf("penalized: %d failed rows count as the worst value", h-k)
		if name != "smape" || k == 0 {
			return metrics.WorstValue(name, opts), h, note
		}
		v, err := metrics.ComputeWith(name, sub(p.truth, k), sub(p.pred, k), opts)
		if err != nil {
			return nan, h, joinNote(note, err.Error())
		}
		return metrics.PenalizedSMAPE(v, k, h, opts), h, note
	}
	for _, name := range s.p.Metrics {
		v, pts, note := metric(name, n)
		add(name, v, pts, false, joinNote(status, note))
	}

	// Valid prediction time: the failure ends validity, so the valid prefix
	// is scored with σ (and the RMS) of the whole truth window.
	lt, _ := lyapunovTime(sys, fc, truth)
	dt := sampleDt(sys, tr, fc, truth)
	sd := make([]float64, d)
	rmsSq := 0.0
	for j := 0; j < d; j++ {
		col := mat.Col(nil, j, p.truth)
		mean := 0.0
		for _, v := range col {
			mean += v
		}
		mean /= float64(len(col))
		for _, v := range col {
			sd[j] += (v - mean) * (v - mean)
		}
		sd[j] = math.Sqrt(sd[j] / float64(len(col)))
		rmsSq += sd[j] * sd[j]
	}
	for _, rule := range s.p.VPTRules {
		name := "vpt_" + rule
		switch {
		case math.IsNaN(lt) || math.IsNaN(dt):
			add(name, nan, n, false, joinNote(status, "no Lyapunov time or sampling step (metadata or catalog)"))
			continue
		case m == 0:
			add(name, 0, n, false, status)
			continue
		}
		// Every rule's error at row t depends on rows ≤ t only, so the
		// valid prefix gives the same crossing as the whole window would.
		k, within, err := metrics.ValidPredictionSteps(sub(p.truth, m), sub(p.pred, m), rule,
			&metrics.VPTOptions{Threshold: s.p.VPTThreshold, Std: sd, RMS: math.Sqrt(rmsSq)})
		if err != nil {
			add(name, nan, n, false, joinNote(status, err.Error()))
			continue
		}
		// Censored: valid to the last row of the window, not ended by a
		// crossing or by the failure.
		censored := within && !failed
		note := ""
		if censored {
			note = "censored: valid to the end of the window"
		}
		add(name, float64(k)*dt/lt, n, censored, joinNote(status, note))
	}

	if s.p.Attractor {
		names := []string{"attractor_corrdim_true", "attractor_corrdim_pred", "attractor_corrdim_error",
			"attractor_spectrum_distance", "attractor_lyapunov_true", "attractor_lyapunov_pred", "attractor_lyapunov_error"}
		if failed {
			for _, nm := range names {
				add(nm, nan, m, false, joinNote(status, "failed forecast: no attractor"))
			}
		} else {
			ro := &metrics.RosensteinOptions{Dt: 1}
			if !math.IsNaN(dt) {
				ro.Dt = dt
			}
			c, err := metrics.CompareAttractors(p.truth, p.pred, &metrics.AttractorOptions{Rosenstein: ro})
			vals := []float64{c.CorrDimTrue, c.CorrDimPred, c.CorrDimError, c.SpectrumDistance, c.LyapunovTrue, c.LyapunovPred, c.LyapunovError}
			st := status
			if err != nil {
				st = joinNote(st, err.Error())
				for i := range vals {
					vals[i] = nan
				}
			}
			for i, nm := range names {
				rs := st
				if math.IsNaN(vals[i]) && len(c.Failures) > 0 {
					rs = joinNote(st, strings.Join(c.Failures, "; "))
				}
				add(nm, vals[i], n, false, rs)
			}
		}
	}

	var curves []CurveRow
	for _, h := range s.p.Horizons {
		for _, name := range s.p.CurveMetrics {
			v := nan
			// Past a failure only penalize scores: truncate would repeat
			// the value at the failure.
			if h <= n && h >= 2 && (h <= m || s.p.Diverged == divergedPenalize) {
				v, _, _ = metric(name, h)
			}
			curves = append(curves, CurveRow{sys, model, f.Trajectory, h, name, v})
		}
	}
	return rows, curves
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}
