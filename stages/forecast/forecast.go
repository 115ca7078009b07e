package forecast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// MaxHorizon bounds the number of forecast steps per trajectory.
const MaxHorizon = 1_000_000

// Column names the forecast table adds to the trajectory columns
// (ForecastRow's tags).
const (
	ColDiverged    = "diverged"
	ColFailureStep = "failure_step"
)

// ForecastRow is one row of the forecast stage's output: a trajectory row
// (state columns x0, x1, ..., one per coordinate of the largest system,
// NaN past a system's dimension and from the failure step on) and the
// divergence flags.
type ForecastRow struct {
	schemas.TrajectoryRow
	Diverged    bool  `arrow:"diverged" doc:"the forecast failed at or before this row's step (non-finite or exploding state, or a failed fit); its state is NaN"`
	FailureStep int64 `arrow:"failure_step" doc:"step at which this trajectory's forecast failed, the same on all its rows; -1 if it did not fail"`
}

// Forecasts declares the forecast table, for the stages that read it.
var Forecasts = schemas.NewTable[ForecastRow]()

// ForecastParams configure the forecast stage.
type ForecastParams struct {
	Horizon       int     `yaml:"horizon,omitempty" doc:"number of points forecast per trajectory (default 200, the Gilpin 2023 standard task)"`
	LyapunovTimes float64 `yaml:"lyapunov_times,omitempty" doc:"if > 0, forecast this many Lyapunov times instead of horizon points: ceil(lyapunov_times * lyapunov_time / sample_dt) points per system, from the test table's metadata (else the catalog's largest exponent)"`
}

// Validate checks the horizon.
func (p *ForecastParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	if p.Horizon < 1 || p.Horizon > MaxHorizon {
		errs = append(errs, stages.FieldError{Field: "horizon", Message: fmt.Sprintf("must be in [1, %d], got %d", MaxHorizon, p.Horizon)})
	}
	if p.LyapunovTimes < 0 || math.IsNaN(p.LyapunovTimes) || math.IsInf(p.LyapunovTimes, 0) {
		errs = append(errs, stages.FieldError{Field: "lyapunov_times", Message: fmt.Sprintf("must be finite and >= 0 (0: use horizon), got %v", p.LyapunovTimes)})
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[ForecastParams]{
		Name: "forecast",
		// Version 2: the systems metadata carries each system's "label" from the model table.
		Version: 2,
		Summary: "Roll fitted models out from the start of each test trajectory; flag divergence instead of failing.",
		Doc: "For every (system, trajectory) of the `test` table, loads the system's model from the `model` table " +
			"(output of `train`) and forecasts `horizon` points (or `lyapunov_times` Lyapunov times) autoregressively. " +
			"A model needs its last Context() points as history (1 for most, the lag count for linear_ar and mlp, " +
			"the washout for esn and ssm). The forecast starts at the first test point when the optional `history` " +
			"input (normally the train table the test table continues) supplies that many points immediately before " +
			"it: history rows of the same system and trajectory with a smaller step are put in front of the test " +
			"rows, and must end right before the first test step. Without `history`, or with too short a history, " +
			"the first test points serve as warm-up and the forecast starts after them; the `step` column always " +
			"says which test point a row forecasts, so a metrics stage joins forecast and truth on (system, " +
			"trajectory, step). A forecast that diverges (non-finite or exploding state) is not an error: its rows " +
			"from the failure step on hold NaN with `diverged` true, and `failure_step` holds that step on every row " +
			"of the trajectory (-1 when nothing failed). A system whose fit failed is flagged from its first step. " +
			"Schema metadata: model `family`, `hyper` (JSON), per-system `systems` (JSON: family, label (from the " +
			"model table's systems metadata; absent for tables written before labels), hyperparameters, Lyapunov " +
			"time, sampling step, horizon, context) and `failures` (JSON: system, trajectory, step, reason); with one system also " +
			"`system`, `lyapunov_time` and `sample_dt`.",
		Defaults: ForecastParams{Horizon: 200},
		Examples: []stages.Example{
			{Title: "The Gilpin 2023 standard task: 200 points", Params: "horizon: 200\n"},
			{Title: "Five Lyapunov times per system", Params: "lyapunov_times: 5\n"},
		},
		New: func(p ForecastParams, _ stages.Env) (stages.Stage, error) { return &forecastStage{p: p}, nil },
	})
}

