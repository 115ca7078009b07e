package systems

// Fluids, convection and forced or mechanical oscillators: kinematic
// mixing flows (ABC, Bickley jet, blinking rotlet and vortex, double gyre,
// squirmer, lid-driven cavity, oscillating flow), convection and
// geophysical models (Rayleigh-Bénard, Rucklidge, Moore-Spiegel, Rikitake
// dynamo, Vallis El Niño, atmospheric regimes, WINDMI), periodically forced
// oscillators (Duffing, van der Pol, Anishchenko-Astakhov,
// Guckenheimer-Holmes, stick-slip, fluid trampoline, torus), and mechanical
// and Hamiltonian systems (pendula, rigid bodies, Hénon-Heiles,
// Nosé-Hoover, nuclear quadrupole, swinging Atwood, Arnold web,
// Rabinovich-Fabrikant waves).

import "math"

func blinkingRotletEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, bc, sigma, tau := p("a"), p("b"), p("bc"), p("sigma"), p("tau")
			return func(_ float64, s, ds []float64) {
				r, th, tt := s[0], s[1], s[2]
				w := 0.5 + 0.5*math.Tanh(tau*20*math.Sin(2*math.Pi*tt/tau))
				vr1, vth1 := rotlet(r, th, a, b, bc)
				vr2, vth2 := rotlet(r, th, a, -b, bc)
				ds[0] = sigma * (w*vr1 + (1-w)*vr2)
				ds[1] = sigma * (w*vth1 + (1-w)*vth2) / r
				ds[2] = 1
			}
		},
	}
}

// rotlet is the velocity (v_r, v_θ) at polar (r, θ) of a rotlet at b inside
// a disk of radius a; bc = 1 adds the no-slip wall term (Meleshko & Aref
// 1996), bc = 0 leaves the point vortex with its image.
func rotlet(r, th, a, b, bc float64) (vr, vth float64) {
	sn, cs := math.Sincos(th)
	a2, b2, r2 := a*a, b*b, r*r
	kappa := a2 + b2*r2/a2 - 2*b*r*cs
	gamma := (1 - r2/a2) * (a2 - b2*r2/a2)
	iota := b2*r/a2 - b*cs
	zeta := b2 + r2 - 2*b*r*cs
	nu := a2 + b2 - 2*b2*r2/a2
	vr = b * sn * (-bc*gamma/(kappa*kappa) - 1/kappa + 1/zeta)
	vth = bc*gamma*iota/(kappa*kappa) + bc*r*nu/(a2*kappa) + iota/kappa - (r-b*cs)/zeta
	return vr, vth
}

