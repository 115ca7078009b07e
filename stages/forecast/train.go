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

	"github.com/apache/arrow-go/v18/arrow"
	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/internal/suggest"
	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages"
)

// TrainParams configure the train stage.
type TrainParams struct {
	Model      string             `yaml:"model" doc:"model family: one of naive, mean, linear_ar, nvar, esn, dmd, hankel_dmd, edmd, random_features, ssm, sindy, analog, parrot, mlp, neural_ode (see models.Names)"`
	Hyper      map[string]float64 `yaml:"hyper,omitempty" doc:"hyperparameters overriding the family's defaults, by name (an unknown name is an error that lists the valid ones)"`
	Points     int                `yaml:"points,omitempty" doc:"fit on the first points points of the trajectory only (0: all of it)"`
	Recent     bool               `yaml:"recent,omitempty" doc:"with points: fit on the last points points instead of the first, so the fit data end where the forecast starts (Gilpin 2023's data-limited sweep drops the oldest points)"`
	Trajectory int                `yaml:"trajectory,omitempty" doc:"index of the trajectory (initial condition) of each system that the model is fitted on (default 0, the catalog initial condition)"`
	Label      string             `yaml:"label,omitempty" doc:"name of this configuration in the results (default: the family name), written as \"label\" into each system's entry of the systems metadata; no commas"`
}

// Validate checks the family name and the hyperparameter names against the
// models registry.
func (p *TrainParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	errs = append(errs, validateModel(p.Model, p.Hyper)...)
	if p.Points < 0 {
		bad("points", "must be >= 0 (0: every point)")
	}
	if p.Points == 1 {
		bad("points", "must be 0 (every point) or at least 2")
	}
	if p.Trajectory < 0 {
		bad("trajectory", "must be >= 0")
	}
	if p.Recent && p.Points == 0 {
		bad("recent", "needs points: the number of most recent points to fit on")
	}
	errs = append(errs, validateLabel(p.Label)...)
	return errs
}