type forecastStage struct{ p ForecastParams }

func (s *forecastStage) Ports() (in, out []stages.Port) {
	fc := stages.TablePort("forecast", "forecast trajectories, flagged where they diverged.", Forecasts)
	// The declared schema includes x0: every forecast has a state column.
	fc.Schema = Forecasts.SchemaWidth(1, nil)
	return []stages.Port{
			stages.TablePort("model", "fitted models, from a train stage.", modelTable),
			{Name: "test", Schema: trajectoryInput, Doc: "trajectories to forecast; each forecast starts at the first test point."},
			{Name: "history", Schema: trajectoryInput, Optional: true, Doc: "the points before the test table (normally the train table), used as the models' context."},
		},
		[]stages.Port{fc}
}

// job is one (system, trajectory) to forecast.
type job struct {
	sys     string
	fit     *fitted
	test    *schemas.Series // states cut to the system's dimension
	hist    *schemas.Series // may be nil
	horizon int
	dt      float64
}

// result is one forecast.
type result struct {
	steps    []int64
	times    []float64
	x        *mat.Dense // horizon × d, NaN from failStep on
	failStep int        // index into the forecast, -1 if none
	reason   string
	context  int
	d        int
}

// sysSummary is one system's entry of the forecast's "systems" metadata.
type sysSummary struct {
	System       string       `json:"system"`
	Family       string       `json:"family"`
	Label        string       `json:"label,omitempty"` // the model table's; absent from tables older than train version 3
	Hyper        models.Hyper `json:"hyper"`
	Dim          int          `json:"dim"`
	LyapunovTime *float64     `json:"lyapunov_time"`
	SampleDt     float64      `json:"sample_dt"`
	Horizon      int          `json:"horizon"`
	Context      int          `json:"context"`
}

type failure struct {
	System     string `json:"system"`
	Trajectory int64  `json:"trajectory"`
	Step       int64  `json:"step"`
	Reason     string `json:"reason"`
}

