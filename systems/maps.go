package systems

// The 26 discrete maps of dysts (dysts/maps.py, commit 4b4d9de), with the
// parameter names of discrete_maps.json. One iterate is one time unit.
//
// Three maps of the JSON file have no dysts implementation:
//   - Zaslavskii: from Zaslavskii (1978), the form dysts keeps commented out,
//     but with x taken mod 1 as in the paper (dysts wrote mod 0.99999995);
//   - ZeraouliaSprott: from Zeraoulia & Sprott (2008), as dysts' commented-out
//     code; at the JSON parameters (copied, with the initial condition, from
//     DeJong) |b| > 1 and the orbit escapes to infinity;
//   - EndCap: no published map of that name was found and dysts gives no
//     citation; its entry copies Hénon's parameters, so it is the Hénon map.
//
// dysts' Duffing map is called DuffingMap here (Duffing is also a flow).

import "math"

func init() {
	// Logistic: x' = r x (1 - x).
	// May, R. (1976). Simple mathematical models with very complicated
	// dynamics. Nature 261, 459–467.
	register("Logistic", Equations{
		Map: func(p Params) MapFunc {
			r := p("r")
			return func(x, next []float64) { next[0] = r * x[0] * (1 - x[0]) }
		},
		Jac: func(p Params) JacFunc {
			r := p("r")
			return func(_ float64, x, jac []float64) { jac[0] = r * (1 - 2*x[0]) }
		},
	})

	// Chebyshev: x' = cos(a arccos x), the Chebyshev polynomial T_a on [-1, 1].
	register("Chebyshev", Equations{
		Map: func(p Params) MapFunc {
			a := p("a")
			return func(x, next []float64) { next[0] = math.Cos(a * math.Acos(x[0])) }
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, x, jac []float64) {
				jac[0] = a * math.Sin(a*math.Acos(x[0])) / math.Sqrt(1-x[0]*x[0])
			}
		},
	})

	// Ricker: x' = x exp(a - x).
	// Ricker, W. E. (1954). Stock and recruitment. J. Fish. Res. Board Can. 11.
	register("Ricker", Equations{
		Map: func(p Params) MapFunc {
			a := p("a")
			return func(x, next []float64) { next[0] = x[0] * math.Exp(a-x[0]) }
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, x, jac []float64) { jac[0] = math.Exp(a-x[0]) * (1 - x[0]) }
		},
	})

	// Tent: x' = mu (1 - 2|x - 1/2|).
	register("Tent", Equations{
		Map: func(p Params) MapFunc {
			mu := p("mu")
			return func(x, next []float64) { next[0] = mu * (1 - 2*math.Abs(x[0]-0.5)) }
		},
		Jac: func(p Params) JacFunc {
			mu := p("mu")
			return func(_ float64, x, jac []float64) { jac[0] = -2 * mu * sign(x[0]-0.5) }
		},
	})

	// Gauss (mouse) map: x' = exp(-a x²) + b.
	register("Gauss", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) { next[0] = math.Exp(-a*x[0]*x[0]) + b }
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, x, jac []float64) { jac[0] = -2 * a * x[0] * math.Exp(-a*x[0]*x[0]) }
		},
	})

	// Circle map: θ' = θ + ω + (k / 2π) sin 2πθ (not reduced mod 1, as in dysts).
	register("Circle", Equations{
		Map: func(p Params) MapFunc {
			k, omega := p("k"), p("omega")
			return func(x, next []float64) {
				next[0] = x[0] + omega + k/(2*math.Pi)*math.Sin(2*math.Pi*x[0])
			}
		},
		Jac: func(p Params) JacFunc {
			k := p("k")
			return func(_ float64, x, jac []float64) { jac[0] = 1 + k*math.Cos(2*math.Pi*x[0]) }
		},
	})

	// Bogdanov: y' = (1 + eps) y + k x (x - 1) + mu x y, x' = x + y'.
	// Bogdanov, R. (1981). Bifurcations of a limit cycle for a family of
	// vector fields on the plane. Selecta Math. Soviet.
	register("Bogdanov", Equations{
		Map: func(p Params) MapFunc {
			eps, k, mu := p("eps"), p("k"), p("mu")
			return func(x, next []float64) {
				yp := (1+eps)*x[1] + k*x[0]*(x[0]-1) + mu*x[0]*x[1]
				next[0], next[1] = x[0]+yp, yp
			}
		},
		Jac: func(p Params) JacFunc {
			eps, k, mu := p("eps"), p("k"), p("mu")
			return func(_ float64, x, jac []float64) {
				dx := k*(2*x[0]-1) + mu*x[1]
				dy := 1 + eps + mu*x[0]
				jac[0], jac[1] = 1+dx, dy
				jac[2], jac[3] = dx, dy
			}
		},
	})

	// Baker's map with dysts' slightly-less-than-2 stretch (2 - 1e-10),
	// which keeps floating-point orbits from collapsing to 0:
	// x' = ε₂x - ⌊ε₂x⌋, y' = (a y + ⌊ε₂x⌋) / 2.
	register("Baker", Equations{
		Map: func(p Params) MapFunc {
			a := p("a")
			return func(x, next []float64) {
				const eps2 = 2.0 - 1e-10
				flr := math.Floor(eps2 * x[0])
				next[0], next[1] = eps2*x[0]-flr, (a*x[1]+flr)/2
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, _, jac []float64) {
				jac[0], jac[1], jac[2], jac[3] = 2.0-1e-10, 0, 0, a/2
			}
		},
	})

	// De Jong attractor: x' = sin(a y) - cos(b x), y' = sin(c x) - cos(d y).
	register("DeJong", Equations{
		Map: func(p Params) MapFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(x, next []float64) {
				next[0] = math.Sin(a*x[1]) - math.Cos(b*x[0])
				next[1] = math.Sin(c*x[0]) - math.Cos(d*x[1])
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1] = b*math.Sin(b*x[0]), a*math.Cos(a*x[1])
				jac[2], jac[3] = c*math.Cos(c*x[0]), d*math.Sin(d*x[1])
			}
		},
	})

	// Svensson: x' = d sin(a x) - sin(b y), y' = c cos(a x) + cos(b y).
	// Attributed in dysts to Ivan Emrich.
	register("Svensson", Equations{
		Map: func(p Params) MapFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(x, next []float64) {
				next[0] = d*math.Sin(a*x[0]) - math.Sin(b*x[1])
				next[1] = c*math.Cos(a*x[0]) + math.Cos(b*x[1])
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1] = a*d*math.Cos(a*x[0]), -b*math.Cos(b*x[1])
				jac[2], jac[3] = -a*c*math.Sin(a*x[0]), -b*math.Sin(b*x[1])
			}
		},
	})

	// Bedhead: x' = y sin(x y / b) + cos(a x - y), y' = x + sin(y) / b.
	// Attributed in dysts to Ivan Emrich.
	register("Bedhead", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				next[0] = math.Sin(x[0]*x[1]/b)*x[1] + math.Cos(a*x[0]-x[1])
				next[1] = x[0] + math.Sin(x[1])/b
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, jac []float64) {
				u := x[0] * x[1] / b
				s := math.Sin(a*x[0] - x[1])
				jac[0] = math.Cos(u)*x[1]*x[1]/b - a*s
				jac[1] = math.Cos(u)*u + math.Sin(u) + s
				jac[2], jac[3] = 1, math.Cos(x[1])/b
			}
		},
	})

	// ZeraouliaSprott: x' = -a x / (1 + y²), y' = x + b y.
	// Zeraoulia, E., Sprott, J. C. (2008). A two-dimensional discrete
	// mapping with C∞ multifold chaotic attractors. Electron. J. Theor.
	// Phys. 5(17), 107–120. The dysts parameters (a = 1.641, b = 1.902) give
	// an unbounded orbit (|y| grows like bⁿ); override them.
	register("ZeraouliaSprott", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				next[0] = -a * x[0] / (1 + x[1]*x[1])
				next[1] = x[0] + b*x[1]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, jac []float64) {
				d := 1 + x[1]*x[1]
				jac[0], jac[1] = -a/d, 2*a*x[0]*x[1]/(d*d)
				jac[2], jac[3] = 1, b
			}
		},
	})

	// Gumowski–Mira: f(x) = a x + 2(1 - a) x² / (1 + x²),
	// x' = b y + f(x), y' = f(x') - x.
	// Gumowski, I., Mira, C. (1980). Recurrences and discrete dynamic
	// systems. Lecture Notes in Mathematics 809, Springer.
	register("GumowskiMira", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				xp := b*x[1] + gumowskiF(a, x[0])
				next[0], next[1] = xp, gumowskiF(a, xp)-x[0]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, jac []float64) {
				xp := b*x[1] + gumowskiF(a, x[0])
				d0, d1 := gumowskiDF(a, x[0]), gumowskiDF(a, xp)
				jac[0], jac[1] = d0, b
				jac[2], jac[3] = d1*d0-1, d1*b
			}
		},
	})

	// Hopalong: x' = y - 1 - sqrt(|b x - 1 - c|) sign(x - 1), y' = a - x - 1.
	// Barry Martin's map (Dewdney, Scientific American, Sept. 1986), in the
	// shifted form of dysts. Not differentiable at x = 1: no analytic Jacobian.
	register("Hopalong", Equations{
		Map: func(p Params) MapFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(x, next []float64) {
				next[0] = x[1] - 1 - math.Sqrt(math.Abs(b*x[0]-1-c))*sign(x[0]-1)
				next[1] = a - x[0] - 1
			}
		},
	})

	// Ikeda: t = 0.4 - 6 / (1 + x² + y²),
	// x' = 1 + u (x cos t - y sin t), y' = u (x sin t + y cos t).
	// Ikeda, K. (1979). Multiple-valued stationary state and its
	// instability of the transmitted light by a ring cavity system. Opt.
	// Commun. 30, 257–261.
	register("Ikeda", Equations{
		Map: func(p Params) MapFunc {
			u := p("u")
			return func(x, next []float64) {
				t := 0.4 - 6/(1+x[0]*x[0]+x[1]*x[1])
				s, c := math.Sincos(t)
				next[0] = 1 + u*(x[0]*c-x[1]*s)
				next[1] = u * (x[0]*s + x[1]*c)
			}
		},
		Jac: func(p Params) JacFunc {
			u := p("u")
			return func(_ float64, x, jac []float64) {
				q := 1 + x[0]*x[0] + x[1]*x[1]
				s, c := math.Sincos(0.4 - 6/q)
				tx, ty := 12*x[0]/(q*q), 12*x[1]/(q*q) // ∂t/∂x, ∂t/∂y
				v := x[0]*s + x[1]*c                   // -∂(x cos t - y sin t)/∂t
				w := x[0]*c - x[1]*s                   // ∂(x sin t + y cos t)/∂t
				jac[0], jac[1] = u*(c-v*tx), u*(-s-v*ty)
				jac[2], jac[3] = u*(s+w*tx), u*(c+w*ty)
			}
		},
	})

	// Tinkerbell: x' = x² - y² + a x + b y, y' = 2 x y + c x + d y.
	register("Tinkerbell", Equations{
		Map: func(p Params) MapFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(x, next []float64) {
				next[0] = x[0]*x[0] - x[1]*x[1] + a*x[0] + b*x[1]
				next[1] = 2*x[0]*x[1] + c*x[0] + d*x[1]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1] = 2*x[0]+a, -2*x[1]+b
				jac[2], jac[3] = 2*x[1]+c, 2*x[0]+d
			}
		},
	})

	// Pickover (Clifford) attractor: x' = sin(a y) + c cos(a x),
	// y' = sin(b x) + d cos(b y).
	register("Pickover", Equations{
		Map: func(p Params) MapFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(x, next []float64) {
				next[0] = math.Sin(a*x[1]) + c*math.Cos(a*x[0])
				next[1] = math.Sin(b*x[0]) + d*math.Cos(b*x[1])
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1] = -a*c*math.Sin(a*x[0]), a*math.Cos(a*x[1])
				jac[2], jac[3] = b*math.Cos(b*x[0]), -b*d*math.Sin(b*x[1])
			}
		},
	})

	// Maynard Smith: x' = y, y' = a y + b - x².
	// Maynard Smith, J. (1968). Mathematical Ideas in Biology. CUP.
	register("MaynardSmith", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				next[0], next[1] = x[1], a*x[1]+b-x[0]*x[0]
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1], jac[2], jac[3] = 0, 1, -2*x[0], a
			}
		},
	})

	// Kaplan–Yorke: x' = 2x mod 0.99999995, y' = alpha y + cos 4πx. The
	// modulus slightly below 1 is dysts' guard against the collapse of the
	// binary doubling map to 0 in floating point.
	// Kaplan, J. L., Yorke, J. A. (1979). Chaotic behavior of
	// multidimensional difference equations. In: Functional Differential
	// Equations and Approximation of Fixed Points, LNM 730, Springer.
	register("KaplanYorke", Equations{
		Map: func(p Params) MapFunc {
			alpha := p("alpha")
			return func(x, next []float64) {
				next[0] = floorMod(2*x[0], 0.99999995)
				next[1] = alpha*x[1] + math.Cos(4*math.Pi*x[0])
			}
		},
		Jac: func(p Params) JacFunc {
			alpha := p("alpha")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1] = 2, 0
				jac[2], jac[3] = -4*math.Pi*math.Sin(4*math.Pi*x[0]), alpha
			}
		},
	})

	// Gingerbreadman: x' = 1 - y + |x|, y' = x.
	// Devaney, R. L. (1984). A piecewise linear model for the zones of
	// instability of an area-preserving map. Physica D 10, 387–393.
	register("Gingerbreadman", Equations{
		Map: func(Params) MapFunc {
			return func(x, next []float64) {
				next[0], next[1] = 1-x[1]+math.Abs(x[0]), x[0]
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1], jac[2], jac[3] = sign(x[0]), -1, 1, 0
			}
		},
	})

	// DuffingMap (dysts maps.Duffing): x' = y, y' = -b x + a y - y³.
	// Holmes, P. (1979). A nonlinear oscillator with a strange attractor.
	// Phil. Trans. R. Soc. A 292, 419–448.
	register("DuffingMap", Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				next[0], next[1] = x[1], -b*x[0]+a*x[1]-x[1]*x[1]*x[1]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1], jac[2], jac[3] = 0, 1, -b, a-3*x[1]*x[1]
			}
		},
	})

	// Zaslavskii: μ = (1 - e^{-r}) / r,
	// x' = x + ν(1 + μ y) + ε ν μ cos 2πx (mod 1), y' = e^{-r}(y + ε cos 2πx).
	// Zaslavskii, G. M. (1978). The simplest case of a strange attractor.
	// Phys. Lett. A 69(3), 145–147.
	register("Zaslavskii", Equations{
		Map: func(p Params) MapFunc {
			eps, nu, r := p("eps"), p("nu"), p("r")
			mu, er := (1-math.Exp(-r))/r, math.Exp(-r)
			return func(x, next []float64) {
				c := math.Cos(2 * math.Pi * x[0])
				next[0] = floorMod(x[0]+nu*(1+mu*x[1])+eps*nu*mu*c, 1)
				next[1] = er * (x[1] + eps*c)
			}
		},
		Jac: func(p Params) JacFunc {
			eps, nu, r := p("eps"), p("nu"), p("r")
			mu, er := (1-math.Exp(-r))/r, math.Exp(-r)
			return func(_ float64, x, jac []float64) {
				s := 2 * math.Pi * math.Sin(2*math.Pi*x[0])
				jac[0], jac[1] = 1-eps*nu*mu*s, nu*mu
				jac[2], jac[3] = -er*eps*s, er
			}
		},
	})

	// Chirikov standard map, state (p, x): p' = p + k sin x, x' = x + p'.
	// Chirikov, B. V. (1979). A universal instability of many-dimensional
	// oscillator systems. Phys. Rep. 52, 263–379.
	register("Chirikov", Equations{
		Map: func(p Params) MapFunc {
			k := p("k")
			return func(x, next []float64) {
				pp := x[0] + k*math.Sin(x[1])
				next[0], next[1] = pp, x[1]+pp
			}
		},
		Jac: func(p Params) JacFunc {
			k := p("k")
			return func(_ float64, x, jac []float64) {
				kc := k * math.Cos(x[1])
				jac[0], jac[1], jac[2], jac[3] = 1, kc, 1, 1+kc
			}
		},
	})

	// Hénon: x' = 1 - a x² + y, y' = b x.
	// Hénon, M. (1976). A two-dimensional mapping with a strange attractor.
	// Commun. Math. Phys. 50, 69–77.
	register("Henon", henonEquations())

	// EndCap: dysts lists it with Hénon's parameters (a = 1.4, b = 0.3),
	// marks it invertible, and gives neither a citation nor an
	// implementation; no published map of this name was found. It is
	// implemented as the Hénon map, started from (0.5, 0.3).
	register("EndCap", henonEquations())

	// BlinkingVortexMap: stroboscopic map of Aref's blinking vortex in a
	// circular domain of radius a, vortex of strength gamma at ±b, each
	// vortex on for time t. Aref, H. (1984). Stirring by chaotic advection.
	// J. Fluid Mech. 143, 1–21.
	//
	// A tracer at polar (r, θ) moves on the circle of Apollonius of the
	// vortex at b and its image at a²/b: with λ² the ratio of squared
	// distances to vortex and image, the circle has centre η_c =
	// (b - λ² a²/b)/(1 - λ²) and radius ρ = |λ (a²/b - b)/(1 - λ²)|, and the
	// phase q on it solves q - e sin q = q₀ - e sin q₀ + 2π t / T with
	// e = 2λ/(1+λ²), T = (2π)² (ρ²/γ)(1+λ²)/(1-λ²) (dysts' formulas). dysts
	// flips b after every call, so its orbit alternates the two vortices;
	// one iterate here applies both half-periods (+b, then -b), which gives
	// dysts' orbit at even steps and is a well-defined autonomous map.
	register("BlinkingVortexMap", Equations{
		Map: func(p Params) MapFunc {
			a, b, gamma, t := p("a"), p("b"), p("gamma"), p("t")
			return func(x, next []float64) {
				r, th := blinkingVortexStep(x[0], x[1], a, b, gamma, t)
				next[0], next[1] = blinkingVortexStep(r, th, a, -b, gamma, t)
			}
		},
	})
}

