package solvers

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// circle: y1' = -y2 + y1(1-r^2), y2' = y1 + y2(1-r^2); from (1,0) the exact
// solution is (cos t, sin t) (a nonlinear system whose limit cycle is the
// unit circle), time-dependence is exercised by the forced variant below.
func circle(t float64, y, dy []float64) {
	q := 1 - y[0]*y[0] - y[1]*y[1]
	dy[0] = -y[1] + y[0]*q
	dy[1] = y[0] + y[1]*q
}

// forced: y' = -y + sin t, y(0)=1, exact y = 1.5 e^-t + (sin t - cos t)/2.
func forced(t float64, y, dy []float64) { dy[0] = -y[0] + math.Sin(t) }
func forcedExact(t float64) float64     { return 1.5*math.Exp(-t) + (math.Sin(t)-math.Cos(t))/2 }

// slope fits log(err) = p log(h) + c by least squares.
func slope(hs, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(hs))
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// riccati: y' = -2 t y^2, y(0) = 1, exact y = 1/(1+t^2); expsin: y' = y cos t,
// y(0) = 1, exact y = exp(sin t). Both are non-autonomous and (riccati)
// nonlinear, so no linear-problem superconvergence hides order defects.
func riccati(t float64, y, dy []float64) { dy[0] = -2 * t * y[0] * y[0] }
func expsin(t float64, y, dy []float64)  { dy[0] = y[0] * math.Cos(t) }

// kepler is the two-body problem with eccentricity 0.5 started at the
// pericenter, the order test of Hairer, Norsett & Wanner (Solving ODEs I,
// II.10); the exact solution follows from Kepler's equation E - e sin E = t.
const keplerE = 0.5

func kepler(t float64, y, dy []float64) {
	r := math.Hypot(y[0], y[1])
	r3 := r * r * r
	dy[0], dy[1], dy[2], dy[3] = y[2], y[3], -y[0]/r3, -y[1]/r3
}

func keplerExact(t float64, y []float64) {
	e := keplerE
	E := t
	for i := 0; i < 50; i++ {
		E -= (E - e*math.Sin(E) - t) / (1 - e*math.Cos(E))
	}
	s, c := math.Sincos(E)
	w := math.Sqrt(1 - e*e)
	d := 1 - e*c
	y[0], y[1], y[2], y[3] = c-e, w*s, -s/d, w*c/d
}

// fitOrder fits the slope by least squares through the smallest step sizes
// whose errors lie below hi (asymptotic regime) and above the roundoff
// floor lo: the last four points, or three for methods of order >= 7, which
// reach roundoff just as they become asymptotic.
func fitOrder(order int, lo, hi float64, hs, errs []float64) (float64, bool) {
	var h, e []float64
	for i := range hs {
		if errs[i] > lo && errs[i] < hi {
			h, e = append(h, hs[i]), append(e, errs[i])
		}
	}
	if len(h) < 3 {
		return 0, false
	}
	k := max(0, len(h)-4)
	if order >= 7 {
		k = len(h) - 3
	}
	return slope(h[k:], e[k:]), true
}

