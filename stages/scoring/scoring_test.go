package scoring_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/scoring"
)

// runKind decodes --set style params and runs the stage like `runner run`.
func runKind(t *testing.T, kind string, in stages.Inputs, sets ...string) stages.Outputs {
	t.Helper()
	out, err := tryRunKind(t, kind, in, sets...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tryRunKind(t *testing.T, kind string, in stages.Inputs, sets ...string) (stages.Outputs, error) {
	t.Helper()
	k, ok := stages.Default.Lookup(kind)
	if !ok {
		t.Fatalf("%s not registered", kind)
	}
	node, ds := spec.NodeFromSets(sets)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	params, ds := k.Decode(node, "params")
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	st, err := k.Build(params, stages.Env{ID: kind, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, outPorts := st.Ports()
	out, err := runner.RunStage(context.Background(), st, in, outPorts, 0)
	if err == nil {
		t.Cleanup(func() {
			for _, r := range out {
				r.Release()
			}
		})
	}
	return out, err
}

// row is one row of a synthetic trajectory or forecast table.
type row struct {
	sys      string
	traj     int64
	step     int64
	x        []float64
	diverged bool
	fail     int64
}

func buildTable(t *testing.T, rows []row, forecast bool, meta map[string]string) arrow.RecordBatch {
	t.Helper()
	fields := schemas.Trajectory(2, nil).Fields()
	if forecast {
		fields = append(fields, arrow.Field{Name: "diverged", Type: arrow.FixedWidthTypes.Boolean},
			arrow.Field{Name: "failure_step", Type: arrow.PrimitiveTypes.Int64})
	}
	md := arrow.MetadataFrom(meta)
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, &md))
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.sys)
		b.Field(1).(*array.Int64Builder).Append(r.traj)
		b.Field(2).(*array.Int64Builder).Append(r.step)
		b.Field(3).(*array.Float64Builder).Append(0.1 * float64(r.step))
		b.Field(4).(*array.Float64Builder).Append(r.x[0])
		b.Field(5).(*array.Float64Builder).Append(r.x[1])
		if forecast {
			b.Field(6).(*array.BooleanBuilder).Append(r.diverged)
			b.Field(7).(*array.Int64Builder).Append(r.fail)
		}
	}
	rec := b.NewRecordBatch()
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
	var truth, fc []row
	for traj := int64(0); traj < 3; traj++ {
		for i := int64(0); i < 100; i++ {
			step := 500 + i
			y := truthAt(step)
			truth = append(truth, row{sys: "Lorenz", traj: traj, step: step, x: y})
			p := []float64{y[0], y[1]}
			f := row{sys: "Lorenz", traj: traj, step: step, fail: -1}
			switch traj {
			case 0:
				p[0] += 0.1
				p[1] += 0.1
			case 1:
				if i >= 50 {
					p[0] += 10
				}
			case 2:
				f.fail = 530
				if step >= 530 {
					p = []float64{math.NaN(), math.NaN()}
					f.diverged = true
				}
			}
			f.x = p
			fc = append(fc, f)
		}
	}
	return stages.Inputs{
		"truth": {{Record: buildTable(t, truth, false, map[string]string{"system": "Lorenz", "lyapunov_time": "2", "sample_dt": "0.1"})}},
		"forecast": {{Record: buildTable(t, fc, true, map[string]string{"family": "nvar",
			"systems": `[{"system":"Lorenz","family":"nvar","lyapunov_time":2,"sample_dt":0.1}]`})}},
	}
}

type metricsOut struct {
	rec arrow.RecordBatch
}

func (m metricsOut) get(t *testing.T, traj int64, metric string) (float64, int64, string) {
	t.Helper()
	r := m.rec
	for i := 0; i < int(r.NumRows()); i++ {
		if r.Column(2).(*array.Int64).Value(i) == traj && r.Column(3).(*array.String).Value(i) == metric {
			if got := r.Column(1).(*array.String).Value(i); got != "nvar" {
				t.Errorf("model %q, want nvar", got)
			}
			return r.Column(4).(*array.Float64).Value(i), r.Column(5).(*array.Int64).Value(i), r.Column(6).(*array.String).Value(i)
		}
	}
	t.Fatalf("no row for trajectory %d metric %s", traj, metric)
	return 0, 0, ""
}

