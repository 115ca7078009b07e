package solvereval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// TestResultsDeterministic: the results table is bitwise identical across
// runs and degrees of parallelism.
func TestResultsDeterministic(t *testing.T) {
	yaml := "system: Lorenz,Rossler,MackeyGlass,Chua\nmethods: [dopri5, radau5, rk4]\ntolerances: [1e-6, 1e-8]\nsteps_per_period: [50, 100]\nmax_periods: 3\nlyapunov_times: 3\n"
	var prev []byte
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		out, err := stagetest.Build(t, "solver_eval", yaml, 1).Run(context.Background(), nil)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		rec := out["results"]
		b := stagetest.IPCBytes(t, rec)
		rows, err := resultsTable.Read(rec)
		stagetest.Release(out)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !bytes.Equal(prev, b) {
			t.Fatalf("results differ between GOMAXPROCS runs")
		}
		prev = b
		if procs == 1 {
			for _, r := range rows {
				if r.Kind == "delay" && r.Implicit {
					if r.Status != "unsupported" {
						t.Errorf("%s/%s: status %s, want unsupported", r.System, r.Method, r.Status)
					}
					continue
				}
				if !r.OK() || !(r.FinalError >= 0) || r.RHSEvals == 0 {
					t.Errorf("%s/%s/%d: %s %s final %g", r.System, r.Method, r.Level, r.Status, r.Error, r.FinalError)
				}
				if r.Kind == "flow" && math.IsNaN(r.L2Error) {
					t.Errorf("%s/%s: no l2 error", r.System, r.Method)
				}
			}
		}
	}
}

// TestTimingVolatile: solver_timing is volatile and fills its table.
func TestTimingVolatile(t *testing.T) {
	st := stagetest.Build(t, "solver_timing", "system: Rossler\nmethods: [dopri5, rk4]\ntolerances: [1e-6]\nsteps_per_period: [50]\nmax_periods: 2\nrepeats: 2\n", 1)
	if v, ok := st.(stages.Volatile); !ok || !v.Volatile() {
		t.Fatal("solver_timing must be volatile")
	}
	if _, ok := stagetest.Build(t, "solver_eval", "system: Rossler\n", 1).(stages.Volatile); ok {
		t.Fatal("solver_eval must be cacheable")
	}
	out := stagetest.Run(t, st, nil)
	ts, err := timingsTable.Read(out["timings"])
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("%d timings, want 2", len(ts))
	}
	for _, x := range ts {
		if x.Status != "ok" || !(x.Min > 0) || x.Median < x.Min {
			t.Errorf("%+v", x)
		}
	}
}

func mustKind(t *testing.T, name string) stages.Kind {
	t.Helper()
	k, ok := stages.Default.Lookup(name)
	if !ok {
		t.Fatalf("%s not registered", name)
	}
	return k
}

// TestExamplesBuild decodes, validates and builds every documented example.
func TestExamplesBuild(t *testing.T) {
	for _, name := range []string{"solver_eval", "solver_timing", "solver_order", "workprecision_plot"} {
		k := mustKind(t, name)
		if len(k.Examples()) == 0 {
			t.Errorf("%s: no examples", name)
		}
		for _, e := range k.Examples() {
			if _, err := stages.BuildExample(k, e); err != nil {
				t.Errorf("%s: example %q: %v", name, e.Title, err)
			}
		}
	}
}

// TestValidate rejects bad params with the offending field.
func TestValidate(t *testing.T) {
	for yaml, want := range map[string]string{
		"system: Henon\n":                         "map",
		"system: Lorenz\nmethods: [dopri6]\n":     "unknown method",
		"system: Lorenz\ntolerances: [-1]\n":      "positive",
		"system: flows\nic: [1, 2, 3]\n":          "single system",
		"system: Lorenz\nparams: {gamma: 1}\n":    "no parameter",
		"system: Lorenz\nreference_method: rk4\n": "adaptive",
	} {
		_, err := stagetest.TryBuild("solver_eval", yaml, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", yaml, err, want)
		}
	}
}

func syntheticRows() []Row {
	var rows []Row
	mk := func(sys, m string, implicit bool, level, steps int, rhs int, e float64, status string) {
		rows = append(rows, Row{System: sys, Kind: "flow", Method: m, Adaptive: true, Implicit: implicit, Level: level,
			RTol: math.Pow(10, -float64(4+level)), Accepted: steps, RHSEvals: rhs, FinalError: e, Status: status})
	}
	for l := 0; l < 3; l++ {
		tol := math.Pow(10, -float64(4+l))
		// Stiff: explicit methods are stability-bound (many steps at every tolerance).
		mk("Stiff", "dopri5", false, l, 50000, 300000, tol, "ok")
		mk("Stiff", "dop853", false, l, 40000, 480000, tol/10, "ok")
		mk("Stiff", "radau5", true, l, 100*(l+1), 1000*(l+1), tol, "ok")
		// Non-stiff: the implicit method takes as many steps as explicit ones.
		mk("Smooth", "dopri5", false, l, 200*(l+1), 1200*(l+1), tol, "ok")
		mk("Smooth", "dop853", false, l, 80*(l+1), 960*(l+1), tol/10, "ok")
		mk("Smooth", "radau5", true, l, 300*(l+1), 3000*(l+1), tol, "ok")
		// Explicit methods fail outright.
		mk("Hard", "dopri5", false, l, 200000, 1200000, math.NaN(), "max_steps")
		mk("Hard", "dop853", false, l, 200000, 2400000, math.NaN(), "max_steps")
		mk("Hard", "radau5", true, l, 500, 5000, tol, "ok")
	}
	return rows
}

