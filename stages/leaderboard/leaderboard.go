package leaderboard

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/scoring"
)

// Params configure the leaderboard stage.
type Params struct {
	Task      string `yaml:"task,omitempty" doc:"task name of inputs whose producer has no task axis (the standard task of Gilpin 2023 is \"standard\"; its data-limited task at 1,000 training points \"data_limited_1000\")"`
	Metric    string `yaml:"metric,omitempty" doc:"ranking metric: a forecast metric of the metrics stage (smape, mse, ...)"`
	VPT       string `yaml:"vpt,omitempty" doc:"valid-prediction-time rule summarised (rows vpt_<rule> of the metrics tables): vlachas, pathak or smape"`
	Published bool   `yaml:"published,omitempty" doc:"put the published figure (Gilpin 2023) beside ours for models run in the published configuration (labels ending in _gilpin)"`
	// Replicates and SplitBy name matrix axes of the producers.
	Replicates []string `yaml:"replicates,omitempty" doc:"matrix axes of the producers that tell replicates apart, besides the trajectory column (seeds, initial conditions: default [seed])"`
	SplitBy    []string `yaml:"split_by,omitempty" doc:"matrix axes that split a task: each value gets its own rows, under the task name followed by _<value> (split_by: [points] on task data_limited gives data_limited_1000, ...)"`
}

// Defaults: the standard task ranked by sMAPE, VPT by the sMAPE rule,
// published figures shown.
var Defaults = Params{Task: "standard", Metric: "smape", VPT: metrics.VPTSMAPE, Published: true, Replicates: []string{"seed"}}

var vptRules = []string{metrics.VPTVlachas, metrics.VPTPathak, metrics.VPTSMAPE}

// higherIsBetter lists the similarity metrics, ranked by the highest mean;
// every other metric is an error, ranked by the lowest.
var higherIsBetter = []string{"r2_score", "spearman", "pearson", "kendall", "mutual_information"}

// Validate checks the names.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	if strings.TrimSpace(p.Task) == "" {
		bad("task", "must name a task")
	}
	if known := metrics.ForecastMetricNames(); !slices.Contains(known, p.Metric) {
		bad("metric", fmt.Sprintf("unknown metric %q (have %s)", p.Metric, strings.Join(known, ", ")))
	}
	if !slices.Contains(vptRules, p.VPT) {
		bad("vpt", fmt.Sprintf("unknown rule %q (have %s)", p.VPT, strings.Join(vptRules, ", ")))
	}
	for _, a := range p.SplitBy {
		if slices.Contains(p.Replicates, a) || a == "task" {
			bad("split_by", fmt.Sprintf("axis %q cannot both split tasks and tell replicates apart (or be the task axis)", a))
		}
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name:    "leaderboard",
		Version: 1,
		Summary: "Rank models per task from metrics tables: failures counted, spread over replicates, censored VPT, published figures beside ours.",
		Doc: "Reads every table on `metrics` (the metrics stages' outputs, one per matrix cell). A run is one forecast of one " +
			"system by one replicate; replicates are told apart by the producer cell's `seed` axis (if any) and the " +
			"`trajectory` column. The task is the producer cell's `task` axis, else the `task` param. Every run must " +
			"have a row of `metric` and of vpt_<`vpt`>: a run without one, a run given twice, or a table without one " +
			"of the metrics columns (failed, failure_step and censored included) is an error naming it. Output " +
			"`leaderboard`: one row per (task, model), sorted by task then rank, with the number of systems, runs, " +
			"replicates and failed runs; the mean and median of the metric over all runs, failures included at the " +
			"metric's worst value (one +Inf value makes the mean +Inf, one NaN makes it NaN); the population standard " +
			"deviation over replicates of the per-replicate mean; the median and quartiles of the VPT in Lyapunov " +
			"times, censored values counted at their censored value (a lower bound) and counted in vpt_censored. " +
			"Rank 1 is the best mean (lowest for error metrics, highest for r2_score, spearman, pearson, kendall and " +
			"mutual_information), ties broken by the median, then by model name; NaN means rank last. With " +
			"`published`, models whose label is a published configuration (linear_ar_gilpin, nvar_gilpin, esn_gilpin, " +
			"neural_ode_gilpin) get the published figure of the same task and metric (Gilpin 2023, Phys. Rev. Research " +
			"5, 043252: mean sMAPE of the standard task, median sMAPE of the data-limited task at 1,000 training " +
			"points), its statistic and source, and the difference ours − published, ours being the same statistic. " +
			"The published sMAPE is on the 0-200 scale, the metrics stage's default smape_scale, over 131-133 systems: " +
			"compare `systems` before reading much into the difference. Fit and forecast wall times are not in the " +
			"metrics tables and would break bitwise determinism: they are left out.",
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Standard task ranked by sMAPE, with the published figures (defaults)", Params: "{}\n"},
			{Title: "Data-limited task, VPT by the Vlachas rule", Params: "task: data_limited_1000\nvpt: vlachas\n"},
			{Title: "Ranked by RMSE, no published figures", Params: "metric: rmse\npublished: false\n"},
		},
		New: func(p Params, env stages.Env) (stages.Stage, error) { return &stage{p: p}, nil },
	})
}

