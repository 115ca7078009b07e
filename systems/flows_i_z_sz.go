package systems

// Flows Sakarya through ZhouChen (dysts class names, Sprott's flows and the
// delay systems excepted); see flows_i_z.go for the conventions.

import "math"

// izSakarya is dysts' Sakarya class, shared with its subclass LiuChen:
//
//	dx/dt = a x + h y + s y z
//	dy/dt = -b y - p x + q x z
//	dz/dt = c z - r x y
var izSakarya = Equations{
	Flow: func(p Params) Func {
		a, b, c, h := p("a"), p("b"), p("c"), p("h")
		pp, q, r, s := p("p"), p("q"), p("r"), p("s")
		return func(_ float64, x, dx []float64) {
			X, Y, Z := x[0], x[1], x[2]
			dx[0] = a*X + h*Y + s*Y*Z
			dx[1] = -b*Y - pp*X + q*X*Z
			dx[2] = c*Z - r*X*Y
		}
	},
	Jac: func(p Params) JacFunc {
		a, b, c, h := p("a"), p("b"), p("c"), p("h")
		pp, q, r, s := p("p"), p("q"), p("r"), p("s")
		return func(_ float64, x, j []float64) {
			X, Y, Z := x[0], x[1], x[2]
			j[0], j[1], j[2] = a, h+s*Z, s*Y
			j[3], j[4], j[5] = -pp+q*Z, -b, q*X
			j[6], j[7], j[8] = -r*Y, -r*X, c
		}
	},
}

// izThomas is dysts' Thomas class, shared with its subclass ThomasLabyrinth:
//
//	dx/dt = -a x + b sin y
//	dy/dt = -a y + b sin z
//	dz/dt = -a z + b sin x
var izThomas = Equations{
	Flow: func(p Params) Func {
		a, b := p("a"), p("b")
		return func(_ float64, x, dx []float64) {
			dx[0] = -a*x[0] + b*math.Sin(x[1])
			dx[1] = -a*x[1] + b*math.Sin(x[2])
			dx[2] = -a*x[2] + b*math.Sin(x[0])
		}
	},
	Jac: func(p Params) JacFunc {
		a, b := p("a"), p("b")
		return func(_ float64, x, j []float64) {
			j[0], j[1], j[2] = -a, b*math.Cos(x[1]), 0
			j[3], j[4], j[5] = 0, -a, b*math.Cos(x[2])
			j[6], j[7], j[8] = b*math.Cos(x[0]), 0, -a
		}
	},
}

// izYuWang builds dysts' YuWang (g = exp, dg = exp) and YuWang2 (g = cosh,
// dg = sinh):
//
//	dx/dt = a (y - x)
//	dy/dt = b x - c x z
//	dz/dt = g(x y) - d z
func izYuWang(g, dg func(float64) float64) Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = a * (Y - X)
				dx[1] = b*X - c*X*Z
				dx[2] = g(X*Y) - d*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				e := dg(X * Y)
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = b-c*Z, 0, -c*X
				j[6], j[7], j[8] = Y*e, X*e, -d
			}
		},
	}
}

