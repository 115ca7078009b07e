package generate

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/schemas"
)

// equalTables reports whether two record batches hold bitwise-identical
// values (NaN equal to NaN) and the same schema metadata.
func equalTables(a, b arrow.RecordBatch) bool {
	if !a.Schema().Equal(b.Schema()) || a.Schema().Metadata().String() != b.Schema().Metadata().String() ||
		a.NumRows() != b.NumRows() {
		return false
	}
	for c := range int(a.NumCols()) {
		x, xok := a.Column(c).(*array.Float64)
		y, yok := b.Column(c).(*array.Float64)
		if !xok || !yok {
			if !array.Equal(a.Column(c), b.Column(c)) {
				return false
			}
			continue
		}
		for i := range x.Len() {
			if math.Float64bits(x.Value(i)) != math.Float64bits(y.Value(i)) {
				return false
			}
		}
	}
	return true
}

func TestDeterminismAndSeeds(t *testing.T) {
	const params = "system: Lorenz,Henon,MackeyGlass\nn: 300\nics: 3\nnoise: 0.01\n"
	a := mustRun(t, params, 42)
	b := mustRun(t, params, 42)
	c := mustRun(t, params, 43)
	for _, port := range []string{"train", "test", "failures"} {
		if !equalTables(a[port], b[port]) {
			t.Errorf("%s: same seed, different tables", port)
		}
	}
	if equalTables(a["train"], c["train"]) {
		t.Error("different seeds gave identical train tables")
	}
	ta, tc := trajectories(t, a["train"]), trajectories(t, c["train"])
	for _, sys := range []string{"Lorenz", "Henon", "MackeyGlass"} {
		// Trajectory 0 starts at the catalog IC (plus noise); 1 and 2 from
		// perturbed ICs that depend on the seed.
		s := lookup(t, sys)
		for ic := int64(0); ic < 3; ic++ {
			x, y := ta[trajKey{sys, ic}], tc[trajKey{sys, ic}]
			if x == nil || y == nil {
				t.Fatalf("%s/%d missing", sys, ic)
			}
			d := math.Abs(x.X[0][0] - y.X[0][0])
			if d == 0 {
				t.Errorf("%s/%d: first sample identical across seeds (noise and IC perturbation are seeded)", sys, ic)
			}
			scale := 1.0
			if len(s.Std) > 0 {
				scale = s.Std[0]
			}
			if ic > 0 && d > 0.2*scale {
				t.Errorf("%s/%d: perturbed IC moved by %g, more than ic_scale allows", sys, ic, d)
			}
		}
	}
}

func TestPerturbedInitialConditions(t *testing.T) {
	out := mustRun(t, "system: Lorenz\nn: 10\nics: 4\nic_scale: 0.1\n", 5)
	tr := joined(t, out)
	s := lookup(t, "Lorenz")
	for k, v := range tr[trajKey{"Lorenz", 0}].X[0][:3] {
		if v != s.IC[k] {
			t.Errorf("trajectory 0 starts at x%d=%g, want the catalog IC %g", k, v, s.IC[k])
		}
	}
	seen := map[float64]bool{}
	for ic := int64(1); ic < 4; ic++ {
		x0 := tr[trajKey{"Lorenz", ic}].X[0]
		for k := range 3 {
			if d := math.Abs(x0[k]-s.IC[k]) / s.Std[k]; d == 0 || d > 0.6 {
				t.Errorf("trajectory %d: x%d perturbed by %.3g std, want 0 < d <= ~5 ic_scale", ic, k, d)
			}
		}
		seen[x0[0]] = true
	}
	if len(seen) != 3 {
		t.Error("perturbed initial conditions are not distinct")
	}
}