// TestConvergenceOrder runs the main formula of every method with fixed
// steps h = T/N, N growing by 1.25 (until the error reaches roundoff), on two
// problems with exact solutions, and checks the observed order of the error
// at t=T (within 0.3 of the nominal order, as in DiffEqDevTools' convergence
// tests; reference README "Solver evaluation") and of the dense output at
// mid-step points (at least min(Order, DenseOrder+1) - 0.3).
func TestConvergenceOrder(t *testing.T) {
	type prob struct {
		name  string
		f     Func
		T     float64
		exact func(t float64, y []float64)
		n0    float64 // first N
	}
	probs := []prob{
		{"kepler", kepler, 2 * math.Pi, keplerExact, 16},
		{"expsin", expsin, 3, func(t float64, y []float64) { y[0] = math.Exp(math.Sin(t)) }, 2},
	}
	for _, name := range Methods() {
		m, _ := Lookup(name)
		for _, pr := range probs {
			t.Run(name+"/"+pr.name, func(t *testing.T) {
				if m.Order == 1 && pr.name == "kepler" {
					t.Skip("Euler needs ~1e6 steps to reach the asymptotic regime on Kepler")
				}
				if m.Order >= 7 && pr.name != "kepler" {
					t.Skip("errors reach roundoff before the asymptotic regime")
				}
				var hs, errs, dens []float64
				y0 := make([]float64, 4)
				pr.exact(0, y0)
				if pr.name != "kepler" {
					y0 = y0[:1]
				}
				ex := make([]float64, len(y0))
				for N := pr.n0; N < 20000; N = math.Ceil(N * 1.25) {
					n := int(N)
					h := pr.T / N
					var times []float64
					for k := 0; k < n; k += max(1, n/8) {
						times = append(times, (float64(k)+0.5)*h)
					}
					times = append(times, pr.T)
					out := make([][]float64, len(times))
					for i := range out {
						out[i] = make([]float64, len(y0))
					}
					opts := Options{Step: h, RTol: 1e-8, ATol: 1e-8}
					if m.Implicit {
						opts.RTol, opts.ATol = 1e-12, 1e-12 // Newton tolerance follows RTol
					}
					if _, err := Solve(context.Background(), name, Problem{F: pr.f, Y0: y0}, times, out, opts); err != nil {
						if m.Implicit && errors.Is(err, ErrNoConvergence) {
							continue // simplified Newton does not converge at coarse steps
						}
						t.Fatal(err)
					}
					pr.exact(pr.T, ex)
					e := dist(out[len(out)-1], ex)
					var de float64
					for i, ti := range times[:len(times)-1] {
						pr.exact(ti, ex)
						de = math.Max(de, dist(out[i], ex))
					}
					hs, errs, dens = append(hs, h), append(errs, e), append(dens, de)
					if e < 1e-12 && de < 1e-12 || (e < 1e-11 && N > 200) {
						break
					}
				}
				hi, lo := 1e-4, 1e-11
				if m.Order <= 2 {
					hi = 1e-2
				}
				if m.Order >= 7 {
					lo = 3e-13
				}
				p, ok := fitOrder(m.Order, lo, hi, hs, errs)
				t.Logf("order %.2f (nominal %d)", p, m.Order)
				if !ok || math.Abs(p-float64(m.Order)) > 0.3 {
					t.Errorf("observed order %.2f, nominal %d (h %.3g, errors %.3g)", p, m.Order, hs, errs)
				}
				if m.Name == "vern9" {
					return // Hermite dense output; Solve does not interpolate with vern9
				}
				want := math.Min(float64(m.Order), float64(m.DenseOrder+1))
				pd, ok := fitOrder(m.Order, lo, hi, hs, dens)
				t.Logf("dense order %.2f (want >= %.0f)", pd, want)
				if !ok || pd < want-0.3 {
					t.Errorf("dense output order %.2f, want >= %.1f (errors %.3g)", pd, want, dens)
				}
			})
		}
	}
}

// TestAdaptiveTolerance checks that adaptive methods meet their tolerance on
// exponential decay and the harmonic oscillator (exact solutions), and that
// the work grows as the tolerance tightens.
func TestAdaptiveTolerance(t *testing.T) {
	decay := Problem{F: func(t float64, y, dy []float64) { dy[0] = -0.5 * y[0] }, Y0: []float64{2}}
	osc := Problem{F: func(t float64, y, dy []float64) { dy[0], dy[1] = y[1], -4*y[0] }, Y0: []float64{1, 0}}
	for _, name := range Methods() {
		if m, _ := Lookup(name); !m.Adaptive {
			continue
		}
		t.Run(name, func(t *testing.T) {
			prev := 0
			for _, tol := range []float64{1e-4, 1e-7, 1e-10} {
				yd, _ := solveEnd(t, name, decay, 5, Options{RTol: tol, ATol: tol})
				yo, st := solveEnd(t, name, osc, 5, Options{RTol: tol, ATol: tol})
				ed := math.Abs(yd[0] - 2*math.Exp(-2.5))
				eo := math.Hypot(yo[0]-math.Cos(10), yo[1]+2*math.Sin(10))
				if ed > 50*tol || eo > 200*tol {
					t.Errorf("tol %g: decay error %.2g, oscillator error %.2g", tol, ed, eo)
				}
				if st.RHSEvals <= prev {
					t.Errorf("tol %g: %d RHS evals, not more than %d at looser tolerance", tol, st.RHSEvals, prev)
				}
				prev = st.RHSEvals
			}
		})
	}
}