type stage struct{ p Params }

// Row is one row of the leaderboard: one model on one task.
type Row struct {
	Task               string  `arrow:"task" doc:"task: the producer cell's task axis, else the task param"`
	Model              string  `arrow:"model" doc:"model label of the metrics tables (published configurations end in _gilpin)"`
	Systems            int     `arrow:"systems" unit:"systems" doc:"distinct systems scored"`
	Runs               int     `arrow:"runs" unit:"forecasts" doc:"system × replicate forecasts scored"`
	Replicates         int     `arrow:"replicates" unit:"replicates" doc:"distinct replicates (seed axis × trajectory)"`
	Failures           int     `arrow:"failures" unit:"forecasts" doc:"runs whose forecast failed (failed = true on the metric's row)"`
	Mean               float64 `arrow:"mean" unit:"the metric's own" doc:"mean of the metric over all runs, failures included at the metric's worst value; +Inf if any value is +Inf, NaN if any is NaN"`
	Median             float64 `arrow:"median" unit:"the metric's own" doc:"median of the metric over all runs, failures included; NaN if any value is NaN"`
	ReplicateSpread    float64 `arrow:"replicate_spread" unit:"the metric's own" doc:"population standard deviation over replicates of each replicate's mean over its systems; 0 with one replicate, NaN when a replicate's mean is not finite"`
	VPTMedian          float64 `arrow:"vpt_median" unit:"Lyapunov times" doc:"median VPT over runs; censored values count at their censored value, so it is a lower bound when vpt_censored > 0; NaN if any VPT is NaN (no Lyapunov time)"`
	VPTQ1              float64 `arrow:"vpt_q1" unit:"Lyapunov times" doc:"first quartile of the VPT over runs (linear interpolation), censored values as in vpt_median"`
	VPTQ3              float64 `arrow:"vpt_q3" unit:"Lyapunov times" doc:"third quartile of the VPT over runs (linear interpolation), censored values as in vpt_median"`
	VPTCensored        int     `arrow:"vpt_censored" unit:"forecasts" doc:"runs whose VPT is censored (valid up to the horizon)"`
	Rank               int     `arrow:"rank" doc:"rank within the task, 1 = best mean (lowest, or highest for a similarity metric); ties by median, then model name"`
	Published          float64 `arrow:"published,nullable" unit:"the metric's own" doc:"the published figure for this label, task and metric; null when there is none (or published is false)"`
	PublishedStatistic string  `arrow:"published_statistic,nullable" doc:"statistic of the published figure, mean or median; null without a figure"`
	PublishedSource    string  `arrow:"published_source,nullable" doc:"citation of the published figure; null without a figure"`
	Difference         float64 `arrow:"difference,nullable" unit:"the metric's own" doc:"ours − published, ours being the statistic named by published_statistic (mean or median); null without a figure or when ours is NaN"`
}

// Table declares the leaderboard output; its records carry the schema
// metadata runner.kind=leaderboard, metric and vpt.
var Table = schemas.NewTable[Row]()

