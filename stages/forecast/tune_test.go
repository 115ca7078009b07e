package forecast

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/metrics"
	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/basic"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// lorenzSeries is one 1,200-point Lorenz-63 series at 100 points per
// period, all in the train table: the shape of Gilpin 2023's train-IC
// series, whose last 1/6 (200 points) the tune stage holds out.
const lorenzSeries = "system: Lorenz\nn: 1200\ntrain_fraction: 1\n"

// tune runs a tune stage on rec and returns its trials table and rows.
func tune(t testing.TB, params string, seed uint64, rec arrow.RecordBatch) (arrow.RecordBatch, []TrialRow) {
	t.Helper()
	out := stagetest.Run(t, stagetest.Build(t, "tune", params, seed), stagetest.Inputs("train", rec))
	rows, err := Trials.Read(out["trials"])
	if err != nil {
		t.Fatalf("trials table: %v", err)
	}
	return out["trials"], rows
}

// chosen returns the chosen rows, failing t unless there is one per system.
func chosen(t testing.TB, rows []TrialRow) map[string]TrialRow {
	t.Helper()
	out := map[string]TrialRow{}
	for _, r := range rows {
		if r.Chosen {
			if _, dup := out[r.System]; dup {
				t.Fatalf("%s: two chosen trials", r.System)
			}
			out[r.System] = r
		}
	}
	return out
}

// TestTunePicksBest runs grids whose answer is clear on Lorenz-63. Measured
// validation sMAPE (this code, seed 1): quadratic NVAR with training noise
// 0.85 against 84 for the linear one (Gauthier et al. 2021 fit Lorenz-63
// with the quadratic NVAR); without noise the quadratic NVAR diverges
// within 20 points (models.TestNVARLorenzGauthier), so the linear one wins;
// linear_ar with a ridge penalty of 1e6 forecasts the mean (130) against
// 101 for 1e-6; 2,000 lags cannot be fitted on 1,000 points.
func TestTunePicksBest(t *testing.T) {
	data := generate(t, lorenzSeries)
	for _, c := range []struct {
		name, params string
		trials       int
		best         int64
		bestGrid     string
		failed       []int64 // trials that must fail
	}{
		{"nvar order, with noise", "model: nvar\nhyper: {noise: 1e-3}\ngrid: {order: [1, 2]}\n", 2, 1, `{"order":2}`, nil},
		{"nvar order, diverging", "model: nvar\ngrid: {order: [2, 1]}\n", 2, 1, `{"order":1}`, []int64{0}},
		{"linear_ar ridge and lags", "model: linear_ar\ngrid: {ridge: [1e6, 1e-6], lags: [2000, 3]}\n", 4, 3, `{"lags":3,"ridge":0.000001}`, []int64{0, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, rows := tune(t, c.params, 1, data["train"])
			if len(rows) != c.trials {
				t.Fatalf("%d trials, want %d", len(rows), c.trials)
			}
			for i, r := range rows {
				t.Logf("trial %d %s: sMAPE %.3f failed %v %s", r.Trial, r.Grid, r.ValidationSMAPE, r.Failed, r.Reason)
				if r.Trial != int64(i) || r.System != "Lorenz" || r.FitPoints != 1000 || r.ValidationPoints != 200 || r.Label != r.Model {
					t.Errorf("row %d: %+v", i, r)
				}
				mustFail := false
				for _, k := range c.failed {
					mustFail = mustFail || k == r.Trial
				}
				if r.Failed != mustFail || r.Failed != (r.Reason != "") || (r.Failed && r.ValidationSMAPE != FailedSMAPE) {
					t.Errorf("trial %d: failed %v (%q), sMAPE %g; want failed %v, scored 200", r.Trial, r.Failed, r.Reason, r.ValidationSMAPE, mustFail)
				}
			}
			best := chosen(t, rows)["Lorenz"]
			if best.Trial != c.best || best.Grid != c.bestGrid {
				t.Errorf("chose trial %d %s, want %d %s", best.Trial, best.Grid, c.best, c.bestGrid)
			}
		})
	}
}