func vdp(mu float64) (Func, JacFunc) {
	f := func(t float64, y, dy []float64) {
		dy[0] = y[1]
		dy[1] = mu*(1-y[0]*y[0])*y[1] - y[0]
	}
	j := func(t float64, y, jac []float64) {
		jac[0], jac[1] = 0, 1
		jac[2], jac[3] = -2*mu*y[0]*y[1]-1, mu*(1-y[0]*y[0])
	}
	return f, j
}

// TestVanDerPolStiff: Van der Pol with mu=1000 from (2,0) on [0, 100]
// (Hairer & Wanner II, IV.1). radau5 must need far fewer steps than dopri5,
// and both (and radau5 with a finite-difference Jacobian) agree.
func TestVanDerPolStiff(t *testing.T) {
	f, j := vdp(1000)
	opts := Options{RTol: 1e-7, ATol: 1e-7}
	yr, sr := solveEnd(t, "radau5", Problem{F: f, Jac: j, Y0: []float64{2, 0}}, 100, opts)
	yfd, sfd := solveEnd(t, "radau5", Problem{F: f, Y0: []float64{2, 0}}, 100, opts)
	ye, se := solveEnd(t, "dopri5", Problem{F: f, Y0: []float64{2, 0}}, 100, opts)
	t.Logf("radau5: %+v\nradau5 (FD Jacobian): %+v\ndopri5: %+v", sr, sfd, se)
	t.Logf("y(100): radau5 %v, radau5-FD %v, dopri5 %v", yr, yfd, ye)
	if sr.Accepted*20 > se.Accepted {
		t.Errorf("radau5 took %d steps, dopri5 %d: expected a stiff advantage", sr.Accepted, se.Accepted)
	}
	if math.Abs(yr[0]-ye[0]) > 1e-4 || math.Abs(yfd[0]-ye[0]) > 1e-4 {
		t.Errorf("y1(100) disagree: radau5 %.8g, radau5-FD %.8g, dopri5 %.8g", yr[0], yfd[0], ye[0])
	}
	if sr.JacEvals == 0 || sr.LUDecomps == 0 {
		t.Errorf("radau5 stats do not count Jacobians/LU: %+v", sr)
	}
}

// TestNoOvershoot: F is never called beyond the last output time.
func TestNoOvershoot(t *testing.T) {
	for _, name := range Methods() {
		t.Run(name, func(t *testing.T) {
			tmax := math.Inf(-1)
			f := func(tt float64, y, dy []float64) {
				tmax = math.Max(tmax, tt)
				forced(tt, y, dy)
			}
			times := []float64{0.3, 1, 1.234567}
			out := [][]float64{{0}, {0}, {0}}
			opts := Options{RTol: 1e-9, ATol: 1e-9}
			if m, _ := Lookup(name); !m.Adaptive {
				opts.Step = 0.01
			}
			if _, err := Solve(context.Background(), name, Problem{F: f, Y0: []float64{1}}, times, out, opts); err != nil {
				t.Fatal(err)
			}
			tol := 1e-6
			if m, _ := Lookup(name); !m.Adaptive {
				tol = 10 * math.Pow(opts.Step, float64(m.Order))
			}
			if tmax > times[2] {
				t.Errorf("F called at t=%.17g > %.17g", tmax, times[2])
			}
			for i, ti := range times {
				if e := math.Abs(out[i][0] - forcedExact(ti)); e > tol {
					t.Errorf("y(%g) error %.2g", ti, e)
				}
			}
		})
	}
}

