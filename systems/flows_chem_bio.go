package systems

// Chemical, biological and economic models: reaction kinetics
// (Belousov-Zhabotinsky, Brusselator, isothermal and Kawczynski-Strizhak
// oscillators, glycolysis), cell physiology (calcium oscillations, cell
// cycle, circadian rhythm), population dynamics and ecology (food webs,
// predator-prey, plankton, tumour, Salton Sea) and economic cycles (Bouali,
// Finance).

import "math"

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

func init() {
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

	// Bouali, S. (1999). Feedback loop in extended van der Pol's equation
	// applied to an economic model of cycles. Int. J. Bifurc. Chaos 9(4).
	// Bouali and Bouali2 share the equations:
	//
	//	ẋ = a x (y0 - y) - b z
	//	ẏ = g y (x² - 1)
	//	ż = -1.5 m x + m bb x z - c z
	register("Bouali", boualiEquations())
	register("Bouali2", boualiEquations())

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

	// Prigogine, I. (1980). From Being to Becoming. W. H. Freeman. The
	// periodically forced Brusselator; state (x, y, φ), φ = w t:
	//
	//	ẋ = a + x² y - (b + 1) x + f cos φ,  ẏ = b x - x² y,  φ̇ = w
	register("ForcedBrusselator", Equations{
		Flow: func(p Params) Func {
			a, b, f, w := p("a"), p("b"), p("f"), p("w")
			return func(_ float64, s, ds []float64) {
				x, y, phi := s[0], s[1], s[2]
				ds[0] = a + x*x*y - (b+1)*x + f*math.Cos(phi)
				ds[1] = b*x - x*x*y
				ds[2] = w
			}
		},
		Jac: func(p Params) JacFunc {
			b, f := p("b"), p("f")
			return func(_ float64, s, j []float64) {
				x, y, phi := s[0], s[1], s[2]
				j[0], j[1], j[2] = 2*x*y-(b+1), x*x, -f*math.Sin(phi)
				j[3], j[4], j[5] = b-2*x*y, -x*x, 0
				j[6], j[7], j[8] = 0, 0, 0
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

	// IsothermalChemical: mixed-mode oscillations of an isothermal
	// autocatalytic reaction scheme.
	// Petrov, Scott, Showalter. Mixed-mode oscillations in chemical systems.
	// J Chem Phys 1992.
	//
	//	dα/dt = μ (κ + γ) - α β² - α
	//	dβ/dt = (α β² + α - β) / σ
	//	dγ/dt = (β - γ) / δ
	register("IsothermalChemical", Equations{
		Flow: func(p Params) Func {
			delta, kappa, mu, sigma := p("delta"), p("kappa"), p("mu"), p("sigma")
			return func(_ float64, s, ds []float64) {
				al, be, ga := s[0], s[1], s[2]
				ds[0] = mu*(kappa+ga) - al*be*be - al
				ds[1] = (al*be*be + al - be) / sigma
				ds[2] = (be - ga) / delta
			}
		},
		Jac: func(p Params) JacFunc {
			delta, mu, sigma := p("delta"), p("mu"), p("sigma")
			return func(_ float64, s, j []float64) {
				al, be := s[0], s[1]
				j[0], j[1], j[2] = -be*be-1, -2*al*be, mu
				j[3], j[4], j[5] = (be*be+1)/sigma, (2*al*be-1)/sigma, 0
				j[6], j[7], j[8] = 0, 1/delta, -1/delta
			}
		},
	})

	// ItikBanksTumor: tumour cells x, healthy cells y, effector immune cells z.
	// Itik, Banks. Int J Bifurcat Chaos 2010.
	//
	//	dx/dt = x (1 - x) - a12 x y - a13 x z
	//	dy/dt = r2 y (1 - y) - a21 x y
	//	dz/dt = r3 x z / (x + k3) - a31 x z - d3 z
	register("ItikBanksTumor", Equations{
		Flow: func(p Params) Func {
			a12, a13, a21, a31 := p("a12"), p("a13"), p("a21"), p("a31")
			d3, k3, r2, r3 := p("d3"), p("k3"), p("r2"), p("r3")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = x*(1-x) - a12*x*y - a13*x*z
				ds[1] = r2*y*(1-y) - a21*x*y
				ds[2] = r3*x*z/(x+k3) - a31*x*z - d3*z
			}
		},
		Jac: func(p Params) JacFunc {
			a12, a13, a21, a31 := p("a12"), p("a13"), p("a21"), p("a31")
			d3, k3, r2, r3 := p("d3"), p("k3"), p("r2"), p("r3")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				q := x + k3
				j[0], j[1], j[2] = 1-2*x-a12*y-a13*z, -a12*x, -a13*x
				j[3], j[4], j[5] = -a21*y, r2*(1-2*y)-a21*x, 0
				j[6], j[7], j[8] = r3*z*k3/(q*q)-a31*z, 0, r3*x/q-a31*x-d3
			}
		},
	})

	// KawczynskiStrizhak: a three-variable model of the Belousov-Zhabotinsky
	// reaction.
	// P. E. Strizhak and A. L. Kawczynski, J. Phys. Chem. 99, 10830 (1995).
	//
	//	dx/dt = γ y - γ x³ + 3 μ γ x
	//	dy/dt = -2 μ x - y - z + β
	//	dz/dt = κ x - κ z
	register("KawczynskiStrizhak", Equations{
		Flow: func(p Params) Func {
			beta, gamma, kappa, mu := p("beta"), p("gamma"), p("kappa"), p("mu")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = gamma*y - gamma*x*x*x + 3*mu*gamma*x
				ds[1] = -2*mu*x - y - z + beta
				ds[2] = kappa*x - kappa*z
			}
		},
		Jac: func(p Params) JacFunc {
			gamma, kappa, mu := p("gamma"), p("kappa"), p("mu")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = -3*gamma*x*x+3*mu*gamma, gamma, 0
				j[3], j[4], j[5] = -2*mu, -1, -1
				j[6], j[7], j[8] = kappa, 0, -kappa
			}
		},
	})

	// MacArthur: MacArthur's consumer-resource model, five phytoplankton
	// species N_i competing for five resources R_j with Liebig's law of the
	// minimum (state: N_0..N_4, R_0..R_4).
	// MacArthur, R. 1969. Species packing, and what competition minimizes.
	// PNAS 64:1369. Parameter values taken from a model of phytoplankton in
	// Huisman & Weissing. Nature 1999.
	//
	//	μ_i    = min_j r R_j / (K_ji + R_j)
	//	dN_i/dt = N_i (μ_i - m)
	//	dR_j/dt = D (S_j - R_j) - Σ_i C_ji μ_i N_i
	//
	// with K = k (5×5, rows = resources), C = c (5×5), S = s (5-vector), D = d,
	// read as k[j][i], c[j][i], s[j]. No analytic Jacobian (the minimum is
	// non-smooth).
	register("MacArthur", Equations{
		Flow: func(p Params) Func {
			const n = 5
			c, k, s := paramMat(p, "c", n, n), paramMat(p, "k", n, n), paramVec(p, "s", n)
			d, m, r := p("d"), p("m"), p("r")
			var cc, kk [n * n]float64
			var ss [n]float64
			copy(cc[:], c)
			copy(kk[:], k)
			copy(ss[:], s)
			return func(_ float64, s, ds []float64) {
				var g [n]float64 // μ_i N_i
				for i := 0; i < n; i++ {
					mu := math.Inf(1)
					for j := 0; j < n; j++ {
						rj := s[n+j]
						if u := r * rj / (kk[j*n+i] + rj); u < mu {
							mu = u
						}
					}
					ds[i] = s[i] * (mu - m)
					g[i] = mu * s[i]
				}
				for j := 0; j < n; j++ {
					sum := 0.0
					for i := 0; i < n; i++ {
						sum += cc[j*n+i] * g[i]
					}
					ds[n+j] = d*(ss[j]-s[n+j]) - sum
				}
			}
		},
	})

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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = r*x*(1-(x+y)/k) - lam*x*y
				ds[1] = lam*x*y - m*y*z/(y+a) - mu*y
				ds[2] = th*y*z/(y+a) - d*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, d, k, lam := p("a"), p("d"), p("k"), p("lam")
			m, mu, r, th := p("m"), p("mu"), p("r"), p("th")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				q := y + a
				j[0], j[1], j[2] = r*(1-(x+y)/k)-r*x/k-lam*y, -r*x/k-lam*x, 0
				j[3], j[4], j[5] = lam*y, lam*x-m*z*a/(q*q)-mu, -m*y/q
				j[6], j[7], j[8] = 0, th*z*a/(q*q), th*y/q-d
			}
		},
	})

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
			h, lamb, r, sp := p("h"), p("lamb"), p("r"), p("s")
			return func(_ float64, s, ds []float64) {
				n, p, z := s[0], s[1], s[2]
				f := 1 - e*math.Sin(z)
				ds[0] = r*f*n - r*n*n - g*n*n/(n*n+h*h) - a*n*p/(n+d)
				ds[1] = sp*f*p - sp*p*p/n
				ds[2] = 2 * math.Pi * lamb
			}
		},
		Jac: func(p Params) JacFunc {
			a, d, e, g := p("a"), p("d"), p("e"), p("g")
			h, r, sp := p("h"), p("r"), p("s")
			return func(_ float64, s, j []float64) {
				n, p, z := s[0], s[1], s[2]
				sz, cz := math.Sincos(z)
				f := 1 - e*sz
				q, nd := n*n+h*h, n+d
				j[0] = r*f - 2*r*n - 2*g*n*h*h/(q*q) - a*p*d/(nd*nd)
				j[1] = -a * n / nd
				j[2] = -r * e * cz * n
				j[3] = sp * p * p / (n * n)
				j[4] = sp*f - 2*sp*p/n
				j[5] = -sp * e * cz * p
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})
}