// TestTuneGridOrder: names sorted, the first varying slowest, values as given.
func TestTuneGridOrder(t *testing.T) {
	got := gridPoints(map[string][]float64{"ridge": {1, 0.5}, "lags": {3, 2, 7}})
	var s []string
	for _, p := range got {
		b, _ := json.Marshal(p)
		s = append(s, string(b))
	}
	want := `{"lags":3,"ridge":1} {"lags":3,"ridge":0.5} {"lags":2,"ridge":1} {"lags":2,"ridge":0.5} {"lags":7,"ridge":1} {"lags":7,"ridge":0.5}`
	if strings.Join(s, " ") != want {
		t.Errorf("grid order\n got %s\nwant %s", strings.Join(s, " "), want)
	}
	if g := gridPoints(nil); len(g) != 1 || len(g[0]) != 0 {
		t.Errorf("empty grid = %v, want one empty point", g)
	}
}

// TestTuneSameCodePath: a trial's score is what train (points: 1000, same
// seed) and forecast (the last 200 points, the fit points as history) give,
// bit for bit, for a randomised family.
func TestTuneSameCodePath(t *testing.T) {
	data := generate(t, lorenzSeries)
	_, rows := tune(t, "model: esn\nhyper: {units: 100}\ngrid: {leak: [0.5]}\n", 5, data["train"])
	fit, val := data["train"].NewSlice(0, 1000), data["train"].NewSlice(1000, 1200)
	defer fit.Release()
	defer val.Release()
	mo := stagetest.Run(t, stagetest.Build(t, "train", "model: esn\nhyper: {units: 100, leak: 0.5}\npoints: 1000\n", 5), stagetest.Inputs("train", data["train"]))
	fo := stagetest.Run(t, stagetest.Build(t, "forecast", "horizon: 200\n", 5), stagetest.Inputs("model", mo["model"], "test", val, "history", fit))
	want, err := metrics.Compute("smape", stateMatrix(series(t, val, "Lorenz", 0), 200), stateMatrix(series(t, fo["forecast"], "Lorenz", 0), 200))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Failed || rows[0].ValidationSMAPE != want {
		t.Fatalf("trial sMAPE %v (failed %v %s), train + forecast give %v", rows[0].ValidationSMAPE, rows[0].Failed, rows[0].Reason, want)
	}
}

// TestTuneDeterministic: the same seed gives the same bytes; the trials of
// a system do not depend on the other systems.
func TestTuneDeterministic(t *testing.T) {
	two := generate(t, "system: Lorenz,Rossler\nn: 600\ntrain_fraction: 1\n")
	one := generate(t, "system: Rossler\nn: 600\ntrain_fraction: 1\n")
	const params = "model: esn\nhyper: {units: 50, washout: 20}\ngrid: {leak: [0.3, 1], ridge: [1e-6, 1e-2]}\n"
	a, rowsA := tune(t, params, 3, two["train"])
	b, _ := tune(t, params, 3, two["train"])
	if !bytes.Equal(stagetest.IPCBytes(t, a), stagetest.IPCBytes(t, b)) {
		t.Fatal("two runs with one seed differ")
	}
	if len(rowsA) != 8 || rowsA[0].System != "Lorenz" || rowsA[4].System != "Rossler" {
		t.Fatalf("rows: %+v", rowsA)
	}
	_, rowsB := tune(t, params, 3, one["train"])
	for i, r := range rowsB {
		if r != rowsA[4+i] {
			t.Errorf("Rossler trial %d alone %+v, beside Lorenz %+v", i, r, rowsA[4+i])
		}
	}
	if len(chosen(t, rowsA)) != 2 {
		t.Errorf("want a chosen trial per system")
	}
}

