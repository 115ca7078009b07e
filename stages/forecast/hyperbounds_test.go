package forecast

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/chaos-runner/runner/models"
	"github.com/chaos-runner/runner/stages/stagetest"
)

// Every family's hyperparameters have bounds, and its defaults are inside them.
func TestHyperBoundsCoverEveryFamily(t *testing.T) {
	for _, name := range models.Names() {
		fam, _ := models.Lookup(name)
		bounds, ok := hyperBounds[name]
		if !ok {
			t.Errorf("family %s has no hyperBounds entry", name)
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(fam.Defaults)) {
			b, ok := bounds[k]
			if !ok {
				t.Errorf("%s: hyperparameter %s has no bound", name, k)
				continue
			}
			if msg := b.check(fam.Defaults[k]); msg != "" {
				t.Errorf("%s: default %s = %v is out of its bound: %s", name, k, fam.Defaults[k], msg)
			}
		}
		for k := range bounds {
			if _, ok := fam.Defaults[k]; !ok {
				t.Errorf("%s: bound for %s, which the family does not have", name, k)
			}
		}
		if errs := checkHyper(name, fam.Defaults, func(k string) string { return k }); len(errs) > 0 {
			t.Errorf("%s: defaults fail: %v", name, errs)
		}
	}
}

// Out-of-range hyperparameters are plan-time errors at their own field.
func TestHyperOutOfRange(t *testing.T) {
	for _, c := range []struct{ kind, params, want string }{
		{"train", "model: nvar\nhyper: {k: -3}\n", "params.hyper.k: nvar k: must be in [1, 1000], got -3"},
		{"train", "model: nvar\nhyper: {k: 2.5}\n", "params.hyper.k: nvar k: must be a whole number"},
		{"train", "model: esn\nhyper: {spectral_radius: 1e6}\n", "params.hyper.spectral_radius: esn spectral_radius: must be in [0, 10], got 1e+06"},
		{"train", "model: esn\nhyper: {units: 100000, connectivity: 1}\n", "params.hyper.units: esn: a reservoir of 100000 units"},
		{"train", "model: esn\nhyper: {leak: 0}\n", "params.hyper.leak: esn leak: must be in (0, 1]"},
		{"train", "model: ssm\nhyper: {dt_min: 2, dt_max: 1}\n", "params.hyper.dt_min: ssm: dt_min 2 is above dt_max 1"},
		{"train", "model: mlp\nhyper: {val_frac: 0.9}\n", "params.hyper.val_frac: mlp val_frac: must be in [0.05, 0.5]"},
		{"train", "model: sindy\nhyper: {diff: 1, window: 8}\n", "params.hyper.window: sindy: the Savitzky-Golay window must be odd"},
		{"tune", "model: nvar\ngrid: {k: [2, -3]}\n", "params.grid.k[1]: nvar k: must be in [1, 1000], got -3"},
		{"tune", "model: esn\nhyper: {spectral_radius: 1e6}\n", "params.hyper.spectral_radius: esn spectral_radius"},
	} {
		diags := stagetest.DecodeDiags(t, c.kind, c.params)
		if len(diags) != 1 {
			t.Errorf("%s %q: want 1 diagnostic, got %v", c.kind, c.params, diags)
			continue
		}
		got := diags[0].String()
		if !strings.Contains(got, c.want) || diags[0].Pos.Line < 2 {
			t.Errorf("%s %q:\n got %s\nwant %s at line >= 2", c.kind, c.params, got, c.want)
		}
	}
}

// A fit whose features cannot fit in memory fails that system before the
// model allocates them; ordinary fits pass the check.
func TestFitOverTheMemoryLimitFails(t *testing.T) {
	x := mat.NewDense(50, 3, nil)
	for i := range 50 {
		x.Set(i, 0, float64(i))
		x.Set(i, 1, math.Sin(float64(i)))
		x.Set(i, 2, math.Cos(float64(i)))
	}
	fam, _ := models.Lookup("nvar")
	huge, _ := models.MergeHyper(fam, models.Hyper{"k": 1000, "order": 10})
	f, _ := fitSystem(context.Background(), fam, huge, "S", x, 0.1, 1)
	if !strings.Contains(f.Err, "a nvar fit of 50 points with") || !strings.Contains(f.Err, "over the memory limit") {
		t.Errorf("huge nvar: err %q, want the memory limit", f.Err)
	}
	for _, name := range models.Names() {
		fam, _ := models.Lookup(name)
		need, _ := fitBytes(name, fam.Defaults, 10_000, 3)
		if need > 1<<30 {
			t.Errorf("%s defaults on 10,000 points of 3 variables: estimate %g bytes", name, need)
		}
	}
	// NVAR's features: 1 + d·k linear + the quadratic monomials of d·k = 6
	// variables, 21 (Gauthier et al. 2021: 28 features for Lorenz-63).
	if _, features := fitBytes("nvar", models.Hyper{"k": 2, "order": 2}, 100, 3); features != 28 {
		t.Errorf("nvar k=2 order=2 d=3: %g features, want 28", features)
	}
}
