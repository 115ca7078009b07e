package runner

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
)

type fakeTrainParams struct {
	Model string `yaml:"model"`
	Label string `yaml:"label,omitempty"`
}

type fakeBoardParams struct {
	Task    string   `yaml:"task,omitempty"`
	SplitBy []string `yaml:"split_by,omitempty"`
}

type fakeNoParams struct{}

// timingsRegistry has fake train, forecast, metrics, leaderboard and
// report kinds: LeaderboardTimes goes by kind names and canonical params.
func timingsRegistry() *stages.Registry {
	r := publishRegistry()
	pass := func(env stages.Env) stages.Stage { return &addStage{env: env} }
	stages.Register(r, stages.Definition[fakeTrainParams]{Name: "train", Version: 1, Summary: "fake fit",
		Examples: []stages.Example{{Title: "m", Params: "model: m\n"}},
		New:      func(p fakeTrainParams, env stages.Env) (stages.Stage, error) { return pass(env), nil }})
	for _, name := range []string{"forecast", "metrics"} {
		stages.Register(r, stages.Definition[fakeNoParams]{Name: name, Version: 1, Summary: "fake " + name,
			Examples: []stages.Example{{Title: "none", Params: "{}\n"}},
			New:      func(p fakeNoParams, env stages.Env) (stages.Stage, error) { return pass(env), nil }})
	}
	stages.Register(r, stages.Definition[fakeBoardParams]{Name: "leaderboard", Version: 1, Summary: "fake leaderboard",
		Examples: []stages.Example{{Title: "t", Params: "task: t\n"}},
		New:      func(p fakeBoardParams, env stages.Env) (stages.Stage, error) { return &gatherStage{env: env}, nil }})
	return r
}

const timingsPipeline = `version: 1
name: timings
matrix:
  system: [A, B]
  model: [m1, m2]
  points: [100, 200]
stages:
  data:
    kind: src
    foreach: [system]
  fit:
    kind: train
    foreach: [system, model, points]
    inputs: {in: "data[${system}].table"}
    params: {model: "${model}"}
  predict:
    kind: forecast
    foreach: [system, model, points]
    inputs: {in: "fit[${system},${model},${points}].table"}
  score:
    kind: metrics
    foreach: [system, model, points]
    inputs: {in: "predict[${system},${model},${points}].table"}
  fit_big:
    kind: train
    foreach: [system]
    inputs: {in: "data[${system}].table"}
    params: {model: m1, label: big}
  predict_big:
    kind: forecast
    foreach: [system]
    inputs: {in: "fit_big[${system}].table"}
  score_big:
    kind: metrics
    foreach: [system]
    inputs: {in: "predict_big[${system}].table"}
  board:
    kind: leaderboard
    inputs: {tables: ["score[*].table", "score_big[*].table"]}
    params: {task: lim, split_by: [points]}
  page:
    kind: doc
    inputs: {in: board.table}
    params: {text: hello}
`

func TestLeaderboardTimes(t *testing.T) {
	f := newFixture(t, timingsPipeline)
	reg := timingsRegistry()
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(reg)
	got := LeaderboardTimes(f.store, plan.Node("page"))
	want := map[TaskModel][]string{
		{"lim_100", "m1"}: {"fit[A,m1,100]", "fit[B,m1,100]"},
		{"lim_100", "m2"}: {"fit[A,m2,100]", "fit[B,m2,100]"},
		{"lim_200", "m1"}: {"fit[A,m1,200]", "fit[B,m1,200]"},
		{"lim_200", "m2"}: {"fit[A,m2,200]", "fit[B,m2,200]"},
		{"lim", "big"}:    {"fit_big[A]", "fit_big[B]"},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %d rows", got, len(want))
	}
	for row, fits := range want {
		g, ok := got[row]
		if !ok || g.Fits != 2 || g.Forecasts != 2 {
			t.Errorf("%v: %+v, want 2 fits and 2 forecasts", row, g)
			continue
		}
		var sum float64
		for _, id := range fits {
			m, err := f.store.Lookup(plan.Node(id).Key)
			if err != nil {
				t.Fatal(err)
			}
			sum += m.WallSeconds
		}
		if math.Abs(g.Fit-sum/2) > 1e-12 {
			t.Errorf("%v: median fit %g, want the mean of two manifests' wall times %g", row, g.Fit, sum/2)
		}
	}
	if board := LeaderboardTimes(f.store, plan.Node("board")); len(board) != len(want) {
		t.Errorf("from the leaderboard node itself: %d rows, want %d", len(board), len(want))
	}
}

func TestRenderTimings(t *testing.T) {
	h, md := renderTimings("report", map[TaskModel]Times{{"std", "<esn>"}: {Fit: 1.5, Forecast: math.NaN(), Fits: 3}})
	for _, want := range []string{"&lt;esn&gt;", `<td class="n">1.5</td><td class="n">3</td>`, "not part of the cached report"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("timings.html lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(string(h), "<script") || !strings.Contains(string(md), "| std | <esn> | 1.5 | 3 |  | 0 |") {
		t.Errorf("timings.md:\n%s", md)
	}
}

// A no-op apply does not re-read the manifests for the timings files: they
// are rewritten when something ran, the report was republished, or one of
// them is missing.
func TestTimingsRewrittenOnlyWhenStale(t *testing.T) {
	pipeline := strings.Replace(timingsPipeline, "  page:\n    kind: doc\n", "  page:\n    kind: report\n    publish: site/\n", 1)
	f := newFixture(t, pipeline)
	reg := timingsRegistry()
	stages.Register(reg, stages.Definition[docParams]{Name: "report", Version: 1, Summary: "fake report",
		Examples: []stages.Example{{Title: "hello", Params: "text: hello\n"}},
		New:      func(p docParams, env stages.Env) (stages.Stage, error) { return &docStage{p: p, env: env}, nil }})
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(f.dir, "site", TimingsMD)
	// A marker in the file shows whether the next apply rewrote it.
	if err := os.WriteFile(md, []byte("marker"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, _, err := f.apply(reg, 2); err != nil || res.Ran != 0 {
		t.Fatalf("second apply: ran %d, err %v", res.Ran, err)
	}
	if got, _ := os.ReadFile(md); string(got) != "marker" {
		t.Errorf("a no-op apply rewrote %s", TimingsMD)
	}
	if err := os.Remove(filepath.Join(f.dir, "site", TimingsHTML)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{TimingsHTML, TimingsMD} {
		got, err := os.ReadFile(filepath.Join(f.dir, "site", name))
		if err != nil || !strings.Contains(string(got), "lim_100") {
			t.Errorf("%s after one was deleted: %q, %v; want it rewritten", name, got, err)
		}
	}
}