func TestSplitSizes(t *testing.T) {
	for _, c := range []struct {
		params          string
		train, test, ic int
	}{
		{"system: Lorenz\nn: 1000\n", 800, 200, 1},
		{"system: Lorenz\nn: 1000\ntrain_fraction: 0.5\n", 500, 500, 1},
		{"system: Lorenz\nn: 1000\ntrain_fraction: 1\n", 1000, 0, 1},
		{"system: Lorenz\nn: 1200\ntest_points: 200\n", 1000, 200, 1},
		{"system: Lorenz\nn: 101\ntrain_fraction: 0.333\nics: 2\n", 34, 67, 2},
		{"system: Henon\nn: 50\ntest_points: 7\ntransient: 100\n", 43, 7, 1},
	} {
		out := mustRun(t, c.params, 1)
		if got := int(out["train"].NumRows()); got != c.train*c.ic {
			t.Errorf("%q: %d train rows, want %d", c.params, got, c.train*c.ic)
		}
		if got := int(out["test"].NumRows()); got != c.test*c.ic {
			t.Errorf("%q: %d test rows, want %d", c.params, got, c.test*c.ic)
		}
		// Steps run on from train into test; time = (step + transient) dt.
		for _, tr := range joined(t, out) {
			for i, s := range tr.Steps {
				if s != int64(i) {
					t.Fatalf("%q: step %d at row %d", c.params, s, i)
				}
			}
		}
	}
	out := mustRun(t, "system: Henon\nn: 5\ntransient: 10\ntrain_fraction: 1\n", 1)
	tr := joined(t, out)[trajKey{"Henon", 0}]
	if tr.Times[0] != 10 || tr.Times[4] != 14 {
		t.Errorf("map times %v, want iterations 10..14 after the transient", tr.Times)
	}
	lz := joined(t, mustRun(t, "system: Lorenz\nn: 3\n", 1))[trajKey{"Lorenz", 0}]
	if dt := lookup(t, "Lorenz").Period / 100; math.Abs(lz.Times[1]-dt) > 1e-15 {
		t.Errorf("Lorenz sample step %g, want period/100 = %g", lz.Times[1], dt)
	}
}

func TestStandardize(t *testing.T) {
	out := mustRun(t, "system: Lorenz,Rossler\nn: 2000\nstandardize: true\nics: 2\n", 3)
	train := trajectories(t, out["train"])
	for _, sys := range []string{"Lorenz", "Rossler"} {
		var rows [][]float64
		for ic := int64(0); ic < 2; ic++ {
			rows = append(rows, train[trajKey{sys, ic}].X...)
		}
		mean, sd := moments(rows, 3)
		for k := range 3 {
			if math.Abs(mean[k]) > 1e-12 || math.Abs(sd[k]-1) > 1e-12 {
				t.Errorf("%s x%d: train mean %g std %g, want 0 and 1", sys, k, mean[k], sd[k])
			}
		}
	}
	if md, _ := out["train"].Schema().Metadata().GetValue("standardized"); md != "true" {
		t.Errorf("metadata standardized=%q", md)
	}
	if md, _ := out["train"].Schema().Metadata().GetValue("systems"); !strings.Contains(md, `"mean":[`) {
		t.Errorf("systems metadata lacks the standardization mean: %s", md)
	}
}

func TestObservationNoise(t *testing.T) {
	clean := joined(t, mustRun(t, "system: Lorenz\nn: 5000\n", 9))[trajKey{"Lorenz", 0}]
	noisy := joined(t, mustRun(t, "system: Lorenz\nn: 5000\nnoise: 0.1\n", 9))[trajKey{"Lorenz", 0}]
	s := lookup(t, "Lorenz")
	for k := range 3 {
		var d [][]float64
		for i := range clean.X {
			d = append(d, []float64{(noisy.X[i][k] - clean.X[i][k]) / s.Std[k]})
		}
		m, sd := moments(d, 1)
		// 5000 N(0, 0.1^2) draws: mean within 5 sigma/sqrt(n), std within 5%.
		if math.Abs(m[0]) > 5*0.1/math.Sqrt(5000) || math.Abs(sd[0]/0.1-1) > 0.05 {
			t.Errorf("x%d: noise mean %g, std %g, want 0 and 0.1 (units of the dysts std)", k, m[0], sd[0])
		}
	}
}

