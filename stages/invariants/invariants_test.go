package invariants_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	_ "github.com/chaos-runner/runner/stages/invariants"
)

// run decodes sets like `runner run invariants --set k=v` and runs the stage
// through runner.RunStage (output schema checked against the port).
func run(t *testing.T, sets ...string) arrow.RecordBatch {
	t.Helper()
	rec, err := tryRun(t, sets...)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func tryRun(t *testing.T, sets ...string) (arrow.RecordBatch, error) {
	t.Helper()
	k, ok := stages.Default.Lookup("invariants")
	if !ok {
		t.Fatal("invariants not registered")
	}
	node, ds := spec.NodeFromSets(sets)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	params, ds := k.Decode(node, "params")
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	st, err := k.Build(params, stages.Env{ID: "invariants"})
	if err != nil {
		t.Fatal(err)
	}
	_, outPorts := st.Ports()
	out, err := runner.RunStage(context.Background(), st, nil, outPorts, 0)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { out["invariants"].Release() })
	return out["invariants"], nil
}

// row returns the named columns of row i.
type table struct{ rec arrow.RecordBatch }

func (tb table) col(name string) arrow.Array {
	idx := tb.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		panic("no column " + name)
	}
	return tb.rec.Column(idx[0])
}
func (tb table) f(name string, i int) float64 { return tb.col(name).(*array.Float64).Value(i) }
func (tb table) s(name string, i int) string  { return tb.col(name).(*array.String).Value(i) }
func (tb table) list(name string, i int) []float64 {
	l := tb.col(name).(*array.List)
	a, b := l.ValueOffsets(i)
	v := l.ListValues().(*array.Float64)
	out := []float64{}
	for j := a; j < b; j++ {
		out = append(out, v.Value(int(j)))
	}
	return out
}

// Reference values: /work/shared/reference/README.md (Sprott, Chaos and
// Time-Series Analysis; Grassberger & Procaccia 1983).
func TestLorenz(t *testing.T) {
	start := time.Now()
	tb := table{run(t, "system=Lorenz")}
	t.Logf("Lorenz in %v: λ = %v ± %v, D_KY %.5f, D2 %.3f ± %.3f, Rosenstein %.3f, PE %.3f, MSE %.3f (notes %q)",
		time.Since(start), tb.list("lyapunov_spectrum", 0), tb.list("lyapunov_spectrum_err", 0),
		tb.f("kaplan_yorke_dimension", 0), tb.f("correlation_dimension", 0), tb.f("correlation_dimension_err", 0),
		tb.f("rosenstein", 0), tb.f("permutation_entropy", 0), tb.f("multiscale_entropy", 0), tb.s("notes", 0))
	if got := tb.s("status", 0); got != "ok" {
		t.Fatalf("status %q", got)
	}
	if l := tb.f("lyapunov_max", 0); math.Abs(l-0.9056) > 0.015 {
		t.Errorf("λ1 = %.5f, want 0.9056 ± 0.015", l)
	}
	spec := tb.list("lyapunov_spectrum", 0)
	if len(spec) != 3 || math.Abs(spec[1]) > 0.015 || math.Abs(spec[2]+14.5723) > 0.015 {
		t.Errorf("spectrum %v, want 0.9056, 0, -14.5723 ± 0.015", spec)
	}
	if s := spec[0] + spec[1] + spec[2]; math.Abs(s+(10+1+8.0/3)) > 1e-3 {
		t.Errorf("sum of exponents %.6f, want trace -13.6667", s)
	}
	if d := tb.f("kaplan_yorke_dimension", 0); math.Abs(d-2.06215) > 0.002 {
		t.Errorf("D_KY = %.5f, want 2.06215 ± 0.002", d)
	}
	// GP 1983: 2.05 ± 0.01; 2.068 ± 0.086 (reference table). Automatic region, 20,000 points.
	if d2 := tb.f("correlation_dimension", 0); math.Abs(d2-2.06) > 0.1 {
		t.Errorf("D2 = %.3f, want 2.06 ± 0.1", d2)
	}
	// Rosenstein from x(t): 0.90 when fitted over its linear region.
	if r := tb.f("rosenstein", 0); math.Abs(r-0.9056) > 0.25 {
		t.Errorf("Rosenstein = %.3f, want 0.9 ± 0.25", r)
	}
	if pe := tb.f("permutation_entropy", 0); !(pe > 0.2 && pe < 0.9) {
		t.Errorf("permutation entropy %.3f outside (0.2, 0.9)", pe)
	}
	if tb.f("dysts_lyapunov_max", 0) != 0.8917473 && math.IsNaN(tb.f("dysts_lyapunov_max", 0)) {
		t.Errorf("dysts λmax missing")
	}
	rd := tb.f("lyapunov_max_rel_diff", 0)
	if want := (tb.f("lyapunov_max", 0) - tb.f("dysts_lyapunov_max", 0)) / tb.f("dysts_lyapunov_max", 0); rd != want {
		t.Errorf("relative difference %v, want %v", rd, want)
	}
}

