package report

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/forecast"
	_ "github.com/chaos-runner/runner/stages/generate"
	"github.com/chaos-runner/runner/stages/invariants"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// fixture runs a tiny benchmark with the real stages: two systems, two
// models, a leaderboard.
type fixture struct {
	truth, fcNaive, fcAR, mNaive, mAR, board arrow.RecordBatch
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	data := stagetest.Run(t, stagetest.Build(t, "generate", "system: Lorenz,Rossler\nn: 600\ntest_points: 200\npts_per_period: 50\n", 1), nil)
	f := &fixture{truth: data["test"]}
	run := func(model string) (fc, m arrow.RecordBatch) {
		fit := stagetest.Run(t, stagetest.Build(t, "train", "model: "+model+"\n", 2), stagetest.Inputs("train", data["train"]))
		pr := stagetest.Run(t, stagetest.Build(t, "forecast", "horizon: 100\n", 3),
			stagetest.Inputs("model", fit["model"], "test", data["test"], "history", data["train"]))
		sc := stagetest.Run(t, stagetest.Build(t, "metrics", "horizon: 100\n", 4),
			stagetest.Inputs("forecast", pr["forecast"], "truth", data["test"]))
		return pr["forecast"], sc["metrics"]
	}
	f.fcNaive, f.mNaive = run("naive")
	f.fcAR, f.mAR = run("linear_ar")
	lb := stagetest.Build(t, "leaderboard", "{}\n", 5)
	out := stagetest.Run(t, lb, stages.Inputs{"metrics": {{Stage: "score[naive]", Record: f.mNaive}, {Stage: "score[linear_ar]", Record: f.mAR}}})
	f.board = out["leaderboard"]
	return f
}

func item(stage string, rec arrow.RecordBatch) stages.Item {
	return stages.Item{Stage: stage, Record: rec, Key: "k-" + stage}
}

// failedMetrics marks every run of one system and model as failed, with a
// reason, as a metrics table of a failed fit would.
func failedMetrics(t *testing.T, rec arrow.RecordBatch, system, model string) arrow.RecordBatch {
	rows, err := scoring.MetricsTable.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i].System == system && rows[i].Model == model {
			rows[i].Failed = true
			rows[i].FailureStep = 0
			rows[i].Status = "fit failed: singular system (test)"
		}
	}
	return scoring.MetricsTable.Record(rows, map[string]string{"runner.kind": "metrics"})
}

func runReport(t *testing.T, params string, in stages.Inputs) map[string]stages.File {
	t.Helper()
	out := stagetest.Run(t, stagetest.Build(t, "report", params, 9), in)
	files, err := stages.ReadFiles(out["files"])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]stages.File{}
	for _, f := range files {
		m[f.Name] = f
	}
	return m
}

var (
	imgRE = regexp.MustCompile(`<img [^>]*src="([^"]*)"`)
	refRE = regexp.MustCompile(`(?:src|href)="([^"#][^"]*)"`)
)

