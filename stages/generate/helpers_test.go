package generate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/chaos-runner/runner/runner"
	"github.com/chaos-runner/runner/schemas"
	"github.com/chaos-runner/runner/spec"
	"github.com/chaos-runner/runner/stages"
	"github.com/chaos-runner/runner/systems"
)

// runStage decodes params (YAML) exactly as a pipeline file would, builds
// the generate stage with the given seed and runs it through the runner.
func runStage(t testing.TB, params string, seed uint64) (stages.Outputs, error) {
	t.Helper()
	k, ok := stages.Default.Lookup("generate")
	if !ok {
		t.Fatal("generate is not registered")
	}
	node, ds := spec.ParseNode("params.yaml", []byte(params))
	if len(ds) > 0 {
		t.Fatalf("parse %q: %v", params, ds)
	}
	p, ds := k.Decode(node, "params")
	if len(ds) > 0 {
		return nil, fmt.Errorf("decode: %v", ds)
	}
	st, err := k.Build(p, stages.Env{ID: "data", Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	_, outPorts := st.Ports()
	return runner.RunStage(context.Background(), st, nil, outPorts, 0)
}

// mustRun is runStage that fails the test on error and releases the tables
// at the end of the test.
func mustRun(t testing.TB, params string, seed uint64) stages.Outputs {
	t.Helper()
	out, err := runStage(t, params, seed)
	if err != nil {
		t.Fatalf("run %q: %v", params, err)
	}
	t.Cleanup(func() {
		for _, r := range out {
			r.Release()
		}
	})
	return out
}

// traj is one trajectory read back from a train or test table.
type traj struct {
	steps []int64
	times []float64
	x     [][]float64 // all state columns of the table, NaN-padded
}

type trajKey struct {
	system string
	ic     int64
}

// readTrajectories groups the rows of a trajectory table by (system,
// trajectory), in row order.
func readTrajectories(t testing.TB, rec arrow.RecordBatch) map[trajKey]*traj {
	t.Helper()
	d, err := schemas.StateDim(rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("no column %q", name)
		}
		return rec.Column(idx[0])
	}
	sys := col(schemas.ColSystem).(*array.String)
	ics := col(schemas.ColTrajectory).(*array.Int64)
	steps := col(schemas.ColStep).(*array.Int64)
	times := col(schemas.ColTime).(*array.Float64)
	xs := make([]*array.Float64, d)
	for k := range xs {
		xs[k] = col(schemas.StateColumn(k)).(*array.Float64)
	}
	out := map[trajKey]*traj{}
	for i := 0; i < int(rec.NumRows()); i++ {
		key := trajKey{sys.Value(i), ics.Value(i)}
		tr := out[key]
		if tr == nil {
			tr = &traj{}
			out[key] = tr
		}
		tr.steps = append(tr.steps, steps.Value(i))
		tr.times = append(tr.times, times.Value(i))
		row := make([]float64, d)
		for k := range row {
			row[k] = xs[k].Value(i)
		}
		tr.x = append(tr.x, row)
	}
	return out
}

// failures reads the failures table as system -> reason.
func failures(rec arrow.RecordBatch) map[string]string {
	out := map[string]string{}
	names := rec.Column(0).(*array.String)
	reasons := rec.Column(1).(*array.String)
	for i := 0; i < int(rec.NumRows()); i++ {
		out[names.Value(i)] = reasons.Value(i)
	}
	return out
}

// joined concatenates the train and test rows of every trajectory.
func joined(t testing.TB, out stages.Outputs) map[trajKey]*traj {
	all := readTrajectories(t, out["train"])
	for k, tr := range readTrajectories(t, out["test"]) {
		a := all[k]
		if a == nil {
			all[k] = tr
			continue
		}
		a.steps = append(a.steps, tr.steps...)
		a.times = append(a.times, tr.times...)
		a.x = append(a.x, tr.x...)
	}
	return all
}

// dystsPostprocess applies dysts' _postprocessing (dysts/flows.py at commit
// 4b4d9de): dysts' make_trajectory maps phases and angles of these systems
// to bounded coordinates by default, and its stored mean and std were
// computed after that mapping. The generate stage outputs the raw states;
// the statistics tests apply the same mapping before comparing.
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