func TestHenon(t *testing.T) {
	tb := table{run(t, "system=Henon", "iterations=1000000")}
	spec := tb.list("lyapunov_spectrum", 0)
	t.Logf("Henon: λ = %v, D_KY %.5f, D2 %.3f ± %.3f, Rosenstein %.3f", spec, tb.f("kaplan_yorke_dimension", 0),
		tb.f("correlation_dimension", 0), tb.f("correlation_dimension_err", 0), tb.f("rosenstein", 0))
	want := []float64{0.41922, -1.62319} // Sprott
	for i, w := range want {
		if math.Abs(spec[i]-w) > 0.002 {
			t.Errorf("λ%d = %.5f, want %.5f ± 0.002", i+1, spec[i], w)
		}
	}
	if d := tb.f("kaplan_yorke_dimension", 0); math.Abs(d-1.25827) > 0.003 {
		t.Errorf("D_KY = %.5f, want 1.25827 ± 0.003", d)
	}
	// Sprott: D2 = 1.220 ± 0.036.
	if d2 := tb.f("correlation_dimension", 0); math.Abs(d2-1.22) > 0.06 {
		t.Errorf("D2 = %.3f, want 1.22 ± 0.06", d2)
	}
}

// Mackey-Glass: dysts' parameters (τ = 16 here, see the reference notes);
// λ1 is small and positive (0.0056 for τ = 17, published tables; our τ = 16
// sits in the same chaotic window).
func TestMackeyGlass(t *testing.T) {
	tb := table{run(t, "system=MackeyGlass", "delay_exponents=4", "periods=300", "points=5000")}
	spec := tb.list("lyapunov_spectrum", 0)
	t.Logf("MackeyGlass: λ = %v ± %v, D_KY %.3f (dysts %.3f), D2 %.3f (dysts %.3f), λmax dysts %.4f, notes %q",
		spec, tb.list("lyapunov_spectrum_err", 0), tb.f("kaplan_yorke_dimension", 0), tb.f("dysts_kaplan_yorke_dimension", 0),
		tb.f("correlation_dimension", 0), tb.f("dysts_correlation_dimension", 0), tb.f("dysts_lyapunov_max", 0), tb.s("notes", 0))
	if len(spec) != 4 {
		t.Fatalf("%d exponents, want 4", len(spec))
	}
	if l := tb.f("lyapunov_max", 0); !(l > 0.001 && l < 0.02) {
		t.Errorf("λ1 = %.5f, want in (0.001, 0.02)", l)
	}
	if math.Abs(spec[1]) > 0.003 {
		t.Errorf("λ2 = %.5f, want ≈ 0 (flow direction)", spec[1])
	}
	if d := tb.f("kaplan_yorke_dimension", 0); !(d > 2 && d < 3) {
		t.Errorf("D_KY = %.3f, want in (2, 3)", d)
	}
}

