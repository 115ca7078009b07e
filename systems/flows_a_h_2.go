package systems

// Flows Colpitts through HyperYangChen (alphabetical, dysts class names);
// conventions as in flows_a_h.go.

import "math"

func init() {
	// Kennedy, M. P. (1994). Chaos in the Colpitts oscillator. IEEE Trans.
	// Circuits Syst. I 41, 771–774; Li, Zhou, Yang (2007). Chaos Solitons
	// Fractals. With u = z - (e - 1) and f = -u for u < 0, 0 otherwise:
	//
	//	ẋ = y - a f,  ẏ = c - x - b y - z,  ż = y - d z
	register("Colpitts", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				u := z - (e - 1)
				f := -u * (1 - heaviside(u))
				ds[0] = y - a*f
				ds[1] = c - x - b*y - z
				ds[2] = y - d*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d, e := p("a"), p("b"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				u := s[2] - (e - 1)
				j[0], j[1], j[2] = 0, 1, a*(1-heaviside(u))
				j[3], j[4], j[5] = -1, -b, -1
				j[6], j[7], j[8] = 0, 1, -d
			}
		},
	})

	// Dadras, S., Momeni, H. R. (2009). A novel three-dimensional autonomous
	// chaotic system generating two, three and four-scroll attractors. Phys.
	// Lett. A 373.
	//
	//	ẋ = y - p x + o y z,  ẏ = r y - x z + z,  ż = c x y - e z
	register("Dadras", Equations{
		Flow: func(p Params) Func {
			c, e, o, pp, r := p("c"), p("e"), p("o"), p("p"), p("r")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y - pp*x + o*y*z
				ds[1] = r*y - x*z + z
				ds[2] = c*x*y - e*z
			}
		},
		Jac: func(p Params) JacFunc {
			c, e, o, pp, r := p("c"), p("e"), p("o"), p("p"), p("r")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -pp, 1+o*z, o*y
				j[3], j[4], j[5] = -z, r, 1-x
				j[6], j[7], j[8] = c*y, c*x, -e
			}
		},
	})

	// Li, D. (2008). A three-scroll chaotic attractor. Phys. Lett. A 372,
	// 387–393.
	//
	//	ẋ = a (y - x) + d x z,  ẏ = k x + f y - x z,  ż = c z + x y - ε x²
	register("DequanLi", Equations{
		Flow: func(p Params) Func {
			a, c, d, eps, f, k := p("a"), p("c"), p("d"), p("eps"), p("f"), p("k")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x + d*x*z
				ds[1] = k*x + f*y - x*z
				ds[2] = c*z + x*y - eps*x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, c, d, eps, f, k := p("a"), p("c"), p("d"), p("eps"), p("f"), p("k")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a+d*z, a, d*x
				j[3], j[4], j[5] = k-z, f, -x
				j[6], j[7], j[8] = y-2*eps*x, x, c
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
				x, y := s[0], s[1]
				sz := math.Sin(s[2])
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
				x, y := s[0], s[1]
				sz, cz := math.Sincos(s[2])
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
				x, y := s[0], s[1]
				ds[0] = y
				ds[1] = -delta*y - beta*x - alpha*x*x*x + gamma*math.Cos(s[2])
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			alpha, beta, delta, gamma := p("alpha"), p("beta"), p("delta"), p("gamma")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -3*alpha*x*x-beta, -delta, -gamma*math.Sin(s[2])
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// Chay, T. R. (1985). Chaos in a three-variable model of an excitable
	// cell. Physica D 16, 233–242. State (v, n, c):
	//
	//	α_m = ams (amvb + v)/(1 - exp(-ar v - amvo)),  β_m = bms exp(-bmr v - bmo)
	//	α_h = ahs exp(-ahr v - aho),                   β_h = 1/(1 + exp(-bhr v - bho))
	//	α_n = ans (anvb + v)/(1 - exp(-ar v - anvo)),  β_n = bns exp(-bnr v - bno)
	//	x∞ = α_x/(α_x + β_x),  τ_n = 1/(tscl (α_n + β_n))
	//	v̇ = gi m∞³ h∞ (vi - v) + gkv n⁴ (vk - v) + gkc c/(1 + c) (vk - v) + gl (vl - v)
	//	ṅ = (n∞ - n)/τ_n
	//	ċ = ρ (m∞³ h∞ (vc - v) - kc c)
	//
	// (vm and vn are listed in the dysts parameters but unused.)
	register("ExcitableCell", Equations{
		Flow: func(p Params) Func {
			aho, ahr, ahs, ams, amvb, amvo := p("aho"), p("ahr"), p("ahs"), p("ams"), p("amvb"), p("amvo")
			ans, anvb, anvo, ar, bho, bhr := p("ans"), p("anvb"), p("anvo"), p("ar"), p("bho"), p("bhr")
			bmo, bmr, bms, bno, bnr, bns := p("bmo"), p("bmr"), p("bms"), p("bno"), p("bnr"), p("bns")
			gi, gkc, gkv, gl, kc, rho := p("gi"), p("gkc"), p("gkv"), p("gl"), p("kc"), p("rho")
			tscl, vc, vi, vk, vl := p("tscl"), p("vc"), p("vi"), p("vk"), p("vl")
			return func(_ float64, s, ds []float64) {
				v, n, c := s[0], s[1], s[2]
				am := ams * (amvb + v) / (1 - math.Exp(-ar*v-amvo))
				bm := bms * math.Exp(-bmr*v-bmo)
				minf := am / (am + bm)
				ah := ahs * math.Exp(-ahr*v-aho)
				bh := 1 / (1 + math.Exp(-bhr*v-bho))
				hinf := ah / (ah + bh)
				an := ans * (anvb + v) / (1 - math.Exp(-ar*v-anvo))
				bn := bns * math.Exp(-bnr*v-bno)
				ninf := an / (an + bn)
				tau := 1 / (tscl * (an + bn))
				ca := c / (1 + c)
				m3h := minf * minf * minf * hinf
				n4 := n * n * n * n
				ds[0] = gi*m3h*(vi-v) + gkv*n4*(vk-v) + gkc*ca*(vk-v) + gl*(vl-v)
				ds[1] = (ninf - n) / tau
				ds[2] = rho * (m3h*(vc-v) - kc*c)
			}
		},
	})

	// Cai, G., Huang, J. (2007). A new finance chaotic attractor. Int. J.
	// Nonlinear Sci. 3.
	//
	//	ẋ = (1/b - a) x + z + x y,  ẏ = -b y - x²,  ż = -x - c z
	register("Finance", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = (1/b-a)*x + z + x*y
				ds[1] = -b*y - x*x
				ds[2] = -x - c*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = 1/b-a+y, x, 1
				j[3], j[4], j[5] = -2*x, -b, 0
				j[6], j[7], j[8] = -1, 0, -c
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
				x, y := s[0], s[1]
				ds[0] = y
				ds[1] = -1 - heaviside(-x)*(x+psi*y*math.Abs(y)) + gamma*math.Cos(s[2])
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			gamma, psi := p("gamma"), p("psi")
			return func(_ float64, s, j []float64) {
				h := heaviside(-s[0])
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -h, -2*h*psi*math.Abs(s[1]), -gamma*math.Sin(s[2])
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// Prigogine, I. (1980). From Being to Becoming. W. H. Freeman. The
	// periodically forced Brusselator; state (x, y, φ), φ = w t:
	//
	//	ẋ = a + x² y - (b + 1) x + f cos φ,  ẏ = b x - x² y,  φ̇ = w
	register("ForcedBrusselator", Equations{
		Flow: func(p Params) Func {
			a, b, f, w := p("a"), p("b"), p("f"), p("w")
			return func(_ float64, s, ds []float64) {
				x, y := s[0], s[1]
				ds[0] = a + x*x*y - (b+1)*x + f*math.Cos(s[2])
				ds[1] = b*x - x*x*y
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			b, f := p("b"), p("f")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = 2*x*y-(b+1), x*x, -f*math.Sin(s[2])
				j[3], j[4], j[5] = b-2*x*y, -x*x, 0
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// FitzHugh, R. (1961). Impulses and physiological states in theoretical
	// models of nerve membrane. Biophys. J. 1(6). State (v, w, φ), φ = ω t:
	//
	//	v̇ = v - v³/3 - w + curr + f sin φ,  ẇ = γ (v + a - b w),  φ̇ = ω
	register("ForcedFitzHughNagumo", Equations{
		Flow: func(p Params) Func {
			a, b, curr, f, gamma, omega := p("a"), p("b"), p("curr"), p("f"), p("gamma"), p("omega")
			return func(_ float64, s, ds []float64) {
				v, w := s[0], s[1]
				ds[0] = v - v*v*v/3 - w + curr + f*math.Sin(s[2])
				ds[1] = gamma * (v + a - b*w)
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			b, f, gamma := p("b"), p("f"), p("gamma")
			return func(_ float64, s, j []float64) {
				v := s[0]
				j[0], j[1], j[2] = 1-v*v, -1, f*math.Cos(s[2])
				j[3], j[4], j[5] = gamma, -gamma*b, 0
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
				x, y := s[0], s[1]
				ds[0] = y
				ds[1] = mu*(1-x*x)*y - x + a*math.Sin(s[2])
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			a, mu := p("a"), p("mu")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -2*mu*x*y-1, mu*(1-x*x), a*math.Cos(s[2])
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// Genesio, R., Tesi, A. (1992). Harmonic balance methods for the
	// analysis of chaotic dynamics in nonlinear systems. Automatica 28(3),
	// 531–548.
	//
	//	ẋ = y,  ẏ = z,  ż = -c x - b y - a z + x²
	register("GenesioTesi", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0], ds[1] = y, z
				ds[2] = -c*x - b*y - a*z + x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = -c+2*x, -b, -a
			}
		},
	})

	// Decroly, O., Goldbeter, A. (1982). Birhythmicity, chaos, and other
	// patterns of temporal self-organization in a multiply regulated
	// biochemical system. PNAS 79, 6917. State (a, b, c):
	//
	//	φ = a (1 + a)(1 + b)² / (l1 + (1 + a)²(1 + b)²)
	//	η = b (1 + d b)(1 + c)² / (l2 + (1 + d b)²(1 + c)²)
	//	ȧ = ν - s1 φ,  ḃ = q1 s1 φ - s2 η,  ċ = q2 s2 η - k c
	register("GlycolyticOscillation", Equations{
		Flow: func(p Params) Func {
			d, k, l1, l2, nu := p("d"), p("k"), p("l1"), p("l2"), p("nu")
			q1, q2, s1, s2 := p("q1"), p("q2"), p("s1"), p("s2")
			return func(_ float64, s, ds []float64) {
				a, b, c := s[0], s[1], s[2]
				a1, b1, c1, db := 1+a, 1+b, 1+c, 1+d*b
				phi := a * a1 * b1 * b1 / (l1 + a1*a1*b1*b1)
				eta := b * db * c1 * c1 / (l2 + db*db*c1*c1)
				ds[0] = nu - s1*phi
				ds[1] = q1*s1*phi - s2*eta
				ds[2] = q2*s2*eta - k*c
			}
		},
		Jac: func(p Params) JacFunc {
			d, k, l1, l2 := p("d"), p("k"), p("l1"), p("l2")
			q1, q2, s1, s2 := p("q1"), p("q2"), p("s1"), p("s2")
			return func(_ float64, s, j []float64) {
				a, b, c := s[0], s[1], s[2]
				A, B, C, E := 1+a, 1+b, 1+c, 1+d*b
				num, den := a*A*B*B, l1+A*A*B*B
				phiA := ((1+2*a)*B*B*den - num*2*A*B*B) / (den * den)
				phiB := (a*A*2*B*den - num*2*A*A*B) / (den * den)
				num2, den2 := b*E*C*C, l2+E*E*C*C
				etaB := ((E+b*d)*C*C*den2 - num2*2*E*d*C*C) / (den2 * den2)
				etaC := (b*E*2*C*den2 - num2*2*E*E*C) / (den2 * den2)
				j[0], j[1], j[2] = -s1*phiA, -s1*phiB, 0
				j[3], j[4], j[5] = q1*s1*phiA, q1*s1*phiB-s2*etaB, -s2*etaC
				j[6], j[7], j[8] = 0, q2*s2*etaB, q2*s2*etaC-k
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

	// Hadley circulation model (Lorenz 1984 form); dysts cites Hadley, G.
	// (1735). On the cause of the general trade winds. Phil. Trans. R. Soc.
	// 34, 58–62.
	//
	//	ẋ = -y² - z² - a x + a f,  ẏ = x y - b x z - y + g,  ż = b x y + x z - z
	register("Hadley", Equations{
		Flow: func(p Params) Func {
			a, b, f, g := p("a"), p("b"), p("f"), p("g")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -y*y - z*z - a*x + a*f
				ds[1] = x*y - b*x*z - y + g
				ds[2] = b*x*y + x*z - z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, -2*y, -2*z
				j[3], j[4], j[5] = y-b*z, x-1, -b*x
				j[6], j[7], j[8] = b*y+z, b*x, x-1
			}
		},
	})

	// Sprott, J. C. (2010). Elegant Chaos: Algebraically Simple Chaotic
	// Flows. World Scientific. (Halvorsen's cyclically symmetric attractor.)
	//
	//	ẋ = -a x - b (y + z) - y²  (and cyclic permutations)
	register("Halvorsen", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a*x - b*y - b*z - y*y
				ds[1] = -a*y - b*z - b*x - z*z
				ds[2] = -a*z - b*x - b*y - x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, -b-2*y, -b
				j[3], j[4], j[5] = -b, -a, -b-2*z
				j[6], j[7], j[8] = -b-2*x, -b, -a
			}
		},
	})

	// Hastings, A., Powell, T. (1991). Chaos in a three-species food chain.
	// Ecology 72(3). With g = a1 x/(1 + b1 x), h = a2 y/(1 + b2 y):
	//
	//	ẋ = x (1 - x) - g y,  ẏ = g y - h z - d1 y,  ż = h z - d2 z
	register("HastingsPowell", Equations{
		Flow: func(p Params) Func {
			a1, a2, b1, b2, d1, d2 := p("a1"), p("a2"), p("b1"), p("b2"), p("d1"), p("d2")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				g := a1 * x / (1 + b1*x)
				h := a2 * y / (1 + b2*y)
				ds[0] = x*(1-x) - y*g
				ds[1] = y*g - z*h - d1*y
				ds[2] = z*h - d2*z
			}
		},
		Jac: func(p Params) JacFunc {
			a1, a2, b1, b2, d1, d2 := p("a1"), p("a2"), p("b1"), p("b2"), p("d1"), p("d2")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				qx, qy := 1+b1*x, 1+b2*y
				g, dg := a1*x/qx, a1/(qx*qx)
				h, dh := a2*y/qy, a2/(qy*qy)
				j[0], j[1], j[2] = 1-2*x-y*dg, -g, 0
				j[3], j[4], j[5] = y*dg, g-z*dh-d1, -h
				j[6], j[7], j[8] = 0, z*dh, h-d2
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
				x, y := s[0], s[1]
				ds[0], ds[1] = s[2], s[3]
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

	// Hindmarsh–Rose neuron in the form of Marhl, M., Perc, M. (2005).
	// Chaos Solitons Fractals:
	//
	//	ẋ = -x + (y - a x³ + b x² + z)/tx
	//	ẏ = -a x³ - (d - b) x² + z
	//	ż = (-s x - z + c)/tz
	register("HindmarshRose", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, sp, tx, tz := p("a"), p("b"), p("c"), p("d"), p("s"), p("tx"), p("tz")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -x + y/tx - a/tx*x*x*x + b/tx*x*x + z/tx
				ds[1] = -a*x*x*x - (d-b)*x*x + z
				ds[2] = -sp/tz*x - z/tz + c/tz
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d, sp, tx, tz := p("a"), p("b"), p("d"), p("s"), p("tx"), p("tz")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = -1-3*a/tx*x*x+2*b/tx*x, 1/tx, 1/tx
				j[3], j[4], j[5] = -3*a*x*x-2*(d-b)*x, 0, 1
				j[6], j[7], j[8] = -sp/tz, 0, -1/tz
			}
		},
	})

	// Lewis, J. E., Glass, L. (1992). Nonlinear dynamics and symbolic
	// dynamics of neural networks. Neural Comput. 4. With
	// f(u) = (1 + tanh u)/2:
	//
	//	ẋ_i = -x_i/τ + f(ε Σ_j k_ij x_j) - β
	register("Hopfield", Equations{
		Flow: func(p Params) Func {
			const n = 6
			beta, eps, tau, k := p("beta"), p("eps"), p("tau"), paramMat(p, "k", n, n)
			return func(_ float64, s, ds []float64) {
				for i := range n {
					var u float64
					for j := range n {
						u += k[i*n+j] * s[j]
					}
					ds[i] = -s[i]/tau + (1+math.Tanh(eps*u))/2 - beta
				}
			}
		},
		Jac: func(p Params) JacFunc {
			const n = 6
			eps, tau, k := p("eps"), p("tau"), paramMat(p, "k", n, n)
			return func(_ float64, s, jac []float64) {
				for i := range n {
					var u float64
					for j := range n {
						u += k[i*n+j] * s[j]
					}
					th := math.Tanh(eps * u)
					g := eps * (1 - th*th) / 2
					for j := range n {
						jac[i*n+j] = g * k[i*n+j]
					}
					jac[i*n+i] -= 1 / tau
				}
			}
		},
	})

	registerHyper()
}

// registerHyper registers the four-dimensional hyperchaotic flows.
func registerHyper() {
	// Bao, B.-C., Liu, Z. (2008). A hyperchaotic attractor coined from the
	// chaotic Lü system. Chin. Phys. Lett. 25, 2396–2399.
	//
	//	ẋ = a (y - x) + w,  ẏ = c y - x z,  ż = x y - b z,  ẇ = e x + d y z
	register("HyperBao", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + w
				ds[1] = c*y - x*z
				ds[2] = x*y - b*z
				ds[3] = e*x + d*y*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 1,
					-z, c, -x, 0,
					y, x, -b, 0,
					e, d*z, d*y, 0)
			}
		},
	})

	// Cai, G., Huang, J. (2007). A new finance chaotic attractor. Int. J.
	// Nonlinear Sci. (as cited by dysts).
	//
	//	ẋ = a (y - x),  ẏ = b x + c y - x z + w,  ż = -d z + y²,  ẇ = -e x
	register("HyperCai", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x
				ds[1] = b*x + c*y - x*z + w
				ds[2] = -d*z + y*y
				ds[3] = -e * x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 0,
					b-z, c, -x, 1,
					0, 2*y, -d, 0,
					-e, 0, 0, 0)
			}
		},
	})

	// Meier, J. (2003). Presentation of attractors with Cinema-4D.
	//
	//	ẋ = a (y - x) + w,  ẏ = -x z + b x - y,  ż = x y - c z,  ẇ = -x z + d w
	register("HyperJha", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + w
				ds[1] = -x*z + b*x - y
				ds[2] = x*y - c*z
				ds[3] = -x*z + d*w
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 1,
					b-z, -1, -x, 0,
					y, x, -c, 0,
					-z, 0, -x, d)
			}
		},
	})

	// Meier, J. (2003). Presentation of attractors with Cinema-4D.
	//
	//	ẋ = a (y - x) + w,  ẏ = -x z + c x - y,  ż = -b z + x y,  ẇ = d w - x z
	register("HyperLorenz", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + w
				ds[1] = -x*z + c*x - y
				ds[2] = -b*z + x*y
				ds[3] = d*w - x*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 1,
					c-z, -1, -x, 0,
					y, x, -b, 0,
					-z, 0, -x, d)
			}
		},
	})

	// Chen, A., Lu, J., Lü, J., Yu, S. (2006). Generating hyperchaotic Lü
	// attractor via state feedback control. Physica A 364.
	//
	//	ẋ = a (y - x) + w,  ẏ = -x z + c y,  ż = x y - b z,  ẇ = d w + x z
	register("HyperLu", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + w
				ds[1] = -x*z + c*y
				ds[2] = x*y - b*z
				ds[3] = d*w + x*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 1,
					-z, c, -x, 0,
					y, x, -b, 0,
					z, 0, x, d)
			}
		},
	})

	// Pang, S., Liu, Y. (2011). A new hyperchaotic system from the Lü system
	// and its control. J. Comput. Appl. Math. 235(8).
	//
	//	ẋ = a (y - x),  ẏ = -x z + c y + w,  ż = x y - b z,  ẇ = -d (x + y)
	register("HyperPang", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x
				ds[1] = -x*z + c*y + w
				ds[2] = x*y - b*z
				ds[3] = -d*x - d*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 0,
					-z, c, -x, 1,
					y, x, -b, 0,
					-d, -d, 0, 0)
			}
		},
	})

	// Qi, G., van Wyk, M. A., van Wyk, B. J., Chen, G. (2008). On a new
	// hyperchaotic system. Phys. Lett. A 372.
	//
	//	ẋ = a (y - x) + y z,  ẏ = b (x + y) - x z
	//	ż = -c z - e w + x y,  ẇ = -d w + f z + x y
	register("HyperQi", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e, f := p("a"), p("b"), p("c"), p("d"), p("e"), p("f")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + y*z
				ds[1] = b*x + b*y - x*z
				ds[2] = -c*z - e*w + x*y
				ds[3] = -d*w + f*z + x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e, f := p("a"), p("b"), p("c"), p("d"), p("e"), p("f")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a+z, y, 0,
					b-z, b, -x, 0,
					y, x, -c, -e,
					y, x, f, -d)
			}
		},
	})

	// Rössler, O. E. (1979). An equation for hyperchaos. Phys. Lett. A 71.
	//
	//	ẋ = -y - z,  ẏ = x + a y + w,  ż = b + x z,  ẇ = -c z + d w
	register("HyperRossler", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = -y - z
				ds[1] = x + a*y + w
				ds[2] = b + x*z
				ds[3] = -c*z + d*w
			}
		},
		Jac: func(p Params) JacFunc {
			a, c, d := p("a"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				set4(j,
					0, -1, -1, 0,
					1, a, 0, 1,
					z, 0, x, 0,
					0, 0, -c, d)
			}
		},
	})

	// Wang, Z., Sun, Y., van Wyk, B. J., Qi, G., van Wyk, M. A. (2009). A
	// 3-D four-wing attractor and its analysis. Braz. J. Phys. 39.
	//
	//	ẋ = a (y - x),  ẏ = -x z + b x + w,  ż = -c z + e x²,  ẇ = -d x
	register("HyperWang", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x
				ds[1] = -x*z + b*x + w
				ds[2] = -c*z + e*x*x
				ds[3] = -d * x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				set4(j,
					-a, a, 0, 0,
					b-z, 0, -x, 1,
					2*e*x, 0, -c, 0,
					-d, 0, 0, 0)
			}
		},
	})

	// Letellier, C., Rössler, O. E. (2007). Hyperchaos. Scholarpedia 2(8),
	// 1936.
	//
	//	ẋ = a (y - x) + w,  ẏ = b x + e x z,  ż = -c z - x y,  ẇ = x z - d y
	register("HyperXu", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + w
				ds[1] = b*x + e*x*z
				ds[2] = -c*z - x*y
				ds[3] = x*z - d*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 1,
					b+e*z, 0, e*x, 0,
					-y, -x, -c, 0,
					z, -d, x, 0)
			}
		},
	})

	// Meier, J. (2003). Presentation of attractors with Cinema-4D.
	//
	//	ẋ = a (y - x),  ẏ = (c - a) x - x z + c y
	//	ż = -b z + x y - y z + x z - w,  ẇ = -d w + y z - x z
	register("HyperYan", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x
				ds[1] = (c-a)*x - x*z + c*y
				ds[2] = -b*z + x*y - y*z + x*z - w
				ds[3] = -d*w + y*z - x*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 0,
					c-a-z, c, -x, 0,
					y+z, x-z, -b-y+x, -1,
					-z, z, y-x, -d)
			}
		},
	})

	// Meier, J. (2003). Presentation of attractors with Cinema-4D.
	//
	//	ẋ = a (y - x),  ẏ = c x - x z + w,  ż = -b z + x y,  ẇ = -d x
	register("HyperYangChen", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x
				ds[1] = c*x - x*z + w
				ds[2] = -b*z + x*y
				ds[3] = -d * x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				set4(j,
					-a, a, 0, 0,
					c-z, 0, -x, 1,
					y, x, -b, 0,
					-d, 0, 0, 0)
			}
		},
	})
}

// set4 writes a 4×4 row-major matrix.
func set4(j []float64, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33 float64) {
	j[0], j[1], j[2], j[3] = a00, a01, a02, a03
	j[4], j[5], j[6], j[7] = a10, a11, a12, a13
	j[8], j[9], j[10], j[11] = a20, a21, a22, a23
	j[12], j[13], j[14], j[15] = a30, a31, a32, a33
}