func (s *forecastStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	fits, err := decodeModels(in.One("model"))
	if err != nil {
		return nil, fmt.Errorf("input model: %w", err)
	}
	labels := modelLabels(in.One("model"))
	byName := map[string]*fitted{}
	var have []string
	for i := range fits {
		byName[fits[i].System] = &fits[i]
		have = append(have, fits[i].System)
	}
	test, err := readTrajectories(in.One("test"))
	if err != nil {
		return nil, fmt.Errorf("input test: %w", err)
	}
	var hist *schemas.TrajectorySet
	if rec := in.One("history"); rec != nil {
		if hist, err = readTrajectories(rec); err != nil {
			return nil, fmt.Errorf("input history: %w", err)
		}
	}

	var jobs []job
	var summaries []sysSummary
	maxDim := 1
	for _, name := range test.Order {
		f, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("no model for system %s in the model table (it has %s)", name, strings.Join(have, ", "))
		}
		dt := sampleDt(test, name)
		lt := lyapunovTime(test, name)
		if hist != nil && len(hist.Series[name]) > 0 {
			if in := test.Meta[name]; in.SampleDt == 0 {
				dt = sampleDt(hist, name)
			}
			if in := test.Meta[name]; in.LyapunovTime == 0 {
				if v := lyapunovTime(hist, name); !math.IsNaN(v) {
					lt = v
				}
			}
		}
		horizon := s.p.Horizon
		if s.p.LyapunovTimes > 0 {
			if math.IsNaN(lt) {
				return nil, fmt.Errorf("%s: no Lyapunov time in the test table's metadata or the catalog; set horizon instead of lyapunov_times", name)
			}
			h := math.Ceil(s.p.LyapunovTimes*lt/dt - 1e-9)
			if !(h >= 1 && h <= MaxHorizon) {
				return nil, fmt.Errorf("%s: lyapunov_times %g is %g points (Lyapunov time %g, sample_dt %g), outside [1, %d]",
					name, s.p.LyapunovTimes, h, lt, dt, MaxHorizon)
			}
			horizon = int(h)
		}
		sum := sysSummary{System: name, Family: f.Snapshot.Family, Label: labels[name], Hyper: f.Snapshot.Hyper, Dim: len(test.Series[name][0].X[0]), SampleDt: dt, Horizon: horizon}
		if !math.IsNaN(lt) {
			sum.LyapunovTime = &lt
		}
		summaries = append(summaries, sum)
		for _, tr := range test.Series[name] {
			j := job{sys: name, fit: f, test: tr, horizon: horizon, dt: dt}
			if hist != nil {
				j.hist = hist.Find(name, tr.Trajectory)
			}
			maxDim = max(maxDim, len(tr.X[0]))
			jobs = append(jobs, j)
		}
	}

	// The forecasts and their table hold every forecast point at once: a
	// long horizon over many trajectories fails here, before allocating.
	var need float64
	for _, j := range jobs {
		need += float64(j.horizon) * forecastBytesPerPoint(len(j.test.X[0]))
	}
	if err := stages.CheckMemory(need, fmt.Sprintf("forecasting %d trajectories over their horizons", len(jobs))); err != nil {
		return nil, err
	}
	results := make([]result, len(jobs))
	errs := make([]error, len(jobs))
	if err := stages.ForEach(ctx, len(jobs), func(i int) {
		results[i], errs[i] = runJob(ctx, &jobs[i])
	}); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s trajectory %d: %w", jobs[i].sys, jobs[i].test.Trajectory, err)
		}
	}
	for i := range summaries {
		for k, j := range jobs {
			if j.sys == summaries[i].System {
				summaries[i].Context = results[k].context
				break
			}
		}
	}
	return s.output(jobs, results, summaries, maxDim, in.One("model"))
}

// forecastBytesPerPoint is the memory one forecast point of a dim-state
// system takes: the forecast matrix, its row in the output table (system,
// trajectory, step, time, the states) and the builders' copies.
func forecastBytesPerPoint(dim int) float64 { return float64(3*8*dim + 64) }

// sameHyper reports whether every system has the same hyperparameters.
func sameHyper(list []sysSummary) bool {
	for _, s := range list[1:] {
		if !maps.Equal(s.Hyper, list[0].Hyper) {
			return false
		}
	}
	return true
}

// modelLabels returns each system's label from a model table's systems
// metadata. Tables without labels (train before version 3, hand-built
// ones) give none, so readers fall back to the family.
func modelLabels(rec arrow.RecordBatch) map[string]string {
	out := map[string]string{}
	v, ok := rec.Schema().Metadata().GetValue("systems")
	if !ok {
		return out
	}
	var entries []struct {
		System string `json:"system"`
		Label  string `json:"label"`
	}
	if json.Unmarshal([]byte(v), &entries) != nil {
		return out
	}
	for _, e := range entries {
		if e.Label != "" {
			out[e.System] = e.Label
		}
	}
	return out
}

