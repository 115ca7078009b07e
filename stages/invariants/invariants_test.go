package invariants

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/stages/stagetest"
)

// run builds the stage from YAML params as a pipeline file would, runs it
// (the output checked against the declared port) and returns its table.
func run(t *testing.T, params string) arrow.RecordBatch {
	t.Helper()
	return stagetest.Run(t, stagetest.Build(t, "invariants", params, 0), nil)["invariants"]
}

// rows runs the stage and reads its table.
func rows(t *testing.T, params string) []invariantsRow {
	t.Helper()
	rs, err := invariantsTable.Read(run(t, params))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// runErr is run for the cases that must fail: the build or run error.
func runErr(params string) error {
	st, err := stagetest.TryBuild("invariants", params, 0)
	if err != nil {
		return err
	}
	out, err := st.Run(context.Background(), nil)
	if err == nil {
		stagetest.Release(out)
	}
	return err
}

// Lorenz-63 (σ = 10, ρ = 28, β = 8/3). Reference values: J. C. Sprott,
// Chaos and Time-Series Analysis (Oxford University Press, 2003), Appendix A
// (common chaotic systems), Lorenz attractor: λ = 0.9056, 0, −14.5723,
// D_KY = 2.06215, D2 = 2.068 ± 0.086; P. Grassberger and I. Procaccia,
// Characterization of strange attractors, Phys. Rev. Lett. 50, 346 (1983):
// D2 = 2.05 ± 0.01.
func TestLorenz(t *testing.T) {
	start := time.Now()
	r := rows(t, "system: Lorenz\n")[0]
	t.Logf("Lorenz in %v: λ = %v ± %v, D_KY %.5f, D2 %.3f ± %.3f, Rosenstein %.3f, PE %.3f, MSE %.3f (notes %q)",
		time.Since(start), r.LyapunovSpectrum, r.LyapunovSpectrumErr, r.KaplanYorke, r.CorrelationDimension,
		r.CorrelationDimensionErr, r.Rosenstein, r.PermutationEntropy, r.MultiscaleEntropy, r.Notes)
	if r.Status != "ok" {
		t.Fatalf("status %q", r.Status)
	}
	if l := r.LyapunovMax; math.Abs(l-0.9056) > 0.015 {
		t.Errorf("λ1 = %.5f, want 0.9056 ± 0.015", l)
	}
	spec := r.LyapunovSpectrum
	if len(spec) != 3 || math.Abs(spec[1]) > 0.015 || math.Abs(spec[2]+14.5723) > 0.015 {
		t.Fatalf("spectrum %v, want 0.9056, 0, -14.5723 ± 0.015", spec)
	}
	if s := spec[0] + spec[1] + spec[2]; math.Abs(s+(10+1+8.0/3)) > 1e-3 {
		t.Errorf("sum of exponents %.6f, want trace -13.6667", s)
	}
	if d := r.KaplanYorke; math.Abs(d-2.06215) > 0.002 {
		t.Errorf("D_KY = %.5f, want 2.06215 ± 0.002", d)
	}
	// Grassberger & Procaccia 2.05 ± 0.01, Sprott 2.068 ± 0.086. Automatic region, 20,000 points.
	if d2 := r.CorrelationDimension; math.Abs(d2-2.06) > 0.1 {
		t.Errorf("D2 = %.3f, want 2.06 ± 0.1", d2)
	}
	// Rosenstein from x(t): 0.90 when fitted over its linear region.
	if ros := r.Rosenstein; math.Abs(ros-0.9056) > 0.25 {
		t.Errorf("Rosenstein = %.3f, want 0.9 ± 0.25", ros)
	}
	if pe := r.PermutationEntropy; !(pe > 0.2 && pe < 0.9) {
		t.Errorf("permutation entropy %.3f outside (0.2, 0.9)", pe)
	}
	if math.IsNaN(r.DystsLyapunovMax) {
		t.Errorf("dysts λmax missing")
	}
	if want := (r.LyapunovMax - r.DystsLyapunovMax) / r.DystsLyapunovMax; r.LyapunovMaxRelDiff != want {
		t.Errorf("relative difference %v, want %v", r.LyapunovMaxRelDiff, want)
	}
}

// Hénon map (a = 1.4, b = 0.3). Reference values: Sprott, Chaos and
// Time-Series Analysis (2003), Appendix A, Hénon map: λ = 0.41922, −1.62319,
// D_KY = 1.25827, D2 = 1.220 ± 0.036.
func TestHenon(t *testing.T) {
	r := rows(t, "system: Henon\niterations: 1000000\n")[0]
	spec := r.LyapunovSpectrum
	t.Logf("Henon: λ = %v, D_KY %.5f, D2 %.3f ± %.3f, Rosenstein %.3f", spec, r.KaplanYorke,
		r.CorrelationDimension, r.CorrelationDimensionErr, r.Rosenstein)
	want := []float64{0.41922, -1.62319}
	if len(spec) != len(want) {
		t.Fatalf("spectrum %v, want %v", spec, want)
	}
	for i, w := range want {
		if math.Abs(spec[i]-w) > 0.002 {
			t.Errorf("λ%d = %.5f, want %.5f ± 0.002", i+1, spec[i], w)
		}
	}
	if d := r.KaplanYorke; math.Abs(d-1.25827) > 0.003 {
		t.Errorf("D_KY = %.5f, want 1.25827 ± 0.003", d)
	}
	if d2 := r.CorrelationDimension; math.Abs(d2-1.22) > 0.06 {
		t.Errorf("D2 = %.3f, want 1.22 ± 0.06", d2)
	}
}

// Mackey-Glass: dysts' parameters (τ = 16 in dysts' catalog); λ1 is small
// and positive (0.0056 for τ = 17, published tables; our τ = 16 sits in the
// same chaotic window).
func TestMackeyGlass(t *testing.T) {
	r := rows(t, "system: MackeyGlass\ndelay_exponents: 4\nperiods: 300\npoints: 5000\n")[0]
	spec := r.LyapunovSpectrum
	t.Logf("MackeyGlass: λ = %v ± %v, D_KY %.3f (dysts %.3f), D2 %.3f (dysts %.3f), λmax dysts %.4f, notes %q",
		spec, r.LyapunovSpectrumErr, r.KaplanYorke, r.DystsKaplanYorke,
		r.CorrelationDimension, r.DystsCorrelationDimension, r.DystsLyapunovMax, r.Notes)
	if len(spec) != 4 {
		t.Fatalf("%d exponents, want 4", len(spec))
	}
	if l := r.LyapunovMax; !(l > 0.001 && l < 0.02) {
		t.Errorf("λ1 = %.5f, want in (0.001, 0.02)", l)
	}
	if math.Abs(spec[1]) > 0.003 {
		t.Errorf("λ2 = %.5f, want ≈ 0 (flow direction)", spec[1])
	}
	if d := r.KaplanYorke; !(d > 2 && d < 3) {
		t.Errorf("D_KY = %.3f, want in (2, 3)", d)
	}
}

// One system that cannot succeed (a budget too small for anything) must not
// stop the others; alone, it fails the stage.
func TestFailureIsolation(t *testing.T) {
	rs := rows(t, "system: Henon,Lorenz,Logistic\ninvariants: [lyapunov]\nmax_evals: 1000\nperiods: 50\n")
	if len(rs) != 3 {
		t.Fatalf("%d rows, want 3", len(rs))
	}
	if rs[1].System != "Lorenz" || !strings.Contains(rs[1].Status, "max_evals") {
		t.Errorf("%s status %q, want Lorenz with a max_evals failure", rs[1].System, rs[1].Status)
	}
	if !math.IsNaN(rs[1].LyapunovMax) || len(rs[1].LyapunovSpectrum) != 0 {
		t.Errorf("failed system has λ1 = %v, spectrum %v, want NaN and none", rs[1].LyapunovMax, rs[1].LyapunovSpectrum)
	}
	for _, i := range []int{0, 2} {
		if rs[i].Status != "ok" || math.IsNaN(rs[i].LyapunovMax) {
			t.Errorf("%s: status %q λ1 %v", rs[i].System, rs[i].Status, rs[i].LyapunovMax)
		}
		if !math.IsNaN(rs[i].CorrelationDimension) || rs[i].Notes != "" {
			t.Errorf("%s: D2 %v notes %q, want NaN and none (not requested)", rs[i].System, rs[i].CorrelationDimension, rs[i].Notes)
		}
	}
	// dysts' Logistic has r = 3.9: λ ≈ 0.49 (ln 2 only at r = 4).
	if l := rs[2].LyapunovMax; math.Abs(l-0.494) > 0.01 {
		t.Errorf("logistic λ = %.5f, want 0.494 ± 0.01", l)
	}
	// A single system that fails the same way whatever the run is a row
	// with its reason (cached like a success), not a stage error.
	one := rows(t, "system: Lorenz\ninvariants: [lyapunov]\nmax_evals: 1000\n")
	if len(one) != 1 || !strings.Contains(one[0].Status, "max_evals") || !math.IsNaN(one[0].LyapunovMax) {
		t.Errorf("single failing system: %+v, want one row with a max_evals status and NaN λ1", one)
	}
}

// The table is bitwise identical from run to run although systems run in
// parallel (each in its own goroutine with its own bound equations).
func TestDeterministic(t *testing.T) {
	const params = "system: Henon,Rossler,Ikeda,Logistic,Halvorsen\nperiods: 100\npoints: 3000\niterations: 20000\n"
	a := stagetest.IPCBytes(t, run(t, params))
	b := stagetest.IPCBytes(t, run(t, params))
	if !bytes.Equal(a, b) {
		t.Error("two runs differ")
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"system: Lorenzz\n", "Lorenz"},
		{"system: Lorenz\ninvariants: [lyapunov, entropy]\n", "unknown invariant"},
		{"system: Lorenz\nmethod: radau5\n", "implicit"},
		{"system: Lorenz\nperiods: -1\n", "periods"},
	} {
		ds := stagetest.DecodeDiags(t, "invariants", c.set)
		if len(ds) == 0 || !strings.Contains(ds.Error(), c.want) {
			t.Errorf("%q: diagnostics %v, want %q", c.set, ds, c.want)
		}
	}
}

// TestCatalog runs every system (flows and maps) once; RUNNER_FULL=1.
func TestCatalog(t *testing.T) {
	if os.Getenv("RUNNER_FULL") == "" {
		t.Skip("set RUNNER_FULL=1 to run the whole catalog")
	}
	start := time.Now()
	rec := run(t, "system: all\n")
	rs, err := invariantsTable.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("whole catalog: %d systems in %v", len(rs), time.Since(start))
	failed := 0
	for _, r := range rs {
		if r.Status != "ok" {
			failed++
			t.Logf("FAILED %s: %s", r.System, r.Status)
		}
	}
	t.Logf("%d failed", failed)
	if out := os.Getenv("RUNNER_INVARIANTS_OUT"); out != "" {
		if err := os.WriteFile(out, stagetest.IPCBytes(t, rec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
