package scoring_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/scoring"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// runKind builds a stage of kind from YAML params, as a pipeline file
// would, and runs it.
func runKind(t *testing.T, kind string, in stages.Inputs, params string) stages.Outputs {
	t.Helper()
	return stagetest.Run(t, stagetest.Build(t, kind, params, 1), in)
}

// row is one row of a synthetic forecast table; truth tables are written
// from the same rows without the status columns.
type row struct {
	schemas.TrajectoryRow
	Diverged    bool  `arrow:"diverged"`
	FailureStep int64 `arrow:"failure_step"`
}

var forecastTable = schemas.NewTable[row]()

func newRow(sys string, traj, step int64, x []float64) row {
	return row{TrajectoryRow: schemas.TrajectoryRow{System: sys, Trajectory: traj, Step: step, Time: 0.1 * float64(step), State: x}, FailureStep: -1}
}

func buildTable(t *testing.T, rows []row, forecast bool, meta map[string]string) arrow.RecordBatch {
	t.Helper()
	var rec arrow.RecordBatch
	if forecast {
		rec = forecastTable.Record(rows, meta)
	} else {
		traj := make([]schemas.TrajectoryRow, len(rows))
		for i, r := range rows {
			traj[i] = r.TrajectoryRow
		}
		rec = schemas.Trajectories.Record(traj, meta)
	}
	t.Cleanup(rec.Release)
	return rec
}

func truthAt(step int64) []float64 {
	return []float64{math.Sin(0.1 * float64(step)), math.Cos(0.1*float64(step)) + 2}
}

// synthetic builds a truth table of 3 trajectories of 100 steps (from step
// 500) and a forecast: trajectory 0 = truth + 0.1 everywhere; trajectory 1
// exact for 50 steps, then off by 10; trajectory 2 exact but diverged from
// step 530 (NaN, flagged).
func synthetic(t *testing.T) stages.Inputs {
	truth, fc := syntheticRows()
	return stages.Inputs{
		"truth": {{Record: buildTable(t, truth, false, map[string]string{"system": "Lorenz", "lyapunov_time": "2", "sample_dt": "0.1"})}},
		"forecast": {{Record: buildTable(t, fc, true, map[string]string{"family": "nvar",
			"systems": `[{"system":"Lorenz","family":"nvar","lyapunov_time":2,"sample_dt":0.1}]`})}},
	}
}

func syntheticRows() (truth, fc []row) {
	for traj := int64(0); traj < 3; traj++ {
		for i := int64(0); i < 100; i++ {
			step := 500 + i
			y := truthAt(step)
			truth = append(truth, newRow("Lorenz", traj, step, y))
			p := []float64{y[0], y[1]}
			f := newRow("Lorenz", traj, step, nil)
			switch traj {
			case 0:
				p[0] += 0.1
				p[1] += 0.1
			case 1:
				if i >= 50 {
					p[0] += 10
				}
			case 2:
				f.FailureStep = 530
				if step >= 530 {
					p = []float64{math.NaN(), math.NaN()}
					f.Diverged = true
				}
			}
			f.State = p
			fc = append(fc, f)
		}
	}
	return truth, fc
}

// metricsOut is a decoded metrics output.
type metricsOut []scoring.MetricRow

