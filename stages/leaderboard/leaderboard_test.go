package leaderboard_test

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// contractRow is a metrics-table row with the columns of issue 10's contract,
// in its order, written here independently of the stage's reader.
type contractRow struct {
	System      string  `arrow:"system"`
	Model       string  `arrow:"model"`
	Trajectory  int64   `arrow:"trajectory"`
	Metric      string  `arrow:"metric"`
	Value       float64 `arrow:"value"`
	Points      int     `arrow:"points"`
	Failed      bool    `arrow:"failed"`
	FailureStep int64   `arrow:"failure_step"`
	Censored    bool    `arrow:"censored"`
	Status      string  `arrow:"status"`
}

var contractTable = schemas.NewTable[contractRow]()

// oldRow is a metrics row without the censored column.
type oldRow struct {
	System      string  `arrow:"system"`
	Model       string  `arrow:"model"`
	Trajectory  int64   `arrow:"trajectory"`
	Metric      string  `arrow:"metric"`
	Value       float64 `arrow:"value"`
	Points      int     `arrow:"points"`
	Failed      bool    `arrow:"failed"`
	FailureStep int64   `arrow:"failure_step"`
	Status      string  `arrow:"status"`
}

// forecastRun is one scored forecast of the fixture.
type forecastRun struct {
	system   string
	traj     int64
	smape    float64
	failed   bool
	vpt      float64
	censored bool
}

// rowsOf writes a run as the metrics stage would: diverged, mse, smape and
// vpt_smape rows (mse and diverged are there to be ignored).
func rowsOf(model string, r forecastRun) []contractRow {
	fs, div, st := int64(-1), 0.0, "ok"
	if r.failed {
		fs, div, st = 12, 1, "diverged at step 12 of 100"
	}
	base := contractRow{System: r.system, Model: model, Trajectory: r.traj, Points: 100, Failed: r.failed, FailureStep: fs, Status: st}
	var out []contractRow
	for _, m := range []struct {
		name string
		v    float64
	}{{"diverged", div}, {"mse", 1e6}, {"smape", r.smape}, {"vpt_smape", r.vpt}} {
		row := base
		row.Metric, row.Value = m.name, m.v
		row.Censored = m.name == "vpt_smape" && r.censored
		out = append(out, row)
	}
	return out
}

func item(t *testing.T, cell stages.Cell, rows []contractRow) stages.Item {
	t.Helper()
	rec := contractTable.Record(rows, map[string]string{"runner.kind": "metrics"})
	t.Cleanup(rec.Release)
	return stages.Item{Stage: "score[" + cell.Label() + "]", Cell: cell, Record: rec}
}

func cell(kv ...string) stages.Cell {
	var c stages.Cell
	for i := 0; i+1 < len(kv); i += 2 {
		c = append(c, stages.AxisValue{Axis: kv[i], Value: kv[i+1]})
	}
	return c
}

// fixture: 2 models × 3 systems × 2 replicates (seed axis 1 and 2), one
// table per (model, seed) cell.
//
//	nvar_gilpin  seed 1: Aizawa 10 (VPT 1), Lorenz 20 (VPT 2), Rossler 30 (VPT 3, censored)
//	             seed 2: Aizawa 40 (VPT 0.5), Lorenz 200 failed (VPT 0.25), Rossler 60 (VPT 4)
//	esn          both seeds: Aizawa 50, Lorenz 60, Rossler 70, VPT 1
//
// By hand, nvar_gilpin: mean 360/6 = 60, median (30+40)/2 = 35, replicate
// means 20 and 100, population SD 40; VPT sorted 0.25 0.5 1 2 3 4: median
// (h = 2.5) 1.5, q1 (h = 1.25) 0.5 + 0.25·0.5 = 0.625, q3 (h = 3.75)
// 2 + 0.75·1 = 2.75. esn: mean 60 (a tie, broken by the median 60 > 35),
// median 60, spread 0, VPT 1.
var fixture = map[string]map[string][]forecastRun{
	"nvar_gilpin": {
		"1": {{"Aizawa", 0, 10, false, 1, false}, {"Lorenz", 0, 20, false, 2, false}, {"Rossler", 0, 30, false, 3, true}},
		"2": {{"Aizawa", 0, 40, false, 0.5, false}, {"Lorenz", 0, 200, true, 0.25, false}, {"Rossler", 0, 60, false, 4, false}},
	},
	"esn": {
		"1": {{"Aizawa", 0, 50, false, 1, false}, {"Lorenz", 0, 60, false, 1, false}, {"Rossler", 0, 70, false, 1, false}},
		"2": {{"Aizawa", 0, 50, false, 1, false}, {"Lorenz", 0, 60, false, 1, false}, {"Rossler", 0, 70, false, 1, false}},
	},
}