// validateModel checks a family name and hyperparameter overrides (field
// "hyper") against the models registry.
func validateModel(model string, hyper map[string]float64) []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	fam, ok := models.Lookup(model)
	if !ok {
		bad("model", fmt.Sprintf("unknown model family %q%s (have %s)", model,
			suggest.DidYouMean(model, models.Names()), strings.Join(models.Names(), ", ")))
	} else {
		for _, k := range slices.Sorted(maps.Keys(hyper)) {
			if _, ok := fam.Defaults[k]; !ok {
				bad("hyper", unknownHyper(fam, k))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(hyper)) {
		if v := hyper[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			bad("hyper."+k, fmt.Sprintf("hyperparameter %q must be finite, got %v", k, v))
		}
	}
	if ok {
		errs = append(errs, checkHyper(model, hyper, func(k string) string { return "hyper." + k })...)
	}
	return errs
}

// unknownHyper is the message for a hyperparameter name fam does not have.
func unknownHyper(fam models.Family, k string) string {
	valid := slices.Sorted(maps.Keys(fam.Defaults))
	list := strings.Join(valid, ", ")
	if list == "" {
		list = "none"
	}
	return fmt.Sprintf("model %s has no hyperparameter %q%s (valid: %s)", fam.Name, k, suggest.DidYouMean(k, valid), list)
}

// validateLabel checks a label param: empty (the family name) or a name
// without commas, which would not survive a comma-separated list of labels.
func validateLabel(label string) []stages.FieldError {
	switch {
	case strings.Contains(label, ","):
		return []stages.FieldError{{Field: "label", Message: fmt.Sprintf("must not contain commas, got %q", label)}}
	case label != "" && strings.TrimSpace(label) == "":
		return []stages.FieldError{{Field: "label", Message: "must not be blank (leave it out for the family name)"}}
	}
	return nil
}

// labelOr is label, or the family name when label is empty.
func labelOr(label, family string) string {
	if label == "" {
		return family
	}
	return label
}

func init() {
	stages.Register(stages.Default, stages.Definition[TrainParams]{
		Name: "train",
		// Version 2: Ridge falls back to a pseudo-inverse when Cholesky fails (NVAR fitted 18 more flows).
		// Version 3: each system's entry of the systems metadata holds "label"
		// (and "tuned" with a tuned input); the table-level "hyper" is left
		// out when tuned systems differ.
		Version: 3,
		Summary: "Fit one forecasting model per system of a trajectory table; output the fitted weights as a table.",
		Doc: "For every system in the `train` table, fits a model of family `model` (hyperparameters: the family's " +
			"defaults overridden by `hyper`) on ONE trajectory of that system, the one numbered `trajectory` " +
			"(default 0, the catalog initial condition; the others are ignored, since the models fit a single " +
			"contiguous series and joining trajectories would create false transitions), truncated to its first " +
			"`points` points if set, with state columns beyond the system's dimension dropped. The sampling step " +
			"given to the model is the table's `sample_dt` metadata (or the step of the time column). Each system's " +
			"fit is seeded from the stage seed and the system name, so it does not depend on the other systems or " +
			"on scheduling. Systems are fitted in parallel. A fit that fails (too few points, a singular system, a " +
			"panic in a model) does not stop the others: the system gets a row whose `error` column holds the " +
			"reason, and the forecast stage flags its rows as diverged from the first step. The `model` table has " +
			"one row per (system, weight array), with the array's shape and row-major data as lists, so pandas or " +
			"pyarrow can read it; schema metadata holds the family, the merged hyperparameters (`hyper`, JSON) and " +
			"per-system details (`systems`, JSON: label, dimension, sampling step, Lyapunov time, points, seed, " +
			"context). `label` (default: the family name) names the configuration in the results; `forecast` " +
			"carries it on and `metrics` names the model by it.\n\n" +
			"With the optional `tuned` input (the `trials` table of a `tune` stage of the same family), each " +
			"system is fitted with the hyperparameters of its chosen trial: the trial's `hyper` (family defaults, " +
			"the tune stage's `hyper`, then the grid point), then this stage's `hyper` for names the grid did not " +
			"tune. A name both in this stage's `hyper` and in the tuned grid is an error (it is only known when the " +
			"trials arrive, so at run time), as is a system with no chosen trial or a trials table of another family. " +
			"The model table then holds each system's own hyperparameters in its rows' `hyper` column and the chosen " +
			"trial in the system's `tuned` metadata entry; the table-level `hyper` is written only when every " +
			"system has the same.",
		Defaults: TrainParams{},
		Examples: []stages.Example{
			{Title: "Next-generation reservoir computer with training noise (stable on accurate data)", Params: "model: nvar\nhyper: {noise: 1e-3}\n"},
			{Title: "Echo state network on the first 1,000 points, slower leak", Params: "model: esn\nhyper: {leak: 0.5}\npoints: 1000\n"},
			{Title: "Linear autoregression with 10 lags", Params: "model: linear_ar\nhyper: {lags: 10}\n"},
			{Title: "Gilpin 2023's published linear autoregression, lags from a tune stage's trials (input tuned)", Params: "model: linear_ar\nlabel: linear_ar_gilpin\npoints: 1000\n"},
		},
		New: func(p TrainParams, env stages.Env) (stages.Stage, error) {
			fam, ok := models.Lookup(p.Model)
			if !ok {
				return nil, fmt.Errorf("unknown model family %q", p.Model)
			}
			hyper, err := models.MergeHyper(fam, p.Hyper)
			if err != nil {
				return nil, err
			}
			return &trainStage{p: p, fam: fam, hyper: hyper, seed: env.Seed}, nil
		},
	})
}

type trainStage struct {
	p     TrainParams
	fam   models.Family
	hyper models.Hyper
	seed  uint64
}

func (s *trainStage) Ports() (in, out []stages.Port) {
	return []stages.Port{
			{Name: "train", Schema: trajectoryInput, Doc: "trajectory table to fit on (one model per system)."},
			func() stages.Port {
				p := stages.TablePort("tuned", "trials of a tune stage of the same family: each system is fitted with its chosen trial's hyperparameters.", Trials)
				p.Optional = true
				return p
			}(),
		},
		[]stages.Port{stages.TablePort("model", "the fitted snapshots, one row per (system, weight array).", modelTable)}
}

// systemMeta is one system's entry of the model table's "systems" metadata.
type systemMeta struct {
	System       string      `json:"system"`
	Family       string      `json:"family"`
	Label        string      `json:"label"`
	Dim          int         `json:"dim"`
	SampleDt     float64     `json:"sample_dt"`
	LyapunovTime *float64    `json:"lyapunov_time"`
	Trajectory   int64       `json:"trajectory"`
	Points       int         `json:"points"`
	Seed         uint64      `json:"seed"`
	Context      int         `json:"context"`
	Tuned        *tunedEntry `json:"tuned,omitempty"`
	Error        string      `json:"error,omitempty"`
}

// tunedEntry records the chosen trial a tuned system was fitted with.
type tunedEntry struct {
	Trial           int64        `json:"trial"`
	Label           string       `json:"label"`
	Grid            models.Hyper `json:"grid"`
	ValidationSMAPE float64      `json:"validation_smape"`
}

type fitJob struct {
	name  string
	x     *mat.Dense
	hyper models.Hyper
	meta  systemMeta
}

func (s *trainStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	t, err := readTrajectories(in.One("train"))
	if err != nil {
		return nil, fmt.Errorf("input train: %w", err)
	}
	if len(t.Order) == 0 {
		return nil, fmt.Errorf("input train: the table has no rows")
	}
	var tuned map[string]TrialRow
	if rec := in.One("tuned"); rec != nil {
		if tuned, err = chosenTrials(rec, s.fam.Name, labelOr(s.p.Label, s.fam.Name)); err != nil {
			return nil, fmt.Errorf("input tuned: %w", err)
		}
	}
	jobs := make([]fitJob, 0, len(t.Order))
	for _, name := range t.Order {
		sr := t.Find(name, int64(s.p.Trajectory))
		if sr == nil {
			have := make([]string, 0, len(t.Series[name]))
			for _, c := range t.Series[name] {
				have = append(have, strconv.FormatInt(c.Trajectory, 10))
			}
			return nil, fmt.Errorf("input train: %s has no trajectory %d (have %s)", name, s.p.Trajectory, strings.Join(have, ", "))
		}
		n, first := sr.Len(), 0
		if s.p.Points > 0 {
			n = min(n, s.p.Points)
		}
		if s.p.Recent {
			first = sr.Len() - n
		}
		d := len(sr.X[0])
		x := mat.NewDense(n, d, nil)
		for i := 0; i < n; i++ {
			x.SetRow(i, sr.X[first+i])
		}
		m := systemMeta{
			System: name, Family: s.fam.Name, Label: labelOr(s.p.Label, s.fam.Name), Dim: d, SampleDt: sampleDt(t, name),
			Trajectory: sr.Trajectory, Points: n, Seed: stages.SubSeed(s.seed, name),
		}
		if lt := lyapunovTime(t, name); !math.IsNaN(lt) {
			m.LyapunovTime = &lt
		}
		hyper := s.hyper
		if tuned != nil {
			if hyper, m.Tuned, err = s.tunedHyper(name, tuned); err != nil {
				return nil, fmt.Errorf("input tuned: %w", err)
			}
		}
		jobs = append(jobs, fitJob{name: name, x: x, hyper: hyper, meta: m})
	}

	results := make([]fitted, len(jobs))
	if err := stages.ForEach(ctx, len(jobs), func(i int) {
		results[i] = s.fitOne(ctx, &jobs[i])
	}); err != nil {
		return nil, err
	}

	metas := make([]systemMeta, len(jobs))
	for i := range jobs {
		metas[i] = jobs[i].meta
		metas[i].Error = results[i].Err
	}
	sysJSON, err := json.Marshal(metas)
	if err != nil {
		return nil, fmt.Errorf("systems metadata: %w", err)
	}
	meta := map[string]string{
		"runner.kind": "train", "family": s.fam.Name,
		"seed": strconv.FormatUint(s.seed, 10), "systems": string(sysJSON),
	}
	// The table-level hyper describes every system, so tuned systems with
	// different hyperparameters leave it out (their rows hold their own).
	common := true
	for _, j := range jobs[1:] {
		common = common && maps.Equal(j.hyper, jobs[0].hyper)
	}
	if common {
		hyperJSON, err := json.Marshal(jobs[0].hyper)
		if err != nil {
			return nil, fmt.Errorf("hyperparameters: %w", err)
		}
		meta["hyper"] = string(hyperJSON)
	}
	if len(jobs) == 1 {
		meta["system"] = jobs[0].name
	}
	rec, err := encodeModels(results, meta)
	if err != nil {
		return nil, err
	}
	return stages.Outputs{"model": rec}, nil
}

// tunedHyper is the hyperparameters of a system from its chosen trial:
// the trial's (defaults, the tune stage's hyper, the grid point), then this
// stage's hyper for the names the grid did not tune.
func (s *trainStage) tunedHyper(name string, tuned map[string]TrialRow) (models.Hyper, *tunedEntry, error) {
	row, ok := tuned[name]
	if !ok {
		have := slices.Sorted(maps.Keys(tuned))
		return nil, nil, fmt.Errorf("no chosen trial for system %s (the trials table has %s)", name, strings.Join(have, ", "))
	}
	var trial, grid models.Hyper
	if err := json.Unmarshal([]byte(row.Hyper), &trial); err != nil {
		return nil, nil, fmt.Errorf("%s: trial %d: hyper: %w", name, row.Trial, err)
	}
	if err := json.Unmarshal([]byte(row.Grid), &grid); err != nil {
		return nil, nil, fmt.Errorf("%s: trial %d: grid: %w", name, row.Trial, err)
	}
	hyper, err := models.MergeHyper(s.fam, trial)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: trial %d: %w", name, row.Trial, err)
	}
	for _, k := range slices.Sorted(maps.Keys(s.p.Hyper)) {
		if _, ok := grid[k]; ok {
			return nil, nil, fmt.Errorf("hyper.%s is set on this stage and tuned by the grid of the trials table: drop one of them", k)
		}
		hyper[k] = s.p.Hyper[k]
	}
	if grid == nil {
		grid = models.Hyper{}
	}
	return hyper, &tunedEntry{Trial: row.Trial, Label: row.Label, Grid: grid, ValidationSMAPE: row.ValidationSMAPE}, nil
}