func readMetrics(t *testing.T, rec arrow.RecordBatch) metricsOut {
	t.Helper()
	rows, err := scoring.MetricsTable.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (m metricsOut) get(t *testing.T, traj int64, metric string) (float64, int, string) {
	t.Helper()
	r := m.row(t, traj, metric)
	if r.Model != "nvar" {
		t.Errorf("model %q, want nvar", r.Model)
	}
	return r.Value, r.Points, r.Status
}

func (m metricsOut) row(t *testing.T, traj int64, metric string) scoring.MetricRow {
	t.Helper()
	for _, r := range m {
		if r.Trajectory == traj && r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row for trajectory %d metric %s", traj, metric)
	return scoring.MetricRow{}
}

func TestMetricsKnownValues(t *testing.T) {
	out := runKind(t, "metrics", synthetic(t), "horizons: [10, 50, 100]\ncurve_metrics: [mae]\nvpt_rules: [vlachas, pathak, smape, smape_pointwise]\n")
	m := readMetrics(t, out["metrics"])
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.12g, want %.12g", what, got, want)
		}
	}
	// Trajectory 0: constant error 0.1 in both coordinates.
	v, n, st := m.get(t, 0, "mse")
	near("mse", v, 0.01)
	if n != 100 || st != "ok" {
		t.Errorf("mse points %d status %q", n, st)
	}
	v, _, _ = m.get(t, 0, "mae")
	near("mae", v, 0.1)
	v, _, _ = m.get(t, 0, "rmse")
	near("rmse", v, 0.1)
	v, _, _ = m.get(t, 0, "diverged")
	near("diverged", v, 0)
	// Every one of the 19 metrics is present.
	for _, name := range []string{"nrmse", "marre", "r2_score", "rmsle", "smape", "mape", "wape", "spearman", "pearson",
		"kendall", "coefficient_of_variation", "mutual_information", "kl_divergence", "hellinger_distance", "mase", "ope"} {
		if v, _, st := m.get(t, 0, name); math.IsNaN(v) {
			t.Errorf("%s is NaN (%s)", name, st)
		}
	}
	v, _, _ = m.get(t, 0, "pearson")
	near("pearson", v, 1)
	// VPT: all 100 rows valid (vlachas error ≈ 0.14), dt 0.1, Lyapunov time
	// 2 → 5, censored: the horizon ended it.
	if r := m.row(t, 0, "vpt_vlachas"); math.Abs(r.Value-5) > 1e-9 || !r.Censored || r.Failed || r.FailureStep != -1 {
		t.Errorf("vpt_vlachas t0: %+v, want 5, censored", r)
	}
	if r := m.row(t, 0, "mse"); r.Censored || r.Failed || r.FailureStep != -1 {
		t.Errorf("mse t0: %+v, want not censored, not failed", r)
	}
	// Trajectory 1: exact for 50 rows → 50·0.1/2 = 2.5 Lyapunov times by
	// the pointwise rules, not censored.
	for _, rule := range []string{"vpt_vlachas", "vpt_pathak", "vpt_smape_pointwise"} {
		r := m.row(t, 1, rule)
		near(rule+" t1", r.Value, 2.5)
		if r.Censored {
			t.Errorf("%s t1 censored", rule)
		}
	}
	// The cumulative sMAPE of Zhang & Gilpin: each row after 50 adds ≈ 90
	// (200·mean(10/(2|y|+10), 0)), so the running mean first exceeds 30 at
	// row 71 (30.10; worked out row by row from the definition) → 7.1/2.
	near("vpt_smape t1", m.row(t, 1, "vpt_smape").Value, 3.55)
	// Trajectory 2: diverged at step 530, penalized by default: the 70
	// failed rows make mse +Inf and sMAPE (30·0 + 70·200)/100 = 140.
	v, n, st = m.get(t, 2, "mse")
	if !math.IsInf(v, 1) || n != 100 || !strings.Contains(st, "diverged after 30 of 100") {
		t.Errorf("diverged mse: %v over %d points, status %q; want +Inf over 100", v, n, st)
	}
	near("smape diverged", m.row(t, 2, "smape").Value, 140)
	r := m.row(t, 2, "diverged")
	if r.Value != 1 || !r.Failed || r.FailureStep != 30 || r.Censored {
		t.Errorf("diverged row: %+v, want 1, failed at row 30", r)
	}
	// VPT ends at the failure, not censored.
	if r := m.row(t, 2, "vpt_vlachas"); math.Abs(r.Value-1.5) > 1e-9 || r.Censored || !r.Failed {
		t.Errorf("vpt diverged: %+v, want 1.5, failed, not censored", r)
	}

	// Curves: mae of trajectory 1 at horizons 10, 50 (exact) and 100 (mean of 50 errors of 10 over 2 columns = 2.5).
	curves, err := scoring.CurvesTable.Read(out["curves"])
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 9 {
		t.Fatalf("%d curve rows, want 3 trajectories × 3 horizons", len(curves))
	}
	for _, c := range curves {
		traj, h, v := c.Trajectory, c.Horizon, c.Value
		if c.Metric != "mae" || c.Model != "nvar" {
			t.Errorf("curve row %+v, want metric mae of model nvar", c)
		}
		switch {
		case traj == 1 && h == 100:
			near("mae@100", v, 2.5)
		case traj == 1:
			near("mae@h", v, 0)
		case traj == 2 && h == 100:
			if !math.IsInf(v, 1) {
				t.Errorf("penalized mae beyond divergence = %v, want +Inf", v)
			}
		}
	}
}