// inputs builds the metrics port from fixture-shaped data, in a fixed order
// (models and seeds sorted), with extra axes prepended to every cell.
func inputs(t *testing.T, data map[string]map[string][]forecastRun, extra ...string) stages.Inputs {
	var items []stages.Item
	models := make([]string, 0, len(data))
	for m := range data {
		models = append(models, m)
	}
	slices.Sort(models)
	for _, m := range models {
		seeds := make([]string, 0, len(data[m]))
		for s := range data[m] {
			seeds = append(seeds, s)
		}
		slices.Sort(seeds)
		for _, s := range seeds {
			var rows []contractRow
			for _, r := range data[m][s] {
				rows = append(rows, rowsOf(m, r)...)
			}
			items = append(items, item(t, cell(append(slices.Clone(extra), "model", m, "seed", s)...), rows))
		}
	}
	return stages.Inputs{"metrics": items}
}

func run(t *testing.T, params string, in stages.Inputs) []leaderboard.Row {
	t.Helper()
	out := stagetest.Run(t, stagetest.Build(t, "leaderboard", params, 1), in)
	rows, err := leaderboard.Table.Read(out["leaderboard"])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func runErr(t *testing.T, params string, in stages.Inputs) error {
	t.Helper()
	st := stagetest.Build(t, "leaderboard", params, 1)
	out, err := st.Run(context.Background(), in)
	if err == nil {
		stagetest.Release(out)
	}
	return err
}

const gilpinStandardNVAR = "Gilpin 2023, \"Model scale versus domain knowledge in statistical forecasting of chaotic systems\", Phys. Rev. Research 5, 043252: standard task, mean sMAPE (0-200) over 131-133 systems (NVAR)"

// same compares rows column by column: floats exactly (NaN equal to NaN)
// except difference, within 1e-12 (it is a subtraction of a decimal).
func same(t *testing.T, got, want []leaderboard.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n%+v", len(got), len(want), got)
	}
	eq := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for i := range want {
		g, w := got[i], want[i]
		ok := noFloats(g) == noFloats(w) && eq(g.Mean, w.Mean) && eq(g.Median, w.Median) && eq(g.ReplicateSpread, w.ReplicateSpread) &&
			eq(g.VPTMedian, w.VPTMedian) && eq(g.VPTQ1, w.VPTQ1) && eq(g.VPTQ3, w.VPTQ3) && eq(g.Published, w.Published) &&
			(eq(g.Difference, w.Difference) || math.Abs(g.Difference-w.Difference) <= 1e-12)
		if !ok {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

var nan = math.NaN()

// noFloats is r with its float columns zeroed, for comparing the others.
func noFloats(r leaderboard.Row) leaderboard.Row {
	r.Mean, r.Median, r.ReplicateSpread, r.VPTMedian, r.VPTQ1, r.VPTQ3, r.Published, r.Difference = 0, 0, 0, 0, 0, 0, 0, 0
	return r
}

func nvarRow() leaderboard.Row {
	return leaderboard.Row{Task: "standard", Model: "nvar_gilpin", Systems: 3, Runs: 6, Replicates: 2, Failures: 1,
		Mean: 60, Median: 35, ReplicateSpread: 40, VPTMedian: 1.5, VPTQ1: 0.625, VPTQ3: 2.75, VPTCensored: 1, Rank: 1,
		Published: 75.4, PublishedStatistic: "mean", PublishedSource: gilpinStandardNVAR, Difference: 60 - 75.4}
}

func esnRow() leaderboard.Row {
	return leaderboard.Row{Task: "standard", Model: "esn", Systems: 3, Runs: 6, Replicates: 2, Failures: 0,
		Mean: 60, Median: 60, ReplicateSpread: 0, VPTMedian: 1, VPTQ1: 1, VPTQ3: 1, VPTCensored: 0, Rank: 2,
		Published: nan, Difference: nan}
}

func TestFixture(t *testing.T) {
	same(t, run(t, "{}\n", inputs(t, fixture)), []leaderboard.Row{nvarRow(), esnRow()})
}

func TestRankTiesByMedianThenName(t *testing.T) {
	data := map[string]map[string][]forecastRun{"ar_copy": fixture["esn"]}
	for m, v := range fixture {
		data[m] = v
	}
	ar := esnRow()
	ar.Model = "ar_copy"
	esn := esnRow()
	esn.Rank = 3
	same(t, run(t, "{}\n", inputs(t, data)), []leaderboard.Row{nvarRow(), ar, esn})
}

// TestSimilarityRanksHighestFirst: pearson is better when higher.
func TestSimilarityRanksHighestFirst(t *testing.T) {
	in := stages.Inputs{"metrics": []stages.Item{item(t, cell("seed", "1"), []contractRow{
		{System: "Lorenz", Model: "a", Metric: "pearson", Value: 0.2, FailureStep: -1, Status: "ok"},
		{System: "Lorenz", Model: "a", Metric: "vpt_smape", Value: 1, FailureStep: -1, Status: "ok"},
		{System: "Lorenz", Model: "b", Metric: "pearson", Value: 0.9, FailureStep: -1, Status: "ok"},
		{System: "Lorenz", Model: "b", Metric: "vpt_smape", Value: 1, FailureStep: -1, Status: "ok"},
	})}}
	rows := run(t, "metric: pearson\n", in)
	if len(rows) != 2 || rows[0].Model != "b" || rows[0].Rank != 1 || rows[1].Model != "a" || rows[1].Rank != 2 {
		t.Errorf("ranking by pearson: %+v", rows)
	}
}

func TestPublished(t *testing.T) {
	t.Run("data-limited median beside our median", func(t *testing.T) {
		rows := run(t, "task: data_limited_1000\n", inputs(t, fixture))
		want := nvarRow()
		want.Task = "data_limited_1000"
		want.Published, want.PublishedStatistic, want.Difference = 68.8, "median", 35-68.8
		want.PublishedSource = "Gilpin 2023, \"Model scale versus domain knowledge in statistical forecasting of chaotic systems\", Phys. Rev. Research 5, 043252: data-limited task, 1,000 training points, median sMAPE (0-200) (NVAR)"
		esn := esnRow()
		esn.Task = "data_limited_1000"
		same(t, rows, []leaderboard.Row{want, esn})
	})
	t.Run("off", func(t *testing.T) {
		want := nvarRow()
		want.Published, want.PublishedStatistic, want.PublishedSource, want.Difference = nan, "", "", nan
		same(t, run(t, "published: false\n", inputs(t, fixture)), []leaderboard.Row{want, esnRow()})
	})
	t.Run("other metric has no figure", func(t *testing.T) {
		for _, r := range run(t, "metric: mse\n", inputs(t, fixture)) {
			if !math.IsNaN(r.Published) || r.PublishedSource != "" || r.PublishedStatistic != "" || !math.IsNaN(r.Difference) {
				t.Errorf("%s: published figure for mse: %+v", r.Model, r)
			}
		}
	})
	// Every figure names its statistic and cites its source.
	for _, f := range leaderboard.Published {
		if (f.Statistic != "mean" && f.Statistic != "median") || !strings.Contains(f.Source, "Phys. Rev. Research 5, 043252") ||
			!strings.HasSuffix(f.Label, "_gilpin") {
			t.Errorf("figure %+v", f)
		}
	}
}

// TestTaskAxis: the producer's task axis overrides the task param, and rows
// are sorted by task then rank.
func TestTaskAxis(t *testing.T) {
	in := inputs(t, fixture, "task", "standard")
	in["metrics"] = append(in["metrics"], inputs(t, map[string]map[string][]forecastRun{"esn": fixture["esn"]}, "task", "a_task")["metrics"]...)
	rows := run(t, "task: ignored\n", in)
	esnA := esnRow()
	esnA.Task, esnA.Rank = "a_task", 1
	same(t, rows, []leaderboard.Row{esnA, nvarRow(), esnRow()})
}

// TestSplitByAndReplicateAxes: replicates told apart by another axis
// (start) give the same rows as by seed, and split_by makes one task per
// value of its axis, named as the published figures are.
func TestSplitByAndReplicateAxes(t *testing.T) {
	in := inputs(t, fixture)
	for i := range in["metrics"] {
		c := in["metrics"][i].Cell
		for j := range c {
			if c[j].Axis == "seed" {
				c[j].Axis = "start"
			}
		}
	}
	same(t, run(t, "replicates: [start]\n", in), []leaderboard.Row{nvarRow(), esnRow()})

	in = inputs(t, fixture, "points", "1000")
	in["metrics"] = append(in["metrics"], inputs(t, map[string]map[string][]forecastRun{"esn": fixture["esn"]}, "points", "101")["metrics"]...)
	var tasks []string
	for _, r := range run(t, "task: data_limited\nsplit_by: [points]\n", in) {
		tasks = append(tasks, r.Task+"/"+r.Model+"/"+r.PublishedStatistic)
	}
	want := []string{"data_limited_1000/nvar_gilpin/median", "data_limited_1000/esn/", "data_limited_101/esn/"}
	if !slices.Equal(tasks, want) {
		t.Errorf("tasks %v, want %v", tasks, want)
	}
}

// TestReplicatesWithoutSeedAxis: trajectories alone tell replicates apart.
func TestReplicatesWithoutSeedAxis(t *testing.T) {
	var rows []contractRow
	for _, m := range []string{"esn", "nvar_gilpin"} {
		for s, traj := range map[string]int64{"1": 0, "2": 1} {
			for _, r := range fixture[m][s] {
				r.traj = traj
				rows = append(rows, rowsOf(m, r)...)
			}
		}
	}
	same(t, run(t, "{}\n", stages.Inputs{"metrics": {item(t, nil, rows)}}), []leaderboard.Row{nvarRow(), esnRow()})
}

// TestDeterministic: the same tables in another order give the same bytes.
func TestDeterministic(t *testing.T) {
	st := stagetest.Build(t, "leaderboard", "{}\n", 1)
	in := inputs(t, fixture)
	a := stagetest.IPCBytes(t, stagetest.Run(t, st, in)["leaderboard"])
	slices.Reverse(in["metrics"])
	b := stagetest.IPCBytes(t, stagetest.Run(t, st, in)["leaderboard"])
	if !bytes.Equal(a, b) {
		t.Error("output bytes depend on the input order")
	}
}

func TestInfinityAndNaN(t *testing.T) {
	mk := func(model string, vals ...float64) []contractRow {
		var out []contractRow
		for i, v := range vals {
			out = append(out,
				contractRow{System: "Lorenz", Model: model, Trajectory: int64(i), Metric: "mse", Value: v, Failed: math.IsInf(v, 1), FailureStep: -1, Status: "ok"},
				contractRow{System: "Lorenz", Model: model, Trajectory: int64(i), Metric: "vpt_smape", Value: 1, FailureStep: -1, Status: "ok"})
		}
		return out
	}
	rows := run(t, "metric: mse\n", stages.Inputs{"metrics": {
		item(t, nil, mk("inf", 1, math.Inf(1), 3)),
		item(t, nil, mk("nan", 1, nan)),
		item(t, nil, mk("ok", 5, 7)),
	}})
	if len(rows) != 3 {
		t.Fatalf("%+v", rows)
	}
	ok, inf, nn := rows[0], rows[1], rows[2]
	if ok.Model != "ok" || ok.Mean != 6 || ok.ReplicateSpread != 1 {
		t.Errorf("ok: %+v", ok)
	}
	if inf.Model != "inf" || !math.IsInf(inf.Mean, 1) || inf.Median != 3 || !math.IsNaN(inf.ReplicateSpread) || inf.Failures != 1 || inf.Rank != 2 {
		t.Errorf("inf: %+v", inf)
	}
	if nn.Model != "nan" || !math.IsNaN(nn.Mean) || !math.IsNaN(nn.Median) || nn.Rank != 3 {
		t.Errorf("nan: %+v", nn)
	}
}

func TestInputErrors(t *testing.T) {
	t.Run("missing column", func(t *testing.T) {
		rec := schemas.NewTable[oldRow]().Record([]oldRow{{System: "Lorenz", Model: "esn", Metric: "smape", Value: 1, FailureStep: -1, Status: "ok"}}, nil)
		defer rec.Release()
		err := runErr(t, "{}\n", stages.Inputs{"metrics": {{Stage: "score[Lorenz]", Record: rec}}})
		if err == nil || !strings.Contains(err.Error(), `"censored"`) || !strings.Contains(err.Error(), "score[Lorenz]") {
			t.Errorf("got %v, want an error naming the column censored and the producer", err)
		}
	})
	twice := inputs(t, fixture)
	twice["metrics"] = append(twice["metrics"], twice["metrics"][0])
	noVPT := []contractRow{{System: "Lorenz", Model: "esn", Metric: "smape", Value: 1, FailureStep: -1, Status: "ok"}}
	noSMAPE := []contractRow{{System: "Lorenz", Model: "esn", Metric: "mse", Value: 1, FailureStep: -1, Status: "ok"}}
	oneMissing := append(rowsOf("esn", forecastRun{"Lorenz", 0, 1, false, 1, false}),
		contractRow{System: "Rossler", Model: "esn", Metric: "diverged", Value: nan, FailureStep: -1, Status: "no truth for system Rossler trajectory 0"})
	for _, c := range []struct {
		name string
		in   stages.Inputs
		want []string
	}{
		{"run given twice", twice, []string{"two smape rows", "esn", "Aizawa", "replicate 1, trajectory 0"}},
		{"no vpt rows", stages.Inputs{"metrics": {item(t, nil, noVPT)}}, []string{"no vpt_smape rows"}},
		{"no metric rows", stages.Inputs{"metrics": {item(t, nil, noSMAPE)}}, []string{"no smape rows"}},
		{"run not scored", stages.Inputs{"metrics": {item(t, nil, oneMissing)}}, []string{"Rossler", "no smape row", "no truth for system Rossler"}},
	} {
		err := runErr(t, "{}\n", c.in)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got %v, want %q", c.name, err, w)
			}
		}
	}
}

func TestEmptyInput(t *testing.T) {
	if rows := run(t, "{}\n", stages.Inputs{}); len(rows) != 0 {
		t.Errorf("rows from no input: %+v", rows)
	}
}

func TestBadParams(t *testing.T) {
	if d := stagetest.DecodeDiags(t, "leaderboard", "split_by: [seed]\n"); !strings.Contains(d.Error(), "split_by") {
		t.Errorf("split_by on a replicate axis: %v", d)
	}
	for _, c := range []struct{ params, want string }{
		{"task: \"\"", "task"},
		{"metric: smap", "unknown metric \"smap\""},
		{"metric: vpt_smape", "unknown metric"},
		{"vpt: gilpin", "unknown rule \"gilpin\""},
		{"published: maybe", "published"},
		{"rank_by: mean", "rank_by"},
	} {
		ds := stagetest.DecodeDiags(t, "leaderboard", c.params+"\n")
		if len(ds) == 0 || !strings.Contains(ds.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.params, ds, c.want)
		}
	}
}

// TestPorts: the input declares the contract's metrics columns (so plan
// rejects an older metrics table), and every output column is documented.
func TestPorts(t *testing.T) {
	in, out := stagetest.Build(t, "leaderboard", "{}\n", 1).Ports()
	if len(in) != 1 || !in[0].Many || in[0].Name != "metrics" {
		t.Fatalf("inputs %+v", in)
	}
	var names []string
	for _, f := range in[0].Schema.Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"system", "model", "trajectory", "metric", "value", "points", "failed", "failure_step", "censored", "status"}; !slices.Equal(names, want) {
		t.Errorf("input columns %v, want %v", names, want)
	}
	want := contractTable.Schema(nil)
	for _, f := range want.Fields() {
		i := in[0].Schema.FieldIndices(f.Name)
		if len(i) == 0 || !arrow.TypeEqual(in[0].Schema.Field(i[0]).Type, f.Type) {
			t.Errorf("input column %s is not %s", f.Name, f.Type)
		}
	}
	for _, c := range out[0].Columns {
		if c.Doc == "" {
			t.Errorf("column %s has no doc", c.Name)
		}
	}
}