// TestTrainTuned: train with a tuned input fits each system with its
// chosen trial's hyperparameters, over the tune stage's fixed ones, and
// the forecast runs on it.
func TestTrainTuned(t *testing.T) {
	trainIC := generate(t, "system: Lorenz\nn: 1200\ntrain_fraction: 1\ntransient: 1200\n")
	testIC := generate(t, lorenz)
	trials, _ := tune(t, "model: nvar\nlabel: nvar_tuned\nhyper: {noise: 1e-3}\ngrid: {order: [1, 2], k: [2, 3]}\n", 1, trainIC["train"])
	mo := stagetest.Run(t, stagetest.Build(t, "train", "model: nvar\nlabel: nvar_tuned\nhyper: {ridge: 1e-5}\n", 1),
		stagetest.Inputs("train", testIC["train"], "tuned", trials))
	got := modelRows(t, mo["model"])
	var h models.Hyper
	if err := json.Unmarshal([]byte(got[0].Hyper), &h); err != nil {
		t.Fatal(err)
	}
	if h["order"] != 2 || h["noise"] != 1e-3 || h["ridge"] != 1e-5 || h["s"] != 1 {
		t.Errorf("fitted with %v, want the chosen order 2, the tuned noise, this stage's ridge and the default s", h)
	}
	var metas []systemMeta
	v, _ := mo["model"].Schema().Metadata().GetValue("systems")
	if err := json.Unmarshal([]byte(v), &metas); err != nil || len(metas) != 1 || metas[0].Tuned == nil || metas[0].Tuned.Grid["order"] != 2 || metas[0].Label != "nvar_tuned" {
		t.Fatalf("systems metadata %s (%v)", v, err)
	}
	if hv, _ := mo["model"].Schema().Metadata().GetValue("hyper"); hv != got[0].Hyper {
		t.Errorf("table hyper %s, rows %s", hv, got[0].Hyper)
	}
	fo := stagetest.Run(t, stagetest.Build(t, "forecast", "horizon: 200\n", 1), stagetest.Inputs("model", mo["model"], "test", testIC["test"], "history", testIC["train"]))
	if r := forecastRows(t, fo["forecast"]); len(r) != 200 || r[0].FailureStep != -1 {
		t.Fatalf("tuned forecast: %d rows, failure step %d", len(r), r[0].FailureStep)
	}
}

// TestTrainTunedErrors: the problems of a tuned input are errors naming
// what is wrong.
func TestTrainTunedErrors(t *testing.T) {
	lor := generate(t, "system: Lorenz\nn: 300\ntrain_fraction: 1\n")
	both := generate(t, "system: Lorenz,Rossler\nn: 300\n")
	trials, _ := tune(t, "model: linear_ar\ngrid: {lags: [2, 3]}\n", 1, lor["train"])
	for _, c := range []struct{ params, want string }{
		{"model: linear_ar\n", "no chosen trial for system Rossler (the trials table has Lorenz)"},
		{"model: linear_ar\nhyper: {lags: 4}\n", "hyper.lags is set on this stage and tuned by the grid"},
		{"model: nvar\n", "no trials of model nvar labelled nvar (the table has linear_ar labelled linear_ar)"},
		{"model: linear_ar\nlabel: other\n", "no trials of model linear_ar labelled other"},
	} {
		_, err := stagetest.Build(t, "train", c.params, 1).Run(context.Background(), stagetest.Inputs("train", both["train"], "tuned", trials))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.params, err, c.want)
		}
	}
}

// TestTrainTunedByLabel: a table gathering the trials of several tune
// stages (collect) gives each train stage the trials of its own label.
func TestTrainTunedByLabel(t *testing.T) {
	lor := generate(t, "system: Lorenz\nn: 300\ntrain_fraction: 1\n")
	a, _ := tune(t, "model: linear_ar\nlabel: short\ngrid: {lags: [2, 3]}\n", 1, lor["train"])
	b, _ := tune(t, "model: linear_ar\nlabel: long\ngrid: {lags: [20, 30]}\n", 1, lor["train"])
	both := stagetest.Run(t, stagetest.Build(t, "collect", "{}", 1), stages.Inputs{"tables": {{Record: a}, {Record: b}}})["table"]
	for label, want := range map[string][]float64{"short": {2, 3}, "long": {20, 30}} {
		mo := stagetest.Run(t, stagetest.Build(t, "train", "model: linear_ar\nlabel: "+label+"\n", 1),
			stagetest.Inputs("train", lor["train"], "tuned", both))
		var h models.Hyper
		if err := json.Unmarshal([]byte(modelRows(t, mo["model"])[0].Hyper), &h); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(want, h["lags"]) {
			t.Errorf("label %s fitted lags %v, want one of its own grid %v", label, h["lags"], want)
		}
	}
}

