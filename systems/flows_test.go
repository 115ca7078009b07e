package systems

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

// noAnalyticJac lists the flows whose equations give no analytic Jacobian
// (Bind falls back to NumericalJacobian): the non-smooth ones, a few long
// reaction networks, Stokes and mechanical models written without one, and
// the delay systems, for which JacFunc has no slot for x(t - τ). The table
// pins the set, so that a Jacobian added or lost is noticed.
var noAnalyticJac = map[string]bool{
	// non-smooth
	"MacArthur": true, "MultiChua": true, "SanUmSrisuchinwong": true,
	"SprottMore": true, "StickSlipOscillator": true,
	// written without one
	"BelousovZhabotinsky": true, "BlinkingRotlet": true, "BlinkingVortex": true,
	"CaTwoPlus": true, "CaTwoPlusQuasiperiodic": true, "CellCycle": true,
	"CircadianRhythm": true, "CoevolvingPredatorPrey": true, "DoublePendulum": true,
	"ExcitableCell": true,
	// delay
	"IkedaDelay": true, "MackeyGlass": true, "PiecewiseCircuit": true,
	"ScrollDelay": true, "SprottDelay": true, "VossDelay": true,
}

// unusedParams lists metadata parameters that dysts' equations ignore
// (dysts/flows.py, commit 4b4d9de: LorenzCoupled uses rho1 and rho2;
// ExcitableCell's rate functions have vm and vn built in as constants).
var unusedParams = map[string]map[string]bool{
	"LorenzCoupled": {"rho": true},
	"ExcitableCell": {"vm": true, "vn": true},
}

type flowEntry struct {
	IC         []float64                  `json:"initial_conditions"`
	Dt         float64                    `json:"dt"`
	EmbDim     int                        `json:"embedding_dimension"`
	Delay      bool                       `json:"delay"`
	Parameters map[string]json.RawMessage `json:"parameters"`
}

// loadFlowEntries reads the embedded dysts metadata (data/chaotic_attractors.json,
// an unmodified copy of the dysts database; see doc.go).
func loadFlowEntries(t *testing.T) map[string]flowEntry {
	t.Helper()
	var all map[string]flowEntry
	if err := json.Unmarshal(flowsJSON, &all); err != nil {
		t.Fatal(err)
	}
	return all
}

// TestFlows checks every flow and delay system of the dysts metadata, one
// subtest per system: registered equations of the right kind, an analytic
// Jacobian unless noAnalyticJac says why not, every metadata parameter read
// (unusedParams aside), and the per-kind checks of checkFlow and checkDelay.
func TestFlows(t *testing.T) {
	meta := loadFlowEntries(t)
	names := make([]string, 0, len(meta))
	for name := range meta {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) != 135 {
		t.Errorf("%d flows in the dysts metadata, want 135", len(names))
	}
	for _, name := range names {
		e := meta[name]
		t.Run(name, func(t *testing.T) {
			eq, ok := equations[name]
			if !ok {
				t.Fatalf("%s not registered", name)
			}
			params := map[string]float64{}
			for k, raw := range e.Parameters {
				if err := flattenParam(params, k, raw); err != nil {
					t.Fatal(err)
				}
			}
			read := map[string]bool{}
			var unknown []string
			p := func(n string) float64 {
				v, ok := params[n]
				if !ok {
					unknown = append(unknown, n)
					return math.NaN()
				}
				read[n] = true
				return v
			}

			if e.Delay {
				checkDelay(t, name, eq, e, p)
			} else {
				checkFlow(t, name, eq, e, p)
			}
			if len(unknown) > 0 {
				t.Errorf("builder read parameters missing from the metadata: %v", unknown)
			}
			for k := range params {
				if !read[k] && k != eq.DelayParam && !unusedParams[name][k] {
					t.Errorf("metadata parameter %q never read", k)
				}
			}
		})
	}
}