func init() {
	// Sakarya: a four-wing attractor born in bistability; see izSakarya.
	// Li, Chunbiao, et al (2015). A novel four-wing strange attractor born in
	// bistability. IEICE Electronics Express 12.4.
	register("Sakarya", izSakarya)

	// SaltonSea: an eco-epidemiological model of the Salton Sea (susceptible
	// fish x, infected fish y, predatory birds z).
	// Upadhyay, Bairagi, Kundu, Chattopadhyay (2007). Chaos in
	// eco-epidemiological problem of the Salton Sea and its possible control.
	// Applied mathematics and computation.
	//
	//	dx/dt = r x (1 - (x + y)/k) - λ x y
	//	dy/dt = λ x y - m y z / (y + a) - μ y
	//	dz/dt = θ y z / (y + a) - d z
	register("SaltonSea", Equations{
		Flow: func(p Params) Func {
			a, d, k, lam := p("a"), p("d"), p("k"), p("lam")
			m, mu, r, th := p("m"), p("mu"), p("r"), p("th")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = r*X*(1-(X+Y)/k) - lam*X*Y
				dx[1] = lam*X*Y - m*Y*Z/(Y+a) - mu*Y
				dx[2] = th*Y*Z/(Y+a) - d*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, d, k, lam := p("a"), p("d"), p("k"), p("lam")
			m, mu, r, th := p("m"), p("mu"), p("r"), p("th")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				q := Y + a
				j[0], j[1], j[2] = r*(1-(X+Y)/k)-r*X/k-lam*Y, -r*X/k-lam*X, 0
				j[3], j[4], j[5] = lam*Y, lam*X-m*Z*a/(q*q)-mu, -m*Y/q
				j[6], j[7], j[8] = 0, th*Z*a/(q*q), th*Y/q-d
			}
		},
	})

	// SanUmSrisuchinwong: a two-scroll system with tanh and |y|.
	// San-Um, Srisuchinwong. J. Comp 2012.
	//
	//	dx/dt = y - x
	//	dy/dt = -z tanh x
	//	dz/dt = -a + x y + |y|
	//
	// No analytic Jacobian (|y| is not differentiable at y = 0).
	register("SanUmSrisuchinwong", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = Y - X
				dx[1] = -Z * math.Tanh(X)
				dx[2] = -a + X*Y + math.Abs(Y)
			}
		},
	})

	// ShimizuMorioka: the Shimizu-Morioka model (Lorenz-like, with a
	// symmetric pair of lobes).
	// Shimizu, Morioka. Phys Lett A. 1980: 201-204.
	//
	//	dx/dt = y
	//	dy/dt = x - a y - x z
	//	dz/dt = -b z + x²
	register("ShimizuMorioka", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = Y
				dx[1] = X - a*Y - X*Z
				dx[2] = -b*Z + X*X
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, j []float64) {
				X, Z := x[0], x[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 1-Z, -a, -X
				j[6], j[7], j[8] = 2*X, 0, -b
			}
		},
	})

	// StickSlipOscillator: a forced Duffing-type oscillator on a moving belt
	// with dry friction (state x, v and the forcing phase θ).
	// Awrejcewicz, Jan, and M. M. Holicke (1999). Int J of Bifurcation and Chaos.
	//
	//	T(v)  = t0 sgn(v - vs) - α v + β (v - vs)³
	//	dx/dt = v
	//	dv/dt = ε (γ cos θ - T(v)) + a x - b x³
	//	dθ/dt = w
	//
	// sgn(0) = 0 as numpy. No analytic Jacobian (the friction law jumps at
	// v = vs).
	register("StickSlipOscillator", Equations{
		Flow: func(p Params) Func {
			a, alpha, b, beta := p("a"), p("alpha"), p("b"), p("beta")
			eps, gamma, t0, vs, w := p("eps"), p("gamma"), p("t0"), p("vs"), p("w")
			return func(_ float64, x, dx []float64) {
				X, V, th := x[0], x[1], x[2]
				dv := V - vs
				tq := t0*izSign(dv) - alpha*V + beta*dv*dv*dv
				dx[0] = V
				dx[1] = eps*(gamma*math.Cos(th)-tq) + a*X - b*X*X*X
				dx[2] = w
			}
		},
	})

	// SwingingAtwood: the swinging Atwood's machine (Hamiltonian; state r, θ,
	// p_r, p_θ; g = 9.82 fixed as in dysts).
	// Tufillaro, Nicholas B.; Abbott, Tyler A.; Griffiths, David J. (1984).
	// Swinging Atwood's Machine. American Journal of Physics. 52 (10): 895--903.
	//
	//	dr/dt   = p_r / (m1 + m2)
	//	dθ/dt   = p_θ / (m1 r²)
	//	dp_r/dt = p_θ² / (m1 r³) - m2 g + m1 g cos θ
	//	dp_θ/dt = -m1 g r sin θ
	register("SwingingAtwood", Equations{
		Flow: func(p Params) Func {
			m1, m2 := p("m1"), p("m2")
			const g = 9.82
			return func(_ float64, x, dx []float64) {
				r, th, pr, pth := x[0], x[1], x[2], x[3]
				dx[0] = pr / (m1 + m2)
				dx[1] = pth / (m1 * r * r)
				dx[2] = pth*pth/(m1*r*r*r) - m2*g + m1*g*math.Cos(th)
				dx[3] = -m1 * g * r * math.Sin(th)
			}
		},
		Jac: func(p Params) JacFunc {
			m1, m2 := p("m1"), p("m2")
			const g = 9.82
			return func(_ float64, x, j []float64) {
				r, th, pth := x[0], x[1], x[3]
				s, c := math.Sincos(th)
				r2 := r * r
				j[0], j[1], j[2], j[3] = 0, 0, 1/(m1+m2), 0
				j[4], j[5], j[6], j[7] = -2*pth/(m1*r2*r), 0, 0, 1/(m1*r2)
				j[8], j[9], j[10], j[11] = -3*pth*pth/(m1*r2*r2), -m1*g*s, 0, 2*pth/(m1*r2*r)
				j[12], j[13], j[14], j[15] = -m1*g*s, -m1*g*r*c, 0, 0
			}
		},
	})

	// Thomas: Thomas' cyclically symmetric attractor; see izThomas.
	// Thomas, Rene (1999). Deterministic chaos seen in terms of feedback
	// circuits: Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos.
	register("Thomas", izThomas)

	// ThomasLabyrinth: the Thomas system in its labyrinth-chaos regime (small
	// damping a); see izThomas.
	// Thomas, Rene. Deterministic chaos seen in terms of feedback circuits:
	// Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos. (1999).
	register("ThomasLabyrinth", izThomas)

	// Torus: motion along an (r, a) torus winding n times per turn, driven by
	// the integration time t itself (dysts keeps it non-autonomous without a
	// phase variable, so the state stays 3-D).
	// See, for example, Strogatz (1994). Nonlinear Dynamics and Chaos.
	//
	//	dx/dt = -a n sin(n t) cos t - (r + a cos(n t)) sin t
	//	dy/dt = -a n sin(n t) sin t + (r + a cos(n t)) cos t
	//	dz/dt = a n cos(n t)
	//
	// The right-hand side does not depend on the state: the Jacobian is zero.
	register("Torus", Equations{
		Flow: func(p Params) Func {
			a, n, r := p("a"), p("n"), p("r")
			return func(t float64, _, dx []float64) {
				snt, cnt := math.Sincos(n * t)
				st, ct := math.Sincos(t)
				dx[0] = (-a*n*snt)*ct - (r+a*cnt)*st
				dx[1] = (-a*n*snt)*st + (r+a*cnt)*ct
				dx[2] = a * n * cnt
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, _, j []float64) { izZero(j[:9]) }
		},
	})

	// Tsucs2: the three-scroll unified chaotic system, a DequanLi-type system
	// with its own parameters; see izDequanLi.
	// Pan, Zhou, Li (2013). Synchronization of Three-Scroll Unified Chaotic
	// System (TSUCS) and its hyper-chaotic system using active pinning control.
	register("Tsucs2", izDequanLi)

	// TurchinHanski: seasonally forced vole (n) and weasel (p) populations
	// (state n, p and the season phase z).
	// Turchin, Hanski. The American Naturalist 1997. Turchin, Hanski. Ecology 2000.
	//
	//	dn/dt = r (1 - e sin z) n - r n² - g n²/(n² + h²) - a n p/(n + d)
	//	dp/dt = s (1 - e sin z) p - s p²/n
	//	dz/dt = 2π λ
	//
	// (λ is the parameter lamb.)
	register("TurchinHanski", Equations{
		Flow: func(p Params) Func {
			a, d, e, g := p("a"), p("d"), p("e"), p("g")
			h, lamb, r, s := p("h"), p("lamb"), p("r"), p("s")
			return func(_ float64, x, dx []float64) {
				N, P, Z := x[0], x[1], x[2]
				f := 1 - e*math.Sin(Z)
				dx[0] = r*f*N - r*N*N - g*N*N/(N*N+h*h) - a*N*P/(N+d)
				dx[1] = s*f*P - s*P*P/N
				dx[2] = 2 * math.Pi * lamb
			}
		},
		Jac: func(p Params) JacFunc {
			a, d, e, g := p("a"), p("d"), p("e"), p("g")
			h, r, s := p("h"), p("r"), p("s")
			return func(_ float64, x, j []float64) {
				N, P, Z := x[0], x[1], x[2]
				sz, cz := math.Sincos(Z)
				f := 1 - e*sz
				q, nd := N*N+h*h, N+d
				j[0] = r*f - 2*r*N - 2*g*N*h*h/(q*q) - a*P*d/(nd*nd)
				j[1] = -a * N / nd
				j[2] = -r * e * cz * N
				j[3] = s * P * P / (N * N)
				j[4] = s*f - 2*s*P/N
				j[5] = -s * e * cz * P
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// VallisElNino: Vallis' conceptual model of El Niño.
	// Vallis GK. Conceptual models of El Niño and the southern oscillation.
	// J Geophys Res 1988.
	//
	//	dx/dt = b y - c (x + p)
	//	dy/dt = -y + x z
	//	dz/dt = -z - x y + 1
	register("VallisElNino", Equations{
		Flow: func(p Params) Func {
			b, c, pp := p("b"), p("c"), p("p")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = b*Y - c*X - c*pp
				dx[1] = -Y + X*Z
				dx[2] = -Z - X*Y + 1
			}
		},
		Jac: func(p Params) JacFunc {
			b, c := p("b"), p("c")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -c, b, 0
				j[3], j[4], j[5] = Z, -1, X
				j[6], j[7], j[8] = -Y, -X, -1
			}
		},
	})

	// WangSun: a 3-D four-wing attractor.
	// Wang, Z., Sun, Y., van Wyk, B. J., Qi, G. & van Wyk, M. A (2009). A 3-D
	// four-wing attractor and its analysis. Brazilian J. Phys. 39.
	//
	//	dx/dt = a x + q y z
	//	dy/dt = b x + d y - x z
	//	dz/dt = e z + f x y
	register("WangSun", Equations{
		Flow: func(p Params) Func {
			a, b, d, e, f, q := p("a"), p("b"), p("d"), p("e"), p("f"), p("q")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = a*X + q*Y*Z
				dx[1] = b*X + d*Y - X*Z
				dx[2] = e*Z + f*X*Y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d, e, f, q := p("a"), p("b"), p("d"), p("e"), p("f"), p("q")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = a, q*Z, q*Y
				j[3], j[4], j[5] = b-Z, d, -X
				j[6], j[7], j[8] = f*Y, f*X, e
			}
		},
	})

	// WindmiReduced: reduced WINDMI model of the solar wind - magnetosphere -
	// ionosphere system (current i, voltage v, pressure p).
	// Smith, Thiffeault, Horton. J Geophys Res. 2000. Horton, Weigel, Sprott.
	// Chaos 2001.
	//
	//	di/dt = a1 (vsw - v)
	//	dv/dt = b1 i - b2 p / 2 - b3 v
	//	dp/dt = vsw² - p^{5/4} vsw^{1/2} (1 + tanh(d1 (i - 1))) / 2
	//
	// dysts writes the second term as b2 * p**1 / 2, i.e. b2 p / 2, and that
	// is what is used here (the published model has b2 √p). p^{5/4} is NaN for
	// p < 0, as in numpy.
	register("WindmiReduced", Equations{
		Flow: func(p Params) Func {
			a1, b1, b2, b3, d1, vsw := p("a1"), p("b1"), p("b2"), p("b3"), p("d1"), p("vsw")
			sv := math.Sqrt(vsw)
			return func(_ float64, x, dx []float64) {
				I, V, P := x[0], x[1], x[2]
				dx[0] = a1 * (vsw - V)
				dx[1] = b1*I - b2*P/2 - b3*V
				dx[2] = vsw*vsw - math.Pow(P, 1.25)*sv*(1+math.Tanh(d1*(I-1)))/2
			}
		},
		Jac: func(p Params) JacFunc {
			a1, b1, b2, b3, d1, vsw := p("a1"), p("b1"), p("b2"), p("b3"), p("d1"), p("vsw")
			sv := math.Sqrt(vsw)
			return func(_ float64, x, j []float64) {
				I, P := x[0], x[2]
				th := math.Tanh(d1 * (I - 1))
				p14 := math.Pow(P, 0.25)
				j[0], j[1], j[2] = 0, -a1, 0
				j[3], j[4], j[5] = b1, -b3, -b2/2
				j[6], j[7], j[8] = -p14*P*sv*d1*(1-th*th)/2, 0, -1.25*p14*sv*(1+th)/2
			}
		},
	})

	// YuWang: a 3-D system with an exponential nonlinearity; see izYuWang.
	// Yu, Wang (2012). A novel three dimension autonomous chaotic system with a
	// quadratic exponential nonlinear term. Eng Techn & Applied Science Research.
	register("YuWang", izYuWang(math.Exp, math.Exp))

	// YuWang2: YuWang with cosh in place of exp; see izYuWang.
	// Yu, Wang (2012). A novel three dimension autonomous chaotic system with a
	// quadratic exponential nonlinear term. Eng Techn & Applied Science Research.
	register("YuWang2", izYuWang(math.Cosh, math.Sinh))

	// ZhouChen: a smooth system with a three-layer attractor.
	// Zhou, Chen (2004). A simple smooth chaotic system with a 3-layer
	// attractor. Int J Bifurcat Chaos, 2004.
	//
	//	dx/dt = a x + b y + y z
	//	dy/dt = c y - x z + d y z
	//	dz/dt = e z - x y
	register("ZhouChen", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = a*X + b*Y + Y*Z
				dx[1] = c*Y - X*Z + d*Y*Z
				dx[2] = e*Z - X*Y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = a, b+Z, Y
				j[3], j[4], j[5] = -Z, c+d*Z, -X+d*Y
				j[6], j[7], j[8] = -Y, -X, e
			}
		},
	})
}
