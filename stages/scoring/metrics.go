package scoring

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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

// MetricsSchema is the schema of the metrics output.
var MetricsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "system", Type: arrow.BinaryTypes.String},
	{Name: "model", Type: arrow.BinaryTypes.String},
	{Name: "trajectory", Type: arrow.PrimitiveTypes.Int64},
	{Name: "metric", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "points", Type: arrow.PrimitiveTypes.Int64},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// CurvesSchema is the schema of the curves output.
var CurvesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "system", Type: arrow.BinaryTypes.String},
	{Name: "model", Type: arrow.BinaryTypes.String},
	{Name: "trajectory", Type: arrow.PrimitiveTypes.Int64},
	{Name: "horizon", Type: arrow.PrimitiveTypes.Int64},
	{Name: "metric", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64},
}, nil)

var trajectoryInput = schemas.Trajectory(1, nil)

func (s *metricsStage) Ports() (in, out []stages.Port) {
	return []stages.Port{
			{Name: "forecast", Schema: trajectoryInput, Doc: "forecasts (a forecast stage's table: trajectory columns plus diverged and failure_step)."},
			{Name: "truth", Schema: trajectoryInput, Doc: "the true trajectories (normally a generate stage's test table)."},
		}, []stages.Port{
			{Name: "metrics", Schema: MetricsSchema, Doc: "one row per (system, model, trajectory, metric)."},
			{Name: "curves", Schema: CurvesSchema, Doc: "curve metrics at each horizon (empty without horizons)."},
		}
}

// metricRow is one output row of the metrics port.
type metricRow struct {
	system, model string
	traj          int64
	metric        string
	value         float64
	points        int
	status        string
}

type curveRow struct {
	system, model string
	traj, horizon int64
	metric        string
	value         float64
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
	var rows []metricRow
	var curves []curveRow
	for _, sys := range fc.order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		model := fc.meta[sys].Family
		for _, m := range []string{fc.family, cellModel, "unknown"} {
			if model == "" {
				model = m
			}
		}
		for _, f := range fc.series[sys] {
			tr := truth.find(sys, f.trajectory)
			if tr == nil {
				rows = append(rows, metricRow{sys, model, f.trajectory, "diverged", math.NaN(), 0,
					fmt.Sprintf("no truth for system %s trajectory %d", sys, f.trajectory)})
				continue
			}
			r, c := s.score(sys, model, f, tr, fc, truth)
			rows = append(rows, r...)
			curves = append(curves, c...)
		}
	}
	return stages.Outputs{"metrics": metricsTable(rows), "curves": curvesTable(curves)}, nil
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
	for _, row := range tr.x {
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
	if len(f.x) > 0 && len(f.x[0]) < d {
		return pairing{}, fmt.Errorf("forecast has %d state columns, truth %d", len(f.x[0]), d)
	}
	idx := make(map[int64]int, len(tr.steps))
	for i, st := range tr.steps {
		idx[st] = i
	}
	var fi, ti []int
	for i, st := range f.steps {
		if j, ok := idx[st]; ok {
			fi, ti = append(fi, i), append(ti, j)
		}
	}
	p := pairing{dropped: len(f.steps) - len(fi)}
	if len(fi) == 0 {
		p.byOrder, p.dropped = true, max(len(f.steps)-len(tr.steps), 0)
		for i := 0; i < min(len(f.steps), len(tr.steps)); i++ {
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
		p.truth.SetRow(r, tr.x[ti[r]][:d])
		p.pred.SetRow(r, f.x[fi[r]][:d])
		bad := f.diverged != nil && f.diverged[fi[r]]
		bad = bad || (f.failStep >= 0 && f.steps[fi[r]] >= f.failStep)
		for _, v := range f.x[fi[r]][:d] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if bad && r < p.fail {
			p.fail = r
		}
		for _, v := range tr.x[ti[r]][:d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return pairing{}, fmt.Errorf("non-finite truth at step %d", tr.steps[ti[r]])
			}
		}
	}
	return p, nil
}

func (s *metricsStage) score(sys, model string, f, tr *series, fc, truth *table) ([]metricRow, []curveRow) {
	var rows []metricRow
	add := func(metric string, v float64, n int, status string) {
		if status == "" {
			status = "ok"
		}
		rows = append(rows, metricRow{sys, model, f.trajectory, metric, v, n, status})
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

	var curves []curveRow
	for _, h := range s.p.Horizons {
		for _, name := range s.p.CurveMetrics {
			v := nan
			if h <= n && h >= 2 && !(diverged && s.p.Diverged == "nan") && h <= m {
				if x, err := metrics.ComputeWith(name, sub(p.truth, h), sub(p.pred, h), opts); err == nil {
					v = x
				}
			}
			curves = append(curves, curveRow{sys, model, f.trajectory, int64(h), name, v})
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

func metricsTable(rows []metricRow) arrow.RecordBatch {
	md := arrow.MetadataFrom(map[string]string{"runner.kind": "metrics"})
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(MetricsSchema.Fields(), &md))
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.system)
		b.Field(1).(*array.StringBuilder).Append(r.model)
		b.Field(2).(*array.Int64Builder).Append(r.traj)
		b.Field(3).(*array.StringBuilder).Append(r.metric)
		b.Field(4).(*array.Float64Builder).Append(r.value)
		b.Field(5).(*array.Int64Builder).Append(int64(r.points))
		b.Field(6).(*array.StringBuilder).Append(r.status)
	}
	return b.NewRecordBatch()
}

func curvesTable(rows []curveRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, CurvesSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.system)
		b.Field(1).(*array.StringBuilder).Append(r.model)
		b.Field(2).(*array.Int64Builder).Append(r.traj)
		b.Field(3).(*array.Int64Builder).Append(r.horizon)
		b.Field(4).(*array.StringBuilder).Append(r.metric)
		b.Field(5).(*array.Float64Builder).Append(r.value)
	}
	return b.NewRecordBatch()
}