func TestMetricsKnownValues(t *testing.T) {
	out := runKind(t, "metrics", synthetic(t), "horizons=[10,50,100]", "curve_metrics=[mae]")
	m := metricsOut{out["metrics"]}
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
	// VPT: all 100 rows valid (vlachas error ≈ 0.14), dt 0.1, Lyapunov time 2 → 5.
	v, _, _ = m.get(t, 0, "vpt_vlachas")
	near("vpt_vlachas t0", v, 5)
	// Trajectory 1: exact for 50 rows → 50·0.1/2 = 2.5 Lyapunov times, all rules.
	for _, rule := range []string{"vpt_vlachas", "vpt_pathak", "vpt_smape"} {
		v, _, _ = m.get(t, 1, rule)
		near(rule+" t1", v, 2.5)
	}
	// Trajectory 2: diverged at step 530 → metrics over 30 exact rows.
	v, n, st = m.get(t, 2, "mse")
	near("mse diverged", v, 0)
	if n != 30 || !strings.Contains(st, "diverged after 30 of 100") {
		t.Errorf("diverged mse: points %d status %q", n, st)
	}
	v, _, _ = m.get(t, 2, "diverged")
	near("diverged flag", v, 1)
	v, _, _ = m.get(t, 2, "vpt_vlachas")
	near("vpt diverged", v, 1.5)

	// Curves: mae of trajectory 1 at horizons 10, 50 (exact) and 100 (mean of 50 errors of 10 over 2 columns = 2.5).
	c := out["curves"]
	if c.NumRows() != 9 {
		t.Fatalf("%d curve rows, want 3 trajectories × 3 horizons", c.NumRows())
	}
	for i := 0; i < int(c.NumRows()); i++ {
		traj, h := c.Column(2).(*array.Int64).Value(i), c.Column(3).(*array.Int64).Value(i)
		v := c.Column(5).(*array.Float64).Value(i)
		switch {
		case traj == 1 && h == 100:
			near("mae@100", v, 2.5)
		case traj == 1:
			near("mae@h", v, 0)
		case traj == 2 && h == 100:
			if !math.IsNaN(v) {
				t.Errorf("curve beyond divergence = %v, want NaN", v)
			}
		}
	}
}

func TestMetricsDivergedNaNAndOrderAlignment(t *testing.T) {
	in := synthetic(t)
	out := runKind(t, "metrics", in, "diverged=nan", "metrics=[mse]", "vpt_rules=[vlachas]")
	m := metricsOut{out["metrics"]}
	if v, _, st := m.get(t, 2, "mse"); !math.IsNaN(v) || !strings.Contains(st, "diverged") {
		t.Errorf("diverged=nan: mse %v status %q", v, st)
	}
	if v, _, _ := m.get(t, 2, "vpt_vlachas"); v != 1.5 {
		t.Errorf("VPT of a diverged forecast %v, want 1.5", v)
	}
	// A forecast numbered from 0 is aligned by order with the truth rows.
	var fc []row
	for i := int64(0); i < 100; i++ {
		y := truthAt(500 + i)
		fc = append(fc, row{sys: "Lorenz", traj: 0, step: i, x: []float64{y[0] + 0.1, y[1] + 0.1}, fail: -1})
	}
	in["forecast"] = []stages.Item{{Record: buildTable(t, fc, true, map[string]string{"family": "nvar"})}}
	out = runKind(t, "metrics", in, "metrics=[mse]")
	m = metricsOut{out["metrics"]}
	v, n, st := m.get(t, 0, "mse")
	if math.Abs(v-0.01) > 1e-12 || n != 100 || !strings.Contains(st, "aligned by order") {
		t.Errorf("order alignment: mse %v points %d status %q", v, n, st)
	}
	// Lyapunov time from the truth's metadata: 100 steps · 0.1 / 2.
	if v, _, _ := m.get(t, 0, "vpt_vlachas"); math.Abs(v-5) > 1e-12 {
		t.Errorf("VPT %v, want 5", v)
	}
}

func TestMetricsValidate(t *testing.T) {
	k, _ := stages.Default.Lookup("metrics")
	for _, c := range []struct{ set, want string }{
		{"metrics=[mse,msee]", "unknown metric"},
		{"vpt_rules=[gilpin]", "unknown rule"},
		{"vpt_threshold=0.3", "exactly one rule"},
		{"smape_scale=50", "100 or 200"},
		{"diverged=drop", "truncate or nan"},
	} {
		node, _ := spec.NodeFromSets([]string{c.set})
		_, ds := k.Decode(node, "params")
		if len(ds) == 0 || !strings.Contains(ds.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.set, ds, c.want)
		}
	}
}

