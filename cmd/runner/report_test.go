package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/stages"
)

// quickApply applies a copy of pipelines/quick.yaml (so that it publishes
// into dir/reports/quick) and returns the result and the ids that ran.
func quickApply(t *testing.T, dir string, store *artifacts.Store, sets ...string) (*runner.Result, []string) {
	t.Helper()
	res, ran, err := applyFile(t, filepath.Join(dir, "pipelines", "quick.yaml"), stages.Default, store, sets...)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res, ran
}

func applyFile(t *testing.T, path string, reg *stages.Registry, store *artifacts.Store, sets ...string) (*runner.Result, []string, error) {
	t.Helper()
	p, ds := runner.Load(path, sets, reg)
	if len(ds) > 0 {
		t.Fatalf("load: %v", ds)
	}
	plan, ds := runner.NewPlan(p, reg)
	if len(ds) > 0 {
		t.Fatalf("plan: %v", ds)
	}
	res, err := runner.Apply(context.Background(), plan, store, runner.Options{Jobs: 2})
	var ran []string
	for i, o := range res.Outcomes {
		if o == runner.Ran {
			ran = append(ran, plan.Nodes[i].ID())
		}
	}
	return res, ran, err
}

// chromium returns the browser, installing it with the project's script
// when missing. Without it the test skips, except under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	out, err := exec.Command("../../scripts/install-chromium.sh").Output()
	if err == nil {
		return strings.TrimSpace(string(out))
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium is missing and scripts/install-chromium.sh failed: %v", err)
	}
	t.Skipf("chromium is missing and could not be installed (%v); CI=true makes this a failure", err)
	return ""
}

type pageCheck struct {
	ConsoleErrors    []string `json:"consoleErrors"`
	Exceptions       []string `json:"exceptions"`
	FailedRequests   []string `json:"failedRequests"`
	ExternalRequests []string `json:"externalRequests"`
	RenderMillis     int      `json:"renderMillis"`
	Sections         []string `json:"sections"`
	Boards           []struct {
		Rows       int     `json:"rows"`
		Height     float64 `json:"height"`
		FirstModel string  `json:"firstModel"`
	} `json:"boards"`
	Images []struct {
		Alt          string  `json:"alt"`
		Complete     bool    `json:"complete"`
		NaturalWidth int     `json:"naturalWidth"`
		Width        float64 `json:"width"`
		Height       float64 `json:"height"`
	} `json:"images"`
	Scripts     int      `json:"scripts"`
	Screenshots []string `json:"screenshots"`
}