// TestLabelRoundTrip: train writes the label (default: the family) into
// each system's metadata entry and forecast carries it; a model table
// without labels still forecasts, without a label.
func TestLabelRoundTrip(t *testing.T) {
	data := generate(t, "system: Lorenz,Rossler\nn: 400\ntest_points: 50\n")
	labels := func(rec arrow.RecordBatch) map[string]string {
		v, _ := rec.Schema().Metadata().GetValue("systems")
		var e []struct{ System, Label, Family string }
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			t.Fatalf("systems metadata %s: %v", v, err)
		}
		out := map[string]string{}
		for _, x := range e {
			out[x.System] = x.Label + "/" + x.Family
		}
		return out
	}
	for _, c := range []struct{ params, want string }{
		{"model: linear_ar\nlabel: linear_ar_gilpin\n", "linear_ar_gilpin/linear_ar"},
		{"model: linear_ar\n", "linear_ar/linear_ar"},
	} {
		mo, fc := trainForecast(t, data, c.params, "horizon: 10\n")
		for name, rec := range map[string]arrow.RecordBatch{"model": mo, "forecast": fc} {
			got := labels(rec)
			if got["Lorenz"] != c.want || got["Rossler"] != c.want {
				t.Errorf("%q: %s table labels %v, want %s", c.params, name, got, c.want)
			}
		}
	}
	// A model table written before labels (no label key in its systems).
	mo, _ := trainForecast(t, data, "model: naive\n", "horizon: 10\n")
	fits, err := decodeModels(mo)
	if err != nil {
		t.Fatal(err)
	}
	old, err := encodeModels(fits, map[string]string{"family": "naive", "systems": `[{"system":"Lorenz","family":"naive"},{"system":"Rossler","family":"naive"}]`})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Release()
	fo := stagetest.Run(t, stagetest.Build(t, "forecast", "horizon: 10\n", 1), stagetest.Inputs("model", old, "test", data["test"], "history", data["train"]))
	if got := labels(fo["forecast"]); got["Lorenz"] != "/naive" {
		t.Errorf("old table: labels %v, want none", got)
	}
}

// TestTuneBadParams: problems are positioned diagnostics naming the field
// and, for an unknown grid name, the valid ones.
func TestTuneBadParams(t *testing.T) {
	for _, c := range []struct{ kind, params, want string }{
		{"tune", "model: linear_ar\ngrid: {lag: [1, 2]}\n", `params.grid: model linear_ar has no hyperparameter "lag" (did you mean "lags"?) (valid: lags, ridge, standardize)`},
		{"tune", "model: linear_ar\ngrid: {lags: []}\n", "params.grid: grid.lags is an empty list"},
		{"tune", "model: linear_ar\nhyper: {lags: 3}\ngrid: {lags: [1, 2]}\n", "params.grid: lags is both fixed in hyper and tuned in grid"},
		{"tune", "model: linear_ar\ngrid: {lags: [2, 3, 2]}\n", "params.grid: grid.lags lists 2 twice"},
		{"tune", "model: linear_ar\ngrid: {lags: [.nan]}\n", "params.grid.lags[0]: grid.lags[0] must be finite"},
		{"tune", "model: linear_ar\nvalidation: 1\n", "params.validation: must be a fraction in (0, 1), got 1"},
		{"tune", "model: linear_ar\npoints: 1\n", "params.points: must be 0"},
		{"tune", "model: linear_ar\nlabel: a,b\n", `params.label: must not contain commas, got "a,b"`},
		{"tune", "model: linar_ar\n", `params.model: unknown model family "linar_ar"`},
		{"tune", "grid: {lags: [1]}\n", `missing required field "model"`},
		{"train", "model: nvar\nlabel: nvar,gilpin\n", "params.label: must not contain commas"},
		{"train", "model: nvar\nlabel: \" \"\n", "params.label: must not be blank"},
	} {
		diags := stagetest.DecodeDiags(t, c.kind, c.params)
		if len(diags) == 0 {
			t.Errorf("%s %q: no diagnostic", c.kind, c.params)
			continue
		}
		got := diags[0].String()
		if !strings.Contains(got, c.want) || diags[0].Pos.Line == 0 {
			t.Errorf("%s %q:\n got %s\nwant %s", c.kind, c.params, got, c.want)
		}
	}
	if d := stagetest.DecodeDiags(t, "tune", "model: linear_ar\ngrid:\n  lags: [3, 5]\n"); len(d) != 0 {
		t.Errorf("valid params: %v", d)
	}
}

// TestTuneSplitErrors: a series that cannot be split is an error naming
// the system.
func TestTuneSplitErrors(t *testing.T) {
	data := generate(t, "system: Lorenz\nn: 300\ntrain_fraction: 1\n")
	for _, c := range []struct{ params, want string }{
		{"model: naive\npoints: 400\n", "Lorenz: points 400 is more than the 250 points before the validation window"},
		{"model: naive\ntrajectory: 2\n", "Lorenz has no trajectory 2 (have 0)"},
	} {
		_, err := stagetest.Build(t, "tune", c.params, 1).Run(context.Background(), stagetest.Inputs("train", data["train"]))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.params, err, c.want)
		}
	}
}
