package generate

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chaos-runner/runner/schemas"
)

// TestPostprocess: postprocess: true gives the raw output mapped by the
// tests' own copy of dysts' mappings (dystsPostprocess), leaves systems
// without one bitwise unchanged, and comes before the observation noise.
func TestPostprocess(t *testing.T) {
	const sel = "system: Duffing,BlinkingRotlet,BickleyJet,ArnoldWeb,CircadianRhythm,Lorenz\nn: 60\nics: 2\n"
	for _, noise := range []string{"", "noise: 0.01\n"} {
		raw := joined(t, mustRun(t, sel+noise, 3))
		out := mustRun(t, sel+noise+"postprocess: true\n", 3)
		post := joined(t, out)
		var rawClean map[trajKey]*schemas.Series
		if noise != "" {
			rawClean = joined(t, mustRun(t, sel, 3))
		}
		for key, r := range raw {
			if noise != "" && key.ic > 0 {
				continue // its perturbed IC follows the noise draws of trajectory 0
			}
			p := post[key]
			s := lookup(t, key.system)
			for i := range r.X {
				want := slices.Clone(r.X[i][:s.Dim])
				if noise != "" {
					// Noise is added after the mapping: the same draws sit
					// on top of the mapped clean states.
					want = slices.Clone(rawClean[key].X[i][:s.Dim])
					dystsPostprocess(key.system, s.Params, want)
					for k := range want {
						want[k] += r.X[i][k] - rawClean[key].X[i][k]
					}
				} else {
					dystsPostprocess(key.system, s.Params, want)
				}
				for k := range want {
					if key.system == "Lorenz" && noise == "" && math.Float64bits(p.X[i][k]) != math.Float64bits(want[k]) {
						t.Fatalf("Lorenz changed by postprocess: %v vs %v", p.X[i], r.X[i])
					}
					if math.Abs(p.X[i][k]-want[k]) > 1e-9*math.Max(1, math.Abs(want[k])) {
						t.Fatalf("%s/%d row %d x%d = %.15g, want %.15g (noise %q)", key.system, key.ic, i, k, p.X[i][k], want[k], noise)
					}
				}
			}
		}
		md, _ := out["train"].Schema().Metadata().GetValue("systems")
		if n := strings.Count(md, `"postprocessed":true`); n != 5 {
			t.Errorf("%d systems marked postprocessed, want 5: %s", n, md)
		}
	}
}

// TestPostprocessDefaultOff: the default output carries no trace of the
// option.
func TestPostprocessDefaultOff(t *testing.T) {
	a := mustRun(t, "system: Duffing\nn: 20\n", 1)
	b := mustRun(t, "system: Duffing\nn: 20\npostprocess: false\n", 1)
	if !equalTables(a["train"], b["train"]) {
		t.Error("postprocess: false differs from the default")
	}
	if md, _ := a["train"].Schema().Metadata().GetValue("systems"); strings.Contains(md, "postprocessed") {
		t.Errorf("default metadata mentions postprocessing: %s", md)
	}
}

// TestLorenz96Dimension: params {N: 40} gives 40 state columns, starting
// from the resized initial condition x_i = f, x_0 = f + 0.01.
func TestLorenz96Dimension(t *testing.T) {
	out := mustRun(t, "system: Lorenz96\nparams: {N: 40, f: 8}\nn: 20\n", 1)
	if d, _ := schemas.StateDim(out["train"].Schema()); d != 40 {
		t.Fatalf("%d state columns, want 40", d)
	}
	tr := joined(t, out)[trajKey{"Lorenz96", 0}]
	if len(tr.X[0]) != 40 || tr.X[0][0] != 8.01 || tr.X[0][1] != 8 || tr.X[0][39] != 8 {
		t.Errorf("first row %v", tr.X[0])
	}
	md, _ := out["train"].Schema().Metadata().GetValue("systems")
	if !strings.Contains(md, `"N":40`) || !strings.Contains(md, `"dim":40`) {
		t.Errorf("metadata: %s", md)
	}
	// An explicit initial condition of the new size is used.
	ic := "[" + strings.Repeat("1, ", 5) + "2]"
	tr = joined(t, mustRun(t, "system: Lorenz96\nparams: {N: 6}\nic: "+ic+"\nn: 5\n", 1))[trajKey{"Lorenz96", 0}]
	if !slices.Equal(tr.X[0], []float64{1, 1, 1, 1, 1, 2}) {
		t.Errorf("ic override at N = 6: %v", tr.X[0])
	}
	for bad, field := range map[string]string{
		"system: Lorenz96\nparams: {N: 3}\n":                    "N",
		"system: Lorenz96\nparams: {N: 4.5}\n":                  "N",
		"system: Lorenz96\nparams: {N: 40}\nic: [1, 2, 3, 4]\n": "dimension 40",
	} {
		if err := runErr(bad, 1); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%q: error %v, want one naming %q", bad, err, field)
		}
	}
}