func henonEquations() Equations {
	return Equations{
		Map: func(p Params) MapFunc {
			a, b := p("a"), p("b")
			return func(x, next []float64) {
				next[0], next[1] = 1-a*x[0]*x[0]+x[1], b*x[0]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, jac []float64) {
				jac[0], jac[1], jac[2], jac[3] = -2*a*x[0], 1, b, 0
			}
		},
	}
}

// blinkingVortexStep advects the polar point (r, th) for time t around a
// vortex at b (image at a²/b); see BlinkingVortexMap.
func blinkingVortexStep(r, th, a, b, gamma, t float64) (float64, float64) {
	sinTh, cosTh := math.Sincos(th)
	a2b := a * a / b
	lam2 := (b*b + r*r - 2*b*r*cosTh) / (a2b*a2b + r*r - 2*a2b*r*cosTh)
	lam := math.Sqrt(lam2)
	etac := (b - lam2*a2b) / (1 - lam2)
	rho := math.Abs(lam / (1 - lam2) * (a2b - b))
	q0 := math.Atan2(r*sinTh, -etac+r*cosTh)
	e := 2 * lam / (1 + lam2)
	period := 4 * math.Pi * math.Pi * (rho * rho / gamma) * (1 + lam2) / (1 - lam2)
	q := solveKepler(e, q0-e*math.Sin(q0)+2*math.Pi*t/period)
	sq, cq := math.Sincos(q)
	rout := math.Sqrt(rho*rho + etac*etac + 2*rho*etac*cq)
	return rout, math.Atan2(rho*sq, etac+rho*cq)
}