// TestReportSelfContainedCompleteDeterministic: every section is there,
// the page references nothing outside itself except its own SVG files
// and run.json, every image is an embedded PNG that decodes, a system
// whose forecast is missing and a failed run are still reported, and two
// renders are byte-identical.
func TestReportSelfContainedCompleteDeterministic(t *testing.T) {
	f := newFixture(t)
	inv := invariants.Table.Record([]invariants.Row{
		{System: "Lorenz", Kind: "flow", Dim: 3, LyapunovMax: 0.9, KaplanYorke: 2.06, CorrelationDimension: 2.05, DystsLyapunovMax: 0.906, Status: "ok"},
		{System: "Rossler", Kind: "flow", Dim: 3, LyapunovMax: 0.07, KaplanYorke: 2.01, CorrelationDimension: 1.99, DystsLyapunovMax: 0.07, Status: "ok"},
		{System: "Chua", Kind: "flow", Dim: 3, LyapunovMax: 0.3, KaplanYorke: 2.1, CorrelationDimension: 2.2, Status: "ok"},
		{System: "Thomas", Kind: "flow", Dim: 3, Status: "blow-up at t=3 (test)"},
	}, nil)
	defer inv.Release()
	clusters := scoring.ClustersTable.Record([]scoring.ClusterRow{
		{ID: "Lorenz", Cluster: 0, IsMedoid: true}, {ID: "Rossler", Cluster: 1, IsMedoid: true}, {ID: "Chua", Cluster: 0},
		{ID: "Thomas", Cluster: -1},
	}, nil)
	defer clusters.Release()
	mAR := failedMetrics(t, f.mAR, "Rossler", "linear_ar")
	defer mAR.Release()
	in := stages.Inputs{
		"leaderboard": {item("leaderboard", f.board)},
		"metrics":     {item("score[naive]", f.mNaive), item("score[linear_ar]", mAR)},
		// Thomas has invariants (failed) but no forecast, metrics or
		// truth: its section holds what exists.
		"forecasts": {item("predict[naive]", f.fcNaive), item("predict[linear_ar]", f.fcAR),
			// A producer that failed in the run (a Partial port delivers it).
			{Stage: "predict[sindy]", Missing: true}},
		"truth":      {item("data", f.truth)},
		"invariants": {item("invariants", inv)},
		"clusters":   {item("families", clusters)},
	}
	files := runReport(t, "best: 1\n", in)
	page, ok := files["report.html"]
	if !ok || page.MediaType != "text/html" {
		t.Fatalf("no report.html: %v", keys(files))
	}
	md, ok := files["report.md"]
	if !ok || md.MediaType != "text/markdown" {
		t.Fatal("no report.md")
	}
	html := string(page.Data)
	for _, want := range []string{`id="leaderboard"`, `id="long-horizon"`, `id="sys-Lorenz"`, `id="sys-Rossler"`, `id="sys-Thomas"`,
		`id="clustering"`, `id="failures"`, `id="provenance"`, "fit failed: singular system (test)", "blow-up at t=3 (test)",
		"k-score[naive]", "run.json", "1 input tables are missing", "<td>predict[sindy]</td>"} {
		if want == `id="long-horizon"` {
			if strings.Contains(html, want) {
				t.Errorf("long-horizon section without a long task")
			}
			continue
		}
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	if strings.Contains(html, `id="solvers"`) || strings.Contains(html, `id="data-limited"`) {
		t.Error("sections of unconnected inputs are drawn")
	}
	if strings.Contains(strings.ToLower(html), "<script") || strings.Contains(html, "<link rel=\"stylesheet\"") {
		t.Error("the page has a script or a linked stylesheet")
	}
	for _, m := range refRE.FindAllStringSubmatch(html, -1) {
		ref := m[1]
		// run.json and timings.html are written beside the page by runner apply.
		if strings.HasPrefix(ref, "data:") || ref == "run.json" || ref == "timings.html" {
			continue
		}
		if _, ok := files[ref]; !ok {
			t.Errorf("reference %q is neither embedded nor a file of the report", ref)
		}
	}
	imgs := imgRE.FindAllStringSubmatch(html, -1)
	// Two systems × (trajectory, attractor, error) + VPT figure + clustering.
	if len(imgs) != 8 {
		t.Errorf("%d images, want 8", len(imgs))
	}
	for _, m := range imgs {
		b64, ok := strings.CutPrefix(m[1], "data:image/png;base64,")
		if !ok {
			t.Errorf("image not an embedded PNG: %.40s", m[1])
			continue
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() < 100 || img.Bounds().Dy() < 100 {
			t.Errorf("image does not decode as a PNG of some size: %v", err)
		}
	}
	svgs := 0
	for name, f := range files {
		if strings.HasPrefix(name, "figures/") {
			svgs++
			if f.MediaType != "image/svg+xml" || !bytes.Contains(f.Data, []byte("<svg")) {
				t.Errorf("%s is not an SVG", name)
			}
		}
	}
	if svgs != len(imgs) {
		t.Errorf("%d SVG files for %d figures", svgs, len(imgs))
	}
	if !strings.Contains(string(md.Data), "| 1 | ") || !strings.Contains(string(md.Data), "## Failures") {
		t.Errorf("report.md lacks the leaderboard or the failures:\n%.2000s", md.Data)
	}

	again := runReport(t, "best: 1\n", in)
	for name, f := range files {
		if !bytes.Equal(f.Data, again[name].Data) {
			t.Errorf("%s differs between two renders", name)
		}
	}
}

// TestReportOnlyLeaderboard: with the leaderboard alone the report has the
// leaderboard and provenance and nothing else.
func TestReportOnlyLeaderboard(t *testing.T) {
	f := newFixture(t)
	files := runReport(t, "{}\n", stages.Inputs{"leaderboard": {item("leaderboard", f.board)}})
	html := string(files["report.html"].Data)
	for _, absent := range []string{`id="systems"`, `id="solvers"`, `id="clustering"`, `id="failures"`} {
		if strings.Contains(html, absent) {
			t.Errorf("report has %s without its inputs", absent)
		}
	}
	rows, err := leaderboard.Table.Read(f.board)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !strings.Contains(html, "<td>"+r.Model+"</td>") {
			t.Errorf("leaderboard row of %s missing", r.Model)
		}
	}
}

func TestReportParamsValidated(t *testing.T) {
	for _, tc := range []struct{ params, field string }{
		{"best: -1\n", "best"}, {"max_points: 1\n", "max_points"}, {"title: \" \"\n", "title"},
	} {
		ds := stagetest.DecodeDiags(t, "report", tc.params)
		if len(ds) == 0 || !strings.Contains(ds[0].Path, tc.field) {
			t.Errorf("%q: diagnostics %v, want one about %s", tc.params, ds, tc.field)
		}
	}
}

func keys(m map[string]stages.File) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
