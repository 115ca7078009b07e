package systems

// Flows MacArthur through Rucklidge (dysts class names); see flows_i_z.go for
// the conventions. MackeyGlass is in flows_i_z_delay.go.

import "math"

// izDequanLi is dysts' DequanLi class, shared by its subclasses PanXuZhou and
// Tsucs2 (dysts gives them their own parameters only):
//
//	dx/dt = a (y - x) + d x z
//	dy/dt = k x + f y - x z
//	dz/dt = c z + x y - ε x²
var izDequanLi = Equations{
	Flow: func(p Params) Func {
		a, c, d, eps, f, k := p("a"), p("c"), p("d"), p("eps"), p("f"), p("k")
		return func(_ float64, x, dx []float64) {
			X, Y, Z := x[0], x[1], x[2]
			dx[0] = a*Y - a*X + d*X*Z
			dx[1] = k*X + f*Y - X*Z
			dx[2] = c*Z + X*Y - eps*X*X
		}
	},
	Jac: func(p Params) JacFunc {
		a, c, d, eps, f, k := p("a"), p("c"), p("d"), p("eps"), p("f"), p("k")
		return func(_ float64, x, j []float64) {
			X, Y, Z := x[0], x[1], x[2]
			j[0], j[1], j[2] = -a+d*Z, a, d*X
			j[3], j[4], j[5] = k-Z, f, -X
			j[6], j[7], j[8] = Y-2*eps*X, X, c
		}
	},
}