// runJob forecasts one trajectory. Model code runs in its own goroutine so
// the stage returns promptly when ctx is done; a panic becomes an error.
func runJob(ctx context.Context, j *job) (result, error) {
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	d := len(j.test.X[0])
	if j.fit.Err != "" {
		return failedFit(j, d), nil
	}
	type out struct {
		r   result
		err error
	}
	done := make(chan out, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- out{err: fmt.Errorf("panic in %s forecast: %v", j.fit.Snapshot.Family, p)}
			}
		}()
		r, err := forecastOne(j, d)
		done <- out{r, err}
	}()
	select {
	case o := <-done:
		return o.r, o.err
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// failedFit flags every forecast row of a system whose fit failed.
func failedFit(j *job, d int) result {
	r := result{failStep: 0, reason: "fit failed: " + j.fit.Err, d: d}
	data := make([]float64, j.horizon*d)
	for i := range data {
		data[i] = math.NaN()
	}
	r.x = mat.NewDense(j.horizon, d, data)
	first := j.test.Steps[0]
	r.steps, r.times = stepTimes(j, first, nil)
	return r
}

// stepTimes lists the forecast's steps from first and their times: the
// recorded time of that step in the test or history table, else an
// extrapolation at the sampling step from the nearest earlier known step.
func stepTimes(j *job, first int64, known map[int64]float64) ([]int64, []float64) {
	if known == nil {
		known = map[int64]float64{}
		for i, st := range j.test.Steps {
			known[st] = j.test.Times[i]
		}
	}
	steps := make([]int64, j.horizon)
	times := make([]float64, j.horizon)
	lastStep, lastTime, haveLast := int64(0), 0.0, false
	if j.hist != nil {
		for i := len(j.hist.Steps) - 1; i >= 0; i-- {
			if j.hist.Steps[i] < first {
				lastStep, lastTime, haveLast = j.hist.Steps[i], j.hist.Times[i], true
				break
			}
		}
	}
	for i := range steps {
		st := first + int64(i)
		steps[i] = st
		if t, ok := known[st]; ok && !math.IsNaN(t) {
			times[i] = t
			lastStep, lastTime, haveLast = st, t, true
			continue
		}
		if haveLast {
			times[i] = lastTime + float64(st-lastStep)*j.dt
		} else {
			times[i] = float64(st) * j.dt
		}
	}
	return steps, times
}

// forecastOne builds the history window and rolls the model out.
func forecastOne(j *job, d int) (result, error) {
	fam, ok := models.Lookup(j.fit.Snapshot.Family)
	if !ok {
		return result{}, fmt.Errorf("unknown model family %q in the model table", j.fit.Snapshot.Family)
	}
	m, err := fam.Load(j.fit.Snapshot)
	if err != nil {
		return result{}, fmt.Errorf("load %s model: %w", fam.Name, err)
	}
	need := m.Context()

	// The combined series: history rows before the first test step, then
	// the test rows.
	first := j.test.Steps[0]
	var steps []int64
	var times []float64
	var xs [][]float64
	if j.hist != nil {
		for i, st := range j.hist.Steps {
			if st < first {
				steps = append(steps, st)
				times = append(times, j.hist.Times[i])
				xs = append(xs, j.hist.X[i])
			}
		}
		if n := len(steps); n > 0 && steps[n-1] != first-1 {
			return result{}, fmt.Errorf("history ends at step %d but the test table starts at step %d: the history must immediately precede the test rows", steps[n-1], first)
		}
		if n := len(xs); n > 0 && len(xs[0]) != d {
			return result{}, fmt.Errorf("history has %d state columns, test %d", len(xs[0]), d)
		}
	}
	nHist := len(steps)
	steps = append(steps, j.test.Steps...)
	times = append(times, j.test.Times...)
	xs = append(xs, j.test.X...)
	start := max(nHist, need)
	if start > len(steps) {
		return result{}, fmt.Errorf("the %s model needs %d points of context but history and test hold %d", fam.Name, need, len(steps))
	}
	for i := start - need + 1; i < start; i++ {
		if steps[i] != steps[i-1]+1 {
			return result{}, fmt.Errorf("context window has a gap between steps %d and %d", steps[i-1], steps[i])
		}
	}
	var h *mat.Dense
	if need > 0 {
		h = mat.NewDense(need, d, nil)
		for i := 0; i < need; i++ {
			row := xs[start-need+i]
			for _, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return result{}, fmt.Errorf("non-finite value in the context window at step %d", steps[start-need+i])
				}
			}
			h.SetRow(i, row)
		}
	}
	firstStep := first
	if start > 0 {
		firstStep = steps[start-1] + 1
	}
	known := make(map[int64]float64, len(steps))
	for i, st := range steps {
		known[st] = times[i]
	}

	r := result{failStep: -1, context: need, d: d}
	r.steps, r.times = stepTimes(j, firstStep, known)
	pred, ferr := m.Forecast(h, j.horizon)
	var div *models.DivergenceError
	switch {
	case errors.As(ferr, &div):
		r.failStep, r.reason = div.Step, div.Reason
	case ferr != nil:
		return result{}, fmt.Errorf("%s forecast: %w", fam.Name, ferr)
	}
	if pred == nil {
		return result{}, fmt.Errorf("%s forecast returned no rows", fam.Name)
	}
	if rr, cc := pred.Dims(); rr != j.horizon || cc != d {
		return result{}, fmt.Errorf("%s forecast is %d×%d, want %d×%d (does the model fit this system's %d coordinates?)", fam.Name, rr, cc, j.horizon, d, d)
	}
	// Defensive: a non-finite value the model did not report is a failure too.
	for i := 0; i < j.horizon && (r.failStep < 0 || i < r.failStep); i++ {
		for _, v := range pred.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				r.failStep, r.reason = i, "non-finite forecast value"
				break
			}
		}
	}
	if r.failStep >= 0 {
		r.failStep = max(0, min(r.failStep, j.horizon))
		for i := r.failStep; i < j.horizon; i++ {
			row := pred.RawRowView(i)
			for k := range row {
				row[k] = math.NaN()
			}
		}
	}
	r.x = pred
	return r, nil
}

