package forecast

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
)

// MaxGridPoints bounds the size of a tune stage's grid (the product of its
// list lengths), so a typo cannot schedule millions of fits.
const MaxGridPoints = 10_000

// FailedSMAPE is the validation sMAPE of a failed trial: the maximum of the
// 0-200 scale.
const FailedSMAPE = 200

// TuneParams configure the tune stage.
type TuneParams struct {
	Model      string               `yaml:"model" doc:"model family, as in train"`
	Hyper      map[string]float64   `yaml:"hyper,omitempty" doc:"fixed hyperparameters overriding the family's defaults in every trial, as in train; a name may not also be in grid"`
	Grid       map[string][]float64 `yaml:"grid,omitempty" doc:"values to try, by hyperparameter name; the trials are the cartesian product, names in sorted order with the first varying slowest, values in the order given (an empty grid is one trial of the fixed hyper)"`
	Validation float64              `yaml:"validation,omitempty" doc:"fraction of the series held out at its end to score each trial: round(validation × length) points (default 1/6, Gilpin 2023's last 200 of 1,200 points)"`
	Points     int                  `yaml:"points,omitempty" doc:"fit on the points points immediately before the validation window (0: every point before it)"`
	Trajectory int                  `yaml:"trajectory,omitempty" doc:"index of the trajectory (initial condition) of each system that is fitted and scored (default 0)"`
	Label      string               `yaml:"label,omitempty" doc:"name of this configuration, written on every trial row (default: the family name); no commas"`
}

// Validate checks the family, the hyperparameter and grid names and values,
// and the split.
func (p *TuneParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	errs = append(errs, validateModel(p.Model, p.Hyper)...)
	fam, famOK := models.Lookup(p.Model)
	size := 1
	for _, k := range slices.Sorted(maps.Keys(p.Grid)) {
		vals := p.Grid[k]
		if famOK {
			if _, ok := fam.Defaults[k]; !ok {
				bad("grid", unknownHyper(fam, k))
				continue
			}
		}
		if _, fixed := p.Hyper[k]; fixed {
			bad("grid", fmt.Sprintf("%s is both fixed in hyper and tuned in grid: drop one of them", k))
		}
		if len(vals) == 0 {
			bad("grid", fmt.Sprintf("grid.%s is an empty list: give at least one value", k))
			continue
		}
		for i, v := range vals {
			at := fmt.Sprintf("grid.%s[%d]", k, i)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad(at, fmt.Sprintf("%s must be finite, got %v", at, v))
			} else if b, ok := hyperBounds[p.Model][k]; ok && b.check(v) != "" {
				bad(at, fmt.Sprintf("%s %s: %s", p.Model, k, b.check(v)))
			} else if j := slices.Index(vals, v); j < i {
				bad("grid", fmt.Sprintf("grid.%s lists %v twice (at %d and %d)", k, v, j, i))
			}
		}
		size = min(size*len(vals), MaxGridPoints+1)
	}
	if size > MaxGridPoints {
		bad("grid", fmt.Sprintf("the grid has more than %d points", MaxGridPoints))
	}
	if !(p.Validation > 0 && p.Validation < 1) {
		bad("validation", fmt.Sprintf("must be a fraction in (0, 1), got %v", p.Validation))
	}
	if p.Points < 0 {
		bad("points", "must be >= 0 (0: every point before the validation window)")
	}
	if p.Points == 1 {
		bad("points", "must be 0 (every point before the validation window) or at least 2")
	}
	if p.Trajectory < 0 {
		bad("trajectory", "must be >= 0")
	}
	errs = append(errs, validateLabel(p.Label)...)
	return errs
}

// gridPoints expands a grid into its cartesian product: names sorted, the
// first varying slowest, values in the order given. An empty grid is one
// empty point.
func gridPoints(grid map[string][]float64) []models.Hyper {
	points := []models.Hyper{{}}
	for _, k := range slices.Sorted(maps.Keys(grid)) {
		next := make([]models.Hyper, 0, len(points)*len(grid[k]))
		for _, p := range points {
			for _, v := range grid[k] {
				q := maps.Clone(p)
				q[k] = v
				next = append(next, q)
			}
		}
		points = next
	}
	return points
}