// Figure is one published result.
type Figure struct {
	Task      string  // task name, as in the task param or axis
	Label     string  // our label of the published configuration
	Metric    string  // metric name, as in the metrics tables
	Statistic string  // "mean" or "median" over the published systems
	Value     float64 // in the metric's unit (sMAPE on the 0-200 scale)
	Source    string  // citation
}

const (
	gilpin2023 = "Gilpin 2023, \"Model scale versus domain knowledge in statistical forecasting of chaotic systems\", Phys. Rev. Research 5, 043252"
	standard   = gilpin2023 + ": standard task, mean sMAPE (0-200) over 131-133 systems"
)

// limited cites a figure of the data-limited task.
func limited(points, model string) string {
	return gilpin2023 + ": data-limited task, " + points + " training points, median sMAPE (0-200) (" + model + ")"
}

// Published holds the published figures, one per (task, label, metric).
var Published = []Figure{
	{"standard", "linear_ar_gilpin", "smape", "mean", 86.7, standard + " (LinearRegression)"},
	{"standard", "nvar_gilpin", "smape", "mean", 75.4, standard + " (NVAR)"},
	{"standard", "esn_gilpin", "smape", "mean", 88.7, standard + " (ESN)"},
	{"standard", "neural_ode_gilpin", "smape", "mean", 75.6, standard + " (neural ODE)"},
	{"data_limited_1000", "linear_ar_gilpin", "smape", "median", 94.7, limited("1,000", "LinearRegression")},
	{"data_limited_1000", "nvar_gilpin", "smape", "median", 68.8, limited("1,000", "NVAR")},
	{"data_limited_1000", "esn_gilpin", "smape", "median", 74.3, limited("1,000", "ESN")},
	{"data_limited_1000", "neural_ode_gilpin", "smape", "median", 66.8, limited("1,000", "neural ODE")},
	// The sweep's 13th and 25th lengths: 1,000 − ⌊12·899/24⌋ = 551 and 101
	// points (the paper's "~550" and "~100").
	{"data_limited_551", "linear_ar_gilpin", "smape", "median", 92.9, limited("551", "LinearRegression")},
	{"data_limited_551", "nvar_gilpin", "smape", "median", 80.1, limited("551", "NVAR")},
	{"data_limited_551", "esn_gilpin", "smape", "median", 102.2, limited("551", "ESN")},
	{"data_limited_551", "neural_ode_gilpin", "smape", "median", 75.9, limited("551", "neural ODE")},
	{"data_limited_101", "linear_ar_gilpin", "smape", "median", 168.1, limited("101", "LinearRegression")},
	{"data_limited_101", "nvar_gilpin", "smape", "median", 131.6, limited("101", "NVAR")},
	{"data_limited_101", "esn_gilpin", "smape", "median", 114.6, limited("101", "ESN")},
	{"data_limited_101", "neural_ode_gilpin", "smape", "median", 121.3, limited("101", "neural ODE")},
}

func lookupFigure(task, label, metric string) (Figure, bool) {
	for _, f := range Published {
		if f.Task == task && f.Label == label && f.Metric == metric {
			return f, true
		}
	}
	return Figure{}, false
}

func (s *stage) Ports() (in, out []stages.Port) {
	mp := stages.TablePort("metrics", "metrics tables (the metrics stages' `metrics` outputs), one per producing cell.", scoring.MetricsTable)
	mp.Many = true
	return []stages.Port{mp}, []stages.Port{
		stages.TablePort("leaderboard", "one row per (task, model), sorted by task then rank.", Table),
	}
}

// replicate identifies a replicate: the values of the producer's replicate
// axes, joined by commas ("" without any), and the trajectory index.
type replicate struct {
	seed string
	traj int64
}

func (r replicate) String() string {
	if r.seed == "" {
		return fmt.Sprintf("trajectory %d", r.traj)
	}
	return fmt.Sprintf("replicate %s, trajectory %d", r.seed, r.traj)
}

