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
var vptRules = []string{metrics.VPTVlachas, metrics.VPTPathak, metrics.VPTSMAPE}

// MetricsParams configure the metrics stage.
type MetricsParams struct {
	Metrics      []string `yaml:"metrics,omitempty" doc:"forecast metrics to compute (default: all of metrics.ForecastMetricNames: dysts' 17 plus mase and ope)"`
	SMAPEScale   int      `yaml:"smape_scale,omitempty" doc:"sMAPE scale: 200 (Gilpin 2023 benchmark, 200·mean|e|/(|y|+|ŷ|)) or 100"`
	VPTRules     []string `yaml:"vpt_rules,omitempty" doc:"valid-prediction-time rules: vlachas (normalised error ≤ 0.5), pathak (≤ 0.4), smape (pointwise sMAPE ≤ 30); rows vpt_<rule> in Lyapunov times"`
	VPTThreshold float64  `yaml:"vpt_threshold,omitempty" doc:"threshold overriding the rule's default (only with a single rule)"`
	Horizons     []int    `yaml:"horizons,omitempty" doc:"forecast lengths (in steps) at which the curve metrics are evaluated on the leading rows, written to the curves port (empty: no curves)"`
	CurveMetrics []string `yaml:"curve_metrics,omitempty" doc:"metrics evaluated at each horizon"`
	Attractor    bool     `yaml:"attractor,omitempty" doc:"also compare the attractors of long forecasts: correlation dimension, power-spectrum Hellinger distance, Rosenstein exponent (rows attractor_*)"`
	Diverged     string   `yaml:"diverged,omitempty" doc:"scoring of a diverged forecast: truncate (metrics over the rows before the failure step, NaN if fewer than 2) or nan (every metric NaN); VPT always counts the failure as the end of validity"`
}