// TrialRow is one row of the tune stage's trials table: one (system, grid
// point).
type TrialRow struct {
	System           string  `arrow:"system" doc:"catalog name of the system"`
	Trajectory       int64   `arrow:"trajectory" doc:"the trajectory (initial condition) fitted and scored"`
	Model            string  `arrow:"model" doc:"model family"`
	Label            string  `arrow:"label" doc:"the tune stage's label (default: the family name)"`
	Trial            int64   `arrow:"trial" doc:"index of the grid point in grid order, from 0"`
	Grid             string  `arrow:"grid" doc:"the grid point: the tuned hyperparameters' values, as a JSON object"`
	Hyper            string  `arrow:"hyper" doc:"every hyperparameter of the fit (family defaults, then the stage's hyper, then the grid point), as a JSON object"`
	FitPoints        int64   `arrow:"fit_points" unit:"points" doc:"points fitted on, immediately before the validation window"`
	ValidationPoints int64   `arrow:"validation_points" unit:"points" doc:"points forecast and scored: the end of the series"`
	ValidationSMAPE  float64 `arrow:"validation_smape" unit:"percent (0-200)" doc:"sMAPE of the forecast over the validation window on the 0-200 scale; 200 for a failed trial"`
	Failed           bool    `arrow:"failed" doc:"the fit failed, or the forecast diverged or was not finite; scored 200"`
	Reason           string  `arrow:"reason,nullable" doc:"why the trial failed; null when it did not"`
	Chosen           bool    `arrow:"chosen" doc:"the system's selected trial: the lowest validation_smape, a failed trial losing a tie, then the first in grid order; exactly one per system"`
}

// Trials declares the trials table, for the stages that read it.
var Trials = schemas.NewTable[TrialRow]()

func init() {
	stages.Register(stages.Default, stages.Definition[TuneParams]{
		Name:    "tune",
		Version: 1,
		Summary: "Choose a model's hyperparameters per system by validation sMAPE over a grid (Gilpin 2023's selection).",
		Doc: "For every system of the `train` table (a series of its own, such as Gilpin 2023's train-IC series, " +
			"not the one the benchmark scores), takes the trajectory numbered `trajectory`, holds out its last " +
			"round(`validation` × length) points (default 1/6: the last 200 of 1,200) and, for every point of " +
			"`grid` (the cartesian product of its lists; hyperparameters: the family's defaults, then `hyper`, then " +
			"the grid point), fits a model of family `model` on the `points` points before the held-out window " +
			"(0: all of them), forecasts the window with the fit data as history (the fit and forecast code of " +
			"`train` and `forecast`) and scores it by sMAPE on the 0-200 scale against the held-out points. A trial " +
			"whose fit fails or whose forecast diverges or is not finite scores 200 and is marked `failed`. The " +
			"chosen trial of a system has the lowest sMAPE (a failed trial loses a tie, then grid order decides, so " +
			"when every trial fails the first is chosen). Every trial of a system is seeded with the same seed, " +
			"from the stage seed and the system name, as Gilpin 2023's fixed random state: trials differ only by " +
			"their hyperparameters, and a trial's result does not depend on the rest of the grid or on scheduling. " +
			"Trials run in parallel. Connect `trials` to a train stage's `tuned` input to fit the chosen " +
			"configurations. Schema metadata: `family`, `label`, `grid` and `hyper` (JSON), `seed`.",
		Defaults: TuneParams{Validation: 1.0 / 6},
		Examples: []stages.Example{
			{Title: "Gilpin 2023's linear autoregression: lags 3, 5, 10 or 25, scored on the last 1/6", Params: "model: linear_ar\nlabel: linear_ar_gilpin\ngrid: {lags: [3, 5, 10, 25]}\n"},
			{Title: "Echo state network leak rate on the last 1,000 of 5,000 points, fitted on the 2,000 before them", Params: "model: esn\ngrid: {leak: [0.1, 0.5, 1]}\nvalidation: 0.2\npoints: 2000\n"},
			{Title: "Gilpin 2023's NVAR (order 1, ridge 1e-4, standardised): delay taps", Params: "model: nvar\nlabel: nvar_gilpin\nhyper: {order: 1, ridge: 1e-4, standardize: 1}\ngrid: {k: [2, 5, 15, 30, 60, 120]}\n"},
		},
		New: func(p TuneParams, env stages.Env) (stages.Stage, error) {
			fam, ok := models.Lookup(p.Model)
			if !ok {
				return nil, fmt.Errorf("unknown model family %q", p.Model)
			}
			if _, err := models.MergeHyper(fam, p.Hyper); err != nil {
				return nil, err
			}
			return &tuneStage{p: p, fam: fam, grid: gridPoints(p.Grid), seed: env.Seed}, nil
		},
	})
}