func checkFlow(t *testing.T, name string, eq Equations, e flowEntry, p Params) {
	if eq.Flow == nil || eq.Delay != nil || eq.Map != nil {
		t.Fatalf("want a flow")
	}
	if (eq.Jac == nil) != noAnalyticJac[name] {
		t.Errorf("analytic Jacobian present = %v, want %v", eq.Jac != nil, !noAnalyticJac[name])
	}
	n := len(e.IC)
	if n != e.EmbDim {
		t.Fatalf("IC has %d entries, embedding_dimension %d", n, e.EmbDim)
	}
	f := eq.Flow(p)
	x := append([]float64(nil), e.IC...)
	dx := make([]float64, n)
	f(0, x, dx)
	if !finite(dx) {
		t.Fatalf("RHS at IC not finite: %v", dx)
	}
	if a := testing.AllocsPerRun(100, func() { f(0.1, x, dx) }); a != 0 {
		t.Errorf("RHS allocates %v times per call", a)
	}

	var jf JacFunc
	jac := make([]float64, n*n)
	if eq.Jac != nil {
		jf = eq.Jac(p)
		if a := testing.AllocsPerRun(100, func() { jf(0.1, x, jac) }); a != 0 {
			t.Errorf("Jacobian allocates %v times per call", a)
		}
		checkJacobian(t, "IC", f, jf, 0, x)
		// And at a few points around the IC (fixed seed), skipping points
		// outside the domain (non-finite RHS).
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		y := make([]float64, n)
		for k := 0; k < 8; k++ {
			for i := range y {
				y[i] = e.IC[i]*(1+0.2*rng.NormFloat64()) + 0.2*rng.NormFloat64()
			}
			tt := 10 * rng.Float64()
			if f(tt, y, dx); finite(dx) {
				checkJacobian(t, "point "+strconv.Itoa(k), f, jf, tt, y)
			}
		}
	}

	// RK4 at the dysts step for 20,000 steps.
	k1, k2, k3, k4, tmp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	h := e.Dt
	tt := 0.0
	for step := 0; step < 20000; step++ {
		f(tt, x, k1)
		for i := range x {
			tmp[i] = x[i] + h/2*k1[i]
		}
		f(tt+h/2, tmp, k2)
		for i := range x {
			tmp[i] = x[i] + h/2*k2[i]
		}
		f(tt+h/2, tmp, k3)
		for i := range x {
			tmp[i] = x[i] + h*k3[i]
		}
		f(tt+h, tmp, k4)
		for i := range x {
			x[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
		tt += h
		if !finite(x) || math.Abs(x[0]) > 1e8 {
			t.Fatalf("blow-up at step %d (t=%g): %v", step, tt, x)
		}
	}
	if jf != nil {
		checkJacobian(t, "end of run", f, jf, tt, x)
	}
}

// checkJacobian compares the analytic Jacobian with central differences.
func checkJacobian(t *testing.T, where string, f Func, jf JacFunc, tt float64, x0 []float64) {
	t.Helper()
	n := len(x0)
	ja := make([]float64, n*n)
	jf(tt, x0, ja)
	jn := make([]float64, n*n)
	x := append([]float64(nil), x0...)
	fp, fm := make([]float64, n), make([]float64, n)
	scale := 1.0
	for j := 0; j < n; j++ {
		h := math.Min(1e-6*math.Max(1, math.Abs(x0[j])), 1e-4)
		x[j] = x0[j] + h
		f(tt, x, fp)
		x[j] = x0[j] - h
		f(tt, x, fm)
		x[j] = x0[j]
		for i := 0; i < n; i++ {
			jn[i*n+j] = (fp[i] - fm[i]) / (2 * h)
			scale = math.Max(scale, math.Abs(jn[i*n+j]))
		}
	}
	for k := range ja {
		if d := math.Abs(ja[k] - jn[k]); !(d <= 1e-5*math.Max(scale, 1)) {
			t.Errorf("Jacobian at %s (t=%g, x=%v): entry (%d,%d) analytic %g, central difference %g", where, tt, x0, k/n, k%n, ja[k], jn[k])
		}
	}
}

// checkDelay checks a scalar delay system: finite RHS at the constant
// history x = IC[0], no allocations, and 20 τ of explicit Euler stepping
// (h = τ/1000) on a ring buffer without blow-up.
func checkDelay(t *testing.T, name string, eq Equations, e flowEntry, p Params) {
	if eq.Delay == nil || eq.Flow != nil || eq.Map != nil || eq.Jac != nil {
		t.Fatalf("want a delay system without Jacobian")
	}
	if eq.DelayParam == "" {
		t.Fatalf("DelayParam not set")
	}
	tau := p(eq.DelayParam)
	if !(tau > 0) {
		t.Fatalf("delay %q = %v", eq.DelayParam, tau)
	}
	if e.EmbDim != 10 || len(e.IC) != 10 {
		t.Errorf("dysts delay embedding: embedding_dimension %d, %d ICs, want 10", e.EmbDim, len(e.IC))
	}
	f := eq.Delay(p)
	x := []float64{e.IC[0]}
	xd := []float64{e.IC[0]}
	dx := make([]float64, 1)
	f(0, x, xd, dx)
	if !finite(dx) {
		t.Fatalf("RHS at IC not finite: %v", dx)
	}
	if a := testing.AllocsPerRun(100, func() { f(0.1, x, xd, dx) }); a != 0 {
		t.Errorf("RHS allocates %v times per call", a)
	}
	const m = 1000
	h := tau / m
	ring := make([]float64, m) // ring[k % m] = x(t_k); x(t_k - τ) = ring[(k-m) % m]
	for k := range ring {
		ring[k] = e.IC[0]
	}
	cur := e.IC[0]
	for k := 0; k < 20*m; k++ {
		x[0], xd[0] = cur, ring[k%m]
		f(float64(k)*h, x, xd, dx)
		ring[k%m] = cur
		cur += h * dx[0]
		if math.IsNaN(cur) || math.IsInf(cur, 0) || math.Abs(cur) > 1e6 {
			t.Fatalf("blow-up at t=%g: %v", float64(k)*h, cur)
		}
	}
	_ = name
}
