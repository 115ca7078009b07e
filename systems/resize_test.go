package systems

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestLorenz96Dimension checks the dimension parameter N of Lorenz96.
func TestLorenz96Dimension(t *testing.T) {
	s := mustLookup(t, "Lorenz96")
	if !slices.Equal(s.ParamNames, []string{"N", "f"}) || s.Params["N"] != 4 || s.Dim != 4 {
		t.Fatalf("Lorenz96 parameters %v %v, dim %d", s.ParamNames, s.Params, s.Dim)
	}
	def, err := s.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Dim != 4 || !slices.Equal(def.IC, s.IC) || def.LyapunovMax != s.LyapunovMax {
		t.Errorf("N = 4 must keep the dysts system: dim %d IC %v", def.Dim, def.IC)
	}

	b, err := s.Bind(map[string]float64{"N": 40, "f": 8})
	if err != nil {
		t.Fatal(err)
	}
	if b.Dim != 40 || b.StateDim != 40 || len(b.IC) != 40 || b.Params["N"] != 40 || b.Params["f"] != 8 {
		t.Fatalf("N = 40: dim %d/%d, %d initial values, params %v", b.Dim, b.StateDim, len(b.IC), b.Params)
	}
	// Default initial condition at N != 4: x_i = F, x_0 = F + 0.01.
	for i, v := range b.IC {
		want := 8.0
		if i == 0 {
			want = 8.01
		}
		if v != want {
			t.Errorf("IC[%d] = %g, want %g", i, v, want)
		}
	}
	// The dysts estimates describe N = 4 and are cleared; time scales stay.
	if !math.IsNaN(b.LyapunovMax) || b.Mean != nil || b.Std != nil || b.LyapunovSpectrum != nil ||
		!math.IsNaN(b.KaplanYorkeDimension) || b.Period != s.Period || b.Dt != s.Dt || !slices.Contains(b.Tags, "40d") {
		t.Errorf("N = 40 metadata: %+v", b.Info)
	}
	if s.Dim != 4 || len(s.IC) != 4 {
		t.Error("Bind modified the catalog system")
	}
	// At the initial condition only the neighbours of site 0 move (by hand,
	// dx_i = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F): dx_0 = -0.01,
	// dx_2 = (8 - 8.01)·8 = -0.08, dx_39 = (8.01 - 8)·8 = 0.08.
	dx := make([]float64, 40)
	b.F(0, b.IC, dx)
	for i, v := range dx {
		want := 0.0
		switch i {
		case 0:
			want = -0.01
		case 2:
			want = -0.08
		case 39:
			want = 0.08
		}
		if math.Abs(v-want) > 1e-12 {
			t.Errorf("dx[%d] = %g, want %g", i, v, want)
		}
	}
	// Jacobian against finite differences at N = 5 and 40.
	for _, n := range []float64{5, 40} {
		b, err := s.Bind(map[string]float64{"N": n})
		if err != nil {
			t.Fatal(err)
		}
		d := b.Dim
		x := perturbed(b.IC)
		for i := range x {
			x[i] += math.Sin(float64(i)) // off the symmetric state
		}
		ja, jn := make([]float64, d*d), make([]float64, d*d)
		b.Jac(0, x, ja)
		NumericalJacobian(b.F, d)(0, x, jn)
		for k := range ja {
			if math.Abs(ja[k]-jn[k]) > 1e-6*math.Max(1, math.Abs(jn[k])) {
				t.Errorf("N = %g: J[%d][%d] analytic %g, numerical %g", n, k/d, k%d, ja[k], jn[k])
			}
		}
		if a := testing.AllocsPerRun(20, func() { b.F(0, x, jn[:d]); b.Jac(0, x, ja) }); a != 0 {
			t.Errorf("N = %g: %v allocations per call", n, a)
		}
	}
	// An initial condition of the new size is kept.
	s2 := s
	s2.IC = make([]float64, 6)
	s2.IC[3] = 1
	if b, err := s2.Bind(map[string]float64{"N": 6}); err != nil || !slices.Equal(b.IC, s2.IC) {
		t.Errorf("IC of length N: %v, %v", err, b.IC)
	}
}

func TestDimensionErrors(t *testing.T) {
	s := mustLookup(t, "Lorenz96")
	for _, n := range []float64{3, 4.5, -1, MaxDim + 1, math.NaN()} {
		_, err := s.Bind(map[string]float64{"N": n})
		if err == nil || !strings.Contains(err.Error(), "parameter N") {
			t.Errorf("N = %g: %v", n, err)
		}
	}
	s.IC = make([]float64, 7) // neither 4 nor N entries: replaced by the default
	if b, err := s.Bind(map[string]float64{"N": 5}); err != nil || b.IC[0] != 20.01 {
		t.Errorf("IC of another size at N = 5: %v %v", err, b.IC)
	}
}