// blobs is a features table of three well separated Gaussian blobs of 20
// points in 3 features (plus a NaN row and an id column).
func blobs(t *testing.T) (arrow.RecordBatch, []int) {
	centers := [][]float64{{0, 0, 0}, {10, 10, 0}, {0, 10, 10}}
	rng := rand.New(rand.NewPCG(3, 4))
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "system", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64},
		{Name: "c", Type: arrow.PrimitiveTypes.Float64},
		{Name: "a_err", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sch)
	defer bld.Release()
	var truth []int
	for i := 0; i < 60; i++ {
		c := i % 3
		truth = append(truth, c)
		bld.Field(0).(*array.StringBuilder).Append("s" + string(rune('A'+i/26)) + string(rune('a'+i%26)))
		for j := 0; j < 3; j++ {
			bld.Field(1 + j).(*array.Float64Builder).Append(centers[c][j] + rng.NormFloat64())
		}
		bld.Field(4).(*array.Float64Builder).Append(1e6 * rng.Float64()) // not a feature by default
	}
	bld.Field(0).(*array.StringBuilder).Append("broken")
	for j := 0; j < 4; j++ {
		bld.Field(1 + j).(*array.Float64Builder).Append(math.NaN())
	}
	truth = append(truth, -1)
	rec := bld.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec, truth
}

func TestClusterBlobs(t *testing.T) {
	rec, truth := blobs(t)
	out := runKind(t, "cluster", stages.Inputs{"features": {{Record: rec}}})
	sum := out["summary"]
	if k := sum.Column(0).(*array.Int64).Value(0); k != 3 {
		t.Fatalf("chose k = %d, want 3", k)
	}
	if cols := sum.Column(5).(*array.String).Value(0); cols != "a,b,c" {
		t.Errorf("columns %q, want a,b,c", cols)
	}
	if d := sum.Column(4).(*array.Int64).Value(0); d != 1 {
		t.Errorf("dropped %d, want 1", d)
	}
	cl := out["clusters"]
	labels := cl.Column(1).(*array.Int64)
	// The partition equals the blobs up to renaming.
	mapping := map[int]int64{}
	medoids := 0
	sil := 0.0
	for i, tc := range truth {
		l := labels.Value(i)
		if tc < 0 {
			if l != -1 || !math.IsNaN(cl.Column(3).(*array.Float64).Value(i)) {
				t.Errorf("NaN row: cluster %d", l)
			}
			continue
		}
		if want, ok := mapping[tc]; ok && want != l {
			t.Errorf("row %d in cluster %d, its blob is in %d", i, l, want)
		}
		mapping[tc] = l
		if cl.Column(2).(*array.Boolean).Value(i) {
			medoids++
		}
		sil += cl.Column(3).(*array.Float64).Value(i)
	}
	if len(mapping) != 3 || medoids != 3 {
		t.Errorf("%d clusters, %d medoids", len(mapping), medoids)
	}
	mean := sum.Column(2).(*array.Float64).Value(0)
	if math.Abs(sil/60-mean) > 1e-12 || mean < 0.7 {
		t.Errorf("mean silhouette %v (rows: %v), want > 0.7 and consistent", mean, sil/60)
	}
	// Fixed k and the median imputation keep every row.
	out = runKind(t, "cluster", stages.Inputs{"features": {{Record: rec}}}, "k=3", "nan=median")
	if d := out["summary"].Column(4).(*array.Int64).Value(0); d != 0 {
		t.Errorf("median imputation dropped %d rows", d)
	}
}

func ipcBytes(t *testing.T, rec arrow.RecordBatch) []byte {
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	rec, _ := blobs(t)
	a := runKind(t, "cluster", stages.Inputs{"features": {{Record: rec}}}, "init=random")
	b := runKind(t, "cluster", stages.Inputs{"features": {{Record: rec}}}, "init=random")
	for _, port := range []string{"clusters", "summary"} {
		if !bytes.Equal(ipcBytes(t, a[port]), ipcBytes(t, b[port])) {
			t.Errorf("cluster %s differs between runs", port)
		}
	}
	x := runKind(t, "metrics", synthetic(t))
	y := runKind(t, "metrics", synthetic(t))
	if !bytes.Equal(ipcBytes(t, x["metrics"]), ipcBytes(t, y["metrics"])) {
		t.Error("metrics differ between runs")
	}
}

func TestClusterErrors(t *testing.T) {
	rec, _ := blobs(t)
	for _, sets := range [][]string{{"id_column=name"}, {"columns=[zz]"}, {"k=100"}} {
		if _, err := tryRunKind(t, "cluster", stages.Inputs{"features": {{Record: rec}}}, sets...); err == nil {
			t.Errorf("%v: no error", sets)
		}
	}
}