// TestQuickReport applies pipelines/quick.yaml and checks what a user
// sees: the published report opens in headless Chromium with no console
// error and no failed or external request, shows the leaderboard and every
// image at a non-zero size (screenshots are saved); a second apply runs
// and republishes nothing; a changed ESN hyperparameter reruns the ESN
// cells, the leaderboards and the report only; the failed forecasts of
// the run are listed in the report.
func TestQuickReport(t *testing.T) {
	if testing.Short() {
		t.Skip("applies quick.yaml (about half a minute on 2 cores)")
	}
	dir := t.TempDir()
	src, err := os.ReadFile("../../pipelines/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "pipelines"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pipelines", "quick.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := artifacts.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := quickApply(t, dir, store)
	site := filepath.Join(dir, "reports", "quick")
	page := filepath.Join(site, "report.html")
	html, err := os.ReadFile(page)
	if err != nil || res.Published == 0 {
		t.Fatalf("report not published (%d files): %v", res.Published, err)
	}
	st, _ := os.Stat(page)
	t.Logf("quick.yaml: %d instances ran in %.1fs; report.html %d bytes, %d files published", res.Ran, res.Elapsed.Seconds(), st.Size(), res.Published)

	// --- the page in a browser ---
	browser := chromium(t)
	shots := os.Getenv("RUNNER_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "runner-report-screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", "--experimental-websocket", "../../test/node/report-check.mjs", browser, page, shots, "sys-Lorenz").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("report-check.mjs: %v\n%s", err, stderr)
	}
	var pc pageCheck
	if err := json.Unmarshal(out, &pc); err != nil {
		t.Fatalf("report-check output: %v\n%s", err, out)
	}
	t.Logf("rendered in %d ms; screenshots %v", pc.RenderMillis, pc.Screenshots)
	if len(pc.ConsoleErrors)+len(pc.Exceptions)+len(pc.FailedRequests)+len(pc.ExternalRequests) > 0 || pc.Scripts > 0 {
		t.Errorf("console errors %v, exceptions %v, failed requests %v, external requests %v, scripts %d",
			pc.ConsoleErrors, pc.Exceptions, pc.FailedRequests, pc.ExternalRequests, pc.Scripts)
	}
	if len(pc.Boards) < 2 || pc.Boards[0].Rows != 8 || pc.Boards[0].Height <= 0 {
		t.Errorf("leaderboard tables %+v, want the standard and long tasks with 8 models each, rendered", pc.Boards)
	}
	if n := len(imgTag.FindAll(html, -1)); n != len(pc.Images) || n < 12*3 {
		t.Errorf("%d images in the page, %d in the browser; want 3 per system at least", n, len(pc.Images))
	}
	for _, im := range pc.Images {
		if !im.Complete || im.NaturalWidth == 0 || im.Width <= 0 || im.Height <= 0 {
			t.Errorf("image %q not rendered: %+v", im.Alt, im)
		}
	}
	for _, want := range []string{"leaderboard", "data-limited", "long-horizon", "sys-Lorenz", "solvers", "clustering", "failures", "provenance"} {
		if !slices.Contains(pc.Sections, want) {
			t.Errorf("section %s missing (have %v)", want, pc.Sections)
		}
	}
	for _, s := range pc.Screenshots {
		if fi, err := os.Stat(s); err != nil || fi.Size() < 10_000 {
			t.Errorf("screenshot %s: %v", s, err)
		}
	}

	// --- fit and forecast times beside the report, linked from it ---
	if !strings.Contains(string(html), `href="timings.html"`) {
		t.Error("report.html does not link timings.html")
	}
	th, err := os.ReadFile(filepath.Join(site, runner.TimingsHTML))
	if err != nil {
		t.Fatalf("timings.html not written: %v", err)
	}
	for _, model := range []string{"naive", "mean", "linear_ar", "nvar", "dmd", "sindy", "parrot", "esn"} {
		m := regexp.MustCompile(`<tr><td>standard</td><td>` + model + `</td><td class="n">([0-9.e+-]+)</td>`).FindSubmatch(th)
		if m == nil || string(m[1]) == "0" {
			t.Errorf("timings.html has no positive fit time for %s on the standard task", model)
		}
	}
	tshots := filepath.Join(shots, "timings")
	_ = os.MkdirAll(tshots, 0o755)
	out, err = exec.Command("node", "--experimental-websocket", "../../test/node/report-check.mjs", browser, filepath.Join(site, runner.TimingsHTML), tshots).Output()
	var tc pageCheck
	if err != nil || json.Unmarshal(out, &tc) != nil {
		t.Fatalf("report-check.mjs on timings.html: %v\n%s", err, out)
	}
	if len(tc.ConsoleErrors)+len(tc.Exceptions)+len(tc.FailedRequests)+len(tc.ExternalRequests) > 0 || tc.Scripts > 0 {
		t.Errorf("timings.html: console errors %v, exceptions %v, failed requests %v, external requests %v, scripts %d",
			tc.ConsoleErrors, tc.Exceptions, tc.FailedRequests, tc.ExternalRequests, tc.Scripts)
	}

	// --- failures are listed ---
	md, _ := os.ReadFile(filepath.Join(site, "report.md"))
	m := failedRE.FindSubmatch(md)
	if m == nil || string(m[1]) == "0" {
		t.Errorf("report.md does not list failed forecasts (quick.yaml's nvar diverges on some systems):\n%s", failuresPart(md))
	}

	// --- a second apply runs and republishes nothing ---
	before, _ := os.Stat(page)
	runJSON, _ := os.ReadFile(filepath.Join(site, runner.RunFileName))
	res, ran := quickApply(t, dir, store)
	if res.Ran != 0 || res.Published != 0 || len(ran) != 0 {
		t.Errorf("second apply: ran %v, published %d", ran, res.Published)
	}
	after, _ := os.Stat(page)
	again, _ := os.ReadFile(filepath.Join(site, runner.RunFileName))
	if !os.SameFile(before, after) || string(again) != string(runJSON) {
		t.Error("second apply replaced report.html or run.json")
	}

	// --- one model's hyperparameter: only its cells, the leaderboards and the report ---
	res, ran = quickApply(t, dir, store, "fit_esn.hyper.units=200")
	for _, id := range ran {
		stage, _, _ := strings.Cut(id, "[")
		if !slices.Contains([]string{"fit_esn", "predict_esn", "score_esn", "predict_long_esn", "score_long_esn",
			"leaderboard_standard", "leaderboard_long", "report"}, stage) {
			t.Errorf("%s reran after an ESN hyperparameter changed", id)
		}
	}
	if want := 12*5 + 3; len(ran) != want {
		t.Errorf("%d instances reran, want %d (5 ESN stages x 12 systems, 2 leaderboards, the report): %v", len(ran), want, ran)
	}
	if res.Published == 0 {
		t.Error("the changed report was not republished")
	}

	// --- a stage that fails on some systems: the report is complete and lists them ---
	failing := strings.Replace(string(src), `      forecasts: ["predict[*].forecast", "predict_esn[*].forecast"]`,
		`      forecasts: ["predict[*].forecast", "predict_esn[*].forecast", "flaky[*].out"]`, 1)
	failing = strings.Replace(failing, "  # ---- the report", `  flaky:
    kind: test_fail_on
    foreach: [system]
    inputs: {in: "predict[${system},nvar].forecast"}
    params: {fail: [Lorenz, Chua]}
  # ---- the report`, 1)
	if failing == string(src) || !strings.Contains(failing, "flaky[*].out") {
		t.Fatal("could not add the failing stage to quick.yaml")
	}
	fpath := filepath.Join(dir, "pipelines", "quick-failing.yaml")
	if err := os.WriteFile(fpath, []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := stages.Default.Clone()
	stages.Register(reg, stages.Definition[failOnParams]{
		Name: "test_fail_on", Version: 1, Summary: "test: passes its table on, fails on the listed systems",
		Examples: []stages.Example{{Title: "fail on Lorenz", Params: "fail: [Lorenz]\n"}},
		New:      func(p failOnParams, env stages.Env) (stages.Stage, error) { return &failOnStage{p: p, env: env}, nil },
	})
	res, ran, err = applyFile(t, fpath, reg, store, "fit_esn.hyper.units=200")
	if err == nil || res.Failed != 2 {
		t.Fatalf("apply with a failing stage: %d failed, err %v; want 2 failures", res.Failed, err)
	}
	if !slices.Contains(ran, "report") {
		t.Fatalf("the report did not run with two failed inputs (ran %v)", ran)
	}
	// quick-failing.yaml publishes to the same folder.
	html, _ = os.ReadFile(page)
	for _, want := range []string{"flaky[Lorenz]", "flaky[Chua]", "2 input tables are missing", `id="leaderboard"`, `id="sys-Lorenz"`, `id="clustering"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report with failed inputs lacks %q", want)
		}
	}
	var rf runner.RunFile
	data, _ := os.ReadFile(filepath.Join(site, runner.RunFileName))
	if err := json.Unmarshal(data, &rf); err != nil || len(rf.Failures) != 2 || !strings.Contains(rf.Failures[0].Error, "told to fail") {
		t.Errorf("run.json failures %+v (%v), want the two flaky cells with their reasons", rf.Failures, err)
	}
}

type failOnParams struct {
	Fail []string `yaml:"fail"`
}

// failOnStage passes its table on and fails on the systems listed.
type failOnStage struct {
	p   failOnParams
	env stages.Env
}

func (s *failOnStage) Ports() (in, out []stages.Port) {
	return []stages.Port{{Name: "in", Doc: "any table"}}, []stages.Port{{Name: "out", Doc: "the same table"}}
}

func (s *failOnStage) Run(ctx context.Context, in stages.Inputs) (stages.Outputs, error) {
	if sys, _ := s.env.Cell.Get("system"); slices.Contains(s.p.Fail, sys) {
		return nil, fmt.Errorf("told to fail on %s", sys)
	}
	rec := in.One("in")
	rec.Retain()
	return stages.Outputs{"out": rec}, nil
}

var (
	imgTag   = regexp.MustCompile(`<img `)
	failedRE = regexp.MustCompile(`(\d+) of (\d+) scored forecasts failed`)
)

func failuresPart(md []byte) string {
	_, after, _ := strings.Cut(string(md), "## Failures")
	if len(after) > 2000 {
		after = after[:2000]
	}
	return after
}
