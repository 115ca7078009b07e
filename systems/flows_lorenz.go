package systems

// Lorenz-like flows: the Lorenz (1963) convection model and its
// descendants and relatives, three-dimensional quadratic flows with one or
// two scrolls or wings: Lorenz84 and Hadley (atmospheric circulation),
// Lorenz96, the bounded, coupled and Stenflo variants, the anti-controlled
// Chen, Lü-Chen and Lü-Chen-Cheng systems, Shimizu-Morioka, the three-scroll
// DequanLi family (PanXuZhou, Tsucs2), the four-wing Sakarya, LiuChen, QiChen
// and WangSun systems, Aizawa, Burke-Shaw and Rössler's spiral chaos.

// dequanLiEquations is dysts' DequanLi class, shared by its subclasses
// PanXuZhou and Tsucs2 (dysts gives them their own parameters only). The
// first term is evaluated as a y - a x, as in dysts' flows.py:
//
//	dx/dt = a (y - x) + d x z
//	dy/dt = k x + f y - x z
//	dz/dt = c z + x y - ε x²
func dequanLiEquations() Equations {
	return Equations{
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
	}
}

// sakaryaEquations is dysts' Sakarya class, shared with its subclass LiuChen:
//
//	dx/dt = a x + h y + s y z
//	dy/dt = -b y - p x + q x z
//	dz/dt = c z - r x y
func sakaryaEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b, c, h := p("a"), p("b"), p("c"), p("h")
			pp, q, r, sp := p("p"), p("q"), p("r"), p("s")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x + h*y + sp*y*z
				ds[1] = -b*y - pp*x + q*x*z
				ds[2] = c*z - r*x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, h := p("a"), p("b"), p("c"), p("h")
			pp, q, r, sp := p("p"), p("q"), p("r"), p("s")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a, h+sp*z, sp*y
				j[3], j[4], j[5] = -pp+q*z, -b, q*x
				j[6], j[7], j[8] = -r*y, -r*x, c
			}
		},
	}
}

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

	// DequanLi: the three-scroll attractor; PanXuZhou and Tsucs2 are the same
	// equations (dysts subclasses). See dequanLiEquations.
	// Li, D. (2008). A three-scroll chaotic attractor. Phys. Lett. A 372,
	// 387–393.
	register("DequanLi", dequanLiEquations())

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

	// LiuChen: the Liu-Chen four-wing system; in dysts a Sakarya system with
	// its own parameters (see Sakarya for the equations).
	// Liu, Chen. Int J Bifurcat Chaos. 2004: 1395-1403.
	register("LiuChen", sakaryaEquations())

	// Lorenz: the Lorenz (1963) convection model.
	// Lorenz, Edward N (1963). Deterministic nonperiodic flow. Journal of the
	// atmospheric sciences 20.2 (1963): 130-141.
	//
	//	dx/dt = σ (y - x)
	//	dy/dt = x (ρ - z) - y
	//	dz/dt = x y - β z
	register("Lorenz", Equations{
		Flow: func(p Params) Func {
			beta, rho, sigma := p("beta"), p("rho"), p("sigma")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = sigma*y - sigma*x
				ds[1] = rho*x - x*z - y
				ds[2] = x*y - beta*z
			}
		},
		Jac: func(p Params) JacFunc {
			beta, rho, sigma := p("beta"), p("rho"), p("sigma")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -sigma, sigma, 0
				j[3], j[4], j[5] = rho-z, -1, -x
				j[6], j[7], j[8] = y, x, -beta
			}
		},
	})

	// Lorenz84: Lorenz's low-order model of the general atmospheric circulation.
	// E. Lorenz (1984). Irregularity: a fundamental property of the atmosphere.
	// Tellus A, vol. 36, no. 2, pp. 98--110, 1984.
	//
	//	dx/dt = -a x - y² - z² + a f
	//	dy/dt = -y + x y - b x z + g
	//	dz/dt = -z + b x y + x z
	register("Lorenz84", Equations{
		Flow: func(p Params) Func {
			a, b, f, g := p("a"), p("b"), p("f"), p("g")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a*x - y*y - z*z + a*f
				ds[1] = -y + x*y - b*x*z + g
				ds[2] = -z + b*x*y + x*z
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

	// Lorenz96: the Lorenz (1996) ring model of N sites, indices taken mod N:
	// Lorenz, Edward (1996). Predictability: A problem partly solved. Seminar
	// on Predictability, Vol. I, ECMWF.
	//
	//	dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F
	//
	// The forcing F is the dysts parameter f. dysts sizes the ring by its
	// initial condition (4 sites in its metadata); here N is the parameter
	// "N" (default 4), so the closures take N = len(x). At N ≠ 4 the default
	// initial condition is x_i = F with x_0 = F + 0.01 (the uniform state is
	// an unstable equilibrium; the perturbation breaks the ring's symmetry).
	// dysts' 4-site state repeated would lie in the invariant subspace of
	// period-4 states, which trajectories leave only through rounding errors.
	register("Lorenz96", Equations{
		Flow: func(p Params) Func {
			f := p("f")
			return func(_ float64, s, ds []float64) {
				n := len(s)
				for i := 0; i < n; i++ {
					ds[i] = (s[(i+1)%n]-s[(i+n-2)%n])*s[(i+n-1)%n] - s[i] + f
				}
			}
		},
		Jac: func(p Params) JacFunc {
			return func(_ float64, s, j []float64) {
				n := len(s)
				clear(j[:n*n])
				for i := 0; i < n; i++ {
					ip, im1, im2 := (i+1)%n, (i+n-1)%n, (i+n-2)%n
					j[i*n+ip] += s[im1]
					j[i*n+im2] -= s[im1]
					j[i*n+im1] += s[ip] - s[im2]
					j[i*n+i] -= 1
				}
			}
		},
		DimParam: "N",
		MinDim:   4,
		ResizedIC: func(p Params, n int) []float64 {
			f := p("f")
			ic := make([]float64, n)
			for i := range ic {
				ic[i] = f
			}
			ic[0] += 0.01
			return ic
		},
	})

	// LorenzBounded: the Lorenz system confined to a ball of radius r by a
	// multiplicative factor that vanishes on the sphere.
	// Sprott & Xiong (2015). Chaos.
	//
	// With S = x² + y² + z² and L the Lorenz field (σ(y-x), ρx - xz - y, xy - βz),
	//
	//	dX/dt = L(X) (1 - S / r²)
	//
	// which is dysts' expanded polynomial, factored.
	register("LorenzBounded", Equations{
		Flow: func(p Params) Func {
			beta, r, rho, sigma := p("beta"), p("r"), p("rho"), p("sigma")
			ir2 := 1 / (r * r)
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				g := 1 - (x*x+y*y+z*z)*ir2
				ds[0] = (sigma*y - sigma*x) * g
				ds[1] = (rho*x - x*z - y) * g
				ds[2] = (x*y - beta*z) * g
			}
		},
		Jac: func(p Params) JacFunc {
			beta, r, rho, sigma := p("beta"), p("r"), p("rho"), p("sigma")
			ir2 := 1 / (r * r)
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				g := 1 - (x*x+y*y+z*z)*ir2
				l0, l1, l2 := sigma*y-sigma*x, rho*x-x*z-y, x*y-beta*z
				// d(L g)/dX = g dL/dX + L (dg/dX)ᵀ, dg/dX = -2 X / r².
				gx, gy, gz := -2*x*ir2, -2*y*ir2, -2*z*ir2
				j[0], j[1], j[2] = -sigma*g+l0*gx, sigma*g+l0*gy, l0*gz
				j[3], j[4], j[5] = (rho-z)*g+l1*gx, -g+l1*gy, -x*g+l1*gz
				j[6], j[7], j[8] = y*g+l2*gx, x*g+l2*gy, -beta*g+l2*gz
			}
		},
	})

	// LorenzCoupled: two Lorenz systems with different ρ, the second driven
	// by the first through diffusive coupling ε in x.
	// Lorenz, Edward N. Deterministic nonperiodic flow. Journal of the
	// atmospheric sciences 20.2 (1963): 130-141.
	//
	//	dx1/dt = σ (y1 - x1)             dx2/dt = σ (y2 - x2) + ε (x1 - x2)
	//	dy1/dt = ρ1 x1 - x1 z1 - y1      dy2/dt = ρ2 x2 - x2 z2 - y2
	//	dz1/dt = x1 y1 - β z1            dz2/dt = x2 y2 - β z2
	//
	// The parameter rho is in the metadata but unused by dysts' equations.
	register("LorenzCoupled", Equations{
		Flow: func(p Params) Func {
			beta, eps, rho1, rho2, sigma := p("beta"), p("eps"), p("rho1"), p("rho2"), p("sigma")
			return func(_ float64, s, ds []float64) {
				x1, y1, z1, x2, y2, z2 := s[0], s[1], s[2], s[3], s[4], s[5]
				ds[0] = sigma*y1 - sigma*x1
				ds[1] = rho1*x1 - x1*z1 - y1
				ds[2] = x1*y1 - beta*z1
				ds[3] = sigma*y2 - sigma*x2 + eps*x1 - eps*x2
				ds[4] = rho2*x2 - x2*z2 - y2
				ds[5] = x2*y2 - beta*z2
			}
		},
		Jac: func(p Params) JacFunc {
			beta, eps, rho1, rho2, sigma := p("beta"), p("eps"), p("rho1"), p("rho2"), p("sigma")
			return func(_ float64, s, j []float64) {
				const n = 6
				clear(j[:n*n])
				x1, y1, z1, x2, y2, z2 := s[0], s[1], s[2], s[3], s[4], s[5]
				j[0*n+0], j[0*n+1] = -sigma, sigma
				j[1*n+0], j[1*n+1], j[1*n+2] = rho1-z1, -1, -x1
				j[2*n+0], j[2*n+1], j[2*n+2] = y1, x1, -beta
				j[3*n+0], j[3*n+3], j[3*n+4] = eps, -sigma-eps, sigma
				j[4*n+3], j[4*n+4], j[4*n+5] = rho2-z2, -1, -x2
				j[5*n+3], j[5*n+4], j[5*n+5] = y2, x2, -beta
			}
		},
	})

	// LorenzStenflo: the Lorenz-Stenflo hyperchaotic model of atmospheric
	// acoustic-gravity waves.
	// Letellier & Rossler (2007). Hyperchaos. Scholarpedia 2.8 (2007): 1936.
	//
	//	dx/dt = a (y - x) + d w
	//	dy/dt = c x - x z - y
	//	dz/dt = x y - b z
	//	dw/dt = -x - a w
	register("LorenzStenflo", Equations{
		Flow: func(p Params) Func {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + d*w
				ds[1] = c*x - x*z - y
				ds[2] = x*y - b*z
				ds[3] = -x - a*w
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2], j[3] = -a, a, 0, d
				j[4], j[5], j[6], j[7] = c-z, -1, -x, 0
				j[8], j[9], j[10], j[11] = y, x, -b, 0
				j[12], j[13], j[14], j[15] = -1, 0, 0, -a
			}
		},
	})

	// LuChen: the Lü-Chen system, between Lorenz and Chen.
	// Lu, Chen. Int J Bifurcat Chaos. 2002: 659-661.
	//
	//	dx/dt = a (y - x)
	//	dy/dt = -x z + c y
	//	dz/dt = x y - b z
	register("LuChen", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x
				ds[1] = -x*z + c*y
				ds[2] = x*y - b*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = -z, c, -x
				j[6], j[7], j[8] = y, x, -b
			}
		},
	})

	// LuChenCheng: the Lü-Chen-Cheng multi-scroll system.
	// Lu, Chen, Cheng. Int J Bifurcat Chaos. 2004: 1507--1537.
	//
	//	dx/dt = -(a b / (a + b)) x - y z + c
	//	dy/dt = a y + x z
	//	dz/dt = b z + x y
	register("LuChenCheng", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			k := a * b / (a + b)
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -k*x - y*z + c
				ds[1] = a*y + x*z
				ds[2] = b*z + x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			k := a * b / (a + b)
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -k, -z, -y
				j[3], j[4], j[5] = z, a, x
				j[6], j[7], j[8] = y, x, b
			}
		},
	})

	// PanXuZhou: a DequanLi-type (unified three-scroll) system with its own
	// parameters; see dequanLiEquations for the equations.
	// Zhou, Wuneng, et al. On dynamics analysis of a new chaotic attractor.
	// Physics Letters A 372.36 (2008): 5773-5777.
	register("PanXuZhou", dequanLiEquations())

	// QiChen: the Qi-Chen double-wing system.
	// Qi et al. Chaos, Solitons & Fractals 2008.
	//
	//	dx/dt = a (y - x) + y z
	//	dy/dt = c x + y - x z
	//	dz/dt = x y - b z
	register("QiChen", Equations{
		Flow: func(p Params) Func {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y - a*x + y*z
				ds[1] = c*x + y - x*z
				ds[2] = x*y - b*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, a+z, y
				j[3], j[4], j[5] = c-z, 1, -x
				j[6], j[7], j[8] = y, x, -b
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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -y - z
				ds[1] = x + a*y
				ds[2] = b + z*x - c*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, c := p("a"), p("c")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				j[0], j[1], j[2] = 0, -1, -1
				j[3], j[4], j[5] = 1, a, 0
				j[6], j[7], j[8] = z, 0, x-c
			}
		},
	})

	// Sakarya: a four-wing attractor born in bistability; see sakaryaEquations.
	// Li, Chunbiao, et al (2015). A novel four-wing strange attractor born in
	// bistability. IEICE Electronics Express 12.4.
	register("Sakarya", sakaryaEquations())

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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = x - a*y - x*z
				ds[2] = -b*z + x*x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 1-z, -a, -x
				j[6], j[7], j[8] = 2*x, 0, -b
			}
		},
	})

	// Tsucs2: the three-scroll unified chaotic system, a DequanLi-type system
	// with its own parameters; see dequanLiEquations.
	// Pan, Zhou, Li (2013). Synchronization of Three-Scroll Unified Chaotic
	// System (TSUCS) and its hyper-chaotic system using active pinning control.
	register("Tsucs2", dequanLiEquations())

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
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x + q*y*z
				ds[1] = b*x + d*y - x*z
				ds[2] = e*z + f*x*y
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, d, e, f, q := p("a"), p("b"), p("d"), p("e"), p("f"), p("q")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = a, q*z, q*y
				j[3], j[4], j[5] = b-z, d, -x
				j[6], j[7], j[8] = f*y, f*x, e
			}
		},
	})
}