func TestMetricsDivergedNaNAndOrderAlignment(t *testing.T) {
	in := synthetic(t)
	out := runKind(t, "metrics", in, "diverged: nan\nmetrics: [mse]\nvpt_rules: [vlachas]\nhorizons: [100]\ncurve_metrics: [mae]\n")
	m := readMetrics(t, out["metrics"])
	if v, _, st := m.get(t, 2, "mse"); !math.IsNaN(v) || !strings.Contains(st, "diverged") {
		t.Errorf("diverged=nan: mse %v status %q", v, st)
	}
	if v, _, _ := m.get(t, 2, "vpt_vlachas"); v != 1.5 {
		t.Errorf("VPT of a diverged forecast %v, want 1.5", v)
	}
	curves, err := scoring.CurvesTable.Read(out["curves"])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range curves {
		if c.Trajectory == 2 && !math.IsNaN(c.Value) {
			t.Errorf("diverged=nan: curve beyond divergence = %v, want NaN", c.Value)
		}
	}
	// A forecast numbered from 0 is aligned by order with the truth rows.
	var fc []row
	for i := int64(0); i < 100; i++ {
		y := truthAt(500 + i)
		fc = append(fc, newRow("Lorenz", 0, i, []float64{y[0] + 0.1, y[1] + 0.1}))
	}
	in["forecast"] = []stages.Item{{Record: buildTable(t, fc, true, map[string]string{"family": "nvar"})}}
	out = runKind(t, "metrics", in, "metrics: [mse]\n")
	m = readMetrics(t, out["metrics"])
	v, n, st := m.get(t, 0, "mse")
	if math.Abs(v-0.01) > 1e-12 || n != 100 || !strings.Contains(st, "aligned by order") {
		t.Errorf("order alignment: mse %v points %d status %q", v, n, st)
	}
	// Lyapunov time from the truth's metadata: 100 steps · 0.1 / 2.
	if v, _, _ := m.get(t, 0, "vpt_vlachas"); math.Abs(v-5) > 1e-12 {
		t.Errorf("VPT %v, want 5", v)
	}
}