// chosenTrials reads a trials table: the chosen row of each system among
// the rows of the given family and label. The table may gather the trials
// of several tune stages (a collect of one system's tunings, say): this
// stage takes those tuned under its own label.
func chosenTrials(rec arrow.RecordBatch, family, label string) (map[string]TrialRow, error) {
	rows, err := Trials.Read(rec)
	if err != nil {
		return nil, fmt.Errorf("trials table (is this the output of a tune stage?): %w", err)
	}
	out := map[string]TrialRow{}
	var others []string
	matched := false
	for _, r := range rows {
		if r.Model != family || r.Label != label {
			if c := r.Model + " labelled " + r.Label; !slices.Contains(others, c) {
				others = append(others, c)
			}
			continue
		}
		matched = true
		if !r.Chosen {
			continue
		}
		if prev, dup := out[r.System]; dup {
			return nil, fmt.Errorf("%s has two chosen trials (%d and %d) of %s labelled %s: connect one tune stage's trials per label", r.System, prev.Trial, r.Trial, family, label)
		}
		out[r.System] = r
	}
	if !matched && len(rows) > 0 {
		return nil, fmt.Errorf("no trials of model %s labelled %s (the table has %s): give train the label of the tune stage", family, label, strings.Join(others, ", "))
	}
	return out, nil
}