type tuneStage struct {
	p    TuneParams
	fam  models.Family
	grid []models.Hyper
	seed uint64
}

func (s *tuneStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "train", Schema: trajectoryInput, Doc: "trajectory table to tune on: each system's series is split into fit points and a validation window at its end."}},
		[]stages.Port{stages.TablePort("trials", "one row per (system, grid point), the chosen one flagged.", Trials)}
}

// tuneSystem is one system's split series.
type tuneSystem struct {
	name     string
	fit, val *schemas.Series
	x        *mat.Dense // the fit points
	dt       float64
	seed     uint64
}

// trial is one (system, grid point) to run.
type trial struct {
	sys   *tuneSystem
	index int
	grid  models.Hyper
	hyper models.Hyper
}

func (s *tuneStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	t, err := readTrajectories(in.One("train"))
	if err != nil {
		return nil, fmt.Errorf("input train: %w", err)
	}
	if len(t.Order) == 0 {
		return nil, fmt.Errorf("input train: the table has no rows")
	}
	systems := make([]tuneSystem, 0, len(t.Order))
	for _, name := range t.Order {
		sys, err := s.split(t, name)
		if err != nil {
			return nil, fmt.Errorf("input train: %w", err)
		}
		systems = append(systems, sys)
	}
	trials := make([]trial, 0, len(systems)*len(s.grid))
	for i := range systems {
		for k, g := range s.grid {
			over := maps.Clone(s.p.Hyper)
			if over == nil {
				over = map[string]float64{}
			}
			maps.Copy(over, g)
			h, err := models.MergeHyper(s.fam, over)
			if err != nil {
				return nil, err
			}
			trials = append(trials, trial{sys: &systems[i], index: k, grid: g, hyper: h})
		}
	}

	rows := make([]TrialRow, len(trials))
	if err := stages.ForEach(ctx, len(trials), func(i int) {
		rows[i] = s.runTrial(ctx, &trials[i])
	}); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Choose per system: rows of a system are contiguous, in grid order.
	for lo := 0; lo < len(rows); lo += len(s.grid) {
		best := lo
		for i := lo + 1; i < lo+len(s.grid); i++ {
			if better(rows[i], rows[best]) {
				best = i
			}
		}
		rows[best].Chosen = true
	}

	gridJSON, err := json.Marshal(s.p.Grid)
	if err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	fixed := s.p.Hyper
	if fixed == nil {
		fixed = map[string]float64{}
	}
	hyperJSON, err := json.Marshal(fixed)
	if err != nil {
		return nil, fmt.Errorf("hyper: %w", err)
	}
	meta := map[string]string{
		"runner.kind": "tune", "family": s.fam.Name, "label": labelOr(s.p.Label, s.fam.Name),
		"grid": string(gridJSON), "hyper": string(hyperJSON), "seed": strconv.FormatUint(s.seed, 10),
	}
	if len(systems) == 1 {
		meta["system"] = systems[0].name
	}
	return stages.Outputs{"trials": Trials.Record(rows, meta)}, nil
}

// better reports whether trial a beats b: a lower sMAPE, or an equal one
// without failing where b failed. Equal trials keep the earlier (b).
func better(a, b TrialRow) bool {
	if a.ValidationSMAPE != b.ValidationSMAPE {
		return a.ValidationSMAPE < b.ValidationSMAPE
	}
	return !a.Failed && b.Failed
}