// Rows in any order score the same: the reader sorts each series by step
// and carries every row's diverged flag and failure step along with it.
func TestMetricsShuffledRows(t *testing.T) {
	truth, fc := syntheticRows()
	rng := rand.New(rand.NewPCG(7, 8))
	rng.Shuffle(len(truth), func(i, j int) { truth[i], truth[j] = truth[j], truth[i] })
	rng.Shuffle(len(fc), func(i, j int) { fc[i], fc[j] = fc[j], fc[i] })
	in := synthetic(t)
	want := readMetrics(t, runKind(t, "metrics", in, "{}\n")["metrics"])
	in["truth"][0].Record = buildTable(t, truth, false, map[string]string{"system": "Lorenz", "lyapunov_time": "2", "sample_dt": "0.1"})
	in["forecast"][0].Record = buildTable(t, fc, true, map[string]string{"family": "nvar",
		"systems": `[{"system":"Lorenz","family":"nvar","lyapunov_time":2,"sample_dt":0.1}]`})
	got := readMetrics(t, runKind(t, "metrics", in, "{}\n")["metrics"])
	if len(got) != len(want) {
		t.Fatalf("%d rows shuffled, %d in order", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Trajectory != w.Trajectory || g.Metric != w.Metric || g.Points != w.Points || g.Status != w.Status ||
			g.Failed != w.Failed || g.FailureStep != w.FailureStep || g.Censored != w.Censored ||
			(g.Value != w.Value && !(math.IsNaN(g.Value) && math.IsNaN(w.Value))) {
			t.Errorf("row %d: shuffled %+v, in order %+v", i, g, w)
		}
	}
	if r := want.row(t, 2, "mse"); !math.IsInf(r.Value, 1) || r.Points != 100 || r.FailureStep != 30 || !strings.Contains(r.Status, "diverged after 30 of 100") {
		t.Errorf("diverged trajectory: %+v, want +Inf over 100 points, failed at row 30", r)
	}
}

// A forecast with only one of the two status columns is not a forecast
// table: the reader names the missing column.
func TestMetricsHalfForecastTable(t *testing.T) {
	type halfRow struct {
		schemas.TrajectoryRow
		Diverged bool `arrow:"diverged"`
	}
	_, fc := syntheticRows()
	half := make([]halfRow, len(fc))
	for i, r := range fc {
		half[i] = halfRow{r.TrajectoryRow, r.Diverged}
	}
	rec := schemas.NewTable[halfRow]().Record(half, map[string]string{"family": "nvar"})
	defer rec.Release()
	in := synthetic(t)
	in["forecast"][0].Record = rec
	st := stagetest.Build(t, "metrics", "{}\n", 1)
	out, err := st.Run(context.Background(), in)
	stagetest.Release(out)
	if err == nil || !strings.Contains(err.Error(), `no column "failure_step"`) {
		t.Fatalf("got %v, want an error naming failure_step", err)
	}
}

// Every column of every output port is documented.
func TestOutputColumnsDocumented(t *testing.T) {
	for _, kind := range []string{"metrics", "cluster"} {
		_, out := stagetest.Build(t, kind, "{}\n", 1).Ports()
		for _, p := range out {
			if len(p.Columns) == 0 || len(p.Columns) != len(p.Schema.Fields()) {
				t.Errorf("%s.%s: %d column docs for %d columns", kind, p.Name, len(p.Columns), len(p.Schema.Fields()))
			}
			for _, c := range p.Columns {
				if c.Doc == "" {
					t.Errorf("%s.%s: column %s has no doc", kind, p.Name, c.Name)
				}
			}
		}
	}
}

func TestMetricsValidate(t *testing.T) {
	for _, c := range []struct{ params, want string }{
		{"metrics: [mse, msee]", "unknown metric"},
		{"vpt_rules: [gilpin]", "unknown rule"},
		{"vpt_threshold: 0.3", "exactly one rule"},
		{"smape_scale: 50", "100 or 200"},
		{"diverged: drop", "penalize, truncate or nan"},
		{"vpt_rules: [smape, smape_cumulative]", "unknown rule"},
	} {
		ds := stagetest.DecodeDiags(t, "metrics", c.params+"\n")
		if len(ds) == 0 || !strings.Contains(ds.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.params, ds, c.want)
		}
	}
}

// featureRow is one row of a synthetic invariants-like features table.
type featureRow struct {
	System string  `arrow:"system"`
	A      float64 `arrow:"a"`
	B      float64 `arrow:"b"`
	C      float64 `arrow:"c"`
	AErr   float64 `arrow:"a_err"` // not a feature by default
}

var featureTable = schemas.NewTable[featureRow]()

// blobs is a features table of three well separated Gaussian blobs of 20
// points in 3 features (plus a NaN row and an id column).
func blobs(t *testing.T) (arrow.RecordBatch, []int) {
	centers := [][]float64{{0, 0, 0}, {10, 10, 0}, {0, 10, 10}}
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []featureRow
	var truth []int
	for i := 0; i < 60; i++ {
		c := i % 3
		truth = append(truth, c)
		r := featureRow{System: featureID(i)}
		r.A = centers[c][0] + rng.NormFloat64()
		r.B = centers[c][1] + rng.NormFloat64()
		r.C = centers[c][2] + rng.NormFloat64()
		r.AErr = 1e6 * rng.Float64()
		rows = append(rows, r)
	}
	nan := math.NaN()
	rows = append(rows, featureRow{System: featureID(60), A: nan, B: nan, C: nan, AErr: nan})
	truth = append(truth, -1)
	rec := featureTable.Record(rows, nil)
	t.Cleanup(rec.Release)
	return rec, truth
}

func readCluster(t *testing.T, out stages.Outputs) ([]scoring.ClusterRow, scoring.SummaryRow) {
	t.Helper()
	cl, err := scoring.ClustersTable.Read(out["clusters"])
	if err != nil {
		t.Fatal(err)
	}
	sum, err := scoring.SummaryTable.Read(out["summary"])
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 1 {
		t.Fatalf("%d summary rows, want 1", len(sum))
	}
	return cl, sum[0]
}

