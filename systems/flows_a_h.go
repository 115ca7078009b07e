package systems

// Flows Aizawa through Coullet (alphabetical, dysts class names), written
// from the equations as implemented in dysts (williamgilpin/dysts,
// dysts/flows.py, commit 4b4d9de) with the parameter names of
// chaotic_attractors.json. Where dysts departs from the cited paper, dysts'
// form is kept, because the metadata (initial conditions, periods,
// exponents) was computed with it. Non-autonomous systems carry their
// forcing phase or time as an extra state variable, as dysts does.

import "math"

func init() {
	// Aizawa, Y., Uezu, T. (1982). Topological aspects in chaos and in
	// 2^k-period doubling cascade. Prog. Theor. Phys. 67(3), 982–985.
	//
	//	ẋ = (z - b) x - d y
	//	ẏ = d x + (z - b) y
	//	ż = c + a z - z³/3 - (x² + y²)(1 + e z) + f z x³
	register("Aizawa", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e, f := p("a"), p("b"), p("c"), p("d"), p("e"), p("f")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = x*z - b*x - d*y
				ds[1] = d*x + y*z - b*y
				ds[2] = c + a*z - z*z*z/3 - x*x - y*y - e*z*x*x - e*z*y*y + f*z*x*x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d, e, f := p("a"), p("b"), p("d"), p("e"), p("f")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = z-b, -d, x
				j[3], j[4], j[5] = d, z-b, y
				j[6], j[7], j[8] = -2*x-2*e*z*x+3*f*z*x*x, -2*y-2*e*z*y, a-z*z-e*x*x-e*y*y+f*x*x*x
			}
		},
	})

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

	// Arneodo, A., Coullet, P., Tresser, C. (1980). Occurrence of strange
	// attractors in three-dimensional Volterra equations. Phys. Lett. A 79,
	// 259–263. Coullet is the same system at other parameters.
	//
	//	ẋ = y,  ẏ = z,  ż = -a x - b y - c z + d x³
	register("Arneodo", arneodoEquations())
	register("Coullet", arneodoEquations())

	// Arnold, V. I. (1966). J. Appl. Math. Mech. 30, 223. The ABC flow:
	//
	//	ẋ = a sin z + c cos y,  ẏ = b sin x + a cos z,  ż = c sin y + b cos x
	register("ArnoldBeltramiChildress", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				sx, cx := math.Sincos(s[0])
				sy, cy := math.Sincos(s[1])
				sz, cz := math.Sincos(s[2])
				ds[0] = a*sz + c*cy
				ds[1] = b*sx + a*cz
				ds[2] = c*sy + b*cx
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				sx, cx := math.Sincos(s[0])
				sy, cy := math.Sincos(s[1])
				sz, cz := math.Sincos(s[2])
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
				d := 4 + math.Cos(s[4]) + math.Cos(s[2]) + math.Cos(s[3])
				ds[0] = -mu * math.Sin(s[2]) / (d * d)
				ds[1] = -mu * math.Sin(s[3]) / (d * d)
				ds[2], ds[3], ds[4] = s[0], s[1], w
			}
		},
		Jac: func(p Params) JacFunc {
			mu := p("mu")
			return func(_ float64, s, j []float64) {
				s1, c1 := math.Sincos(s[2])
				s2, c2 := math.Sincos(s[3])
				sz, cz := math.Sincos(s[4])
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

	// Beer, R. D. (1995). On the dynamics of small continuous-time recurrent
	// neural networks. Adapt. Behav. 3(4), 469–509. With σ(u) = 1/(1+e^{-u}):
	//
	//	ẋ_i = (-x_i + Σ_j w_ij σ(x_j + θ_j)) / τ_i
	register("BeerRNN", Equations{
		Flow: func(p Params) Func {
			const n = 3
			tau, theta, w := paramVec(p, "tau", n), paramVec(p, "theta", n), paramMat(p, "w", n, n)
			return func(_ float64, s, ds []float64) {
				for i := range n {
					acc := -s[i]
					for k := range n {
						acc += w[i*n+k] * logistic(s[k]+theta[k])
					}
					ds[i] = acc / tau[i]
				}
			}
		},
		Jac: func(p Params) JacFunc {
			const n = 3
			tau, theta, w := paramVec(p, "tau", n), paramVec(p, "theta", n), paramMat(p, "w", n, n)
			return func(_ float64, s, j []float64) {
				for i := range n {
					for k := range n {
						sg := logistic(s[k] + theta[k])
						v := w[i*n+k] * sg * (1 - sg)
						if i == k {
							v--
						}
						j[i*n+k] = v / tau[i]
					}
				}
			}
		},
	})

	// Györgyi, L., Field, R. J. (1992). A three-variable model of
	// deterministic chaos in the Belousov–Zhabotinsky reaction. Nature 355.
	// State (x, z, v); x is clipped at 0 inside the square root, as in dysts:
	//
	//	ȳ  = yb1 z v / (y0 (yb2 x + yb3 + kf)),  r = (ci - z0 z) √max(x, 0)
	//	ẋ = t0 (c1 x ȳ + c2 ȳ + c3 x² + c4 r + c5 x z - kf x)
	//	ż = t0 (c6 r / z0 + c7 x z + c8 z v + c9 z - kf z)
	//	v̇ = t0 (c10 x ȳ + c11 ȳ + c12 x² + c13 z v - kf v)
	//
	// (x⁺ = max(x, 0) replaces x in every term after ȳ.)
	register("BelousovZhabotinsky", Equations{
		Flow: func(p Params) Func {
			c1, c2, c3, c4, c5 := p("c1"), p("c2"), p("c3"), p("c4"), p("c5")
			c6, c7, c8, c9, c10 := p("c6"), p("c7"), p("c8"), p("c9"), p("c10")
			c11, c12, c13, ci, kf := p("c11"), p("c12"), p("c13"), p("ci"), p("kf")
			t0, y0, yb1, yb2, yb3, z0 := p("t0"), p("y0"), p("yb1"), p("yb2"), p("yb3"), p("z0")
			return func(_ float64, s, ds []float64) {
				x, z, v := s[0], s[1], s[2]
				ybar := yb1 * z * v / (y0 * (yb2*x + yb3 + kf))
				x = max(0, x)
				rf := (ci - z0*z) * math.Sqrt(x)
				ds[0] = t0 * (c1*x*ybar + c2*ybar + c3*x*x + c4*rf + c5*x*z - kf*x)
				ds[1] = t0 * (c6/z0*rf + c7*x*z + c8*z*v + c9*z - kf*z)
				ds[2] = t0 * (c10*x*ybar + c11*ybar + c12*x*x + c13*z*v - kf*v)
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

	// Blasius, B., Huppert, A., Stone, L. (1999). Complex dynamics and phase
	// synchronization in spatially extended ecological systems. Nature 399.
	//
	//	ẋ = a x - α1 x y / (1 + k1 x)
	//	ẏ = -b y + α1 x y / (1 + k1 x) - α2 y z / (1 + k2 y)
	//	ż = -c (z - zs) + α2 y z / (1 + k2 y)
	register("Blasius", Equations{
		Flow: func(p Params) Func {
			a, alpha1, alpha2, b, c, k1, k2, zs := p("a"), p("alpha1"), p("alpha2"), p("b"), p("c"), p("k1"), p("k2"), p("zs")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				f := alpha1 * x * y / (1 + k1*x)
				g := alpha2 * y * z / (1 + k2*y)
				ds[0] = a*x - f
				ds[1] = -b*y + f - g
				ds[2] = -c*(z-zs) + g
			}
		},
		Jac: func(p Params) JacFunc {
			a, alpha1, alpha2, b, c, k1, k2 := p("a"), p("alpha1"), p("alpha2"), p("b"), p("c"), p("k1"), p("k2")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				qx, qy := 1+k1*x, 1+k2*y
				fx, fy := alpha1*y/(qx*qx), alpha1*x/qx // ∂f/∂x, ∂f/∂y
				gy, gz := alpha2*z/(qy*qy), alpha2*y/qy // ∂g/∂y, ∂g/∂z
				j[0], j[1], j[2] = a-fx, -fy, 0
				j[3], j[4], j[5] = fx, -b+fy-gy, -gz
				j[6], j[7], j[8] = 0, gy, -c+gz
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

	// Bouali, S. (1999). Feedback loop in extended van der Pol's equation
	// applied to an economic model of cycles. Int. J. Bifurc. Chaos 9(4).
	// Bouali and Bouali2 share the equations:
	//
	//	ẋ = a x (y0 - y) - b z
	//	ẏ = g y (x² - 1)
	//	ż = -1.5 m x + m bb x z - c z
	register("Bouali", boualiEquations())
	register("Bouali2", boualiEquations())

	// Shaw, R. (1981). Strange attractors, chaotic behavior, and information
	// flow. Z. Naturforsch. A 36.
	//
	//	ẋ = -n (x + y),  ẏ = y - n x z,  ż = n x y + e
	register("BurkeShaw", Equations{
		Flow: func(p Params) Func {
			e, n := p("e"), p("n")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -n*x - n*y
				ds[1] = y - n*x*z
				ds[2] = n*x*y + e
			}
		},
		Jac: func(p Params) JacFunc {
			n := p("n")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -n, -n, 0
				j[3], j[4], j[5] = -n*z, 1, -n*x
				j[6], j[7], j[8] = n*y, n*x, 0
			}
		},
	})

	// Houart, G., Dupont, G., Goldbeter, A. (1999). Bursting, chaos and
	// birhythmicity originating from self-modulation of the inositol
	// 1,4,5-trisphosphate signal in a model for intracellular Ca²⁺
	// oscillations. Bull. Math. Biol. 61. State (z, y, a):
	//
	//	V2 = Vm2 z²/(K2² + z²)
	//	V3 = Vm3 zᵐ/(Kzᵐ + zᵐ) · y²/(Ky² + y²) · a⁴/(Ka⁴ + a⁴)
	//	V5 = Vm5 aᵖ/(K5ᵖ + aᵖ) · zⁿ/(Kdⁿ + zⁿ)
	//	ż = V0 + V1 β - V2 + V3 + kf y - k z
	//	ẏ = V2 - V3 - kf y
	//	ȧ = β V4 - V5 - ε a
	//
	// CaTwoPlusQuasiperiodic is the same model at quasiperiodic parameters.
	register("CaTwoPlus", caTwoPlusEquations())
	register("CaTwoPlusQuasiperiodic", caTwoPlusEquations())

	// Romond, P.-C., Rustici, M., Gonze, D., Goldbeter, A. (1999).
	// Alternating oscillations and chaos in a model of two coupled
	// biochemical oscillators driving successive phases of the cell cycle.
	// Ann. N. Y. Acad. Sci. 879. State (c1, m1, x1, c2, m2, x2); both
	// oscillators share their constants, as in dysts:
	//
	//	ċ_i = vi Kim/(Kim + m_j) - vd x_i c_i/(Kd1 + c_i) - kd1 c_i   (j the other)
	//	ṁ_i = Vm1 c_i/(Kc + c_i) (1 - m_i)/(K + 1 - m_i) - V2 m_i/(K + m_i)
	//	ẋ_i = Vm3 m_i (1 - x_i)/(K + 1 - x_i) - V4 x_i/(K + x_i)
	register("CellCycle", Equations{
		Flow: func(p Params) Func {
			K, Kc, Kd1, Kim := p("K"), p("Kc"), p("Kd1"), p("Kim")
			V2, V4, Vm1, Vm3 := p("V2"), p("V4"), p("Vm1"), p("Vm3")
			kd1, vd, vi := p("kd1"), p("vd"), p("vi")
			return func(_ float64, s, ds []float64) {
				for i := 0; i < 2; i++ {
					c, m, x := s[3*i], s[3*i+1], s[3*i+2]
					mOther := s[3*(1-i)+1]
					v1 := Vm1 * c / (Kc + c)
					v3 := m * Vm3
					ds[3*i] = vi*Kim/(Kim+mOther) - vd*x*c/(Kd1+c) - kd1*c
					ds[3*i+1] = v1*(1-m)/(K+(1-m)) - V2*m/(K+m)
					ds[3*i+2] = v3*(1-x)/(K+(1-x)) - V4*x/(K+x)
				}
			}
		},
	})

	// Arena, P., Caponetto, R., Fortuna, L., Porto, D. (1998). Bifurcation
	// and chaos in noninteger order cellular neural networks. Int. J.
	// Bifurc. Chaos 8, 1527–1539. With f(u) = (|u + 1| - |u - 1|)/2:
	//
	//	ẋ = -x + d f(x) - b f(y) - b f(z)
	//	ẏ = -y - b f(x) + c f(y) - a f(z)
	//	ż = -z - b f(x) + a f(y) + f(z)
	register("CellularNeuralNetwork", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				fx, fy, fz := cnnF(s[0]), cnnF(s[1]), cnnF(s[2])
				ds[0] = -s[0] + d*fx - b*fy - b*fz
				ds[1] = -s[1] - b*fx + c*fy - a*fz
				ds[2] = -s[2] - b*fx + a*fy + fz
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				gx, gy, gz := cnnDF(s[0]), cnnDF(s[1]), cnnDF(s[2])
				j[0], j[1], j[2] = -1+d*gx, -b*gy, -b*gz
				j[3], j[4], j[5] = -b*gx, -1+c*gy, -a*gz
				j[6], j[7], j[8] = -b*gx, a*gy, -1+gz
			}
		},
	})

	// Chen, G., Ueta, T. (1999). Yet another chaotic attractor. Int. J.
	// Bifurc. Chaos 9 (dysts cites Chen 1997, Proc. First Int. Conf. Control
	// of Oscillations and Chaos).
	//
	//	ẋ = a (y - x),  ẏ = (c - a) x - x z + c y,  ż = x y - b z
	register("Chen", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x
				ds[1] = (c-a)*x - x*z + c*y
				ds[2] = x*y - b*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = c-a-z, c, -x
				j[6], j[7], j[8] = y, x, -b
			}
		},
	})

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

	// Chua, L. O. (1969). Introduction to Nonlinear Network Theory.
	// McGraw-Hill. The dimensionless Chua circuit with the piecewise-linear
	// diode g(x) = m1 x + (m0 - m1)(|x + 1| - |x - 1|)/2:
	//
	//	ẋ = α (y - x - g(x)),  ẏ = x - y + z,  ż = -β y
	register("Chua", Equations{
		Flow: func(p Params) Func {
			alpha, beta, m0, m1 := p("alpha"), p("beta"), p("m0"), p("m1")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				g := m1*x + 0.5*(m0-m1)*(math.Abs(x+1)-math.Abs(x-1))
				ds[0] = alpha * (y - x - g)
				ds[1] = x - y + z
				ds[2] = -beta * y
			}
		},
		Jac: func(p Params) JacFunc {
			alpha, beta, m0, m1 := p("alpha"), p("beta"), p("m0"), p("m1")
			return func(_ float64, s, j []float64) {
				x := s[0]
				dg := m1 + 0.5*(m0-m1)*(sign(x+1)-sign(x-1))
				j[0], j[1], j[2] = -alpha-alpha*dg, alpha, 0
				j[3], j[4], j[5] = 1, -1, 1
				j[6], j[7], j[8] = 0, -beta, 0
			}
		},
	})

	// Leloup, J.-C., Gonze, D., Goldbeter, A. (1999). Limit cycle models for
	// circadian rhythms based on transcriptional regulation in Drosophila
	// and Neurospora. J. Biol. Rhythms 14; Gonze, Leloup, Goldbeter (2000).
	// State (m, fc, fs, fn, θ), θ the light-forcing phase:
	//
	//	v_s = vc (1/2 + cos(θ)/2 + vmin)(vmax - vmin)
	//	ṁ  = v_s Kiⁿ/(Kiⁿ + fnⁿ) - vm m/(km + m)
	//	ḟc = ks m - k1 fc + k2 fn - k fc
	//	ḟs = k fc - vd fs/(kd + fs)
	//	ḟn = k1 fc - k2 fn - vdn fn/(kdn + fn)
	//	θ̇  = 2π/ps
	register("CircadianRhythm", Equations{
		Flow: func(p Params) Func {
			Ki, k, k1, k2, kd, kdn, km, ks := p("Ki"), p("k"), p("k1"), p("k2"), p("kd"), p("kdn"), p("km"), p("ks")
			n, ps, vc, vd, vdn, vm, vmax, vmin := p("n"), p("ps"), p("vc"), p("vd"), p("vdn"), p("vm"), p("vmax"), p("vmin")
			kin := math.Pow(Ki, n)
			return func(_ float64, s, ds []float64) {
				m, fc, fs, fn, th := s[0], s[1], s[2], s[3], s[4]
				vs := vc * ((0.5 + 0.5*math.Cos(th)) + vmin) * (vmax - vmin)
				ds[0] = vs*kin/(kin+math.Pow(fn, n)) - vm*m/(km+m)
				ds[1] = ks*m - k1*fc + k2*fn - k*fc
				ds[2] = k*fc - vd*fs/(kd+fs)
				ds[3] = k1*fc - k2*fn - vdn*fn/(kdn+fn)
				ds[4] = 2 * math.Pi / ps
			}
		},
	})

	// Gilpin, W., Feldman, M. W. (2017). A phase transition induces chaos in
	// a predator-prey ecosystem with a dynamic fitness landscape. PLOS
	// Comput. Biol. 13. State (x, y, α), α the prey's evolving trait:
	//
	//	ẋ = x (-a3 y/(1 + b2 x) + a1 α (1 - k1 x (δα - α))/(1 + b1 α)
	//	       - d1 (1 - k2 ((αδ)² - α²) + k4 ((αδ)⁴ - α⁴)))
	//	ẏ = y (-d2 + a2 x/(1 + b2 x))
	//	α̇ = vv (-a1 k1 x α δ/(1 + b1 α) - d1 (-2 k2 α δ² + 4 k4 α³ δ⁴))
	register("CoevolvingPredatorPrey", Equations{
		Flow: func(p Params) Func {
			a1, a2, a3, b1, b2, d1 := p("a1"), p("a2"), p("a3"), p("b1"), p("b2"), p("d1")
			d2, delta, k1, k2, k4, vv := p("d2"), p("delta"), p("k1"), p("k2"), p("k4"), p("vv")
			return func(_ float64, s, ds []float64) {
				x, y, al := s[0], s[1], s[2]
				ad := al * delta
				al2, ad2 := al*al, ad*ad
				ds[0] = x * (-(a3*y)/(1+b2*x) +
					a1*al*(1-k1*x*(-al+ad))/(1+b1*al) -
					d1*(1-k2*(-al2+ad2)+k4*(-al2*al2+ad2*ad2)))
				ds[1] = (-d2 + a2*x/(1+b2*x)) * y
				ds[2] = vv * (-(a1*k1*x*al*delta)/(1+b1*al) -
					d1*(-2*k2*al*delta*delta+4*k4*al*al2*delta*delta*delta*delta))
			}
		},
	})
}

func arneodoEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0], ds[1] = y, z
				ds[2] = -a*x - b*y - c*z + d*x*x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = -a+3*d*x*x, -b, -c
			}
		},
	}
}

func boualiEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, bb, c, g, m, y0 := p("a"), p("b"), p("bb"), p("c"), p("g"), p("m"), p("y0")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y0*x - a*x*y - b*z
				ds[1] = -g*y + g*y*x*x
				ds[2] = -1.5*m*x + m*bb*x*z - c*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, bb, c, g, m, y0 := p("a"), p("b"), p("bb"), p("c"), p("g"), p("m"), p("y0")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a*y0-a*y, -a*x, -b
				j[3], j[4], j[5] = 2*g*x*y, -g+g*x*x, 0
				j[6], j[7], j[8] = -1.5*m+m*bb*z, 0, m*bb*x-c
			}
		},
	}
}

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

func caTwoPlusEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			K2, K5, Ka, Kd, Ky, Kz := p("K2"), p("K5"), p("Ka"), p("Kd"), p("Ky"), p("Kz")
			V0, V1, V4, Vm2, Vm3, Vm5 := p("V0"), p("V1"), p("V4"), p("Vm2"), p("Vm3"), p("Vm5")
			beta, eps, k, kf, m, n, pp := p("beta"), p("eps"), p("k"), p("kf"), p("m"), p("n"), p("p")
			kzm, ka4, k5p, kdn := math.Pow(Kz, m), math.Pow(Ka, 4), math.Pow(K5, pp), math.Pow(Kd, n)
			return func(_ float64, s, ds []float64) {
				z, y, a := s[0], s[1], s[2]
				vin := V0 + V1*beta
				v2 := Vm2 * z * z / (K2*K2 + z*z)
				zm, a4 := math.Pow(z, m), a*a*a*a
				v3 := Vm3 * zm / (kzm + zm) * (y * y / (Ky*Ky + y*y)) * (a4 / (ka4 + a4))
				ap, zn := math.Pow(a, pp), math.Pow(z, n)
				v5 := Vm5 * (ap / (k5p + ap)) * (zn / (kdn + zn))
				ds[0] = vin - v2 + v3 + kf*y - k*z
				ds[1] = v2 - v3 - kf*y
				ds[2] = beta*V4 - v5 - eps*a
			}
		},
	}
}

// heaviside is numpy's heaviside(x, 0): 1 for x > 0, else 0.
func heaviside(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// logistic is the sigmoid 1/(1 + e^{-u}).
func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

// cnnF is the cellular-neural-network output (|u + 1| - |u - 1|)/2.
func cnnF(u float64) float64 { return 0.5 * (math.Abs(u+1) - math.Abs(u-1)) }

// cnnDF is its derivative: 1 on (-1, 1), else 0.
func cnnDF(u float64) float64 {
	if u > -1 && u < 1 {
		return 1
	}
	return 0
}