func (s *forecastStage) output(jobs []job, results []result, summaries []sysSummary, maxDim int, modelRec arrow.RecordBatch) (stages.Outputs, error) {
	var fails []failure
	for i, r := range results {
		if r.failStep >= 0 && r.failStep < len(r.steps) {
			fails = append(fails, failure{System: jobs[i].sys, Trajectory: jobs[i].test.Trajectory, Step: r.steps[r.failStep], Reason: r.reason})
		}
	}
	sysJSON, err := json.Marshal(summaries)
	if err != nil {
		return nil, fmt.Errorf("systems metadata: %w", err)
	}
	if fails == nil {
		fails = []failure{}
	}
	failJSON, err := json.Marshal(fails)
	if err != nil {
		return nil, fmt.Errorf("failures metadata: %w", err)
	}
	meta := map[string]string{"runner.kind": "forecast", "systems": string(sysJSON), "failures": string(failJSON)}
	if v, ok := modelRec.Schema().Metadata().GetValue("family"); ok {
		meta["family"] = v
	} else if len(summaries) > 0 {
		meta["family"] = summaries[0].Family
	}
	if v, ok := modelRec.Schema().Metadata().GetValue("hyper"); ok {
		meta["hyper"] = v
	} else if len(summaries) > 0 && sameHyper(summaries) {
		// A tuned model table without a common hyper: each system's is in
		// the systems metadata.
		hj, _ := json.Marshal(summaries[0].Hyper)
		meta["hyper"] = string(hj)
	}
	if len(summaries) == 1 {
		meta["system"] = summaries[0].System
		meta["sample_dt"] = strconv.FormatFloat(summaries[0].SampleDt, 'g', -1, 64)
		if lt := summaries[0].LyapunovTime; lt != nil {
			meta["lyapunov_time"] = strconv.FormatFloat(*lt, 'g', -1, 64)
		}
	}
	n := 0
	for _, r := range results {
		n += len(r.steps)
	}
	rows := make([]ForecastRow, 0, n)
	for i, r := range results {
		j := &jobs[i]
		failAt := int64(-1)
		if r.failStep >= 0 && r.failStep < len(r.steps) {
			failAt = r.steps[r.failStep]
		}
		for t := range r.steps {
			rows = append(rows, ForecastRow{
				TrajectoryRow: schemas.TrajectoryRow{System: j.sys, Trajectory: j.test.Trajectory, Step: r.steps[t], Time: r.times[t], State: r.x.RawRowView(t)},
				Diverged:      r.failStep >= 0 && t >= r.failStep,
				FailureStep:   failAt,
			})
		}
	}
	// maxDim, not the widest row: a forecast without rows still has x0.
	return stages.Outputs{"forecast": Forecasts.RecordWidth(rows, maxDim, meta)}, nil
}