func TestClusterBlobs(t *testing.T) {
	rec, truth := blobs(t)
	cl, sum := readCluster(t, runKind(t, "cluster", stagetest.Inputs("features", rec), "{}\n"))
	if sum.K != 3 {
		t.Fatalf("chose k = %d, want 3", sum.K)
	}
	if sum.Columns != "a,b,c" {
		t.Errorf("columns %q, want a,b,c", sum.Columns)
	}
	if sum.Dropped != 1 || sum.Points != 60 {
		t.Errorf("dropped %d points %d, want 1 and 60", sum.Dropped, sum.Points)
	}
	// k chosen in [k_min, k_max] = [2, 8], one mean silhouette each, the best at k.
	if !slices.Equal(sum.KTried, []int{2, 3, 4, 5, 6, 7, 8}) || len(sum.Silhouettes) != len(sum.KTried) {
		t.Fatalf("k_tried %v silhouettes %v", sum.KTried, sum.Silhouettes)
	}
	if best := slices.Index(sum.Silhouettes, slices.Max(sum.Silhouettes)); sum.KTried[best] != sum.K {
		t.Errorf("k = %d, but the best silhouette %v is at k = %d", sum.K, sum.Silhouettes, sum.KTried[best])
	}
	if len(cl) != len(truth) {
		t.Fatalf("%d cluster rows, want %d", len(cl), len(truth))
	}
	// The partition equals the blobs up to renaming.
	mapping := map[int]int{}
	medoids := 0
	sil := 0.0
	for i, tc := range truth {
		r := cl[i]
		if r.ID != featureID(i) {
			t.Errorf("row %d: id %q", i, r.ID)
		}
		if tc < 0 {
			if r.Cluster != -1 || !math.IsNaN(r.Silhouette) || r.IsMedoid {
				t.Errorf("NaN row: %+v", r)
			}
			continue
		}
		if want, ok := mapping[tc]; ok && want != r.Cluster {
			t.Errorf("row %d in cluster %d, its blob is in %d", i, r.Cluster, want)
		}
		mapping[tc] = r.Cluster
		if r.IsMedoid {
			medoids++
		}
		sil += r.Silhouette
	}
	if len(mapping) != 3 || medoids != 3 {
		t.Errorf("%d clusters, %d medoids", len(mapping), medoids)
	}
	if math.Abs(sil/60-sum.MeanSilhouette) > 1e-12 || sum.MeanSilhouette < 0.7 {
		t.Errorf("mean silhouette %v (rows: %v), want > 0.7 and consistent", sum.MeanSilhouette, sil/60)
	}
	// Fixed k and the median imputation keep every row.
	_, sum = readCluster(t, runKind(t, "cluster", stagetest.Inputs("features", rec), "k: 3\nnan: median\n"))
	if sum.Dropped != 0 || sum.K != 3 || len(sum.KTried) != 0 || len(sum.Silhouettes) != 0 {
		t.Errorf("k=3, median imputation: %+v", sum)
	}
}

func featureID(i int) string {
	if i == 60 {
		return "broken"
	}
	return "s" + string(rune('A'+i/26)) + string(rune('a'+i%26))
}

func TestDeterministic(t *testing.T) {
	rec, _ := blobs(t)
	a := runKind(t, "cluster", stagetest.Inputs("features", rec), "init: random\n")
	b := runKind(t, "cluster", stagetest.Inputs("features", rec), "init: random\n")
	for _, port := range []string{"clusters", "summary"} {
		if !bytes.Equal(stagetest.IPCBytes(t, a[port]), stagetest.IPCBytes(t, b[port])) {
			t.Errorf("cluster %s differs between runs", port)
		}
	}
	x := runKind(t, "metrics", synthetic(t), "{}\n")
	y := runKind(t, "metrics", synthetic(t), "{}\n")
	if !bytes.Equal(stagetest.IPCBytes(t, x["metrics"]), stagetest.IPCBytes(t, y["metrics"])) {
		t.Error("metrics differ between runs")
	}
}

func TestClusterErrors(t *testing.T) {
	rec, _ := blobs(t)
	for _, c := range []struct{ params, want string }{
		{"id_column: name", `id column "name" not in the features table`},
		{"columns: [zz]", `feature column "zz" not in the features table`},
		{"k: 100", "k=100 exceeds the 60 rows"},
	} {
		st := stagetest.Build(t, "cluster", c.params+"\n", 1)
		out, err := st.Run(context.Background(), stagetest.Inputs("features", rec))
		stagetest.Release(out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.params, err, c.want)
		}
	}
}