// TestBlowUp: y' = y^2, y(0)=1 explodes at t=1; integrating to t=2 must fail
// with a clear error and leave the unreached rows NaN.
func TestBlowUp(t *testing.T) {
	f := func(t float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	for _, name := range Methods() {
		t.Run(name, func(t *testing.T) {
			times := []float64{0.5, 1.5, 2}
			out := [][]float64{{0}, {0}, {0}}
			opts := Options{}
			if m, _ := Lookup(name); !m.Adaptive {
				opts.Step = 1e-3
			}
			_, err := Solve(context.Background(), name, Problem{F: f, Y0: []float64{1}}, times, out, opts)
			if err == nil {
				t.Fatalf("no error, y(2)=%v", out[2])
			}
			if !errors.Is(err, ErrStepUnderflow) && !errors.Is(err, ErrNonFinite) && !errors.Is(err, ErrMaxSteps) {
				t.Errorf("unexpected error %v", err)
			}
			var ie *IntegrationError
			if !errors.As(err, &ie) || ie.Filled != 1 || ie.T < 0.95 || ie.T > 1.05 {
				t.Errorf("error %v: want failure near t=1 with 1 row filled", err)
			}
			if !strings.Contains(err.Error(), "t=") || !math.IsNaN(out[1][0]) || math.Abs(out[0][0]-2) > 1e-2 {
				t.Errorf("error %q, rows %v", err, out)
			}
			t.Log(err)
		})
	}
}

func TestMaxStepsAndContext(t *testing.T) {
	out := [][]float64{{0, 0, 0}}
	_, err := Solve(context.Background(), "dopri5", Problem{F: lorenz, Y0: []float64{1, 0, 0}}, []float64{10}, out, Options{MaxSteps: 50})
	if !errors.Is(err, ErrMaxSteps) {
		t.Errorf("MaxSteps: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Solve(ctx, "rk4", Problem{F: lorenz, Y0: []float64{1, 0, 0}}, []float64{100}, out, Options{Step: 1e-3})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
	if _, err := Solve(context.Background(), "nope", Problem{F: lorenz, Y0: []float64{1, 0, 0}}, []float64{1}, out, Options{}); err == nil {
		t.Error("unknown method accepted")
	}
	if _, err := Solve(context.Background(), "rk4", Problem{F: lorenz, Y0: []float64{1, 0, 0}}, []float64{1}, out, Options{}); err == nil {
		t.Error("rk4 without Step accepted")
	}
}

// TestIntegratorSteps: step-by-step use matches Solve, AdvanceTo lands
// exactly, Reset restarts.
func TestIntegratorSteps(t *testing.T) {
	p := Problem{F: circle, Y0: []float64{1, 0}}
	it, err := New("tsit5", p, Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float64, 2)
	for k := 1; k <= 20; k++ {
		tk := 0.1 * float64(k)
		if err := it.AdvanceTo(context.Background(), tk, y); err != nil {
			t.Fatal(err)
		}
		if it.T() != tk || math.Hypot(y[0]-math.Cos(tk), y[1]-math.Sin(tk)) > 1e-8 {
			t.Fatalf("AdvanceTo(%g): t=%g y=%v", tk, it.T(), y)
		}
	}
	it.Reset(0, []float64{1, 0})
	if err := it.Step(10); err != nil {
		t.Fatal(err)
	}
	mid := (it.TPrev() + it.T()) / 2
	if err := it.Dense(mid, y); err != nil || math.Hypot(y[0]-math.Cos(mid), y[1]-math.Sin(mid)) > 1e-8 {
		t.Errorf("Dense(%g) = %v, %v", mid, y, err)
	}
	if err := it.Dense(it.T()+1, y); err == nil {
		t.Error("Dense outside the last step accepted")
	}
}

// TestZeroAllocs: Step and Dense allocate nothing (workspace is allocated in New).
func TestZeroAllocs(t *testing.T) {
	f, j := vdp(5)
	for _, name := range Methods() {
		m, _ := Lookup(name)
		opts := Options{RTol: 1e-8, ATol: 1e-8}
		if !m.Adaptive {
			opts.Step = 1e-3
		}
		for _, jac := range []JacFunc{j, nil} {
			it, err := New(name, Problem{F: f, Jac: jac, Y0: []float64{2, 0}}, opts)
			if err != nil {
				t.Fatal(err)
			}
			y := make([]float64, 2)
			allocs := testing.AllocsPerRun(200, func() {
				if err := it.Step(1e9); err != nil {
					t.Fatal(err)
				}
				it.Dense((it.TPrev()+it.T())/2, y)
			})
			if allocs != 0 {
				t.Errorf("%s: %.1f allocations per step", name, allocs)
			}
		}
	}
}