func TestDetectStiff(t *testing.T) {
	got := map[string]StiffRow{}
	for _, s := range DetectStiff(syntheticRows(), 10) {
		got[s.System] = s
	}
	if s := got["Stiff"]; !s.Stiff || s.Ratio != 400 || s.Explicit != "dop853" {
		t.Errorf("Stiff: %+v, want stiff with ratio 400 (dop853 40000 / radau5 100)", s)
	}
	if s := got["Smooth"]; s.Stiff {
		t.Errorf("Smooth: %+v, want not stiff", s)
	}
	if s := got["Hard"]; !s.Stiff || !math.IsInf(s.Ratio, 1) {
		t.Errorf("Hard: %+v, want stiff with infinite ratio", s)
	}
}

func TestWorkToReach(t *testing.T) {
	pts := []point{{100, 1e-2}, {1000, 1e-4}, {10000, 1e-6}}
	for _, c := range []struct {
		target, want float64
		ok           bool
	}{{1e-3, math.Sqrt(1e5), true}, {1e-1, 100, true}, {1e-6, 10000, true}, {1e-7, math.NaN(), false}} {
		w, ok := workToReach(pts, c.target)
		if ok != c.ok || (ok && math.Abs(w-c.want) > 1e-9*c.want) {
			t.Errorf("target %g: %g %v, want %g %v", c.target, w, ok, c.want, c.ok)
		}
	}
}

func TestRank(t *testing.T) {
	rr := Rank(syntheticRows(), "final", []float64{1e-5})
	if len(rr) != 3 || rr[0].Method != "radau5" {
		t.Fatalf("ranking %+v, want radau5 first", rr)
	}
	for _, r := range rr {
		t.Logf("%+v", r)
	}
}

// TestPlotFiles: the plot stage writes decodable, non-empty PNG and SVG
// files, and two renders are byte-identical.
func TestPlotFiles(t *testing.T) {
	rows := syntheticRows()
	ts := []Timing{{System: "Smooth", Method: "dopri5", Level: 0, Min: 0.01, Median: 0.02, Status: "ok"},
		{System: "Smooth", Method: "dopri5", Level: 1, Min: 0.02, Median: 0.03, Status: "ok"}}
	p := PlotDefaults
	a, err := Render(context.Background(), p, rows, ts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(context.Background(), p, rows, ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d vs %d files", len(a), len(b))
	}
	seen := map[string][]byte{}
	for i := range a {
		seen[a[i].Name] = a[i].Data
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between renders", a[i].Name)
		}
		if len(a[i].Data) == 0 {
			t.Errorf("%s is empty", a[i].Name)
		}
		switch {
		case strings.HasSuffix(a[i].Name, ".png"):
			if _, err := png.Decode(bytes.NewReader(a[i].Data)); err != nil {
				t.Errorf("%s: %v", a[i].Name, err)
			}
		case strings.HasSuffix(a[i].Name, ".svg"):
			if !bytes.Contains(a[i].Data, []byte("<svg")) {
				t.Errorf("%s: not an SVG", a[i].Name)
			}
		}
	}
	for _, want := range []string{"catalog_rhs.png", "catalog_rhs.svg", "catalog_time.png", "systems/Stiff_rhs.svg",
		"systems/Smooth_time.png", "ranking.md", "ranking.csv", "stiff.csv", "index.html"} {
		if seen[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	stiff := seen["stiff.csv"]
	if !strings.Contains(string(stiff), "Stiff,true,400,") {
		t.Errorf("stiff.csv:\n%s", stiff)
	}
}

// TestPlotStageReport: through the stage, the results fan-in is read back,
// the files are on the file port and the report table lists every one with
// its size and SHA-256.
func TestPlotStageReport(t *testing.T) {
	results := resultsTable.Record(syntheticRows(), map[string]string{"runner.kind": "solver_eval"})
	defer results.Release()
	st := stagetest.Build(t, "workprecision_plot", "formats: [svg]\nper_system: false\n", 1)
	out := stagetest.Run(t, st, stagetest.Inputs("results", results))
	report, err := reportTable.Read(out["report"])
	if err != nil {
		t.Fatal(err)
	}
	files, err := stages.ReadFiles(out["files"])
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
		if f.MediaType != mediaType(f.Name) {
			t.Errorf("%s: media type %s", f.Name, f.MediaType)
		}
	}
	seen := map[string]bool{}
	for _, r := range report {
		seen[r.File] = true
		data, ok := byName[r.File]
		if !ok {
			t.Fatalf("%s in the report, not on the file port", r.File)
		}
		sum := sha256.Sum256(data)
		if r.Bytes != len(data) || r.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: report %d bytes %s, on disk %d bytes %x", r.File, r.Bytes, r.SHA256, len(data), sum)
		}
	}
	for _, want := range []string{"catalog_rhs.svg", "ranking.csv", "ranking.md", "stiff.csv", "index.html"} {
		if !seen[want] {
			t.Errorf("report lacks %s: %+v", want, report)
		}
	}
}
