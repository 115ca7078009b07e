package generate

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/stages/stagetest"
	"github.com/chaos-runner/runner/systems"
)

// runErr builds the generate stage from YAML params (decoded as a pipeline
// file would be) and runs it, for the cases that must fail: it returns the
// build or run error and releases the tables of a run that succeeded.
func runErr(params string, seed uint64) error {
	st, err := stagetest.TryBuild("generate", params, seed)
	if err != nil {
		return err
	}
	out, err := st.Run(context.Background(), nil)
	if err == nil {
		stagetest.Release(out)
	}
	return err
}

// mustRun builds and runs the stage, fails the test on error, checks the
// outputs against the declared ports and releases them at the end.
func mustRun(t testing.TB, params string, seed uint64) stages.Outputs {
	t.Helper()
	return stagetest.Run(t, stagetest.Build(t, "generate", params, seed), nil)
}

type trajKey struct {
	system string
	ic     int64
}

// trajectories reads a train or test table into its series, by (system,
// trajectory).
func trajectories(t testing.TB, rec arrow.RecordBatch) map[trajKey]*schemas.Series {
	t.Helper()
	set, err := schemas.ReadTrajectories(rec)
	if err != nil {
		t.Fatal(err)
	}
	out := map[trajKey]*schemas.Series{}
	for _, name := range set.Order {
		for _, s := range set.Series[name] {
			out[trajKey{name, s.Trajectory}] = s
		}
	}
	return out
}

// failures reads the failures table as system -> reason.
func failures(t testing.TB, rec arrow.RecordBatch) map[string]string {
	t.Helper()
	rows, err := failuresTable.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.System] = r.Reason
	}
	return out
}

// joined concatenates the train and test samples of every trajectory (Rows,
// which index two different tables, is left out).
func joined(t testing.TB, out stages.Outputs) map[trajKey]*schemas.Series {
	t.Helper()
	all := trajectories(t, out["train"])
	for k, tr := range trajectories(t, out["test"]) {
		a := all[k]
		if a == nil {
			all[k] = tr
			continue
		}
		a.Steps = append(a.Steps, tr.Steps...)
		a.Times = append(a.Times, tr.Times...)
		a.X = append(a.X, tr.X...)
	}
	for _, s := range all {
		s.Rows = nil
	}
	return all
}

// dystsPostprocess applies dysts' _postprocessing (dysts/flows.py at commit
// 4b4d9de): dysts' make_trajectory maps phases and angles of these systems
// to bounded coordinates by default, and its stored mean and std were
// computed after that mapping. The generate stage outputs the raw states
// by default; the statistics tests apply the same mapping before comparing.
// It is written independently of systems.Bound.Postprocess, which
// TestPostprocess checks against it.
func dystsPostprocess(name string, p map[string]float64, x []float64) {
	twoPi := 2 * math.Pi
	switch name {
	case "DoublePendulum":
		x[0], x[1] = math.Sin(x[0]), math.Sin(x[1])
	case "SwingingAtwood":
		x[1] = math.Sin(x[1])
	case "Duffing", "FluidTrampoline", "StickSlipOscillator":
		x[2] = math.Cos(x[2])
	case "DoubleGyre", "ForcedBrusselator", "ForcedVanDerPol", "ForcedFitzHughNagumo", "TurchinHanski":
		x[2] = math.Sin(x[2])
	case "BlinkingRotlet", "BlinkingVortex", "InteriorSquirmer":
		r, th := x[0], x[1]
		x[0], x[1], x[2] = r*math.Cos(th), r*math.Sin(th), math.Sin(twoPi*x[2]/p["tau"])
	case "LidDrivenCavityFlow":
		x[2] = math.Sin(twoPi * x[2] / p["tau"])
	case "OscillatingFlow":
		x[0], x[2] = math.Cos(p["k"]*x[0]), math.Sin(x[2])
	case "BickleyJet":
		km := min(p["k[0]"], p["k[1]"], p["k[2]"])
		sm := min(p["sigma[0]"], p["sigma[1]"], p["sigma[2]"])
		x[1], x[2] = math.Sin(km*x[1]), math.Sin(p["omega"]*x[2]*km*sm)
	case "ArnoldBeltramiChildress":
		x[0], x[1], x[2] = math.Sin(x[0]), math.Cos(x[1]), math.Sin(x[2])
	case "ArnoldWeb":
		x[2], x[3], x[4] = math.Sin(x[2]), math.Sin(x[3]), math.Cos(x[4])
	case "CircadianRhythm":
		x[4] = math.Cos(x[4])
	}
}

// postprocessed reports whether dysts maps some coordinates of name.
func postprocessed(name string) bool {
	x := make([]float64, 8)
	for i := range x {
		x[i] = 0.3 + float64(i)
	}
	y := slices.Clone(x)
	dystsPostprocess(name, map[string]float64{"tau": 1, "k": 1, "omega": 1}, y)
	return !slices.Equal(x, y)
}

// moments returns the per-coordinate mean and (population) std of rows.
func moments(rows [][]float64, dim int) (mean, sd []float64) {
	mean, sd = make([]float64, dim), make([]float64, dim)
	for _, r := range rows {
		for k := 0; k < dim; k++ {
			mean[k] += r[k]
		}
	}
	n := float64(len(rows))
	for k := range mean {
		mean[k] /= n
	}
	for _, r := range rows {
		for k := 0; k < dim; k++ {
			sd[k] += (r[k] - mean[k]) * (r[k] - mean[k])
		}
	}
	for k := range sd {
		sd[k] = math.Sqrt(sd[k] / n)
	}
	return mean, sd
}

// exceptionNames lists the keys of an exceptions table, sorted.
func exceptionNames[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// lookup is systems.Lookup that fails the test.
func lookup(t testing.TB, name string) systems.System {
	t.Helper()
	s, err := systems.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