// split cuts a system's series into the fit points and the validation
// window at its end.
func (s *tuneStage) split(t *schemas.TrajectorySet, name string) (tuneSystem, error) {
	sr := t.Find(name, int64(s.p.Trajectory))
	if sr == nil {
		have := make([]string, 0, len(t.Series[name]))
		for _, c := range t.Series[name] {
			have = append(have, strconv.FormatInt(c.Trajectory, 10))
		}
		return tuneSystem{}, fmt.Errorf("%s has no trajectory %d (have %s)", name, s.p.Trajectory, strings.Join(have, ", "))
	}
	n := sr.Len()
	nVal := int(math.Round(s.p.Validation * float64(n)))
	end := n - nVal // first validation point
	start := 0
	if s.p.Points > 0 {
		if s.p.Points > end {
			return tuneSystem{}, fmt.Errorf("%s: points %d is more than the %d points before the validation window (%d of %d points)", name, s.p.Points, end, nVal, n)
		}
		start = end - s.p.Points
	}
	if nVal < 1 || end-start < 2 {
		return tuneSystem{}, fmt.Errorf("%s: %d points cannot be split into at least 2 fit points and a validation window of validation %g", name, n, s.p.Validation)
	}
	if sr.Steps[end] != sr.Steps[end-1]+1 {
		return tuneSystem{}, fmt.Errorf("%s: steps %d and %d around the validation window are not consecutive, so the fit points cannot serve as the forecast's history", name, sr.Steps[end-1], sr.Steps[end])
	}
	part := func(a, b int) *schemas.Series {
		return &schemas.Series{System: name, Trajectory: sr.Trajectory, Steps: sr.Steps[a:b], Times: sr.Times[a:b], X: sr.X[a:b]}
	}
	sys := tuneSystem{name: name, fit: part(start, end), val: part(end, n), dt: sampleDt(t, name), seed: stages.SubSeed(s.seed, name)}
	sys.x = rowsMatrix(sys.fit.X)
	return sys, nil
}

// rowsMatrix stacks states as the rows of a matrix.
func rowsMatrix(xs [][]float64) *mat.Dense {
	m := mat.NewDense(len(xs), len(xs[0]), nil)
	for i, x := range xs {
		m.SetRow(i, x)
	}
	return m
}

// runTrial fits and scores one grid point of one system. Every problem of
// the trial is a failed row, not an error; a cancelled context leaves the
// row for Run to discard.
func (s *tuneStage) runTrial(ctx context.Context, tr *trial) TrialRow {
	sys := tr.sys
	gj, _ := json.Marshal(tr.grid)
	hj, _ := json.Marshal(tr.hyper)
	row := TrialRow{
		System: sys.name, Trajectory: sys.fit.Trajectory, Model: s.fam.Name, Label: labelOr(s.p.Label, s.fam.Name),
		Trial: int64(tr.index), Grid: string(gj), Hyper: string(hj),
		FitPoints: int64(sys.fit.Len()), ValidationPoints: int64(sys.val.Len()),
	}
	fail := func(reason string) TrialRow {
		row.ValidationSMAPE, row.Failed, row.Reason = FailedSMAPE, true, reason
		return row
	}
	f, _ := fitSystem(ctx, s.fam, tr.hyper, sys.name, sys.x, sys.dt, sys.seed)
	if f.Err != "" {
		return fail("fit failed: " + f.Err)
	}
	j := job{sys: sys.name, fit: &f, test: sys.val, hist: sys.fit, horizon: sys.val.Len(), dt: sys.dt}
	r, err := runJob(ctx, &j)
	switch {
	case err != nil:
		return fail(err.Error())
	case r.failStep >= 0:
		return fail(fmt.Sprintf("forecast diverged at validation point %d: %s", r.failStep, r.reason))
	case len(r.steps) == 0 || r.steps[0] != sys.val.Steps[0]:
		// The model wanted more context than the fit points and used
		// validation points as warm-up.
		return fail(fmt.Sprintf("the model needs %d points of context, more than the %d fit points", r.context, sys.fit.Len()))
	}
	v, err := metrics.Compute("smape", rowsMatrix(sys.val.X), r.x)
	if err != nil {
		return fail("smape: " + err.Error())
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fail(fmt.Sprintf("smape is %v", v))
	}
	row.ValidationSMAPE = v
	return row
}