func init() {
	// Anishchenko, V. S., et al. (2007). Nonlinear dynamics of chaotic and
	// stochastic systems: tutorial and modern developments. Springer.
	//
	//	ẋ = μ x + y - x z,  ẏ = -x,  ż = -η z + η H(x) x²  (H(0) = 0)
	register("AnishchenkoAstakhov", Equations{
		Flow: func(p Params) Func {
			eta, mu := p("eta"), p("mu")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = mu*x + y - x*z
				ds[1] = -x
				ds[2] = -eta*z + eta*heaviside(x)*x*x
			}
		},
		Jac: func(p Params) JacFunc {
			eta, mu := p("eta"), p("mu")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				j[0], j[1], j[2] = mu-z, 1, -x
				j[3], j[4], j[5] = -1, 0, 0
				j[6], j[7], j[8] = 2*eta*heaviside(x)*x, 0, -eta
			}
		},
	})

	// Arnold, V. I. (1966). J. Appl. Math. Mech. 30, 223. The ABC flow:
	//
	//	ẋ = a sin z + c cos y,  ẏ = b sin x + a cos z,  ż = c sin y + b cos x
	register("ArnoldBeltramiChildress", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				sx, cx := math.Sincos(x)
				sy, cy := math.Sincos(y)
				sz, cz := math.Sincos(z)
				ds[0] = a*sz + c*cy
				ds[1] = b*sx + a*cz
				ds[2] = c*sy + b*cx
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				sx, cx := math.Sincos(x)
				sy, cy := math.Sincos(y)
				sz, cz := math.Sincos(z)
				j[0], j[1], j[2] = 0, -c*sy, a*cz
				j[3], j[4], j[5] = b*cx, 0, -a*sz
				j[6], j[7], j[8] = -b*sx, c*cy, 0
			}
		},
	})

	// Froeschlé, C., Guzzo, M., Lega, E. (2000). Graphical evolution of the
	// Arnold web: from order to chaos. Science 289. State (p1, p2, x1, x2, z),
	// z = w t the forcing phase:
	//
	//	D = 4 + cos z + cos x1 + cos x2
	//	ṗ1 = -μ sin x1 / D²,  ṗ2 = -μ sin x2 / D²,  ẋ1 = p1,  ẋ2 = p2,  ż = w
	register("ArnoldWeb", Equations{
		Flow: func(p Params) Func {
			mu, w := p("mu"), p("w")
			return func(_ float64, s, ds []float64) {
				p1, p2, x1, x2, z := s[0], s[1], s[2], s[3], s[4]
				d := 4 + math.Cos(z) + math.Cos(x1) + math.Cos(x2)
				ds[0] = -mu * math.Sin(x1) / (d * d)
				ds[1] = -mu * math.Sin(x2) / (d * d)
				ds[2], ds[3], ds[4] = p1, p2, w
			}
		},
		Jac: func(p Params) JacFunc {
			mu := p("mu")
			return func(_ float64, s, j []float64) {
				x1, x2, z := s[2], s[3], s[4]
				s1, c1 := math.Sincos(x1)
				s2, c2 := math.Sincos(x2)
				sz, cz := math.Sincos(z)
				d := 4 + cz + c1 + c2
				d2, d3 := d*d, d*d*d
				clear(j[:25])
				// ∂(D⁻²)/∂u = 2 sin u / D³ for u = x1, x2, z.
				j[0*5+2] = -mu*c1/d2 - 2*mu*s1*s1/d3
				j[0*5+3] = -2 * mu * s1 * s2 / d3
				j[0*5+4] = -2 * mu * s1 * sz / d3
				j[1*5+2] = -2 * mu * s2 * s1 / d3
				j[1*5+3] = -mu*c2/d2 - 2*mu*s2*s2/d3
				j[1*5+4] = -2 * mu * s2 * sz / d3
				j[2*5+0] = 1
				j[3*5+1] = 1
			}
		},
	})

	// Tuwankotta, J. M. (2006). Chaos in a coupled oscillators system with
	// widely spaced frequencies and energy-preserving non-linearity. Int. J.
	// Non-Linear Mech. 41.
	//
	//	ẋ = μ1 x + σ x y
	//	ẏ = μ2 y + ω z + α y z + β z² - σ x²
	//	ż = μ2 z - ω y - α y² - β y z
	register("AtmosphericRegime", Equations{
		Flow: func(p Params) Func {
			alpha, beta, mu1, mu2, omega, sigma := p("alpha"), p("beta"), p("mu1"), p("mu2"), p("omega"), p("sigma")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = mu1*x + sigma*x*y
				ds[1] = mu2*y + omega*z + alpha*y*z + beta*z*z - sigma*x*x
				ds[2] = mu2*z - omega*y - alpha*y*y - beta*y*z
			}
		},
		Jac: func(p Params) JacFunc {
			alpha, beta, mu1, mu2, omega, sigma := p("alpha"), p("beta"), p("mu1"), p("mu2"), p("omega"), p("sigma")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = mu1+sigma*y, sigma*x, 0
				j[3], j[4], j[5] = -2*sigma*x, mu2+alpha*z, omega+alpha*y+2*beta*z
				j[6], j[7], j[8] = 0, -omega-2*alpha*y-beta*z, mu2-beta*y
			}
		},
	})

	// Hadjighasem, A., Karrasch, D., Teramoto, H., Haller, G. (2016). A
	// spectral clustering approach to Lagrangian vortex detection. Phys.
	// Rev. E 93. The perturbed Bickley jet; state (y, x, φ) in dysts' order,
	// φ = ω t:
	//
	//	ẏ = ℓ U sech²(y/ℓ) Σ_n ε_n k_n sin(k_n (x - σ_n φ))
	//	ẋ = U sech²(y/ℓ) (-1 - 2 tanh(y/ℓ) Σ_n ε_n cos(k_n (x - σ_n φ)))
	//	φ̇ = ω
	register("BickleyJet", Equations{
		Flow: func(p Params) Func {
			const n = 3
			ell, omega, u := p("ell"), p("omega"), p("u")
			eps, k, sigma := paramVec(p, "eps", n), paramVec(p, "k", n), paramVec(p, "sigma", n)
			return func(_ float64, s, ds []float64) {
				y, x, z := s[0], s[1], s[2]
				sech := 1 / math.Cosh(y/ell)
				var sumCos, sumSin float64
				for i := range n {
					sn, cn := math.Sincos(k[i] * (x - z*sigma[i]))
					sumCos += eps[i] * cn
					sumSin += eps[i] * k[i] * sn
				}
				ds[0] = ell * u * sech * sech * sumSin
				ds[1] = u * sech * sech * (-1 - 2*sumCos*math.Tanh(y/ell))
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			const n = 3
			ell, u := p("ell"), p("u")
			eps, k, sigma := paramVec(p, "eps", n), paramVec(p, "k", n), paramVec(p, "sigma", n)
			return func(_ float64, s, j []float64) {
				y, x, z := s[0], s[1], s[2]
				sech, th := 1/math.Cosh(y/ell), math.Tanh(y/ell)
				S := sech * sech
				var sc, ss, skc, skkc, sks float64
				for i := range n {
					sn, cn := math.Sincos(k[i] * (x - z*sigma[i]))
					sc += eps[i] * cn                           // C
					ss += eps[i] * k[i] * sn                    // Σ ε k sin
					skkc += eps[i] * k[i] * k[i] * cn           // Σ ε k² cos
					skc += eps[i] * k[i] * k[i] * sigma[i] * cn // Σ ε k² σ cos
					sks += eps[i] * k[i] * sigma[i] * sn        // Σ ε k σ sin
				}
				j[0] = -2 * u * S * th * ss
				j[1] = ell * u * S * skkc
				j[2] = -ell * u * S * skc
				j[3] = u * (-2*S*th/ell*(-1-2*sc*th) - 2*sc*S*S/ell)
				j[4] = 2 * u * S * th * ss
				j[5] = -2 * u * S * th * sks
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// BlinkingRotlet: Meleshko, V. V., Aref, H. (1996). A blinking rotlet
	// model for chaotic advection. Phys. Fluids 8. BlinkingVortex is the
	// same flow without the boundary term (bc = 0): Aref, H. (1984).
	// Stirring by chaotic advection. J. Fluid Mech. 143. State (r, θ, t):
	// the rotlets at ±b inside a disk of radius a are switched by
	// w(t) = 1/2 + 1/2 tanh(20 τ sin(2π t/τ)):
	//
	//	ṙ = σ (w v_r(+b) + (1-w) v_r(-b)),  θ̇ = σ (w v_θ(+b) + (1-w) v_θ(-b)) / r,  ṫ = 1
	register("BlinkingRotlet", blinkingRotletEquations())
	register("BlinkingVortex", blinkingRotletEquations())

	// Chen, H. K., Lee, C. I. (2004). Anti-control of chaos in rigid body
	// motion. Chaos Solitons Fractals 21.
	//
	//	ẋ = a x - y z,  ẏ = b y + x z,  ż = c z + x y / 3
	register("ChenLee", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x - y*z
				ds[1] = b*y + x*z
				ds[2] = c*z + x*y/3
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a, -z, -y
				j[3], j[4], j[5] = z, b, x
				j[6], j[7], j[8] = y/3, x/3, c
			}
		},
	})

	// Shadden, S. C., Lekien, F., Marsden, J. E. (2005). Definition and
	// properties of Lagrangian coherent structures from finite-time Lyapunov
	// exponents in two-dimensional aperiodic flows. Physica D 212. State
	// (x, y, φ), φ = ω t:
	//
	//	a = ε sin φ,  b = 1 - 2ε sin φ,  f = a x² + b x
	//	ẋ = -α π sin(π f) cos(π y)
	//	ẏ = α π cos(π f) sin(π y) (2 a x + b)
	//	φ̇ = ω
	register("DoubleGyre", Equations{
		Flow: func(p Params) Func {
			alpha, eps, omega := p("alpha"), p("eps"), p("omega")
			return func(_ float64, s, ds []float64) {
				x, y, phi := s[0], s[1], s[2]
				sz := math.Sin(phi)
				a, b := eps*sz, 1-2*eps*sz
				f := a*x*x + b*x
				sf, cf := math.Sincos(math.Pi * f)
				sy, cy := math.Sincos(math.Pi * y)
				ds[0] = -alpha * math.Pi * sf * cy
				ds[1] = alpha * math.Pi * cf * sy * (2*a*x + b)
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			alpha, eps := p("alpha"), p("eps")
			return func(_ float64, s, j []float64) {
				x, y, phi := s[0], s[1], s[2]
				sz, cz := math.Sincos(phi)
				a, b := eps*sz, 1-2*eps*sz
				f := a*x*x + b*x
				fx := 2*a*x + b               // ∂f/∂x
				fz := eps * cz * (x*x - 2*x)  // ∂f/∂φ
				fxz := 2 * eps * cz * (x - 1) // ∂²f/∂x∂φ
				sf, cf := math.Sincos(math.Pi * f)
				sy, cy := math.Sincos(math.Pi * y)
				k := alpha * math.Pi
				j[0] = -k * math.Pi * cf * fx * cy
				j[1] = k * math.Pi * sf * sy
				j[2] = -k * math.Pi * cf * fz * cy
				j[3] = k * (-math.Pi*sf*fx*sy*fx + cf*sy*2*a)
				j[4] = k * math.Pi * cf * cy * fx
				j[5] = k * (-math.Pi*sf*fz*sy*fx + cf*sy*fxz)
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// The planar double pendulum in canonical coordinates (θ1, θ2, p1, p2),
	// see e.g. Marion (2013), Classical Dynamics of Particles and Systems.
	// With Δ = θ1 - θ2 and D = l1 l2 (m1 + m2 sin²Δ):
	//
	//	θ̇1 = (l2 p1 - l1 p2 cos Δ) / (l1 D)
	//	θ̇2 = ((m1 + m2) l1 p2 - m2 l2 p1 cos Δ) / (m2 l2 D)
	//	h1 = p1 p2 sin Δ / D
	//	h2 = (m2 l2 p1² / (2 l1 D²) + m2 l1 l2 p2 θ̇2 / (2 D)) sin 2Δ
	//	ṗ1 = -(m1 + m2) g l1 sin θ1 - h1 + h2
	//	ṗ2 = -m2 g l2 sin θ2 + h1 - h2
	//
	// (dysts' form; h2 differs from the textbook expression.)
	register("DoublePendulum", Equations{
		Flow: func(p Params) Func {
			g, l1, l2, m1, m2 := p("g"), p("l1"), p("l2"), p("m1"), p("m2")
			return func(_ float64, s, ds []float64) {
				th1, th2, p1, p2 := s[0], s[1], s[2], s[3]
				sd, cd := math.Sincos(th1 - th2)
				den := l1 * l2 * (m1 + m2*sd*sd)
				th1dot := (l2*p1 - l1*p2*cd) / (l1 * den)
				th2dot := ((m1+m2)*l1*p2 - m2*l2*p1*cd) / (m2 * l2 * den)
				h1 := p1 * p2 * sd / den
				h2 := m2 * l2 * p1 * p1 / (2 * l1 * den * den)
				h2 += 0.5 * m2 * p2 * l2 * l1 * th2dot / den
				h2 *= math.Sin(2 * (th1 - th2))
				ds[0], ds[1] = th1dot, th2dot
				ds[2] = -(m1+m2)*g*l1*math.Sin(th1) - h1 + h2
				ds[3] = -m2*g*l2*math.Sin(th2) + h1 - h2
			}
		},
	})

	// Duffing, G. (1918). Erzwungene Schwingungen bei veränderlicher
	// Eigenfrequenz und ihre technische Bedeutung. Vieweg. State (x, y, φ),
	// φ = ω t:
	//
	//	ẋ = y,  ẏ = -δ y - β x - α x³ + γ cos φ,  φ̇ = ω
	register("Duffing", Equations{
		Flow: func(p Params) Func {
			alpha, beta, delta, gamma, omega := p("alpha"), p("beta"), p("delta"), p("gamma"), p("omega")
			return func(_ float64, s, ds []float64) {
				x, y, phi := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = -delta*y - beta*x - alpha*x*x*x + gamma*math.Cos(phi)
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			alpha, beta, delta, gamma := p("alpha"), p("beta"), p("delta"), p("gamma")
			return func(_ float64, s, j []float64) {
				x, phi := s[0], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -3*alpha*x*x-beta, -delta, -gamma*math.Sin(phi)
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// Gilet, T., Bush, J. W. M. (2009). The fluid trampoline: droplets
	// bouncing on a soap film. J. Fluid Mech. 625. State (x, y, θ), θ = w t:
	//
	//	ẋ = y,  ẏ = -1 - H(-x)(x + ψ y |y|) + γ cos θ,  θ̇ = w  (H(0) = 0)
	register("FluidTrampoline", Equations{
		Flow: func(p Params) Func {
			gamma, psi, w := p("gamma"), p("psi"), p("w")
			return func(_ float64, s, ds []float64) {
				x, y, th := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = -1 - heaviside(-x)*(x+psi*y*math.Abs(y)) + gamma*math.Cos(th)
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			gamma, psi := p("gamma"), p("psi")
			return func(_ float64, s, j []float64) {
				x, y, th := s[0], s[1], s[2]
				h := heaviside(-x)
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -h, -2*h*psi*math.Abs(y), -gamma*math.Sin(th)
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// van der Pol, B. (1920). A theory of the amplitude of free and forced
	// triode vibrations. Radio Review 1. State (x, y, φ), φ = w t:
	//
	//	ẋ = y,  ẏ = μ (1 - x²) y - x + a sin φ,  φ̇ = w
	register("ForcedVanDerPol", Equations{
		Flow: func(p Params) Func {
			a, mu, w := p("a"), p("mu"), p("w")
			return func(_ float64, s, ds []float64) {
				x, y, phi := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = mu*(1-x*x)*y - x + a*math.Sin(phi)
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			a, mu := p("a"), p("mu")
			return func(_ float64, s, j []float64) {
				x, y, phi := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -2*mu*x*y-1, mu*(1-x*x), a*math.Cos(phi)
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// Guckenheimer, J., Holmes, P. (1983). Nonlinear Oscillations, Dynamical
	// Systems, and Bifurcations of Vector Fields. Springer.
	//
	//	ẋ = a x - b y + c z x + d z (x² + y²)
	//	ẏ = a y + b x + c z y
	//	ż = e - z² - f (x² + y²) - a z³
	register("GuckenheimerHolmes", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e, f := p("a"), p("b"), p("c"), p("d"), p("e"), p("f")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x - b*y + c*z*x + d*z*x*x + d*z*y*y
				ds[1] = a*y + b*x + c*z*y
				ds[2] = e - z*z - f*x*x - f*y*y - a*z*z*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, f := p("a"), p("b"), p("c"), p("d"), p("f")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a+c*z+2*d*z*x, -b+2*d*z*y, c*x+d*x*x+d*y*y
				j[3], j[4], j[5] = b, a+c*z, c*y
				j[6], j[7], j[8] = -2*f*x, -2*f*y, -2*z-3*a*z*z
			}
		},
	})

	// Hénon, M., Heiles, C. (1964). The applicability of the third integral
	// of motion: some numerical experiments. Astron. J. 69, 73.
	//
	//	ẋ = px,  ẏ = py,  ṗx = -x - 2λ x y,  ṗy = -y - λ x² + λ y²
	register("HenonHeiles", Equations{
		Flow: func(p Params) Func {
			lam := p("lam")
			return func(_ float64, s, ds []float64) {
				x, y, px, py := s[0], s[1], s[2], s[3]
				ds[0], ds[1] = px, py
				ds[2] = -x - 2*lam*x*y
				ds[3] = -y - lam*x*x + lam*y*y
			}
		},
		Jac: func(p Params) JacFunc {
			lam := p("lam")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				clear(j[:16])
				j[0*4+2], j[1*4+3] = 1, 1
				j[2*4+0], j[2*4+1] = -1-2*lam*y, -2*lam*x
				j[3*4+0], j[3*4+1] = -2*lam*x, 2*lam*y-1
			}
		},
	})

	// InteriorSquirmer: Stokes flow inside a squirming cylinder (polar
	// coordinates r, θ; phase φ) with time-periodic switching between the two sets of
	// surface modes.
	// Blake, J. R. Self propulsion due to oscillations on the surface of a
	// cylinder at low Reynolds number. AMS Bulletin 1971.
	//
	//	w     = 1/2 + 1/2 tanh(20 τ sin(2π φ / τ)),  A_n = w a_n,  G_n = (1 - w) g_n
	//	dr/dt = Σ_{n=1..5} (G_n cos nθ + A_n sin nθ) n r^n (r² - 1) / r
	//	dθ/dt = (1/r) Σ_{n=1..5} (2r + (r² - 1) n / r) (A_n cos nθ - G_n sin nθ) r^n
	//	dφ/dt = 1
	//
	// The mode amplitudes are the 5-vectors a and g of the dysts metadata, read
	// as a[0..4] and g[0..4]. The analytic Jacobian is derived here (dysts'
	// own is disabled); the third row is zero.
	register("InteriorSquirmer", Equations{
		Flow: func(p Params) Func {
			const nm = 5
			a, g, tau := paramVec(p, "a", nm), paramVec(p, "g", nm), p("tau")
			var aa, gg [nm]float64
			copy(aa[:], a)
			copy(gg[:], g)
			return func(_ float64, s, ds []float64) {
				r, th, ph := s[0], s[1], s[2]
				w := switchProtocol(ph, tau)
				r2m1 := r*r - 1
				var vr, vth float64
				rn := 1.0
				for i := 0; i < nm; i++ {
					n := float64(i + 1)
					rn *= r
					sn, cn := math.Sincos(n * th)
					an, gn := aa[i]*w, gg[i]*(1-w)
					vr += (gn*cn + an*sn) * n * rn * r2m1 / r
					vth += (2*r + r2m1*n/r) * (an*cn - gn*sn) * rn
				}
				ds[0] = vr
				ds[1] = vth / r
				ds[2] = 1
			}
		},
		Jac: func(p Params) JacFunc {
			const nm = 5
			a, g, tau := paramVec(p, "a", nm), paramVec(p, "g", nm), p("tau")
			var aa, gg [nm]float64
			copy(aa[:], a)
			copy(gg[:], g)
			return func(_ float64, s, j []float64) {
				r, th, ph := s[0], s[1], s[2]
				w, dw := switchProtocol(ph, tau), switchProtocolDeriv(ph, tau)
				// With T_n = G_n cos nθ + A_n sin nθ and U_n = A_n cos nθ - G_n sin nθ:
				// dr/dt = Σ n T_n (r^{n+1} - r^{n-1}),
				// dθ/dt = Σ U_n ((n+2) r^n - n r^{n-2}).
				var j00, j01, j02, j10, j11, j12 float64
				for i := 0; i < nm; i++ {
					n := float64(i + 1)
					sn, cn := math.Sincos(n * th)
					an, gn := aa[i]*w, gg[i]*(1-w)
					tn := gn*cn + an*sn
					un := an*cn - gn*sn
					dtw := -gg[i]*cn + aa[i]*sn // dT_n/dw
					duw := aa[i]*cn + gg[i]*sn  // dU_n/dw
					rn := math.Pow(r, n)
					pr := rn*r - rn/r           // r^{n+1} - r^{n-1}
					qr := (n+2)*rn - n*rn/(r*r) // (n+2) r^n - n r^{n-2}
					j00 += n * tn * ((n+1)*rn - (n-1)*rn/(r*r))
					j01 += n * pr * n * un
					j02 += n * pr * dtw * dw
					j10 += un * ((n+2)*n*rn/r - n*(n-2)*rn/(r*r*r))
					j11 += qr * (-n * tn)
					j12 += qr * duw * dw
				}
				j[0], j[1], j[2] = j00, j01, j02
				j[3], j[4], j[5] = j10, j11, j12
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// LidDrivenCavityFlow: tracer advection in a Stokes lid-driven cavity
	// [0, a] × [-b, b] whose lid velocity switches periodically (period τ).
	// Grover et al. Chaos (2012). Topological chaos, braiding and bifurcation
	// of almost-cyclic sets.
	//
	// With the two-mode cavity field (vx, vy)(x, y; u1, u2) of dysts' _lid,
	//
	//	w     = 1/2 + 1/2 tanh(20 τ sin(2π φ / τ))
	//	dx/dt = w vx(x, y; u1, u2) + (1 - w) vx(x, y; -u1, u2)
	//	dy/dt = w vy(x, y; u1, u2) + (1 - w) vy(x, y; -u1, u2)
	//	dφ/dt = 1
	//
	// where, with k = π/a, D1 = 2πb + a sinh(2kb), D2 = 4πb + a sinh(4kb),
	//
	//	vx = 2 u1 sin(kx)/D1 [-πb sinh(kb) sinh(ky) + cosh(kb)(πy cosh(ky) + a sinh(ky))]
	//	   + 2 u2 sin(2kx)/D2 [-2πb sinh(2kb) sinh(2ky) + cosh(2kb)(2πy cosh(2ky) + a sinh(2ky))]
	//	vy = 2π u1 cos(kx)/D1 [b sinh(kb) cosh(ky) - cosh(kb) y sinh(ky)]
	//	   + 4π u2 cos(2kx)/D2 [b sinh(2kb) cosh(2ky) - cosh(2kb) y sinh(2ky)].
	//
	// Since the field is linear in (u1, u2), dx/dt = (2w - 1) u1 A1x + u2 A2x
	// (and likewise for y), which the analytic Jacobian uses.
	register("LidDrivenCavityFlow", Equations{
		Flow: func(p Params) Func {
			a, b, tau, u1, u2 := p("a"), p("b"), p("tau"), p("u1"), p("u2")
			k := math.Pi / a
			d1 := 2*b*math.Pi + a*math.Sinh(2*math.Pi*b/a)
			d2 := 4*b*math.Pi + a*math.Sinh(4*math.Pi*b/a)
			sh1, ch1 := math.Sinh(math.Pi*b/a), math.Cosh(math.Pi*b/a)
			sh2, ch2 := math.Sinh(2*math.Pi*b/a), math.Cosh(2*math.Pi*b/a)
			return func(_ float64, s, ds []float64) {
				x, y, ph := s[0], s[1], s[2]
				w := switchProtocol(ph, tau)
				shy1, chy1 := math.Sinh(k*y), math.Cosh(k*y)
				shy2, chy2 := math.Sinh(2*k*y), math.Cosh(2*k*y)
				vx1 := -b*math.Pi*sh1*shy1 + ch1*(math.Pi*y*chy1+a*shy1)
				vx2 := -2*b*math.Pi*sh2*shy2 + ch2*(2*math.Pi*y*chy2+a*shy2)
				vy1 := b*sh1*chy1 - ch1*y*shy1
				vy2 := b*sh2*chy2 - ch2*y*shy2
				// Mode 1 (scaled by u1) and mode 2 (scaled by u2) of the field.
				ax1 := 2 * math.Sin(k*x) / d1 * vx1
				ax2 := 2 * math.Sin(2*k*x) / d2 * vx2
				ay1 := 2 * math.Pi * math.Cos(k*x) / d1 * vy1
				ay2 := 4 * math.Pi * math.Cos(2*k*x) / d2 * vy2
				ds[0] = w*(u1*ax1+u2*ax2) + (1-w)*(-u1*ax1+u2*ax2)
				ds[1] = w*(u1*ay1+u2*ay2) + (1-w)*(-u1*ay1+u2*ay2)
				ds[2] = 1
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, tau, u1, u2 := p("a"), p("b"), p("tau"), p("u1"), p("u2")
			k := math.Pi / a
			d1 := 2*b*math.Pi + a*math.Sinh(2*math.Pi*b/a)
			d2 := 4*b*math.Pi + a*math.Sinh(4*math.Pi*b/a)
			sh1, ch1 := math.Sinh(math.Pi*b/a), math.Cosh(math.Pi*b/a)
			sh2, ch2 := math.Sinh(2*math.Pi*b/a), math.Cosh(2*math.Pi*b/a)
			return func(_ float64, s, j []float64) {
				x, y, ph := s[0], s[1], s[2]
				w, dw := switchProtocol(ph, tau), switchProtocolDeriv(ph, tau)
				shy1, chy1 := math.Sinh(k*y), math.Cosh(k*y)
				shy2, chy2 := math.Sinh(2*k*y), math.Cosh(2*k*y)
				sx1, cx1 := math.Sincos(k * x)
				sx2, cx2 := math.Sincos(2 * k * x)
				vx1 := -b*math.Pi*sh1*shy1 + ch1*(math.Pi*y*chy1+a*shy1)
				vx2 := -2*b*math.Pi*sh2*shy2 + ch2*(2*math.Pi*y*chy2+a*shy2)
				vy1 := b*sh1*chy1 - ch1*y*shy1
				vy2 := b*sh2*chy2 - ch2*y*shy2
				// d/dY of the profiles.
				vx1y := -b*math.Pi*sh1*k*chy1 + ch1*(math.Pi*chy1+math.Pi*y*k*shy1+a*k*chy1)
				vx2y := -2*b*math.Pi*sh2*2*k*chy2 + ch2*(2*math.Pi*chy2+2*math.Pi*y*2*k*shy2+a*2*k*chy2)
				vy1y := b*sh1*k*shy1 - ch1*(shy1+y*k*chy1)
				vy2y := b*sh2*2*k*shy2 - ch2*(shy2+y*2*k*chy2)
				c1 := (2*w - 1) * u1
				ax1 := 2 * sx1 / d1 * vx1
				ay1 := 2 * math.Pi * cx1 / d1 * vy1
				j[0] = c1*2*k*cx1/d1*vx1 + u2*4*k*cx2/d2*vx2
				j[1] = c1*2*sx1/d1*vx1y + u2*2*sx2/d2*vx2y
				j[2] = 2 * dw * u1 * ax1
				j[3] = -c1*2*math.Pi*k*sx1/d1*vy1 - u2*8*math.Pi*k*sx2/d2*vy2
				j[4] = c1*2*math.Pi*cx1/d1*vy1y + u2*4*math.Pi*cx2/d2*vy2y
				j[5] = 2 * dw * u1 * ay1
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// MooreSpiegel: a thermally excited nonlinear oscillator (stellar
	// convection).
	// Moore, Spiegel. A Thermally Excited Nonlinear Oscillator, Ap. J., 143,
	// 871 (1966).
	//
	//	dx/dt = y
	//	dy/dt = a z
	//	dz/dt = -z + ε y - y x² - b x
	register("MooreSpiegel", Equations{
		Flow: func(p Params) Func {
			a, b, eps := p("a"), p("b"), p("eps")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = a * z
				ds[2] = -z + eps*y - y*x*x - b*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, eps := p("a"), p("b"), p("eps")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, a
				j[6], j[7], j[8] = -2*x*y-b, eps-x*x, -1
			}
		},
	})

	// NewtonLiepnik: rigid-body motion with linear feedback control (two
	// coexisting strange attractors).
	// Leipnik, R. B., and T. A. Newton (1981). Double strange attractors in
	// rigid body motion with linear feedback control. Physics Letters A 86.2
	// (1981): 63-67.
	//
	//	dx/dt = -a x + y + 10 y z
	//	dy/dt = -x - 0.4 y + 5 x z
	//	dz/dt = b z - 5 x y
	register("NewtonLiepnik", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a*x + y + 10*y*z
				ds[1] = -x - 0.4*y + 5*x*z
				ds[2] = b*z - 5*x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, 1+10*z, 10*y
				j[3], j[4], j[5] = -1+5*z, -0.4, 5*x
				j[6], j[7], j[8] = -5*y, -5*x, b
			}
		},
	})

	// NoseHoover: the Nosé-Hoover thermostatted harmonic oscillator (Sprott A
	// with a general a).
	// Nose, S (1985). A unified formulation of the constant temperature
	// molecular-dynamics methods. Journal of Chemical Physics (1984). Hoover,
	// William G. Canonical dynamics: Equilibrium phase-space distributions.
	// Phys. Rev. A. Hoover, William G., Anthony JC Ladd, and Bill Moran (1982).
	// High-strain-rate plastic flow studied via nonequilibrium molecular
	// dynamics. Physical Review Letters.
	//
	//	dx/dt = y
	//	dy/dt = -x + y z
	//	dz/dt = a - y²
	register("NoseHoover", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = -x + y*z
				ds[2] = a - y*y
			}
		},
		Jac: func(p Params) JacFunc {
			return func(_ float64, s, j []float64) {
				y, z := s[1], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -1, z, y
				j[6], j[7], j[8] = 0, -2*y, 0
			}
		},
	})

	// NuclearQuadrupole: collective quadrupole motion of a nucleus
	// (Hamiltonian; state q1, q2, p1, p2).
	// Baran V. and Raduta A. A. (1998), International Journal of Modern
	// Physics E.
	//
	//	dq1/dt = a p1
	//	dq2/dt = a p2
	//	dp1/dt = -a q1 + (3/√2) b (q1² - q2²) - d q1 (q1² + q2²)
	//	dp2/dt = -a q2 - 3√2 b q1 q2 - d q2 (q1² + q2²)
	register("NuclearQuadrupole", Equations{
		Flow: func(p Params) Func {
			a, b, d := p("a"), p("b"), p("d")
			s2 := math.Sqrt(2)
			return func(_ float64, s, ds []float64) {
				q1, q2, p1, p2 := s[0], s[1], s[2], s[3]
				ds[0] = a * p1
				ds[1] = a * p2
				ds[2] = -a*q1 + 3/s2*b*q1*q1 - 3/s2*b*q2*q2 - d*q1*q1*q1 - d*q1*q2*q2
				ds[3] = -a*q2 - 3*s2*b*q1*q2 - d*q2*q1*q1 - d*q2*q2*q2
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d := p("a"), p("b"), p("d")
			s2 := math.Sqrt(2)
			return func(_ float64, s, j []float64) {
				q1, q2 := s[0], s[1]
				c := -3*s2*b*q2 - 2*d*q1*q2
				j[0], j[1], j[2], j[3] = 0, 0, a, 0
				j[4], j[5], j[6], j[7] = 0, 0, 0, a
				j[8], j[9], j[10], j[11] = -a+3*s2*b*q1-3*d*q1*q1-d*q2*q2, c, 0, 0
				j[12], j[13], j[14], j[15] = c, -a-3*s2*b*q1-d*q1*q1-3*d*q2*q2, 0, 0
			}
		},
	})

	// OscillatingFlow: tracers in a laterally oscillating chain of convection
	// rolls (state x, y and the forcing phase z).
	// T. H. Solomon and J. P. Gollub, Phys. Rev. A 38, 6280 (1988).
	//
	//	f     = x + b sin z
	//	dx/dt = u cos(k y) sin(k f)
	//	dy/dt = -u sin(k y) cos(k f)
	//	dz/dt = ω
	register("OscillatingFlow", Equations{
		Flow: func(p Params) Func {
			b, k, omega, u := p("b"), p("k"), p("omega"), p("u")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				f := x + b*math.Sin(z)
				sy, cy := math.Sincos(k * y)
				sf, cf := math.Sincos(k * f)
				ds[0] = u * cy * sf
				ds[1] = -u * sy * cf
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			b, k, u := p("b"), p("k"), p("u")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				sz, cz := math.Sincos(z)
				f := x + b*sz
				sy, cy := math.Sincos(k * y)
				sf, cf := math.Sincos(k * f)
				j[0], j[1], j[2] = u*k*cy*cf, -u*k*sy*sf, u*k*cy*cf*b*cz
				j[3], j[4], j[5] = u*k*sy*sf, -u*k*cy*cf, u*k*sy*sf*b*cz
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// RabinovichFabrikant: self-modulation of waves in nonequilibrium media.
	// Rabinovich, Mikhail I.; Fabrikant, A. L. (1979). Stochastic
	// Self-Modulation of Waves in Nonequilibrium Media. Sov. Phys. JETP.
	//
	//	dx/dt = y (z - 1 + x²) + γ x
	//	dy/dt = x (3 z + 1 - x²) + γ y
	//	dz/dt = -2 z (a + x y)
	//
	// (γ is the parameter g.)
	register("RabinovichFabrikant", Equations{
		Flow: func(p Params) Func {
			a, g := p("a"), p("g")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y*z - y + y*x*x + g*x
				ds[1] = 3*x*z + x - x*x*x + g*y
				ds[2] = -2*a*z - 2*x*y*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, g := p("a"), p("g")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 2*x*y+g, z-1+x*x, y
				j[3], j[4], j[5] = 3*z+1-3*x*x, g, 3*x
				j[6], j[7], j[8] = -2*y*z, -2*x*z, -2*a-2*x*y
			}
		},
	})

	// RayleighBenard: a three-mode truncation of Rayleigh-Bénard convection.
	// Yanagita, Kaneko (1995). Rayleigh-Bénard convection patterns, chaos,
	// spatiotemporal chaos and turbulence. Physica D: Nonlinear Phenomena 82.3
	// (1995): 288-313.
	//
	//	dx/dt = a (y - x)
	//	dy/dt = r y - x z
	//	dz/dt = x y - b z
	register("RayleighBenard", Equations{
		Flow: func(p Params) Func {
			a, b, r := p("a"), p("b"), p("r")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x
				ds[1] = r*y - x*z
				ds[2] = x*y - b*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, r := p("a"), p("b"), p("r")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = -z, r, -x
				j[6], j[7], j[8] = y, x, -b
			}
		},
	})

	// RikitakeDynamo: two coupled disk dynamos (geomagnetic reversals).
	// Rikitake, T., Oscillations of a system of disk dynamos, Mathematical
	// Proceedings of the Cambridge Philosophical Society, 1958.
	//
	//	dx/dt = -μ x + y z
	//	dy/dt = -μ y - a x + x z
	//	dz/dt = 1 - x y
	register("RikitakeDynamo", Equations{
		Flow: func(p Params) Func {
			a, mu := p("a"), p("mu")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -mu*x + y*z
				ds[1] = -mu*y - a*x + x*z
				ds[2] = 1 - x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, mu := p("a"), p("mu")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -mu, z, y
				j[3], j[4], j[5] = -a+z, -mu, x
				j[6], j[7], j[8] = -y, -x, 0
			}
		},
	})

	// Rucklidge: a model of double (thermosolutal) convection.
	// Rucklidge, A.M. (1992). Chaos in models of double convection. Journal of
	// Fluid Mechanics.
	//
	//	dx/dt = -a x + b y - y z
	//	dy/dt = x
	//	dz/dt = -z + y²
	register("Rucklidge", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a*x + b*y - y*z
				ds[1] = x
				ds[2] = -z + y*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				y, z := s[1], s[2]
				j[0], j[1], j[2] = -a, b-z, -y
				j[3], j[4], j[5] = 1, 0, 0
				j[6], j[7], j[8] = 0, 2*y, -1
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
			return func(_ float64, s, ds []float64) {
				x, v, th := s[0], s[1], s[2]
				dv := v - vs
				tq := t0*sign(dv) - alpha*v + beta*dv*dv*dv
				ds[0] = v
				ds[1] = eps*(gamma*math.Cos(th)-tq) + a*x - b*x*x*x
				ds[2] = w
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
			return func(_ float64, s, ds []float64) {
				r, th, pr, pth := s[0], s[1], s[2], s[3]
				ds[0] = pr / (m1 + m2)
				ds[1] = pth / (m1 * r * r)
				ds[2] = pth*pth/(m1*r*r*r) - m2*g + m1*g*math.Cos(th)
				ds[3] = -m1 * g * r * math.Sin(th)
			}
		},
		Jac: func(p Params) JacFunc {
			m1, m2 := p("m1"), p("m2")
			const g = 9.82
			return func(_ float64, s, j []float64) {
				r, th, pth := s[0], s[1], s[3]
				sth, cth := math.Sincos(th)
				r2 := r * r
				j[0], j[1], j[2], j[3] = 0, 0, 1/(m1+m2), 0
				j[4], j[5], j[6], j[7] = -2*pth/(m1*r2*r), 0, 0, 1/(m1*r2)
				j[8], j[9], j[10], j[11] = -3*pth*pth/(m1*r2*r2), -m1*g*sth, 0, 2*pth/(m1*r2*r)
				j[12], j[13], j[14], j[15] = -m1*g*sth, -m1*g*r*cth, 0, 0
			}
		},
	})

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
			return func(t float64, _, ds []float64) {
				snt, cnt := math.Sincos(n * t)
				st, ct := math.Sincos(t)
				ds[0] = (-a*n*snt)*ct - (r+a*cnt)*st
				ds[1] = (-a*n*snt)*st + (r+a*cnt)*ct
				ds[2] = a * n * cnt
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, _, j []float64) { clear(j[:9]) }
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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = b*y - c*x - c*pp
				ds[1] = -y + x*z
				ds[2] = -z - x*y + 1
			}
		},
		Jac: func(p Params) JacFunc {
			b, c := p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -c, b, 0
				j[3], j[4], j[5] = z, -1, x
				j[6], j[7], j[8] = -y, -x, -1
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
			return func(_ float64, s, ds []float64) {
				i, v, p := s[0], s[1], s[2]
				ds[0] = a1 * (vsw - v)
				ds[1] = b1*i - b2*p/2 - b3*v
				ds[2] = vsw*vsw - math.Pow(p, 1.25)*sv*(1+math.Tanh(d1*(i-1)))/2
			}
		},
		Jac: func(p Params) JacFunc {
			a1, b1, b2, b3, d1, vsw := p("a1"), p("b1"), p("b2"), p("b3"), p("d1"), p("vsw")
			sv := math.Sqrt(vsw)
			return func(_ float64, s, j []float64) {
				i, p := s[0], s[2]
				th := math.Tanh(d1 * (i - 1))
				p14 := math.Pow(p, 0.25)
				j[0], j[1], j[2] = 0, -a1, 0
				j[3], j[4], j[5] = b1, -b3, -b2/2
				j[6], j[7], j[8] = -p14*p*sv*d1*(1-th*th)/2, 0, -1.25*p14*sv*(1+th)/2
			}
		},
	})
}

// switchProtocol is dysts' smooth square-wave switching protocol used by the
// blinking/driven Stokes flows:
//
//	w(t) = 1/2 + 1/2 tanh(20 τ sin(2π t / τ)).
func switchProtocol(t, tau float64) float64 {
	return 0.5 + 0.5*math.Tanh(tau*20*math.Sin(2*math.Pi*t/tau))
}

// switchProtocolDeriv is dw/dt of switchProtocol:
//
//	dw/dt = 20π (1 - tanh²(20 τ sin(2π t / τ))) cos(2π t / τ).
func switchProtocolDeriv(t, tau float64) float64 {
	th := math.Tanh(tau * 20 * math.Sin(2*math.Pi*t/tau))
	return 20 * math.Pi * (1 - th*th) * math.Cos(2*math.Pi*t/tau)
}
