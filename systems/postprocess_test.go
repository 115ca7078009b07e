package systems

import (
	"bufio"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readDystsPostprocessing reads testdata/dysts_postprocessing.tsv: system
// name -> the output coordinates of dysts' _postprocessing.
func readDystsPostprocessing(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/dysts_postprocessing.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, mapping, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("malformed line %q", line)
		}
		out[name] = strings.Split(mapping, "; ")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostprocessMatchesDysts checks that the systems with a Postprocess
// are exactly dysts' (the vendored list), that each keeps the dimension,
// and that it changes exactly the coordinates dysts maps.
func TestPostprocessMatchesDysts(t *testing.T) {
	ref := readDystsPostprocessing(t)
	if len(ref) != 19 {
		t.Errorf("testdata lists %d systems, dysts 4b4d9de has 19", len(ref))
	}
	var ours []string
	for _, s := range All() {
		if s.Eq.Postprocess != nil {
			ours = append(ours, s.Name)
		}
	}
	var want []string
	for n := range ref {
		want = append(want, n)
	}
	slices.Sort(want)
	if !slices.Equal(ours, want) {
		t.Fatalf("systems with Postprocess:\n%v\ndysts:\n%v", ours, want)
	}
	for _, name := range ours {
		s, _ := Lookup(name)
		b, err := s.Bind(nil)
		if err != nil {
			t.Fatal(err)
		}
		coords := ref[name]
		if len(coords) != b.Dim {
			t.Errorf("%s: dysts returns %d coordinates, dimension %d", name, len(coords), b.Dim)
			continue
		}
		x := make([]float64, b.Dim)
		for i := range x {
			x[i] = 0.3 + 0.7*float64(i)
		}
		y := slices.Clone(x)
		b.Postprocess(y)
		for i, c := range coords {
			identity := c == "x"+strconv.Itoa(i)
			if changed := y[i] != x[i]; changed == identity {
				t.Errorf("%s: coordinate %d: dysts gives %s, ours maps %g to %g", name, i, c, x[i], y[i])
			}
		}
	}
	for _, name := range []string{"Lorenz", "MackeyGlass", "Henon"} {
		if b, _ := mustLookup(t, name).Bind(nil); b.Postprocess != nil {
			t.Errorf("%s has a Postprocess; dysts has none", name)
		}
	}
}

func mustLookup(t *testing.T, name string) System {
	t.Helper()
	s, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPostprocessValues checks each mapping at a point where the formula
// of testdata/dysts_postprocessing.tsv gives round values by hand (sin π/6
// = 1/2, ...), with the dysts parameters: tau = 3 (BlinkingRotlet,
// BlinkingVortex, InteriorSquirmer), 1.1 (LidDrivenCavityFlow); k = 1
// (OscillatingFlow); BickleyJet k_min = 0.313922, σ_min = 9.05854e-6, ω = 1.
func TestPostprocessValues(t *testing.T) {
	pi := math.Pi
	sin3 := []float64{1, 2, 5 * pi / 6}
	sin3want := []float64{1, 2, 0.5}
	cos3 := []float64{1, 2, pi / 3}
	polar := []float64{2, pi / 3, 0.25}
	polarWant := []float64{1, math.Sqrt(3), 0.5}
	km, sm := 0.313922, 9.05854e-06
	cases := []struct {
		name    string
		x, want []float64
	}{
		{"DoublePendulum", []float64{pi / 6, pi / 2, 1, 2}, []float64{0.5, 1, 1, 2}},
		{"SwingingAtwood", []float64{1.5, pi / 6, 3, 4}, []float64{1.5, 0.5, 3, 4}},
		{"Duffing", cos3, sin3want},
		{"FluidTrampoline", cos3, sin3want},
		{"StickSlipOscillator", cos3, sin3want},
		{"DoubleGyre", sin3, sin3want},
		{"ForcedBrusselator", sin3, sin3want},
		{"ForcedVanDerPol", sin3, sin3want},
		{"ForcedFitzHughNagumo", sin3, sin3want},
		{"TurchinHanski", sin3, sin3want},
		{"BlinkingRotlet", polar, polarWant},
		{"BlinkingVortex", polar, polarWant},
		{"InteriorSquirmer", polar, polarWant},
		{"LidDrivenCavityFlow", []float64{1, 2, 0.275}, []float64{1, 2, 1}},
		{"OscillatingFlow", []float64{pi / 3, 2, pi / 2}, []float64{0.5, 2, 1}},
		{"BickleyJet", []float64{1, pi / (6 * km), pi / (2 * km * sm)}, []float64{1, 0.5, 1}},
		{"ArnoldBeltramiChildress", []float64{pi / 2, pi, pi / 6}, []float64{1, -1, 0.5}},
		{"ArnoldWeb", []float64{1, 2, pi / 6, pi / 2, pi}, []float64{1, 2, 0.5, 1, -1}},
		{"CircadianRhythm", []float64{1, 2, 3, 4, 2 * pi / 3}, []float64{1, 2, 3, 4, -0.5}},
	}
	if len(cases) != 19 {
		t.Fatalf("%d cases, want one per dysts system", len(cases))
	}
	for _, c := range cases {
		b, err := mustLookup(t, c.name).Bind(nil)
		if err != nil {
			t.Fatal(err)
		}
		y := slices.Clone(c.x)
		b.Postprocess(y)
		for i := range y {
			if math.Abs(y[i]-c.want[i]) > 1e-9 {
				t.Errorf("%s(%v)[%d] = %.15g, want %g", c.name, c.x, i, y[i], c.want[i])
			}
		}
	}
}