// solveKepler returns the root of q - e sin q = m for 0 ≤ e ≤ 1 (the left
// side is non-decreasing, so the root is unique): Newton's method kept
// inside the bracket [m - e, m + e] by bisection.
func solveKepler(e, m float64) float64 {
	lo, hi := m-e, m+e
	q := m
	for range 100 {
		f := q - e*math.Sin(q) - m
		if f > 0 {
			hi = q
		} else {
			lo = q
		}
		d := 1 - e*math.Cos(q)
		next := q - f/d
		if d <= 0 || !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
		}
		if math.Abs(next-q) <= 1e-15*math.Max(1, math.Abs(q)) {
			return next
		}
		q = next
	}
	return q
}

// gumowskiF is the Gumowski–Mira nonlinearity a x + 2(1 - a) x²/(1 + x²).
func gumowskiF(a, x float64) float64 {
	return a*x + 2*(1-a)*x*x/(1+x*x)
}

// gumowskiDF is its derivative a + 4(1 - a) x/(1 + x²)².
func gumowskiDF(a, x float64) float64 {
	d := 1 + x*x
	return a + 4*(1-a)*x/(d*d)
}

// sign is numpy's sign: -1, 0 or +1.
func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// floorMod is Python's x % m for m > 0: the result lies in [0, m).
func floorMod(x, m float64) float64 {
	r := math.Mod(x, m)
	if r < 0 {
		r += m
	}
	return r
}
