package systems

// Electronic circuits and neurons: Chua's circuit and its coupled array,
// Colpitts, Dadras, the laser, San-Um-Srisuchinwong, Yu-Wang and Zhou-Chen
// circuit models, and the neuron and neural-network models (Beer's CTRNN,
// Hopfield, cellular neural network, Hindmarsh-Rose, Chay's excitable cell,
// the forced FitzHugh-Nagumo neuron).

import "math"

// yuWangEquations builds dysts' YuWang (g = exp, dg = exp) and YuWang2 (g = cosh,
// dg = sinh):
//
//	dx/dt = a (y - x)
//	dy/dt = b x - c x z
//	dz/dt = g(x y) - d z
func yuWangEquations(g, dg func(float64) float64) Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a * (y - x)
				ds[1] = b*x - c*x*z
				ds[2] = g(x*y) - d*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				e := dg(x * y)
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = b-c*z, 0, -c*x
				j[6], j[7], j[8] = y*e, x*e, -d
			}
		},
	}
}

func init() {
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
				x, y, z := s[0], s[1], s[2]
				fx, fy, fz := cnnF(x), cnnF(y), cnnF(z)
				ds[0] = -x + d*fx - b*fy - b*fz
				ds[1] = -y - b*fx + c*fy - a*fz
				ds[2] = -z - b*fx + a*fy + fz
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				gx, gy, gz := cnnDF(x), cnnDF(y), cnnDF(z)
				j[0], j[1], j[2] = -1+d*gx, -b*gy, -b*gz
				j[3], j[4], j[5] = -b*gx, -1+c*gy, -a*gz
				j[6], j[7], j[8] = -b*gx, a*gy, -1+gz
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
				z := s[2]
				u := z - (e - 1)
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

	// FitzHugh, R. (1961). Impulses and physiological states in theoretical
	// models of nerve membrane. Biophys. J. 1(6). State (v, w, φ), φ = ω t:
	//
	//	v̇ = v - v³/3 - w + curr + f sin φ,  ẇ = γ (v + a - b w),  φ̇ = ω
	register("ForcedFitzHughNagumo", Equations{
		Flow: func(p Params) Func {
			a, b, curr, f, gamma, omega := p("a"), p("b"), p("curr"), p("f"), p("gamma"), p("omega")
			return func(_ float64, s, ds []float64) {
				v, w, phi := s[0], s[1], s[2]
				ds[0] = v - v*v*v/3 - w + curr + f*math.Sin(phi)
				ds[1] = gamma * (v + a - b*w)
				ds[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			b, f, gamma := p("b"), p("f"), p("gamma")
			return func(_ float64, s, j []float64) {
				v, phi := s[0], s[2]
				j[0], j[1], j[2] = 1-v*v, -1, f*math.Cos(phi)
				j[3], j[4], j[5] = gamma, -gamma*b, 0
				j[6], j[7], j[8] = 0, 0, 0
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
			return func(_ float64, s, j []float64) {
				for i := range n {
					var u float64
					for col := range n {
						u += k[i*n+col] * s[col]
					}
					th := math.Tanh(eps * u)
					g := eps * (1 - th*th) / 2
					for col := range n {
						j[i*n+col] = g * k[i*n+col]
					}
					j[i*n+i] -= 1 / tau
				}
			}
		},
	})

	// Laser: a laser-like three-dimensional chaotic system.
	// Abooee, Yaghini-Bonabi, Jahed-Motlagh (2013). Analysis and circuitry
	// realization of a novel three-dimensional chaotic system. Comm Nonline Sci 2013.
	//
	//	dx/dt = a (y - x) + b y z²
	//	dy/dt = c x + d x z²
	//	dz/dt = h z + k x²
	register("Laser", Equations{
		Flow: func(p Params) Func {
			a, b, c, d, h, k := p("a"), p("b"), p("c"), p("d"), p("h"), p("k")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x + b*y*z*z
				ds[1] = c*x + d*x*z*z
				ds[2] = h*z + k*x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, h, k := p("a"), p("b"), p("c"), p("d"), p("h"), p("k")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, a+b*z*z, 2*b*y*z
				j[3], j[4], j[5] = c+d*z*z, 0, 2*d*x*z
				j[6], j[7], j[8] = 2*k*x, 0, h
			}
		},
	})

	// MultiChua: Chua's circuit with a multi-segment piecewise-linear diode,
	// giving multi-scroll attractors.
	// Mufcstak E. Yalcin, Johan A. K. Suykens, Joos Vandewalle. Cellular Neural
	// Networks, Multi-Scroll Chaos And Synchronization.
	//
	//	h(x)  = m_5 x + Σ_{i=1..5} (m_{i-1} - m_i)/2 (|x + c_i| - |x - c_i|)
	//	dx/dt = a (y - h(x))
	//	dy/dt = x - y + z
	//	dz/dt = -b y
	//
	// with the 6-vectors m and c read as m[0..5], c[0..5] (c[0] is unused, as
	// in dysts). No analytic Jacobian (h is piecewise linear).
	register("MultiChua", Equations{
		Flow: func(p Params) Func {
			const n = 6
			a, b := p("a"), p("b")
			c, m := paramVec(p, "c", n), paramVec(p, "m", n)
			var cc, mm [n]float64
			copy(cc[:], c)
			copy(mm[:], m)
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				h := mm[n-1] * x
				for i := 1; i < n; i++ {
					h += 0.5 * (mm[i-1] - mm[i]) * (math.Abs(x+cc[i]) - math.Abs(x-cc[i]))
				}
				ds[0] = a * (y - h)
				ds[1] = x - y + z
				ds[2] = -b * y
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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y - x
				ds[1] = -z * math.Tanh(x)
				ds[2] = -a + x*y + math.Abs(y)
			}
		},
	})

	// YuWang: a 3-D system with an exponential nonlinearity; see yuWangEquations.
	// Yu, Wang (2012). A novel three dimension autonomous chaotic system with a
	// quadratic exponential nonlinear term. Eng Techn & Applied Science Research.
	register("YuWang", yuWangEquations(math.Exp, math.Exp))

	// YuWang2: YuWang with cosh in place of exp; see yuWangEquations.
	// Yu, Wang (2012). A novel three dimension autonomous chaotic system with a
	// quadratic exponential nonlinear term. Eng Techn & Applied Science Research.
	register("YuWang2", yuWangEquations(math.Cosh, math.Sinh))

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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x + b*y + y*z
				ds[1] = c*y - x*z + d*y*z
				ds[2] = e*z - x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, e := p("a"), p("b"), p("c"), p("d"), p("e")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a, b+z, y
				j[3], j[4], j[5] = -z, c+d*z, -x+d*y
				j[6], j[7], j[8] = -y, -x, e
			}
		},
	})
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
