package systems

// Flows InteriorSquirmer through LuChenCheng (alphabetical, dysts class names).
//
// Every right-hand side is transcribed from the dysts implementation
// (williamgilpin/dysts, dysts/flows.py, commit 4b4d9de) and takes its
// parameter names from dysts' chaotic_attractors.json. Where dysts' equations
// differ from the cited paper, dysts wins, because the metadata (initial
// conditions, periods, exponents) was computed with dysts' equations.
//
// Non-autonomous systems carry their phase or time as an extra state variable,
// exactly as dysts does, so the state dimension equals the JSON
// embedding_dimension.
//
// Array-valued parameters (InteriorSquirmer, MacArthur, MultiChua) are read
// element by element with JSON/Python indexing: p("a[0]") for the first entry
// of the vector a, p("c[1][2]") for row 1, column 2 of the matrix c.

import (
	"math"
	"strconv"
)

// izSign is numpy's sign: -1, 0 or +1 (0 at 0).
func izSign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// izVec reads the n entries name[0] .. name[n-1] of a vector parameter.
func izVec(p Params, name string, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = p(name + "[" + strconv.Itoa(i) + "]")
	}
	return v
}

// izMat reads the r×c entries name[i][j] of a matrix parameter, row-major.
func izMat(p Params, name string, r, c int) []float64 {
	m := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m[i*c+j] = p(name + "[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]")
		}
	}
	return m
}

// izZero clears a Jacobian buffer.
func izZero(jac []float64) {
	for i := range jac {
		jac[i] = 0
	}
}

// izProtocol is dysts' smooth square-wave switching protocol used by the
// blinking/driven Stokes flows:
//
//	w(t) = 1/2 + 1/2 tanh(20 τ sin(2π t / τ)).
func izProtocol(t, tau float64) float64 {
	return 0.5 + 0.5*math.Tanh(tau*20*math.Sin(2*math.Pi*t/tau))
}

// izProtocolDeriv is dw/dt of izProtocol:
//
//	dw/dt = 20π (1 - tanh²(20 τ sin(2π t / τ))) cos(2π t / τ).
func izProtocolDeriv(t, tau float64) float64 {
	th := math.Tanh(tau * 20 * math.Sin(2*math.Pi*t/tau))
	return 20 * math.Pi * (1 - th*th) * math.Cos(2*math.Pi*t/tau)
}