func TestSDENoise(t *testing.T) {
	p := "system: Lorenz\nn: 2000\nsde_noise: 0.05\n"
	a := mustRun(t, p, 11)
	b := mustRun(t, p, 11)
	c := mustRun(t, p, 12)
	if !equalTables(a["train"], b["train"]) {
		t.Error("SDE paths differ for the same seed")
	}
	if equalTables(a["train"], c["train"]) {
		t.Error("SDE paths equal for different seeds")
	}
	if md, _ := a["train"].Schema().Metadata().GetValue("solver"); md != "em" {
		t.Errorf("solver %q, want em", md)
	}
	tr := joined(t, a)[trajKey{"Lorenz", 0}]
	det := joined(t, mustRun(t, "system: Lorenz\nn: 2000\n", 11))[trajKey{"Lorenz", 0}]
	s := lookup(t, "Lorenz")
	mean, sd := moments(tr.X, 3)
	for k := range 3 {
		// Still on the attractor (the noise is small)...
		if math.Abs(mean[k]-s.Mean[k]) > 0.5*s.Std[k] || math.Abs(sd[k]/s.Std[k]-1) > 0.3 {
			t.Errorf("x%d: noisy mean %g std %g, dysts %g %g", k, mean[k], sd[k], s.Mean[k], s.Std[k])
		}
	}
	// ...but leaves the deterministic path.
	if d := math.Abs(tr.X[1999][0] - det.X[1999][0]); d == 0 {
		t.Error("sde_noise did not change the trajectory")
	}
	// Forced systems keep their phase deterministic.
	ph := joined(t, mustRun(t, "system: Duffing\nn: 200\nsde_noise: 0.1\n", 1))[trajKey{"Duffing", 0}]
	dd := lookup(t, "Duffing")
	om := dd.Params["omega"]
	for i, row := range ph.X {
		want := dd.IC[2] + om*ph.Times[i]
		if math.Abs(row[2]-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("Duffing phase at %d: %g, want %g (noise must not touch UnboundedIndices)", i, row[2], want)
		}
	}
	if err := runErr("system: Henon\nsde_noise: 0.1\n", 1); err == nil || !strings.Contains(err.Error(), "sde_noise") {
		t.Errorf("sde_noise on a map: %v", err)
	}
}

// TestDelayColumns checks that the d columns of a delay system are delay
// coordinates: column k at time t equals column 0 at t - k tau/(d-1), so
// with a sampling step that divides tau/(d-1) they are shifted copies.
func TestDelayColumns(t *testing.T) {
	s := lookup(t, "MackeyGlass")
	tau := s.Params["tau"]
	lag := tau / float64(s.Dim-1)
	const shift = 4 // samples per lag
	dt := lag / shift
	out := mustRun(t, "system: MackeyGlass\nn: 400\ntrain_fraction: 1\ndt: "+ftoa(dt)+"\n", 1)
	tr := joined(t, out)[trajKey{"MackeyGlass", 0}]
	if got := int(out["train"].Schema().NumFields()) - 4; got != s.Dim {
		t.Fatalf("%d state columns, want %d", got, s.Dim)
	}
	for i := shift * (s.Dim - 1); i < len(tr.X); i++ {
		for k := 1; k < s.Dim; k++ {
			if d := math.Abs(tr.X[i][k] - tr.X[i-k*shift][0]); d > 1e-12 {
				t.Fatalf("row %d: x%d = %g, x0 %d samples earlier = %g", i, k, tr.X[i][k], k*shift, tr.X[i-k*shift][0])
			}
		}
	}
	// Before t = k lag the delay coordinates read the constant history x0.
	if tr.X[0][s.Dim-1] != s.IC[0] {
		t.Errorf("x%d at t=0 is %g, want the history %g", s.Dim-1, tr.X[0][s.Dim-1], s.IC[0])
	}
	if err := runErr("system: MackeyGlass\nmethod: radau5\n", 1); err == nil || !strings.Contains(err.Error(), "delay") {
		t.Errorf("radau5 on a delay system should be refused at validation: %v", err)
	}
}

func TestFailuresTable(t *testing.T) {
	// Several systems: the escaping map is listed, the others are kept.
	out := mustRun(t, "system: Lorenz,ZeraouliaSprott,Henon\nn: 200\n", 1)
	f := failures(t, out["failures"])
	if len(f) != 1 || !strings.Contains(f["ZeraouliaSprott"], "left the attractor") {
		t.Errorf("failures = %v, want ZeraouliaSprott with its reason", f)
	}
	tr := joined(t, out)
	if tr[trajKey{"Lorenz", 0}] == nil || tr[trajKey{"Henon", 0}] == nil || tr[trajKey{"ZeraouliaSprott", 0}] != nil {
		t.Errorf("trajectories %v", tr)
	}
	// A system whose later initial condition fails has no rows at all, not
	// those of the trajectories before the failure.
	out = mustRun(t, "system: maps\nn: 400\nics: 2\n", 3)
	tr = joined(t, out)
	f = failures(t, out["failures"])
	partial := 0
	for name := range f {
		if name != "ZeraouliaSprott" {
			partial++
		}
		for ic := range int64(2) {
			if tr[trajKey{name, ic}] != nil {
				t.Errorf("%s failed (%s) but trajectory %d is in the tables", name, f[name], ic)
			}
		}
	}
	if partial == 0 {
		t.Errorf("failures %v: no map failed on its perturbed initial condition only; the check above is void", f)
	}
	// A single system that fails fails the stage, with the reason.
	err := runErr("system: Lorenz\nic: [1e300, 1e300, 1e300]\n", 1)
	if err == nil || !strings.Contains(err.Error(), "Lorenz") {
		t.Errorf("blown-up single system: err = %v", err)
	}
	err = runErr("system: ZeraouliaSprott\n", 1)
	if err == nil || !strings.Contains(err.Error(), "left the attractor") {
		t.Errorf("escaping map alone: err = %v", err)
	}
	// A tiny step budget makes a flow fail with the solver's reason.
	err = runErr("system: Lorenz\nmethod: dop853\nrtol: 1e-300\natol: 1e-300\nn: 20\n", 1)
	if err == nil {
		t.Error("impossible tolerance: no error")
	}
}

