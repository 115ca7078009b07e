package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/leaderboard"
	"github.com/chaos-runner/runner/stages/scoring"
)

// nodeDuckDB runs SQL with DuckDB (@duckdb/node-api); see test/node.
const nodeDuckDB = "../../test/node/duckdb.mjs"

// smallLeaderboard is 3 systems x 4 models x 2 starts, ending in a metrics
// table and a leaderboard; random_features fails on some systems.
const smallLeaderboard = "testdata/pipelines/leaderboard-small.yaml"

// needNodeModule installs test/node's pinned packages (package-lock.json)
// with `npm ci` when module is missing, once per machine.
func needNodeModule(t *testing.T, module string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join("../../test/node/node_modules", module)); err == nil {
		return
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = "../../test/node"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("installing %s for Node (npm ci in test/node): %v\n%s", module, err, out)
	}
}

// applySmallLeaderboard applies the small leaderboard pipeline into a fresh store and
// returns the store and the plan (for the keys).
func applySmallLeaderboard(t *testing.T) (string, *artifacts.Store, *runner.Plan) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"apply", "-q", "--store", dir, smallLeaderboard}, &stdout, &stderr); code != 0 {
		t.Fatalf("apply exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	p, ds := runner.Load(smallLeaderboard, nil, stages.Default)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	plan, ds := runner.NewPlan(p, stages.Default)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	s, err := artifacts.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, plan
}

// exportCLI runs `runner artifacts export` for the instance id and returns the
// path of the one file written.
func exportCLI(t *testing.T, storeDir string, plan *runner.Plan, id, format, port, dir string) string {
	t.Helper()
	n := plan.Node(id)
	if n == nil {
		t.Fatalf("no instance %s", id)
	}
	args := []string{"artifacts", "export", "--store", storeDir, string(n.Key)[:12], dir, "--format", format}
	if port != "" {
		args = append(args, "--port", port)
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("export %s: exit %d: %s", id, code, stderr.String())
	}
	paths := strings.Fields(stdout.String())
	if len(paths) != 1 {
		t.Fatalf("export %s printed %q, want one path", id, stdout.String())
	}
	return paths[0]
}

func readRecord(t *testing.T, s *artifacts.Store, plan *runner.Plan, id, port string) arrow.RecordBatch {
	t.Helper()
	rec, err := s.Read(plan.Node(id).Key, port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Release)
	return rec
}

// duckdb runs the queries and returns one slice of rows per query.
func duckdb(t *testing.T, queries ...string) [][]map[string]any {
	t.Helper()
	cmd := exec.Command("node", append([]string{nodeDuckDB}, queries...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node duckdb.mjs: %v\n%s", err, stderr.String())
	}
	var res [][]map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("duckdb output: %v\n%s", err, out)
	}
	return res
}

// duckNum reads a DuckDB JSON value: a number, or a string for BIGINT and
// non-finite doubles ("NaN", "Infinity").
func duckNum(t *testing.T, v any) float64 {
	t.Helper()
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		t.Fatalf("not a number: %v (%T)", v, v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// relClose reports whether a and b agree to a relative 1e-12 (NaN equals NaN):
// DuckDB may sum in another order than Go.
func relClose(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

func sqlPath(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }

// TestParquetExportInDuckDB exports the leaderboard, the metrics table and a
// model table (list columns) as Parquet and checks that SQL aggregates over
// them in DuckDB equal the same aggregates computed in Go from the stored
// Arrow tables: counts and integer sums exactly, float aggregates to a
// relative 1e-12, list elements exactly. DuckDB also reads the CSV export
// of the metrics table with NaN as a DOUBLE and gives the same aggregates.
func TestParquetExportInDuckDB(t *testing.T) {
	needNodeModule(t, "@duckdb/node-api")
	storeDir, s, plan := applySmallLeaderboard(t)
	out := t.TempDir()
	lbFile := exportCLI(t, storeDir, plan, "leaderboard", "parquet", "", out)
	metricsFile := exportCLI(t, storeDir, plan, "metrics", "parquet", "", out)
	modelFile := exportCLI(t, storeDir, plan, "fit[Lorenz,random_features,0]", "parquet", "", filepath.Join(out, "fit"))
	metricsCSV := exportCLI(t, storeDir, plan, "metrics", "csv", "", out)

	lbRows, err := leaderboard.Table.Read(readRecord(t, s, plan, "leaderboard", "leaderboard"))
	if err != nil {
		t.Fatal(err)
	}
	metricRows, err := scoring.MetricsTable.Read(readRecord(t, s, plan, "metrics", "table"))
	if err != nil {
		t.Fatal(err)
	}
	model := readRecord(t, s, plan, "fit[Lorenz,random_features,0]", "model")

	res := duckdb(t,
		// 0: the leaderboard as a whole
		"SELECT count(*) AS models, sum(runs) AS runs, sum(failures) AS failures, avg(mean) AS avg_mean, max(vpt_median) AS max_vpt, min(rank) AS best FROM "+sqlPath(lbFile),
		// 1: per model over the metrics table
		"SELECT model, count(*) AS n, avg(value) AS smape_mean, sum(failed::INTEGER) AS failures FROM "+sqlPath(metricsFile)+
			" WHERE metric = 'smape' GROUP BY model ORDER BY model",
		// 2: the schema metadata, kept as Parquet key-value metadata
		"SELECT value::VARCHAR AS v FROM parquet_kv_metadata("+sqlPath(lbFile)+") WHERE key::VARCHAR = 'metric'",
		// 3: list columns of the model table
		// ("array" is an SQL keyword; DuckDB lists are 1-based)
		`SELECT "array" AS name, len(shape) AS dims, shape[1] AS nrows, len(data) AS n, data[1] AS first, list_sum(data) AS total FROM `+sqlPath(modelFile)+` ORDER BY "array"`,
		// 4: the CSV export, types sniffed by DuckDB: NaN must read as a DOUBLE
		"SELECT model, count(*) AS n, avg(value) AS smape_mean, sum(failed::INTEGER) AS failures FROM read_csv("+sqlPath(metricsCSV)+
			") WHERE metric = 'smape' GROUP BY model ORDER BY model",
		"SELECT count(*) AS nan FROM read_csv("+sqlPath(metricsCSV)+") WHERE isnan(value)",
	)

	// 0: the leaderboard.
	var runs, failures int
	var sumMean, maxVPT float64
	best := math.MaxInt
	for _, r := range lbRows {
		runs += r.Runs
		failures += r.Failures
		sumMean += r.Mean
		maxVPT = math.Max(maxVPT, r.VPTMedian)
		best = min(best, r.Rank)
	}
	if len(res[0]) != 1 {
		t.Fatalf("leaderboard aggregate: %v", res[0])
	}
	lb := res[0][0]
	if got := duckNum(t, lb["models"]); got != float64(len(lbRows)) || len(lbRows) != 4 {
		t.Errorf("leaderboard: DuckDB counts %v models, Go %d (want 4)", got, len(lbRows))
	}
	if got := duckNum(t, lb["runs"]); got != float64(runs) {
		t.Errorf("leaderboard runs: DuckDB %v, Go %d", got, runs)
	}
	if got := duckNum(t, lb["failures"]); got != float64(failures) || failures == 0 {
		t.Errorf("leaderboard failures: DuckDB %v, Go %d (want > 0: random_features fails)", got, failures)
	}
	if got := duckNum(t, lb["avg_mean"]); !relClose(got, sumMean/float64(len(lbRows))) {
		t.Errorf("leaderboard avg(mean): DuckDB %v, Go %v", got, sumMean/float64(len(lbRows)))
	}
	if got := duckNum(t, lb["max_vpt"]); got != maxVPT {
		t.Errorf("leaderboard max(vpt_median): DuckDB %v, Go %v", got, maxVPT)
	}
	if got := duckNum(t, lb["best"]); got != float64(best) {
		t.Errorf("leaderboard min(rank): DuckDB %v, Go %d", got, best)
	}

	// 1: per model over the metrics table.
	byModel := map[string]*modelAgg{}
	for _, r := range metricRows {
		if r.Metric != "smape" {
			continue
		}
		a := byModel[r.Model]
		if a == nil {
			a = &modelAgg{}
			byModel[r.Model] = a
		}
		a.n++
		a.sum += r.Value
		if r.Failed {
			a.failures++
		}
	}
	models := make([]string, 0, len(byModel))
	for m := range byModel {
		models = append(models, m)
	}
	sort.Strings(models)
	checkPerModel(t, "parquet", res[1], models, byModel)
	checkPerModel(t, "csv", res[4], models, byModel)
	nan := 0
	for _, r := range metricRows {
		if math.IsNaN(r.Value) {
			nan++
		}
	}
	if got := duckNum(t, res[5][0]["nan"]); got != float64(nan) || nan == 0 {
		t.Errorf("NaN values in the CSV export: DuckDB %v, Go %d (want > 0)", got, nan)
	}

	// 2: metadata.
	if len(res[2]) != 1 || res[2][0]["v"] != "smape" {
		t.Errorf("parquet_kv_metadata metric: %v, want smape", res[2])
	}

	// 3: list columns, in array order.
	arrays := model.Column(model.Schema().FieldIndices("array")[0]).(*array.String)
	shapes := model.Column(model.Schema().FieldIndices("shape")[0]).(*array.List)
	datas := model.Column(model.Schema().FieldIndices("data")[0]).(*array.List)
	type listRow struct {
		name        string
		dims, rows  int64
		n           int64
		first, tot  float64
		shapeValues *array.Int64
	}
	var want []listRow
	for i := 0; i < int(model.NumRows()); i++ {
		s0, s1 := shapes.ValueOffsets(i)
		d0, d1 := datas.ValueOffsets(i)
		sv := shapes.ListValues().(*array.Int64)
		dv := datas.ListValues().(*array.Float64)
		r := listRow{name: arrays.Value(i), dims: s1 - s0, rows: sv.Value(int(s0)), n: d1 - d0, first: dv.Value(int(d0))}
		for k := d0; k < d1; k++ {
			r.tot += dv.Value(int(k))
		}
		want = append(want, r)
	}
	sort.Slice(want, func(i, j int) bool { return want[i].name < want[j].name })
	if len(res[3]) != len(want) || len(want) < 2 {
		t.Fatalf("model table: DuckDB %d rows, Go %d (want at least 2)", len(res[3]), len(want))
	}
	for i, row := range res[3] {
		w := want[i]
		got := fmt.Sprint(row["name"], duckNum(t, row["dims"]), duckNum(t, row["nrows"]), duckNum(t, row["n"]), duckNum(t, row["first"]))
		if exp := fmt.Sprint(w.name, float64(w.dims), float64(w.rows), float64(w.n), w.first); got != exp {
			t.Errorf("model row %d: DuckDB %s, Go %s", i, got, exp)
		}
		if tot := duckNum(t, row["total"]); !relClose(tot, w.tot) {
			t.Errorf("model row %s: DuckDB list_sum %v, Go %v", w.name, tot, w.tot)
		}
	}
}

// TestCSVExportParsesBack exports the metrics table as CSV and reads every
// value back as the stored Arrow table holds it (floats bit for bit).
func TestCSVExportParsesBack(t *testing.T) {
	storeDir, s, plan := applySmallLeaderboard(t)
	path := exportCLI(t, storeDir, plan, "metrics", "csv", "table", t.TempDir())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rec := readRecord(t, s, plan, "metrics", "table")
	if len(rows) != int(rec.NumRows())+1 {
		t.Fatalf("%d CSV rows, want a header and %d", len(rows), rec.NumRows())
	}
	nan := 0
	for j, fld := range rec.Schema().Fields() {
		if rows[0][j] != fld.Name {
			t.Fatalf("header %d = %q, want %q", j, rows[0][j], fld.Name)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			cell := rows[i+1][j]
			var ok bool
			switch c := rec.Column(j).(type) {
			case *array.Float64:
				v, err := strconv.ParseFloat(cell, 64)
				ok = err == nil && (v == c.Value(i) || math.IsNaN(v) && math.IsNaN(c.Value(i)))
				if math.IsNaN(v) {
					nan++
				}
			case *array.Int64:
				v, err := strconv.ParseInt(cell, 10, 64)
				ok = err == nil && v == c.Value(i)
			case *array.Boolean:
				v, err := strconv.ParseBool(cell)
				ok = err == nil && v == c.Value(i)
			case *array.String:
				ok = cell == c.Value(i)
			default:
				t.Fatalf("column %s: unexpected type %s", fld.Name, fld.Type)
			}
			if !ok {
				t.Fatalf("row %d column %s: CSV %q, Arrow %s", i, fld.Name, cell, rec.Column(j).ValueStr(i))
			}
		}
	}
	if nan == 0 {
		t.Error("no NaN in the metrics table: the test no longer covers non-finite values")
	}
}

// modelAgg is the per-model aggregate of a metrics table's smape rows.
type modelAgg struct {
	n, failures int
	sum         float64
}

// checkPerModel compares DuckDB's per-model rows (ordered by model) with Go's.
func checkPerModel(t *testing.T, what string, rows []map[string]any, models []string, byModel map[string]*modelAgg) {
	t.Helper()
	if len(rows) != len(models) {
		t.Fatalf("%s: DuckDB sees %d models in the metrics table, Go %d: %v", what, len(rows), len(models), rows)
	}
	for i, row := range rows {
		m, a := models[i], byModel[models[i]]
		if row["model"] != m {
			t.Errorf("%s model %d: DuckDB %v, Go %s", what, i, row["model"], m)
			continue
		}
		if got := duckNum(t, row["n"]); got != float64(a.n) || a.n != 6 {
			t.Errorf("%s %s: DuckDB count %v, Go %d (want 6: 3 systems x 2 starts)", what, m, got, a.n)
		}
		if got := duckNum(t, row["failures"]); got != float64(a.failures) {
			t.Errorf("%s %s: DuckDB failures %v, Go %d", what, m, got, a.failures)
		}
		if got := duckNum(t, row["smape_mean"]); !relClose(got, a.sum/float64(a.n)) {
			t.Errorf("%s %s: DuckDB avg(smape) %v, Go %v", what, m, got, a.sum/float64(a.n))
		}
	}
}
