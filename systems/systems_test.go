package systems

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

func hasEquations(eq Equations) bool { return eq.Flow != nil || eq.Delay != nil || eq.Map != nil }

// perturbed returns x_i + 0.01 (1 + |x_i|) (-1)^i, the second test point
// (also used by testdata/gen_dysts_rhs.py).
func perturbed(x []float64) []float64 {
	y := slices.Clone(x)
	for i, v := range y {
		d := 0.01 * (1 + math.Abs(v))
		if i%2 == 1 {
			d = -d
		}
		y[i] = v + d
	}
	return y
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// bound binds every system with equations, failing the test on an error.
func bound(t *testing.T) []Bound {
	t.Helper()
	var out []Bound
	for _, s := range All() {
		if !hasEquations(s.Eq) {
			continue
		}
		b, err := s.Bind(nil)
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// eval evaluates the right-hand side (or map) of b at x into dx. Delay
// systems get the scalar state x[0] and the delayed value x[0] - 0.05.
func eval(b *Bound, t float64, x, dx []float64) {
	switch b.Kind {
	case Flow:
		b.F(t, x, dx)
	case Delay:
		b.DF(t, x[:1], []float64{x[0] - 0.05}, dx[:1])
	case Map:
		b.G(x, dx)
	}
}

func TestCatalogCounts(t *testing.T) {
	loadCatalog()
	if catalogErr != nil {
		t.Fatal(catalogErr)
	}
	all := All()
	if len(all) != 161 {
		t.Errorf("All: %d systems, want 135 flows + 26 maps = 161", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b System) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All is not sorted by name")
	}
	for sel, want := range map[string]int{"all": 161, "flows": 135, "ode": 129, "delay": 6, "maps": 26} {
		got, err := Select(sel)
		if err != nil || len(got) != want {
			t.Errorf("Select(%q): %d names, %v; want %d", sel, len(got), err, want)
		}
	}
}

// TestEquationsCoverage checks that every registered equation has metadata
// and matches its system's kind (TestCatalogComplete checks the converse).
func TestEquationsCoverage(t *testing.T) {
	for name, eq := range equations {
		s, err := Lookup(name)
		if err != nil {
			t.Errorf("equations registered for %s, which has no metadata: %v", name, err)
			continue
		}
		n := 0
		for _, set := range []bool{eq.Flow != nil, eq.Delay != nil, eq.Map != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d of Flow, Delay, Map set, want exactly 1", name, n)
		}
		if (eq.Flow != nil && s.Kind != Flow) || (eq.Delay != nil && s.Kind != Delay) || (eq.Map != nil && s.Kind != Map) {
			t.Errorf("%s: equations do not match kind %v", name, s.Kind)
		}
	}
}

// TestCatalogComplete checks that the whole catalog has equations.
func TestCatalogComplete(t *testing.T) {
	var missing []string
	for _, s := range All() {
		if !hasEquations(s.Eq) {
			missing = append(missing, s.Name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d systems without equations: %s", len(missing), strings.Join(missing, ", "))
	}
}

// TestParamNames checks that builders read only parameters the JSON
// defines (Bind fails otherwise) and logs parameters no builder reads.
func TestParamNames(t *testing.T) {
	for _, s := range All() {
		if !hasEquations(s.Eq) {
			continue
		}
		read := map[string]bool{}
		p := Params(func(name string) float64 {
			read[name] = true
			v, ok := s.Params[name]
			if !ok {
				t.Errorf("%s: builder reads unknown parameter %q", s.Name, name)
			}
			return v
		})
		switch {
		case s.Eq.Flow != nil:
			s.Eq.Flow(p)
		case s.Eq.Delay != nil:
			s.Eq.Delay(p)
			p(s.Eq.DelayParam)
		case s.Eq.Map != nil:
			s.Eq.Map(p)
		}
		if s.Eq.Jac != nil {
			s.Eq.Jac(p)
		}
		var unused []string
		for _, k := range s.ParamNames {
			if !read[k] {
				unused = append(unused, k)
			}
		}
		if len(unused) > 0 {
			t.Logf("%s: parameters not used by the equations: %s", s.Name, strings.Join(unused, ", "))
		}
	}
}

func TestRHSFiniteAtIC(t *testing.T) {
	for _, b := range bound(t) {
		if len(b.IC) != b.Dim || len(b.Mean) != 0 && len(b.Mean) != b.Dim {
			t.Errorf("%s: IC %d, mean %d entries for dimension %d", b.Name, len(b.IC), len(b.Mean), b.Dim)
		}
		dx := make([]float64, b.StateDim)
		eval(&b, 0, b.IC, dx)
		if !finite(dx) {
			t.Errorf("%s: right-hand side at the initial condition is not finite: %v", b.Name, dx)
		}
	}
}

// TestMatchesDysts compares every right-hand side with the output of the
// dysts reference code at the initial condition and a perturbed point
// (testdata/dysts_rhs.json, made by testdata/gen_dysts_rhs.py; dysts has no
// code for Zaslavskii, ZeraouliaSprott and EndCap, and the generator's
// numpy stand-in cannot run InteriorSquirmer, Lorenz96 and MacArthur;
// BlinkingVortexMap is compared over two dysts calls, one catalog iterate).
// Tolerance: 1e-9 relative to max(1, |f|∞), for
// rounding differences of reordered arithmetic.
func TestMatchesDysts(t *testing.T) {
	raw, err := os.ReadFile("testdata/dysts_rhs.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string][]struct{ X, F []float64 }
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, b := range bound(t) {
		rows, ok := ref[b.Name]
		if !ok {
			continue
		}
		checked++
		for _, row := range rows {
			dx := make([]float64, b.StateDim)
			x := row.X
			if b.Kind == Delay {
				x = []float64{row.X[0]}
			}
			eval(&b, 0, x, dx)
			scale := 1.0
			for _, v := range row.F {
				scale = math.Max(scale, math.Abs(v))
			}
			for i := range row.F {
				if math.Abs(dx[i]-row.F[i]) > 1e-9*scale {
					t.Errorf("%s at %v: f[%d] = %.15g, dysts %.15g", b.Name, row.X, i, dx[i], row.F[i])
				}
			}
		}
	}
	if checked < 150 {
		t.Errorf("only %d systems compared with dysts", checked)
	}
}

// TestJacobians compares every analytic Jacobian with NumericalJacobian at
// the initial condition and at a perturbed point. Central differences with
// h = (ε·max(|x|, 1))^{1/3} are good to about 1e-8 relative on these
// systems; the steepest (LidDrivenCavityFlow's tanh switching, 2e-7) sets
// the tolerance, 1e-6 relative to max(1, |J|∞) per entry. A wrong term is
// an O(1) relative error.
func TestJacobians(t *testing.T) {
	n := 0
	for _, b := range bound(t) {
		if !b.AnalyticJac || b.Kind == Delay {
			continue
		}
		n++
		f := b.F
		if b.Kind == Map {
			g := b.G
			f = func(_ float64, x, dx []float64) { g(x, dx) }
		}
		num := NumericalJacobian(f, b.StateDim)
		d := b.StateDim
		for _, x := range [][]float64{b.IC, perturbed(b.IC)} {
			ja, jn := make([]float64, d*d), make([]float64, d*d)
			b.Jac(0.3, x, ja)
			num(0.3, x, jn)
			scale := 1.0
			for _, v := range jn {
				scale = math.Max(scale, math.Abs(v))
			}
			for k := range ja {
				if math.Abs(ja[k]-jn[k]) > 1e-6*scale {
					t.Errorf("%s at %v: J[%d][%d] analytic %.10g, numerical %.10g", b.Name, x, k/d, k%d, ja[k], jn[k])
				}
			}
		}
	}
	t.Logf("%d analytic Jacobians checked", n)
}

func TestNoAllocations(t *testing.T) {
	for _, b := range bound(t) {
		x := slices.Clone(b.IC)
		dx := make([]float64, b.StateDim)
		var allocs float64
		switch b.Kind {
		case Flow:
			allocs = testing.AllocsPerRun(50, func() { b.F(0.1, x, dx) })
		case Delay:
			xd := []float64{x[0]}
			allocs = testing.AllocsPerRun(50, func() { b.DF(0.1, x[:1], xd, dx) })
		case Map:
			allocs = testing.AllocsPerRun(50, func() { b.G(x, dx) })
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocations per right-hand-side call", b.Name, allocs)
		}
		if b.Jac != nil {
			jac := make([]float64, b.StateDim*b.StateDim)
			if a := testing.AllocsPerRun(20, func() { b.Jac(0.1, x, jac) }); a != 0 {
				t.Errorf("%s: %v allocations per Jacobian call (analytic %v)", b.Name, a, b.AnalyticJac)
			}
		}
	}
}

// TestMapsBounded iterates every map 10⁴ times from its initial condition.
// ZeraouliaSprott is expected to escape: its dysts parameters have |b| > 1.
func TestMapsBounded(t *testing.T) {
	for _, b := range bound(t) {
		if b.Kind != Map {
			continue
		}
		x, next := slices.Clone(b.IC), make([]float64, b.Dim)
		escaped := false
		for range 10000 {
			b.G(x, next)
			x, next = next, x
			if !finite(x) || math.Abs(x[0]) > 1e6 || b.Dim > 1 && math.Abs(x[1]) > 1e6 {
				escaped = true
				break
			}
		}
		if escaped != (b.Name == "ZeraouliaSprott") {
			t.Errorf("%s: escaped = %v after iterating to %v", b.Name, escaped, x)
		}
	}
}

// TestLorenzReference: Lorenz (1963) at (1, 2, 3) with the dysts
// parameters σ = 10, ρ = 28, β = 2.667, by hand: σ(y - x) = 10,
// x(ρ - z) - y = 23, x y - β z = 2 - 8.001 = -6.001.
func TestLorenzReference(t *testing.T) {
	s, err := Lookup("Lorenz")
	if err != nil {
		t.Fatal(err)
	}
	if !hasEquations(s.Eq) {
		t.Fatal("Lorenz has no equations")
	}
	b, err := s.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	dx := make([]float64, 3)
	b.F(0, []float64{1, 2, 3}, dx)
	want := []float64{10, 23, -6.001}
	for i := range want {
		if math.Abs(dx[i]-want[i]) > 1e-12 {
			t.Errorf("Lorenz f(1,2,3) = %v, want %v", dx, want)
			break
		}
	}
}

// TestHenonStep: Hénon (1976), a = 1.4, b = 0.3, one step from (1, 1) by
// hand: (1 - 1.4 + 1, 0.3) = (0.6, 0.3); from (0.5, -0.2): (1 - 0.35 - 0.2,
// 0.15) = (0.45, 0.15).
func TestHenonStep(t *testing.T) {
	s, err := Lookup("Henon")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ x, want [2]float64 }{
		{[2]float64{1, 1}, [2]float64{0.6, 0.3}},
		{[2]float64{0.5, -0.2}, [2]float64{0.45, 0.15}},
	} {
		next := make([]float64, 2)
		b.G(c.x[:], next)
		if math.Abs(next[0]-c.want[0]) > 1e-15 || math.Abs(next[1]-c.want[1]) > 1e-15 {
			t.Errorf("Henon(%v) = %v, want %v", c.x, next, c.want)
		}
	}
}

// TestLogisticFullyChaotic: at r = 4 the logistic map maps [0, 1] onto
// itself; its Lyapunov exponent is ln 2 (exact). The orbit must stay in
// [0, 1] and the time average of ln|r(1 - 2x)| approach ln 2.
func TestLogisticFullyChaotic(t *testing.T) {
	s, err := Lookup("Logistic")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Bind(map[string]float64{"r": 4})
	if err != nil {
		t.Fatal(err)
	}
	if b.Params["r"] != 4 || s.Params["r"] != 3.9 {
		t.Fatalf("override not applied to a copy: bound r = %v, catalog r = %v", b.Params["r"], s.Params["r"])
	}
	x, next, jac := []float64{0.3}, []float64{0}, []float64{0}
	const n = 100000
	var sum float64
	for range n {
		b.Jac(0, x, jac)
		sum += math.Log(math.Abs(jac[0]))
		b.G(x, next)
		x[0] = next[0]
		if x[0] < 0 || x[0] > 1 {
			t.Fatalf("logistic orbit left [0, 1]: %v", x[0])
		}
	}
	if l := sum / n; math.Abs(l-math.Ln2) > 0.02 {
		t.Errorf("Lyapunov exponent %v, want ln 2 = %v", l, math.Ln2)
	}
}

func TestMetadata(t *testing.T) {
	lor, err := Lookup("Lorenz")
	if err != nil {
		t.Fatal(err)
	}
	// Values of chaotic_attractors.json.
	if lor.Dim != 3 || lor.StateDim != 3 || lor.Kind != Flow || lor.Params["rho"] != 28 ||
		lor.LyapunovMax != 0.8917098035724058 || len(lor.LyapunovSpectrum) != 3 ||
		lor.Period != 1.5008 || !slices.Equal(lor.ParamNames, []string{"beta", "rho", "sigma"}) {
		t.Errorf("Lorenz metadata: %+v", lor.Info)
	}
	if slices.Contains(lor.Tags, "hyperchaotic") || !slices.Contains(lor.Tags, "3d") || !slices.Contains(lor.Tags, "ode") {
		t.Errorf("Lorenz tags %v", lor.Tags)
	}
	hl, _ := Lookup("HyperLorenz")
	if !slices.Contains(hl.Tags, "hyperchaotic") || !slices.Contains(hl.Tags, "4d") {
		t.Errorf("HyperLorenz tags %v", hl.Tags)
	}
	fb, _ := Lookup("ForcedBrusselator")
	if math.IsNaN(fb.PesinEntropy) || !fb.Nonautonomous || !slices.Contains(fb.Tags, "nonautonomous") {
		t.Errorf("ForcedBrusselator: entropy %v, tags %v", fb.PesinEntropy, fb.Tags)
	}
	ar, _ := Lookup("AtmosphericRegime")
	if ar.LyapunovSpectrum != nil {
		t.Errorf("AtmosphericRegime spectrum %v, want nil (null in JSON)", ar.LyapunovSpectrum)
	}
	mg, _ := Lookup("MackeyGlass")
	if mg.Kind != Delay || mg.Dim != 10 || mg.StateDim != 1 || !math.IsNaN(mg.MultiscaleEntropy) ||
		!slices.Contains(mg.Tags, "delay") || !slices.Contains(mg.Tags, "flow") {
		t.Errorf("MackeyGlass metadata: kind %v dim %d/%d mse %v tags %v", mg.Kind, mg.Dim, mg.StateDim, mg.MultiscaleEntropy, mg.Tags)
	}
	bj, _ := Lookup("BeerRNN")
	if bj.Params["w[1][2]"] != 1.21 || bj.Params["tau[1]"] != 2.5 || len(bj.ParamNames) != 15 {
		t.Errorf("BeerRNN flattened parameters: %v", bj.ParamNames)
	}
	dm, err := Lookup("DuffingMap")
	if err != nil || dm.Kind != Map || dm.Upstream != "dysts.maps.Duffing" || dm.Dt != 1 || dm.Period != 1 ||
		!math.IsNaN(dm.LyapunovMax) || dm.Dim != 2 {
		t.Errorf("DuffingMap: %v %+v", err, dm.Info)
	}
	hn, _ := Lookup("Henon")
	if hn.Citation != "" || !slices.Equal(hn.Tags, []string{"2d", "map"}) {
		t.Errorf("Henon citation %q tags %v", hn.Citation, hn.Tags)
	}
	// Modifying a returned System must not change the catalog.
	lor.Params["rho"] = 1
	lor.IC[0] = 1e9
	again, _ := Lookup("Lorenz")
	if again.Params["rho"] != 28 || again.IC[0] == 1e9 {
		t.Error("Lookup returned shared state")
	}
}

func TestLookupErrors(t *testing.T) {
	_, err := Lookup("Lorenz63")
	if err == nil || !strings.Contains(err.Error(), "Lorenz") || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("Lookup(Lorenz63): %v", err)
	}
	_, err = Lookup("henon")
	if err == nil || !strings.Contains(err.Error(), "Henon") {
		t.Errorf("Lookup(henon): %v", err)
	}
}

func TestSelect(t *testing.T) {
	got, err := Select("Lorenz, Henon,Lorenz")
	if err != nil || !slices.Equal(got, []string{"Lorenz", "Henon"}) {
		t.Errorf("Select list: %v, %v", got, err)
	}
	hyper, err := Select("tag:hyperchaotic")
	if err != nil || !slices.Contains(hyper, "HyperLorenz") || slices.Contains(hyper, "Lorenz") {
		t.Errorf("Select(tag:hyperchaotic): %v, %v", hyper, err)
	}
	four, _ := Select("tag:4d")
	for _, n := range four {
		if s, _ := Lookup(n); s.Dim != 4 {
			t.Errorf("tag:4d selected %s of dimension %d", n, s.Dim)
		}
	}
	mixed, err := Select("maps,Lorenz")
	if err != nil || len(mixed) != 27 || mixed[26] != "Lorenz" {
		t.Errorf("Select(maps,Lorenz): %v, %v", mixed, err)
	}
	for _, bad := range []string{"", "Lorenz,,Henon", "tag:nope", "Lornez", "flow"} {
		if _, err := Select(bad); err == nil {
			t.Errorf("Select(%q): no error", bad)
		}
	}
	if _, err := Select("Lornez"); err == nil || !strings.Contains(err.Error(), "Lorenz") {
		t.Errorf("Select(Lornez) error should suggest Lorenz: %v", err)
	}
}

func TestBindErrors(t *testing.T) {
	s, err := Lookup("Chen")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bind(map[string]float64{"aa": 1}); err == nil || !strings.Contains(err.Error(), `"aa"`) {
		t.Errorf("unknown override: %v", err)
	}
	s.IC = s.IC[:2]
	if _, err := s.Bind(nil); err == nil {
		t.Error("short IC accepted")
	}
	var empty System
	empty.Name, empty.Dim, empty.StateDim, empty.IC = "X", 1, 1, []float64{0}
	if _, err := empty.Bind(nil); err == nil {
		t.Error("system without equations bound")
	}
	// Builders asking for undefined parameters make Bind fail, not panic.
	bad := System{Info: Info{Name: "Bad", Kind: Flow, Dim: 1, StateDim: 1, IC: []float64{0}, Params: map[string]float64{}},
		Eq: Equations{Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, x, dx []float64) { dx[0] = a * x[0] }
		}}}
	if _, err := bad.Bind(nil); err == nil || !strings.Contains(err.Error(), "a") {
		t.Errorf("unknown parameter read: %v", err)
	}
}

func TestNumericalJacobian(t *testing.T) {
	// f(x, y) = (x² y, sin x + y³): J = [[2xy, x²], [cos x, 3y²]].
	f := func(_ float64, x, dx []float64) {
		dx[0] = x[0] * x[0] * x[1]
		dx[1] = math.Sin(x[0]) + x[1]*x[1]*x[1]
	}
	jf := NumericalJacobian(f, 2)
	x := []float64{0.7, -1.3}
	j := make([]float64, 4)
	jf(0, x, j)
	want := []float64{2 * 0.7 * -1.3, 0.49, math.Cos(0.7), 3 * 1.69}
	for i := range want {
		if math.Abs(j[i]-want[i]) > 1e-9 {
			t.Errorf("J = %v, want %v", j, want)
			break
		}
	}
	if x[0] != 0.7 || x[1] != -1.3 {
		t.Errorf("NumericalJacobian modified x: %v", x)
	}
	if a := testing.AllocsPerRun(100, func() { jf(0, x, j) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}

func BenchmarkRHS(b *testing.B) {
	for _, name := range []string{"Lorenz", "Chen", "HyperLorenz", "Hopfield", "ExcitableCell", "Henon"} {
		s, err := Lookup(name)
		if err != nil || !hasEquations(s.Eq) {
			continue
		}
		bd, err := s.Bind(nil)
		if err != nil {
			b.Fatal(err)
		}
		x, dx := slices.Clone(bd.IC), make([]float64, bd.StateDim)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				eval(&bd, 0, x, dx)
			}
		})
	}
}

// TestUndocumentedMaps checks the three maps without dysts code, one step by
// hand from the formulas in maps.go.
func TestUndocumentedMaps(t *testing.T) {
	mu := (1 - math.Exp(-2)) / 2
	cases := []struct {
		name    string
		x, want []float64
	}{
		// Zaslavskii (ε = 5, ν = 0.2, r = 2) from (0, 0):
		// x' = 0.2 + 5·0.2·μ (mod 1), y' = 5 e⁻².
		{"Zaslavskii", []float64{0, 0}, []float64{0.2 + mu, 5 * math.Exp(-2)}},
		// ZeraouliaSprott (a = 1.641, b = 1.902) from (1, 1):
		// x' = -1.641/2, y' = 1 + 1.902.
		{"ZeraouliaSprott", []float64{1, 1}, []float64{-0.8205, 2.902}},
		// EndCap = Hénon (a = 1.4, b = 0.3) from (1, 1).
		{"EndCap", []float64{1, 1}, []float64{0.6, 0.3}},
	}
	for _, c := range cases {
		s, err := Lookup(c.name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Bind(nil)
		if err != nil {
			t.Fatal(err)
		}
		next := make([]float64, 2)
		b.G(c.x, next)
		if math.Abs(next[0]-c.want[0]) > 1e-14 || math.Abs(next[1]-c.want[1]) > 1e-14 {
			t.Errorf("%s(%v) = %v, want %v", c.name, c.x, next, c.want)
		}
	}
}