// fitOne fits one system.
func (s *trainStage) fitOne(ctx context.Context, j *fitJob) fitted {
	f, c := fitSystem(ctx, s.fam, j.hyper, j.name, j.x, j.meta.SampleDt, j.meta.Seed)
	j.meta.Context = c
	return f
}

// fitSystem fits fam with hyper on x and returns the snapshot and the
// model's context; a failure is in the result's Err. Fit does not take a
// context, so it runs in its own goroutine and fitSystem returns as soon as
// ctx is done (the abandoned fit finishes in the background and its result
// is dropped).
func fitSystem(ctx context.Context, fam models.Family, hyper models.Hyper, name string, x *mat.Dense, dt float64, seed uint64) (fitted, int) {
	if err := ctx.Err(); err != nil {
		return fitted{System: name, Err: err.Error()}, 0
	}
	// Features that cannot fit in memory fail this system's fit, before
	// the model allocates them.
	rows, d := x.Dims()
	if need, features := fitBytes(fam.Name, hyper, rows, d); need > 0 {
		if err := stages.CheckMemory(need, fmt.Sprintf("a %s fit of %d points with %.3g features", fam.Name, rows, features)); err != nil {
			return fitted{System: name, Snapshot: models.Snapshot{Family: fam.Name, Hyper: cloneHyper(hyper)}, Err: err.Error()}, 0
		}
	}
	type res struct {
		m   models.Model
		err error
	}
	done := make(chan res, 1)
	cfg := models.TrainConfig{Dt: dt, Hyper: cloneHyper(hyper), Seed: seed}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- res{err: fmt.Errorf("panic in %s fit: %v", fam.Name, r)}
			}
		}()
		m, err := fam.Fit(x, cfg)
		done <- res{m, err}
	}()
	var r res
	select {
	case r = <-done:
	case <-ctx.Done():
		return fitted{System: name, Err: ctx.Err().Error()}, 0
	}
	if r.err == nil && r.m == nil {
		r.err = fmt.Errorf("%s fit returned no model", fam.Name)
	}
	if r.err != nil {
		return fitted{System: name, Snapshot: models.Snapshot{Family: fam.Name, Hyper: cloneHyper(hyper)}, Err: r.err.Error()}, 0
	}
	return fitted{System: name, Snapshot: r.m.Snapshot()}, r.m.Context()
}

func cloneHyper(h models.Hyper) models.Hyper {
	out := make(models.Hyper, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}
