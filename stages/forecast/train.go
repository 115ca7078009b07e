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

	"github.com/chaos-runner/runner/internal/suggest"
	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages"
)

// TrainParams configure the train stage.
type TrainParams struct {
	Model      string             `yaml:"model" doc:"model family: one of naive, mean, linear_ar, nvar, esn, dmd, hankel_dmd, edmd, random_features, ssm, sindy, analog, mlp, neural_ode (see models.Names)"`
	Hyper      map[string]float64 `yaml:"hyper,omitempty" doc:"hyperparameters overriding the family's defaults, by name (an unknown name is an error that lists the valid ones)"`
	Points     int                `yaml:"points,omitempty" doc:"fit on the first points points of the trajectory only (0: all of it)"`
	Trajectory int                `yaml:"trajectory,omitempty" doc:"index of the trajectory (initial condition) of each system that the model is fitted on (default 0, the catalog initial condition)"`
}

// Validate checks the family name and the hyperparameter names against the
// models registry.
func (p *TrainParams) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(field, msg string) { errs = append(errs, stages.FieldError{Field: field, Message: msg}) }
	fam, ok := models.Lookup(p.Model)
	if !ok {
		bad("model", fmt.Sprintf("unknown model family %q%s (have %s)", p.Model,
			suggest.DidYouMean(p.Model, models.Names()), strings.Join(models.Names(), ", ")))
	} else {
		valid := slices.Sorted(maps.Keys(fam.Defaults))
		for _, k := range slices.Sorted(maps.Keys(p.Hyper)) {
			if _, ok := fam.Defaults[k]; !ok {
				list := strings.Join(valid, ", ")
				if list == "" {
					list = "none"
				}
				bad("hyper", fmt.Sprintf("model %s has no hyperparameter %q%s (valid: %s)", p.Model, k, suggest.DidYouMean(k, valid), list))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Hyper)) {
		if v := p.Hyper[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			bad("hyper", fmt.Sprintf("hyperparameter %q must be finite, got %v", k, v))
		}
	}
	if p.Points < 0 {
		bad("points", "must be >= 0 (0: every point)")
	}
	if p.Points == 1 {
		bad("points", "must be 0 (every point) or at least 2")
	}
	if p.Trajectory < 0 {
		bad("trajectory", "must be >= 0")
	}
	return errs
}

func init() {
	stages.Register(stages.Default, stages.Definition[TrainParams]{
		Name: "train",
		// Version 2: Ridge falls back to a pseudo-inverse when Cholesky fails (NVAR fitted 18 more flows).
		Version: 2,
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
			"per-system details (`systems`, JSON: dimension, sampling step, Lyapunov time, points, seed, context).",
		Defaults: TrainParams{},
		Examples: []stages.Example{
			{Title: "Next-generation reservoir computer with training noise (stable on accurate data)", Params: "model: nvar\nhyper: {noise: 1e-3}\n"},
			{Title: "Echo state network on the first 1,000 points, slower leak", Params: "model: esn\nhyper: {leak: 0.5}\npoints: 1000\n"},
			{Title: "Linear autoregression with 10 lags", Params: "model: linear_ar\nhyper: {lags: 10}\n"},
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
	return []stages.Port{{Name: "train", Schema: trajectoryInput, Doc: "trajectory table to fit on (one model per system)."}},
		[]stages.Port{stages.TablePort("model", "the fitted snapshots, one row per (system, weight array).", modelTable)}
}

// systemMeta is one system's entry of the model table's "systems" metadata.
type systemMeta struct {
	System       string   `json:"system"`
	Family       string   `json:"family"`
	Dim          int      `json:"dim"`
	SampleDt     float64  `json:"sample_dt"`
	LyapunovTime *float64 `json:"lyapunov_time"`
	Trajectory   int64    `json:"trajectory"`
	Points       int      `json:"points"`
	Seed         uint64   `json:"seed"`
	Context      int      `json:"context"`
	Error        string   `json:"error,omitempty"`
}

type fitJob struct {
	name string
	x    *mat.Dense
	meta systemMeta
}

func (s *trainStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	t, err := readTrajectories(in.One("train"))
	if err != nil {
		return nil, fmt.Errorf("input train: %w", err)
	}
	if len(t.Order) == 0 {
		return nil, fmt.Errorf("input train: the table has no rows")
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
		n := sr.Len()
		if s.p.Points > 0 {
			n = min(n, s.p.Points)
		}
		d := len(sr.X[0])
		x := mat.NewDense(n, d, nil)
		for i := 0; i < n; i++ {
			x.SetRow(i, sr.X[i])
		}
		m := systemMeta{
			System: name, Family: s.fam.Name, Dim: d, SampleDt: sampleDt(t, name), Trajectory: sr.Trajectory,
			Points: n, Seed: stages.SubSeed(s.seed, name),
		}
		if lt := lyapunovTime(t, name); !math.IsNaN(lt) {
			m.LyapunovTime = &lt
		}
		jobs = append(jobs, fitJob{name: name, x: x, meta: m})
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
	hyperJSON, err := json.Marshal(s.hyper)
	if err != nil {
		return nil, fmt.Errorf("hyperparameters: %w", err)
	}
	meta := map[string]string{
		"runner.kind": "train", "family": s.fam.Name, "hyper": string(hyperJSON),
		"seed": strconv.FormatUint(s.seed, 10), "systems": string(sysJSON),
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

// fitOne fits one system. Fit does not take a context, so it runs in its
// own goroutine and fitOne returns as soon as ctx is done (the abandoned fit
// finishes in the background and its result is dropped).
func (s *trainStage) fitOne(ctx context.Context, j *fitJob) fitted {
	if err := ctx.Err(); err != nil {
		return fitted{System: j.name, Err: err.Error()}
	}
	type res struct {
		m   models.Model
		err error
	}
	done := make(chan res, 1)
	cfg := models.TrainConfig{Dt: j.meta.SampleDt, Hyper: cloneHyper(s.hyper), Seed: j.meta.Seed}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- res{err: fmt.Errorf("panic in %s fit: %v", s.fam.Name, r)}
			}
		}()
		m, err := s.fam.Fit(j.x, cfg)
		done <- res{m, err}
	}()
	var r res
	select {
	case r = <-done:
	case <-ctx.Done():
		return fitted{System: j.name, Err: ctx.Err().Error()}
	}
	if r.err == nil && r.m == nil {
		r.err = fmt.Errorf("%s fit returned no model", s.fam.Name)
	}
	if r.err != nil {
		return fitted{System: j.name, Snapshot: models.Snapshot{Family: s.fam.Name, Hyper: cloneHyper(s.hyper)}, Err: r.err.Error()}
	}
	snap := r.m.Snapshot()
	j.meta.Context = r.m.Context()
	return fitted{System: j.name, Snapshot: snap}
}

func cloneHyper(h models.Hyper) models.Hyper {
	out := make(models.Hyper, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}