func TestMultiSystemPadding(t *testing.T) {
	out := mustRun(t, "system: Henon,Lorenz,Lorenz96\nn: 20\n", 1)
	d, _ := schemas.StateDim(out["train"].Schema())
	want := max(lookup(t, "Lorenz96").Dim, 3)
	if d != want {
		t.Fatalf("%d state columns, want %d (the largest dimension)", d, want)
	}
	for key, tr := range joined(t, out) {
		dim := lookup(t, key.system).Dim
		for _, row := range tr.X {
			for k, v := range row {
				if (k < dim) == math.IsNaN(v) {
					t.Fatalf("%s: x%d = %g (dimension %d: NaN exactly beyond it)", key.system, k, v, dim)
				}
			}
		}
	}
	// Catalog order in the tables, whatever the worker scheduling.
	set, err := schemas.ReadTrajectories(out["train"])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Order, ","); got != "Henon,Lorenz,Lorenz96" {
		t.Errorf("systems in the order %s, want the selector's Henon,Lorenz,Lorenz96", got)
	}
}

func TestParamsAndICOverrides(t *testing.T) {
	out := mustRun(t, "system: Rossler\nparams: {c: 6.0}\nic: [1, 2, 3]\nn: 10\n", 1)
	tr := joined(t, out)[trajKey{"Rossler", 0}]
	if tr.X[0][0] != 1 || tr.X[0][1] != 2 || tr.X[0][2] != 3 {
		t.Errorf("first sample %v, want the ic override", tr.X[0])
	}
	md, _ := out["train"].Schema().Metadata().GetValue("systems")
	if !strings.Contains(md, `"c":6`) {
		t.Errorf("metadata lacks the overridden parameter: %s", md)
	}
	for _, bad := range []string{
		"system: Rossler\nparams: {nosuch: 1}\n",
		"system: Rossler\nic: [1, 2]\n",
		"system: flows\nic: [1, 2, 3]\n",
		"system: Nosuch\n",
		"system: Lorenz\nmethod: nosuch\n",
		"system: Lorenz\nn: 1\n",
		"system: Lorenz\ntest_points: 1000\n",
	} {
		if err := runErr(bad, 1); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestFixedStepMethods: methods without error control run at the dysts
// step, shortened to divide the sampling step.
func TestFixedStepMethods(t *testing.T) {
	ref := joined(t, mustRun(t, "system: Lorenz\nn: 100\n", 1))[trajKey{"Lorenz", 0}]
	s := lookup(t, "Lorenz")
	for _, m := range []string{"rk4", "euler"} {
		tr := joined(t, mustRun(t, "system: Lorenz\nn: 100\nmethod: "+m+"\n", 1))[trajKey{"Lorenz", 0}]
		e := maxScaledDiff(tr.X[:20], ref.X[:20], s.Std)
		if lim := map[string]float64{"rk4": 1e-9, "euler": 0.05}[m]; e > lim {
			t.Errorf("%s: error %.2g over 20 samples > %g", m, e, lim)
		}
	}
	tr := joined(t, mustRun(t, "system: MackeyGlass\nn: 100\nmethod: rk4\n", 1))[trajKey{"MackeyGlass", 0}]
	if tr == nil || math.IsNaN(tr.X[99][0]) {
		t.Error("rk4 on a delay system")
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
