package report

import (
	"context"
	"fmt"
	"strings"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/invariants"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/solvereval"
)

// Params configure the report stage.
type Params struct {
	Title      string   `yaml:"title,omitempty" doc:"title of the page"`
	Task       string   `yaml:"task,omitempty" doc:"task whose ranking (by mean sMAPE, failures counted) picks the best models drawn on each system's section"`
	Best       int      `yaml:"best,omitempty" doc:"number of best-ranked models drawn against the truth on each system's section"`
	Baselines  []string `yaml:"baselines,omitempty" doc:"model labels drawn on every system's section besides the best ones, when they have a forecast"`
	Trajectory int64    `yaml:"trajectory,omitempty" doc:"initial-condition index (trajectory column) drawn on the system sections; the first replicate cell that has it is drawn"`
	MaxSystems int      `yaml:"max_systems,omitempty" doc:"systems given a section, in name order (0: every system with a forecast, invariants or metrics)"`
	MaxPoints  int      `yaml:"max_points,omitempty" doc:"samples drawn per trajectory (the leading ones)"`
	MaxListed  int      `yaml:"max_listed,omitempty" doc:"failed runs listed by name (the count is always complete)"`
}

// Defaults of the report stage.
var Defaults = Params{Title: "Forecasting benchmark report", Task: "standard", Best: 2, Baselines: []string{"naive"},
	MaxPoints: 1000, MaxListed: 200}

// Validate checks the params.
func (p *Params) Validate() []stages.FieldError {
	var errs []stages.FieldError
	bad := func(f, m string) { errs = append(errs, stages.FieldError{Field: f, Message: m}) }
	if strings.TrimSpace(p.Title) == "" {
		bad("title", "must not be empty")
	}
	if strings.TrimSpace(p.Task) == "" {
		bad("task", "must name a task")
	}
	if p.Best < 0 || p.Best > 10 {
		bad("best", "must be in 0..10")
	}
	if p.Trajectory < 0 {
		bad("trajectory", "must be >= 0")
	}
	if p.MaxSystems < 0 {
		bad("max_systems", "must be >= 0")
	}
	if p.MaxPoints < 2 {
		bad("max_points", "must be >= 2")
	}
	if p.MaxListed < 0 {
		bad("max_listed", "must be >= 0")
	}
	return errs
}

// MediaTypes of the report's files.
var MediaTypes = []string{"text/html", "text/markdown", "image/svg+xml"}

const doc = "Writes `report.html`, one self-contained page (figures embedded as PNG data: URIs, inline CSS, no " +
	"scripts, no fonts or anything else fetched), `report.md`, a Markdown summary, and `figures/<name>.svg`, " +
	"every figure as SVG, on its file port `files` (give the stage `publish: <folder>` to have runner apply place " +
	"them there). Every input is optional and a fan-in; a section whose input is not connected is left out. " +
	"Sections: the leaderboard of every task (`leaderboard` tables: ranked by mean sMAPE with failures counted at " +
	"the worst value, the rank by median VPT in Lyapunov times beside it, failures, spread over replicates, " +
	"Gilpin 2023's published figure and the difference for the published configurations) with a VPT figure per " +
	"task; the data-limited curve (tasks data_limited_<points>: sMAPE against training points per model, log " +
	"x); the long-horizon comparison (tasks standard and long side by side); one section per system " +
	"(`forecasts` and their `truth`, matched by the producers' matrix cells: the truth against the `best` " +
	"best-ranked models of `task` and the `baselines`, an attractor projection, the normalised error against " +
	"the horizon in Lyapunov times with a log scale; per-model metrics from `metrics`; the `invariants` beside " +
	"the dysts values); the solver work-precision diagram and ranking (`solvers`: solver_eval results); the " +
	"clustering of systems by invariants (`clusters` with `invariants`: the first two principal components of " +
	"the standardised features, coloured by cluster, medoids named); the failures (failed runs of the metrics " +
	"tables with their status, systems whose invariants failed) and the provenance of the inputs (producing " +
	"instance and cache key of every table, this stage's params and seed). What changes from run to run (run " +
	"id, host, runner version, the pipeline file and its digest, the root seed, cached vs ran, stage " +
	"failures of the run) would break caching if it were in the report: runner apply writes it into run.json " +
	"beside the published files, and the page links it. Failures upstream that are recorded in rows (a fit " +
	"that failed, a diverged forecast) are listed; every input is partial: an upstream instance that failed or " +
	"was skipped does not skip the report, it is listed as missing (its error is in run.json) and the report is " +
	"stored under a key that names the missing instances, so a later complete run recomputes it."

func init() {
	stages.Register(stages.Default, stages.Definition[Params]{
		Name: "report",
		// 2: the leaderboard links timings.html (fit and forecast times).
		Version:  2,
		Summary:  "One self-contained HTML report (and a Markdown summary) of a benchmark: leaderboards, system pages, solvers, clustering, failures, provenance.",
		Doc:      doc,
		Defaults: Defaults,
		Examples: []stages.Example{
			{Title: "Defaults", Params: "{}\n"},
			{Title: "Three best models and two baselines per system, the first 20 systems", Params: "best: 3\nbaselines: [naive, parrot]\nmax_systems: 20\n"},
		},
		New: func(p Params, env stages.Env) (stages.Stage, error) { return &stage{p: p, env: env}, nil },
	})
}

type stage struct {
	p   Params
	env stages.Env
}

var trajectoryInput = schemas.Trajectory(1, nil)

func (s *stage) Ports() (in, out []stages.Port) {
	// Every input is an optional fan-in that tolerates failed producers:
	// the report shows what exists and lists what is missing.
	many := func(p stages.Port) stages.Port {
		p.Many, p.Optional, p.Partial = true, true, true
		return p
	}
	in = []stages.Port{
		many(stages.TablePort("leaderboard", "leaderboard tables (one per task, or collected).", leaderboard.Table)),
		many(stages.TablePort("metrics", "metrics tables of the forecasts (per-system tables, failures).", scoring.MetricsTable)),
		many(stages.Port{Name: "forecasts", Schema: trajectoryInput, Doc: "forecast tables (forecast stage)."}),
		many(stages.Port{Name: "truth", Schema: trajectoryInput, Doc: "the test series the forecasts are scored against (generate's test port)."}),
		many(stages.TablePort("invariants", "invariants tables.", invariants.Table)),
		many(stages.TablePort("clusters", "clusters table of a cluster stage over the invariants.", scoring.ClustersTable)),
		many(stages.TablePort("solvers", "solver_eval results.", solvereval.ResultsTable)),
	}
	return in, []stages.Port{stages.FilePort("files", "report.html, report.md and figures/*.svg.", MediaTypes...)}
}

func (s *stage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	d, err := read(in, s.p)
	if err != nil {
		return nil, err
	}
	r := newRenderer(s.p, s.env, d)
	files, err := r.render(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := stages.FilesRecord(files, MediaTypes...)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return stages.Outputs{"files": rec}, nil
}