// compareSeeds orders replicate values part by part: integers
// numerically, others as strings.
func compareSeeds(a, b string) int {
	pa, pb := strings.Split(a, ","), strings.Split(b, ",")
	for i := 0; i < min(len(pa), len(pb)); i++ {
		x, errA := strconv.ParseInt(pa[i], 10, 64)
		y, errB := strconv.ParseInt(pb[i], 10, 64)
		c := cmp.Compare(pa[i], pb[i])
		if errA == nil && errB == nil {
			c = cmp.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

func compareReplicates(a, b replicate) int {
	if c := compareSeeds(a.seed, b.seed); c != 0 {
		return c
	}
	return cmp.Compare(a.traj, b.traj)
}

// run is one scored forecast: its metric and VPT rows.
type run struct {
	system string
	rep    replicate
	metric *scoring.MetricRow
	vpt    *scoring.MetricRow
	status string // status of the first row seen, for error messages
	stage  string // producing instance
}

type groupKey struct{ task, model string }

func (s *stage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	vptName := "vpt_" + s.p.VPT
	type runKey struct {
		task, model, system string
		rep                 replicate
	}
	runs := map[runKey]*run{}
	sawMetric, sawVPT := false, false
	for i, item := range in["metrics"] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, err := scoring.MetricsTable.Read(item.Record)
		if err != nil {
			return nil, fmt.Errorf("metrics table %d (%s): %w (a metrics table of the failure-aware metrics stage is needed)", i, item.Stage, err)
		}
		task := s.p.Task
		if t, ok := item.Cell.Get("task"); ok {
			task = t
		}
		for _, a := range s.p.SplitBy {
			if v, ok := item.Cell.Get(a); ok {
				task += "_" + v
			}
		}
		var parts []string
		for _, a := range s.p.Replicates {
			if v, ok := item.Cell.Get(a); ok {
				parts = append(parts, v)
			}
		}
		seed := strings.Join(parts, ",")
		for j := range rows {
			r := &rows[j]
			k := runKey{task, r.Model, r.System, replicate{seed, r.Trajectory}}
			ru := runs[k]
			if ru == nil {
				ru = &run{system: r.System, rep: k.rep, status: r.Status, stage: item.Stage}
				runs[k] = ru
			}
			var slot **scoring.MetricRow
			switch r.Metric {
			case s.p.Metric:
				slot, sawMetric = &ru.metric, true
			case vptName:
				slot, sawVPT = &ru.vpt, true
			default:
				continue
			}
			if *slot != nil {
				return nil, fmt.Errorf("task %s, model %s, system %s, %s: two %s rows (from %s and %s): give each run once (two configurations of one model need their own labels, the train stage's label param)",
					task, r.Model, r.System, k.rep, r.Metric, ru.stage, item.Stage)
			}
			*slot = r
		}
	}
	if len(runs) > 0 && !sawMetric {
		return nil, fmt.Errorf("no %s rows in the metrics tables: set metric to one the metrics stage computed (its metrics)", s.p.Metric)
	}
	if len(runs) > 0 && !sawVPT {
		return nil, fmt.Errorf("no %s rows in the metrics tables: set vpt to a rule the metrics stage computed (its vpt_rules)", vptName)
	}

	groups := map[groupKey][]*run{}
	for k, ru := range runs {
		g := groupKey{k.task, k.model}
		groups[g] = append(groups[g], ru)
	}
	rows := make([]Row, 0, len(groups))
	for g, rs := range groups {
		// Fixed order: sums and error messages do not depend on map order.
		slices.SortFunc(rs, func(a, b *run) int {
			if c := cmp.Compare(a.system, b.system); c != 0 {
				return c
			}
			return compareReplicates(a.rep, b.rep)
		})
		for _, ru := range rs {
			for _, m := range []struct {
				row  *scoring.MetricRow
				name string
			}{{ru.metric, s.p.Metric}, {ru.vpt, vptName}} {
				if m.row == nil {
					return nil, fmt.Errorf("task %s, model %s, system %s, %s (from %s): no %s row (status: %s); every run must be scored",
						g.task, g.model, ru.system, ru.rep, ru.stage, m.name, ru.status)
				}
			}
		}
		rows = append(rows, s.summarise(g, rs))
	}
	rank(rows, slices.Contains(higherIsBetter, s.p.Metric))
	meta := map[string]string{"runner.kind": "leaderboard", "metric": s.p.Metric, "vpt": vptName}
	return stages.Outputs{"leaderboard": Table.Record(rows, meta)}, nil
}

// summarise computes a leaderboard row from runs sorted by (system, replicate).
func (s *stage) summarise(g groupKey, rs []*run) Row {
	row := Row{Task: g.task, Model: g.model, Runs: len(rs)}
	systems := map[string]bool{}
	var reps []replicate
	repSum := map[replicate]float64{}
	repN := map[replicate]int{}
	vals := make([]float64, 0, len(rs))
	vpts := make([]float64, 0, len(rs))
	sum := 0.0
	for _, ru := range rs {
		systems[ru.system] = true
		if _, ok := repN[ru.rep]; !ok {
			reps = append(reps, ru.rep)
		}
		v := ru.metric.Value
		sum += v
		repSum[ru.rep] += v
		repN[ru.rep]++
		vals = append(vals, v)
		if ru.metric.Failed {
			row.Failures++
		}
		vpts = append(vpts, ru.vpt.Value)
		if ru.vpt.Censored {
			row.VPTCensored++
		}
	}
	row.Systems, row.Replicates = len(systems), len(reps)
	row.Mean = sum / float64(len(rs))
	row.Median = quantile(vals, 0.5)
	row.VPTMedian, row.VPTQ1, row.VPTQ3 = quantile(vpts, 0.5), quantile(vpts, 0.25), quantile(vpts, 0.75)

	slices.SortFunc(reps, compareReplicates)
	means := make([]float64, len(reps))
	for i, r := range reps {
		means[i] = repSum[r] / float64(repN[r])
	}
	row.ReplicateSpread = populationSD(means)

	row.Published, row.Difference = math.NaN(), math.NaN()
	if s.p.Published {
		if f, ok := lookupFigure(g.task, g.model, s.p.Metric); ok {
			ours := row.Mean
			if f.Statistic == "median" {
				ours = row.Median
			}
			row.Published, row.PublishedStatistic, row.PublishedSource = f.Value, f.Statistic, f.Source
			row.Difference = ours - f.Value
		}
	}
	return row
}

// quantile is the linearly interpolated p-quantile (Hyndman & Fan
// definition 7) of xs, which it sorts; NaN if xs is empty or holds a NaN.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 || slices.ContainsFunc(xs, math.IsNaN) {
		return math.NaN()
	}
	slices.Sort(xs)
	h := float64(len(xs)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(xs) {
		return xs[lo]
	}
	frac := h - float64(lo)
	if frac == 0 || xs[lo] == xs[lo+1] { // also keeps 0·Inf and Inf − Inf out
		return xs[lo]
	}
	return xs[lo] + frac*(xs[lo+1]-xs[lo])
}

// populationSD is the population standard deviation, 0 for one value and
// NaN when a value is not finite.
func populationSD(xs []float64) float64 {
	if len(xs) == 1 {
		if math.IsNaN(xs[0]) || math.IsInf(xs[0], 0) {
			return math.NaN()
		}
		return 0
	}
	mean := 0.0
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return math.NaN()
		}
		mean += x
	}
	mean /= float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(xs)))
}

// rank sorts rows by task, then best mean, median and model name, and
// numbers them within each task. NaN statistics sort last.
func rank(rows []Row, higher bool) {
	better := func(a, b float64) int {
		switch an, bn := math.IsNaN(a), math.IsNaN(b); {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		}
		if higher {
			return cmp.Compare(b, a)
		}
		return cmp.Compare(a, b)
	}
	slices.SortFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		if c := better(a.Mean, b.Mean); c != 0 {
			return c
		}
		if c := better(a.Median, b.Median); c != 0 {
			return c
		}
		return cmp.Compare(a.Model, b.Model)
	})
	for i := range rows {
		rows[i].Rank = 1
		if i > 0 && rows[i].Task == rows[i-1].Task {
			rows[i].Rank = rows[i-1].Rank + 1
		}
	}
}