func init() {
	// InteriorSquirmer: Stokes flow inside a squirming cylinder (polar
	// coordinates r, θ) with time-periodic switching between the two sets of
	// surface modes.
	// Blake, J. R. Self propulsion due to oscillations on the surface of a
	// cylinder at low Reynolds number. AMS Bulletin 1971.
	//
	//	w     = 1/2 + 1/2 tanh(20 τ sin(2π s / τ)),  A_n = w a_n,  G_n = (1 - w) g_n
	//	dr/dt = Σ_{n=1..5} (G_n cos nθ + A_n sin nθ) n r^n (r² - 1) / r
	//	dθ/dt = (1/r) Σ_{n=1..5} (2r + (r² - 1) n / r) (A_n cos nθ - G_n sin nθ) r^n
	//	ds/dt = 1
	//
	// The mode amplitudes are the 5-vectors a and g of the dysts metadata, read
	// as a[0..4] and g[0..4]. The analytic Jacobian is derived here (dysts'
	// own is disabled); the third row is zero.
	register("InteriorSquirmer", Equations{
		Flow: func(p Params) Func {
			const nm = 5
			a, g, tau := izVec(p, "a", nm), izVec(p, "g", nm), p("tau")
			var aa, gg [nm]float64
			copy(aa[:], a)
			copy(gg[:], g)
			return func(_ float64, x, dx []float64) {
				r, th, s := x[0], x[1], x[2]
				w := izProtocol(s, tau)
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
				dx[0] = vr
				dx[1] = vth / r
				dx[2] = 1
			}
		},
		Jac: func(p Params) JacFunc {
			const nm = 5
			a, g, tau := izVec(p, "a", nm), izVec(p, "g", nm), p("tau")
			var aa, gg [nm]float64
			copy(aa[:], a)
			copy(gg[:], g)
			return func(_ float64, x, j []float64) {
				r, th, s := x[0], x[1], x[2]
				w, dw := izProtocol(s, tau), izProtocolDeriv(s, tau)
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
			return func(_ float64, x, dx []float64) {
				al, be, ga := x[0], x[1], x[2]
				dx[0] = mu*(kappa+ga) - al*be*be - al
				dx[1] = (al*be*be + al - be) / sigma
				dx[2] = (be - ga) / delta
			}
		},
		Jac: func(p Params) JacFunc {
			delta, mu, sigma := p("delta"), p("mu"), p("sigma")
			return func(_ float64, x, j []float64) {
				al, be := x[0], x[1]
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = X*(1-X) - a12*X*Y - a13*X*Z
				dx[1] = r2*Y*(1-Y) - a21*X*Y
				dx[2] = r3*X*Z/(X+k3) - a31*X*Z - d3*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a12, a13, a21, a31 := p("a12"), p("a13"), p("a21"), p("a31")
			d3, k3, r2, r3 := p("d3"), p("k3"), p("r2"), p("r3")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				q := X + k3
				j[0], j[1], j[2] = 1-2*X-a12*Y-a13*Z, -a12*X, -a13*X
				j[3], j[4], j[5] = -a21*Y, r2*(1-2*Y)-a21*X, 0
				j[6], j[7], j[8] = r3*Z*k3/(q*q)-a31*Z, 0, r3*X/q-a31*X-d3
			}
		},
	})

	// JerkCircuit: a jerk circuit with a diode exponential nonlinearity.
	// Sprott (2011). A new chaotic jerk circuit. IEEE Circ. Sys. 2011.
	//
	//	dx/dt = y
	//	dy/dt = z
	//	dz/dt = -z - x - ε (exp(y / y0) - 1)
	register("JerkCircuit", Equations{
		Flow: func(p Params) Func {
			eps, y0 := p("eps"), p("y0")
			return func(_ float64, x, dx []float64) {
				dx[0] = x[1]
				dx[1] = x[2]
				dx[2] = -x[2] - x[0] - eps*(math.Exp(x[1]/y0)-1)
			}
		},
		Jac: func(p Params) JacFunc {
			eps, y0 := p("eps"), p("y0")
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = -1, -eps*math.Exp(x[1]/y0)/y0, -1
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = gamma*Y - gamma*X*X*X + 3*mu*gamma*X
				dx[1] = -2*mu*X - Y - Z + beta
				dx[2] = kappa*X - kappa*Z
			}
		},
		Jac: func(p Params) JacFunc {
			gamma, kappa, mu := p("gamma"), p("kappa"), p("mu")
			return func(_ float64, x, j []float64) {
				X := x[0]
				j[0], j[1], j[2] = -3*gamma*X*X+3*mu*gamma, gamma, 0
				j[3], j[4], j[5] = -2*mu, -1, -1
				j[6], j[7], j[8] = kappa, 0, -kappa
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = a*Y - a*X + b*Y*Z*Z
				dx[1] = c*X + d*X*Z*Z
				dx[2] = h*Z + k*X*X
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d, h, k := p("a"), p("b"), p("c"), p("d"), p("h"), p("k")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -a, a+b*Z*Z, 2*b*Y*Z
				j[3], j[4], j[5] = c+d*Z*Z, 0, 2*d*X*Z
				j[6], j[7], j[8] = 2*k*X, 0, h
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
	//	w     = 1/2 + 1/2 tanh(20 τ sin(2π s / τ))
	//	dx/dt = w vx(x, y; u1, u2) + (1 - w) vx(x, y; -u1, u2)
	//	dy/dt = w vy(x, y; u1, u2) + (1 - w) vy(x, y; -u1, u2)
	//	ds/dt = 1
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
			return func(_ float64, x, dx []float64) {
				X, Y, s := x[0], x[1], x[2]
				w := izProtocol(s, tau)
				shy1, chy1 := math.Sinh(k*Y), math.Cosh(k*Y)
				shy2, chy2 := math.Sinh(2*k*Y), math.Cosh(2*k*Y)
				vx1 := -b*math.Pi*sh1*shy1 + ch1*(math.Pi*Y*chy1+a*shy1)
				vx2 := -2*b*math.Pi*sh2*shy2 + ch2*(2*math.Pi*Y*chy2+a*shy2)
				vy1 := b*sh1*chy1 - ch1*Y*shy1
				vy2 := b*sh2*chy2 - ch2*Y*shy2
				// Mode 1 (scaled by u1) and mode 2 (scaled by u2) of the field.
				ax1 := 2 * math.Sin(k*X) / d1 * vx1
				ax2 := 2 * math.Sin(2*k*X) / d2 * vx2
				ay1 := 2 * math.Pi * math.Cos(k*X) / d1 * vy1
				ay2 := 4 * math.Pi * math.Cos(2*k*X) / d2 * vy2
				dx[0] = w*(u1*ax1+u2*ax2) + (1-w)*(-u1*ax1+u2*ax2)
				dx[1] = w*(u1*ay1+u2*ay2) + (1-w)*(-u1*ay1+u2*ay2)
				dx[2] = 1
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, tau, u1, u2 := p("a"), p("b"), p("tau"), p("u1"), p("u2")
			k := math.Pi / a
			d1 := 2*b*math.Pi + a*math.Sinh(2*math.Pi*b/a)
			d2 := 4*b*math.Pi + a*math.Sinh(4*math.Pi*b/a)
			sh1, ch1 := math.Sinh(math.Pi*b/a), math.Cosh(math.Pi*b/a)
			sh2, ch2 := math.Sinh(2*math.Pi*b/a), math.Cosh(2*math.Pi*b/a)
			return func(_ float64, x, j []float64) {
				X, Y, s := x[0], x[1], x[2]
				w, dw := izProtocol(s, tau), izProtocolDeriv(s, tau)
				shy1, chy1 := math.Sinh(k*Y), math.Cosh(k*Y)
				shy2, chy2 := math.Sinh(2*k*Y), math.Cosh(2*k*Y)
				sx1, cx1 := math.Sincos(k * X)
				sx2, cx2 := math.Sincos(2 * k * X)
				vx1 := -b*math.Pi*sh1*shy1 + ch1*(math.Pi*Y*chy1+a*shy1)
				vx2 := -2*b*math.Pi*sh2*shy2 + ch2*(2*math.Pi*Y*chy2+a*shy2)
				vy1 := b*sh1*chy1 - ch1*Y*shy1
				vy2 := b*sh2*chy2 - ch2*Y*shy2
				// d/dY of the profiles.
				vx1y := -b*math.Pi*sh1*k*chy1 + ch1*(math.Pi*chy1+math.Pi*Y*k*shy1+a*k*chy1)
				vx2y := -2*b*math.Pi*sh2*2*k*chy2 + ch2*(2*math.Pi*chy2+2*math.Pi*Y*2*k*shy2+a*2*k*chy2)
				vy1y := b*sh1*k*shy1 - ch1*(shy1+Y*k*chy1)
				vy2y := b*sh2*2*k*shy2 - ch2*(shy2+Y*2*k*chy2)
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

	// LiuChen: the Liu-Chen four-wing system; in dysts a Sakarya system with
	// its own parameters (see Sakarya for the equations).
	// Liu, Chen. Int J Bifurcat Chaos. 2004: 1395-1403.
	register("LiuChen", izSakarya)

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
			return func(_ float64, x, dx []float64) {
				dx[0] = sigma*x[1] - sigma*x[0]
				dx[1] = rho*x[0] - x[0]*x[2] - x[1]
				dx[2] = x[0]*x[1] - beta*x[2]
			}
		},
		Jac: func(p Params) JacFunc {
			beta, rho, sigma := p("beta"), p("rho"), p("sigma")
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = -sigma, sigma, 0
				j[3], j[4], j[5] = rho-x[2], -1, -x[0]
				j[6], j[7], j[8] = x[1], x[0], -beta
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				dx[0] = -a*X - Y*Y - Z*Z + a*f
				dx[1] = -Y + X*Y - b*X*Z + g
				dx[2] = -Z + b*X*Y + X*Z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2] = -a, -2*Y, -2*Z
				j[3], j[4], j[5] = Y-b*Z, X-1, -b*X
				j[6], j[7], j[8] = b*Y+Z, b*X, X-1
			}
		},
	})

	// Lorenz96: the Lorenz (1996) ring model with N = 4 sites (the dysts
	// dimension; the forcing F is the parameter f), indices taken mod 4:
	// Lorenz, Edward (1996). Predictability: A problem partly solved. Seminar
	// on Predictability, Vol. I, ECMWF.
	//
	//	dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F
	register("Lorenz96", Equations{
		Flow: func(p Params) Func {
			f := p("f")
			return func(_ float64, x, dx []float64) {
				const n = 4
				for i := 0; i < n; i++ {
					dx[i] = (x[(i+1)%n]-x[(i+n-2)%n])*x[(i+n-1)%n] - x[i] + f
				}
			}
		},
		Jac: func(p Params) JacFunc {
			return func(_ float64, x, j []float64) {
				const n = 4
				izZero(j[:n*n])
				for i := 0; i < n; i++ {
					ip, im1, im2 := (i+1)%n, (i+n-1)%n, (i+n-2)%n
					j[i*n+ip] += x[im1]
					j[i*n+im2] -= x[im1]
					j[i*n+im1] += x[ip] - x[im2]
					j[i*n+i] -= 1
				}
			}
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z := x[0], x[1], x[2]
				g := 1 - (X*X+Y*Y+Z*Z)*ir2
				dx[0] = (sigma*Y - sigma*X) * g
				dx[1] = (rho*X - X*Z - Y) * g
				dx[2] = (X*Y - beta*Z) * g
			}
		},
		Jac: func(p Params) JacFunc {
			beta, r, rho, sigma := p("beta"), p("r"), p("rho"), p("sigma")
			ir2 := 1 / (r * r)
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				g := 1 - (X*X+Y*Y+Z*Z)*ir2
				l0, l1, l2 := sigma*Y-sigma*X, rho*X-X*Z-Y, X*Y-beta*Z
				// d(L g)/dX = g dL/dX + L (dg/dX)ᵀ, dg/dX = -2 X / r².
				gx, gy, gz := -2*X*ir2, -2*Y*ir2, -2*Z*ir2
				j[0], j[1], j[2] = -sigma*g+l0*gx, sigma*g+l0*gy, l0*gz
				j[3], j[4], j[5] = (rho-Z)*g+l1*gx, -g+l1*gy, -X*g+l1*gz
				j[6], j[7], j[8] = Y*g+l2*gx, X*g+l2*gy, -beta*g+l2*gz
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
			return func(_ float64, x, dx []float64) {
				x1, y1, z1, x2, y2, z2 := x[0], x[1], x[2], x[3], x[4], x[5]
				dx[0] = sigma*y1 - sigma*x1
				dx[1] = rho1*x1 - x1*z1 - y1
				dx[2] = x1*y1 - beta*z1
				dx[3] = sigma*y2 - sigma*x2 + eps*x1 - eps*x2
				dx[4] = rho2*x2 - x2*z2 - y2
				dx[5] = x2*y2 - beta*z2
			}
		},
		Jac: func(p Params) JacFunc {
			beta, eps, rho1, rho2, sigma := p("beta"), p("eps"), p("rho1"), p("rho2"), p("sigma")
			return func(_ float64, x, j []float64) {
				const n = 6
				izZero(j[:n*n])
				x1, y1, z1, x2, y2, z2 := x[0], x[1], x[2], x[3], x[4], x[5]
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
			return func(_ float64, x, dx []float64) {
				X, Y, Z, W := x[0], x[1], x[2], x[3]
				dx[0] = a*Y - a*X + d*W
				dx[1] = c*X - X*Z - Y
				dx[2] = X*Y - b*Z
				dx[3] = -X - a*W
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, x, j []float64) {
				X, Y, Z := x[0], x[1], x[2]
				j[0], j[1], j[2], j[3] = -a, a, 0, d
				j[4], j[5], j[6], j[7] = c-Z, -1, -X, 0
				j[8], j[9], j[10], j[11] = Y, X, -b, 0
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
			return func(_ float64, x, dx []float64) {
				dx[0] = a*x[1] - a*x[0]
				dx[1] = -x[0]*x[2] + c*x[1]
				dx[2] = x[0]*x[1] - b*x[2]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c := p("a"), p("b"), p("c")
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = -a, a, 0
				j[3], j[4], j[5] = -x[2], c, -x[0]
				j[6], j[7], j[8] = x[1], x[0], -b
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
			return func(_ float64, x, dx []float64) {
				dx[0] = -k*x[0] - x[1]*x[2] + c
				dx[1] = a*x[1] + x[0]*x[2]
				dx[2] = b*x[2] + x[0]*x[1]
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			k := a * b / (a + b)
			return func(_ float64, x, j []float64) {
				j[0], j[1], j[2] = -k, -x[2], -x[1]
				j[3], j[4], j[5] = x[2], a, x[0]
				j[6], j[7], j[8] = x[1], x[0], b
			}
		},
	})
}