// MetricsDefaults: every metric, the 0-200 sMAPE, the three VPT rules.
var MetricsDefaults = MetricsParams{
	Metrics:      metrics.ForecastMetricNames(),
	SMAPEScale:   200,
	VPTRules:     slices.Clone(vptRules),
	CurveMetrics: []string{"smape", "rmse"},
	Diverged:     "truncate",
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
	if p.Diverged != "truncate" && p.Diverged != "nan" {
		bad("diverged", fmt.Sprintf("must be truncate or nan, got %q", p.Diverged))
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[MetricsParams]{
		Name:    "metrics",
		Version: 1,
		Summary: "Score forecasts against the truth: dysts' forecast metrics, valid prediction time in Lyapunov times, error vs horizon, attractor comparison.",
		Doc: "Pairs every (system, trajectory) of the `forecast` table with the same (system, trajectory) of the `truth` " +
			"table (the test split). Rows are joined on `step` when the two tables share steps (forecast rows without a " +
			"truth row are left out and counted in `status`); when no step matches (a forecast numbered from 0, say) the " +
			"rows are aligned by order: the i-th forecast row with the i-th truth row, and the shorter length is used. " +
			"State columns are those that hold a value in the truth (generate pads smaller systems with NaN). The " +
			"model name comes from the forecast's per-system `family` metadata, its table-level `family`, its matrix " +
			"cell's `model` axis, or is \"unknown\". Output `metrics`: one row per (system, model, trajectory, metric) " +
			"with the value, the number of points scored and a status (\"ok\", or why the value is NaN); VPT rows " +
			"`vpt_<rule>` are in Lyapunov times, with the Lyapunov time from the forecast's or truth's metadata, else " +
			"the catalog's 1/λmax (the Vlachas σ_i and Pathak RMS come from the whole truth window); a row `diverged` is " +
			"1 when the forecast diverged. A diverged forecast (column `diverged`/`failure_step` of the forecast stage, " +
			"or non-finite values) is scored per `diverged`: over its rows before the failure, or as NaN. Output " +
			"`curves`: the `curve_metrics` at each of `horizons` (leading rows), for error-vs-horizon plots. With " +
			"`attractor`, rows attractor_corrdim_true/pred/error, attractor_spectrum_distance and " +
			"attractor_lyapunov_true/pred/error compare the invariants of long forecasts (NaN with status when an " +
			"estimate fails, e.g. a forecast collapsed to a point).",
		Defaults: MetricsDefaults,
		Examples: []stages.Example{
			{Title: "Every metric and VPT rule (defaults)", Params: "{}\n"},
			{Title: "sMAPE and VPT by the Zhang & Gilpin rule, with an error-vs-horizon curve", Params: "metrics: [smape]\nvpt_rules: [smape]\nhorizons: [10, 50, 100, 200]\ncurve_metrics: [smape]\n"},
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
	System     string  `arrow:"system" doc:"catalog name of the system"`
	Model      string  `arrow:"model" doc:"model family: the forecast's per-system family metadata, its table-level family, its matrix cell's model axis, or \"unknown\""`
	Trajectory int64   `arrow:"trajectory" doc:"initial-condition index shared by the forecast and its truth"`
	Metric     string  `arrow:"metric" doc:"metric name: a forecast metric (mse, smape, ...), diverged, vpt_<rule> or attractor_*"`
	Value      float64 `arrow:"value" unit:"the metric's own; vpt_* in Lyapunov times; diverged 0 or 1" doc:"the metric's value, NaN when it could not be computed (see status)"`
	Points     int     `arrow:"points" unit:"samples" doc:"number of aligned samples scored (the valid prefix for pointwise metrics of a diverged forecast)"`
	Status     string  `arrow:"status" doc:"\"ok\", or notes on the alignment, the divergence and why a value is NaN, joined by \"; \""`
}

// CurveRow is one row of the curves output: a metric over the leading rows
// of a forecast, for error-vs-horizon plots.
type CurveRow struct {
	System     string  `arrow:"system" doc:"catalog name of the system"`
	Model      string  `arrow:"model" doc:"model family, as in the metrics output"`
	Trajectory int64   `arrow:"trajectory" doc:"initial-condition index"`
	Horizon    int     `arrow:"horizon" unit:"steps" doc:"number of leading aligned rows scored"`
	Metric     string  `arrow:"metric" doc:"curve metric name"`
	Value      float64 `arrow:"value" unit:"the metric's own" doc:"the metric over the first horizon rows; NaN past the forecast's length or its failure, or below 2 rows"`
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
		model := fc.Meta[sys].Family
		for _, m := range []string{fc.family, cellModel, "unknown"} {
			if model == "" {
				model = m
			}
		}
		for _, f := range fc.series[sys] {
			tr := truth.find(sys, f.Trajectory)
			if tr == nil {
				rows = append(rows, MetricRow{sys, model, f.Trajectory, "diverged", math.NaN(), 0,
					fmt.Sprintf("no truth for system %s trajectory %d", sys, f.Trajectory)})
				continue
			}
			r, c := s.score(sys, model, f, tr, fc, truth)
			rows = append(rows, r...)
			curves = append(curves, c...)
		}
	}
	return stages.Outputs{"metrics": MetricsTable.Record(rows, metricsMeta), "curves": CurvesTable.Record(curves, nil)}, nil
}

// pairing is a forecast aligned with its truth.
type pairing struct {
	truth, pred *mat.Dense // all aligned rows (pred may hold NaN after a failure)
	fail        int        // index of the first diverged row, or n
	dropped     int        // forecast rows without a truth row
	byOrder     bool
}

// align joins on step, or by order when no step is shared, and restricts
// the state to the truth's columns.
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
	idx := make(map[int64]int, len(tr.Steps))
	for i, st := range tr.Steps {
		idx[st] = i
	}
	var fi, ti []int
	for i, st := range f.Steps {
		if j, ok := idx[st]; ok {
			fi, ti = append(fi, i), append(ti, j)
		}
	}
	p := pairing{dropped: len(f.Steps) - len(fi)}
	if len(fi) == 0 {
		p.byOrder, p.dropped = true, max(len(f.Steps)-len(tr.Steps), 0)
		for i := 0; i < min(len(f.Steps), len(tr.Steps)); i++ {
			fi, ti = append(fi, i), append(ti, i)
		}
	}
	n := len(fi)
	if n == 0 {
		return pairing{}, fmt.Errorf("empty forecast")
	}
	p.truth, p.pred = mat.NewDense(n, d, nil), mat.NewDense(n, d, nil)
	p.fail = n
	for r := 0; r < n; r++ {
		p.truth.SetRow(r, tr.X[ti[r]][:d])
		p.pred.SetRow(r, f.X[fi[r]][:d])
		bad := f.diverged != nil && f.diverged[fi[r]]
		bad = bad || (f.failStep >= 0 && f.Steps[fi[r]] >= f.failStep)
		for _, v := range f.X[fi[r]][:d] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if bad && r < p.fail {
			p.fail = r
		}
		for _, v := range tr.X[ti[r]][:d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return pairing{}, fmt.Errorf("non-finite truth at step %d", tr.Steps[ti[r]])
			}
		}
	}
	return p, nil
}