func init() {
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
			c, k, s := izMat(p, "c", n, n), izMat(p, "k", n, n), izVec(p, "s", n)
			d, m, r := p("d"), p("m"), p("r")
			var cc, kk [n * n]float64
			var ss [n]float64
			copy(cc[:], c)
			copy(kk[:], k)
			copy(ss[:], s)
			return func(_ float64, x, dx []float64) {
				var g [n]float64 // μ_i N_i
				for i := 0; i < n; i++ {
					mu := math.Inf(1)
					for j := 0; j < n; j++ {
						rj := x[n+j]
						if u := r * rj / (kk[j*n+i] + rj); u < mu {
							mu = u
						}
					}
					dx[i] = x[i] * (mu - m)
					g[i] = mu * x[i]
				}
				for j := 0; j < n; j++ {
					sum := 0.0
					for i := 0; i < n; i++ {
						sum += cc[j*n+i] * g[i]
					}
					dx[n+j] = d*(ss[j]-x[n+j]) - sum
				}
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = Y
				dx[1] = a * Z
				dx[2] = -Z + eps*Y - Y*X*X - b*X
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, eps := p("a"), p("b"), p("eps")
			return func(_ float64, x, j []float64) {
				X, Y := x[0], x[1]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, a
				j[6], j[7], j[8] = -2*X*Y-b, eps-X*X, -1
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
			c, m := izVec(p, "c", n), izVec(p, "m", n)
			var cc, mm [n]float64
			copy(cc[:], c)
			copy(mm[:], m)
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				h := mm[n-1] * X
				for i := 1; i < n; i++ {
					h += 0.5 * (mm[i-1] - mm[i]) * (math.Abs(X+cc[i]) - math.Abs(X-cc[i]))
				}
				dx[0] = a * (Y - h)
				dx[1] = X - Y + Z
				dx[2] = -b * Y
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = -a*X + Y + 10*Y*Z
				dx[1] = -X - 0.4*Y + 5*X*Z
				dx[2] = b*Z - 5*X*Y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -a, 1+10*Z, 10*Y
				j[3], j[4], j[5] = -1+5*Z, -0.4, 5*X
				j[6], j[7], j[8] = -5*Y, -5*X, b
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
			return func(_ float64, x, dx []float64) {
				dx[0] = x[1]
				dx[1] = -x[0] + x[1]*x[2]
				dx[2] = a - x[1]*x[1]
			}
		},
		Jac: func(p Params) JacFunc {
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -1, x[2], x[1]
				j[6], j[7], j[8] = 0, -2*x[1], 0
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
			return func(_ float64, x, dx []float64) {
				q1, q2, p1, p2 := x[0], x[1], x[2], x[3]
				dx[0] = a * p1
				dx[1] = a * p2
				dx[2] = -a*q1 + 3/s2*b*q1*q1 - 3/s2*b*q2*q2 - d*q1*q1*q1 - d*q1*q2*q2
				dx[3] = -a*q2 - 3*s2*b*q1*q2 - d*q2*q1*q1 - d*q2*q2*q2
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d := p("a"), p("b"), p("d")
			s2 := math.Sqrt(2)
			return func(_ float64, x, j []float64) {
				q1, q2 := x[0], x[1]
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
			return func(_ float64, x, dx []float64) {
				f := x[0] + b*math.Sin(x[2])
				sy, cy := math.Sincos(k * x[1])
				sf, cf := math.Sincos(k * f)
				dx[0] = u * cy * sf
				dx[1] = -u * sy * cf
				dx[2] = omega
			}
		},
		Jac: func(p Params) JacFunc {
			b, k, u := p("b"), p("k"), p("u")
			return func(_ float64, x, j []float64) {
				sz, cz := math.Sincos(x[2])
				f := x[0] + b*sz
				sy, cy := math.Sincos(k * x[1])
				sf, cf := math.Sincos(k * f)
				j[0], j[1], j[2] = u*k*cy*cf, -u*k*sy*sf, u*k*cy*cf*b*cz
				j[3], j[4], j[5] = u*k*sy*sf, -u*k*cy*cf, u*k*sy*sf*b*cz
				j[6], j[7], j[8] = 0, 0, 0
			}
		},
	})

	// PanXuZhou: a DequanLi-type (unified three-scroll) system with its own
	// parameters; see izDequanLi for the equations.
	// Zhou, Wuneng, et al. On dynamics analysis of a new chaotic attractor.
	// Physics Letters A 372.36 (2008): 5773-5777.
	register("PanXuZhou", izDequanLi)

	// PehlivanWei: a three-dimensional quadratic system with no parameters.
	// Pehlivan, Ihsan, and Wei Zhouchao (2012). Analysis, nonlinear control,
	// and chaos generator circuit of another strange chaotic system.
	//
	//	dx/dt = y - y z
	//	dy/dt = y + y z - 2 x
	//	dz/dt = 2 - x y - y²
	register("PehlivanWei", Equations{
		Flow: func(Params) Func {
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = Y - Y*Z
				dx[1] = Y + Y*Z - 2*X
				dx[2] = 2 - X*Y - Y*Y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = 0, 1-Z, -Y
				j[3], j[4], j[5] = -2, 1+Z, Y
				j[6], j[7], j[8] = -Y, -X-2*Y, 0
			}
		},
	})

	// Qi: a four-wing hyperchaotic system.
	// G. Qi, M. A. van Wyk, B. J. van Wyk, and G. Chen, (2008). On a new
	// hyperchaotic system. Physics Letters A.
	//
	//	dx/dt = a (y - x) + y z w
	//	dy/dt = b (x + y) - x z w
	//	dz/dt = -c z + x y w
	//	dw/dt = -d w + x y z
	register("Qi", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, dx []float64) {
				X, Y, Z, W := x[0], x[1], x[2], x[3]
				dx[0] = a*Y - a*X + Y*Z*W
				dx[1] = b*X + b*Y - X*Z*W
				dx[2] = -c*Z + X*Y*W
				dx[3] = -d*W + X*Y*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, j []float64) {
				X, Y, Z, W := x[0], x[1], x[2], x[3]
				j[0], j[1], j[2], j[3] = -a, a+Z*W, Y*W, Y*Z
				j[4], j[5], j[6], j[7] = b-Z*W, b, -X*W, -X*Z
				j[8], j[9], j[10], j[11] = Y*W, X*W, -c, X*Y
				j[12], j[13], j[14], j[15] = Y*Z, X*Z, X*Y, -d
			}
		},
	})

	// QiChen: the Qi-Chen double-wing system.
	// Qi et al. Chaos, Solitons & Fractals 2008.
	//
	//	dx/dt = a (y - x) + y z
	//	dy/dt = c x + y - x z
	//	dz/dt = x y - b z
	register("QiChen", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = a*Y - a*X + Y*Z
				dx[1] = c*X + Y - X*Z
				dx[2] = X*Y - b*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -a, a+Z, Y
				j[3], j[4], j[5] = c-Z, 1, -X
				j[6], j[7], j[8] = Y, X, -b
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = Y*Z - Y + Y*X*X + g*X
				dx[1] = 3*X*Z + X - X*X*X + g*Y
				dx[2] = -2*a*Z - 2*X*Y*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, g := p("a"), p("g")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = 2*X*Y+g, Z-1+X*X, Y
				j[3], j[4], j[5] = 3*Z+1-3*X*X, g, 3*X
				j[6], j[7], j[8] = -2*Y*Z, -2*X*Z, -2*a-2*X*Y
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
			return func(_ float64, x, dx []float64) {
				dx[0] = a*x[1] - a*x[0]
				dx[1] = r*x[1] - x[0]*x[2]
				dx[2] = x[0]*x[1] - b*x[2]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, r := p("a"), p("b"), p("r")
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = -x[2], r, -x[0]
				j[6], j[7], j[8] = x[1], x[0], -b
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = -mu*X + Y*Z
				dx[1] = -mu*Y - a*X + X*Z
				dx[2] = 1 - X*Y
			}
		},
		Jac: func(p Params) JacFunc {
			a, mu := p("a"), p("mu")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -mu, Z, Y
				j[3], j[4], j[5] = -a+Z, -mu, X
				j[6], j[7], j[8] = -Y, -X, 0
			}
		},
	})

	// Rossler: the Rössler attractor.
	// Rossler, O. E. (1976), An Equation for Continuous Chaos, Physics
	// Letters, 57A (5): 397-398.
	//
	//	dx/dt = -y - z
	//	dy/dt = x + a y
	//	dz/dt = b + z (x - c)
	register("Rossler", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, x, dx []float64) {
				dx[0] = -x[1] - x[2]
				dx[1] = x[0] + a*x[1]
				dx[2] = b + x[2]*x[0] - c*x[2]
			}
		},
		Jac: func(p Params) JacFunc {
			a, c := p("a"), p("c")
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = 0, -1, -1
				j[3], j[4], j[5] = 1, a, 0
				j[6], j[7], j[8] = x[2], 0, x[0]-c
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = -a*X + b*Y - Y*Z
				dx[1] = X
				dx[2] = -Z + Y*Y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, j []float64) {
				Y, Z := x[1], x[2]
				j[0], j[1], j[2] = -a, b-Z, -Y
				j[3], j[4], j[5] = 1, 0, 0
				j[6], j[7], j[8] = 0, 2*Y, -1
			}
		},
	})
}