// One system that cannot succeed (a budget too small for anything) must not
// stop the others; alone, it fails the stage.
func TestFailureIsolation(t *testing.T) {
	rec := run(t, "system=Henon,Lorenz,Logistic", "invariants=[lyapunov]", "max_evals=1000", "periods=50")
	tb := table{rec}
	if rec.NumRows() != 3 {
		t.Fatalf("%d rows, want 3", rec.NumRows())
	}
	if tb.s("system", 1) != "Lorenz" || !strings.Contains(tb.s("status", 1), "max_evals") {
		t.Errorf("Lorenz status %q, want a max_evals failure", tb.s("status", 1))
	}
	if !math.IsNaN(tb.f("lyapunov_max", 1)) {
		t.Errorf("failed system has λ1 = %v, want NaN", tb.f("lyapunov_max", 1))
	}
	for _, i := range []int{0, 2} {
		if tb.s("status", i) != "ok" || math.IsNaN(tb.f("lyapunov_max", i)) {
			t.Errorf("%s: status %q λ1 %v", tb.s("system", i), tb.s("status", i), tb.f("lyapunov_max", i))
		}
	}
	// dysts' Logistic has r = 3.9: λ ≈ 0.49 (ln 2 only at r = 4).
	if l := tb.f("lyapunov_max", 2); math.Abs(l-0.494) > 0.01 {
		t.Errorf("logistic λ = %.5f, want 0.494 ± 0.01", l)
	}
	if _, err := tryRun(t, "system=Lorenz", "invariants=[lyapunov]", "max_evals=1000"); err == nil || !strings.Contains(err.Error(), "Lorenz") {
		t.Errorf("single failing system: err = %v, want an error naming Lorenz", err)
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

// The table is bitwise identical from run to run although systems run in
// parallel (each in its own goroutine with its own bound equations).
func TestDeterministic(t *testing.T) {
	sets := []string{"system=Henon,Rossler,Ikeda,Logistic,Halvorsen", "periods=100", "points=3000", "iterations=20000"}
	a := ipcBytes(t, run(t, sets...))
	b := ipcBytes(t, run(t, sets...))
	if !bytes.Equal(a, b) {
		t.Error("two runs differ")
	}
}

func TestValidate(t *testing.T) {
	k, _ := stages.Default.Lookup("invariants")
	for _, c := range []struct{ set, want string }{
		{"system=Lorenzz", "Lorenz"},
		{"invariants=[lyapunov,entropy]", "unknown invariant"},
		{"method=radau5", "implicit"},
		{"periods=-1", "periods"},
	} {
		sets := []string{"system=Lorenz", c.set}
		node, _ := spec.NodeFromSets(sets)
		_, ds := k.Decode(node, "params")
		if len(ds) == 0 || !strings.Contains(ds.Error(), c.want) {
			t.Errorf("%s: diagnostics %v, want %q", c.set, ds, c.want)
		}
	}
}

// TestCatalog runs every system (flows and maps) once; RUNNER_FULL=1.
func TestCatalog(t *testing.T) {
	if os.Getenv("RUNNER_FULL") == "" {
		t.Skip("set RUNNER_FULL=1 to run the whole catalog")
	}
	start := time.Now()
	tb := table{run(t, "system=all")}
	t.Logf("whole catalog: %d systems in %v", tb.rec.NumRows(), time.Since(start))
	failed := 0
	for i := 0; i < int(tb.rec.NumRows()); i++ {
		if tb.s("status", i) != "ok" {
			failed++
			t.Logf("FAILED %s: %s", tb.s("system", i), tb.s("status", i))
		}
	}
	t.Logf("%d failed", failed)
	if out := os.Getenv("RUNNER_INVARIANTS_OUT"); out != "" {
		if err := os.WriteFile(out, ipcBytes(t, tb.rec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