func (s *metricsStage) score(sys, model string, f, tr *series, fc, truth *table) ([]MetricRow, []CurveRow) {
	var rows []MetricRow
	add := func(metric string, v float64, n int, status string) {
		if status == "" {
			status = "ok"
		}
		rows = append(rows, MetricRow{sys, model, f.Trajectory, metric, v, n, status})
	}
	nan := math.NaN()
	p, err := align(f, tr)
	if err != nil {
		add("diverged", nan, 0, err.Error())
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
	base := strings.Join(notes, "; ")
	diverged := p.fail < n
	divVal := 0.0
	if diverged {
		divVal = 1
	}
	add("diverged", divVal, n, base)

	// Pointwise metrics over the valid prefix.
	m := n
	status := base
	if diverged {
		m = p.fail
		status = joinNote(base, fmt.Sprintf("diverged after %d of %d points", p.fail, n))
	}
	opts := &metrics.MetricOptions{SMAPEPercent: s.p.SMAPEScale == 100, KLSeed: s.seed}
	sub := func(a *mat.Dense, k int) *mat.Dense { return a.Slice(0, k, 0, d).(*mat.Dense) }
	for _, name := range s.p.Metrics {
		switch {
		case diverged && s.p.Diverged == "nan":
			add(name, nan, 0, status)
		case m < 2:
			add(name, nan, m, joinNote(status, "fewer than 2 valid points"))
		default:
			v, err := metrics.ComputeWith(name, sub(p.truth, m), sub(p.pred, m), opts)
			if err != nil {
				add(name, nan, m, joinNote(status, err.Error()))
			} else {
				add(name, v, m, status)
			}
		}
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
			add(name, nan, n, joinNote(status, "no Lyapunov time or sampling step (metadata or catalog)"))
			continue
		case m == 0:
			add(name, 0, n, status)
			continue
		}
		v, err := metrics.ValidPredictionTime(sub(p.truth, m), sub(p.pred, m), dt, lt, rule,
			&metrics.VPTOptions{Threshold: s.p.VPTThreshold, Std: sd, RMS: math.Sqrt(rmsSq)})
		if err != nil {
			add(name, nan, n, joinNote(status, err.Error()))
		} else {
			add(name, v, n, status)
		}
	}

	if s.p.Attractor {
		names := []string{"attractor_corrdim_true", "attractor_corrdim_pred", "attractor_corrdim_error",
			"attractor_spectrum_distance", "attractor_lyapunov_true", "attractor_lyapunov_pred", "attractor_lyapunov_error"}
		if diverged {
			for _, nm := range names {
				add(nm, nan, m, joinNote(status, "diverged forecast: no attractor"))
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
				add(nm, vals[i], n, rs)
			}
		}
	}

	var curves []CurveRow
	for _, h := range s.p.Horizons {
		for _, name := range s.p.CurveMetrics {
			v := nan
			if h <= n && h >= 2 && !(diverged && s.p.Diverged == "nan") && h <= m {
				if x, err := metrics.ComputeWith(name, sub(p.truth, h), sub(p.pred, h), opts); err == nil {
					v = x
				}
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
	return a + "; " + b
}
