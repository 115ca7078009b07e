package systems

// Delay systems: the scalar delay differential equations of dysts
// (IkedaDelay, MackeyGlass, PiecewiseCircuit, ScrollDelay, SprottDelay,
// VossDelay).
//
// State dimension. Each is a scalar delay differential equation
// dx/dt = f(x(t), x(t - τ)): our state dimension is 1 and the delay τ is the
// parameter named by DelayParam ("tau" for all six). dysts stores
// embedding_dimension 10 for them, and a 10-entry initial_conditions: that is
// not a state dimension but the width of dysts' output. Its DynSysDelay
// integrates the scalar equation with a constant history x(t ≤ 0) =
// initial_conditions[0] and then returns, for each sample time t, the delay
// embedding
//
//	(x(t - k τ / 9)),  k = 0, 1, ..., 9
//
// (numpy linspace(0, τ, 10) lags). So: state = IC[0], history constant at
// IC[0], and the JSON dimension is the number of lagged copies of x in dysts'
// trajectories. The other nine IC entries are unused by dysts.
//
// No analytic Jacobians: JacFunc has no slot for x(t - τ). In the closures
// s holds x(t), sd holds x(t - τ) and ds receives dx/dt.

import "math"

// ikedaEquations is dysts' IkedaDelay, shared by SprottDelay (a subclass there):
//
//	dx/dt = μ sin(x(t - τ) - x0) - c x
func ikedaEquations() Equations {
	return Equations{
		Delay: func(p Params) DelayFunc {
			c, mu, x0 := p("c"), p("mu"), p("x0")
			return func(_ float64, s, sd, ds []float64) {
				x, xd := s[0], sd[0]
				ds[0] = mu*math.Sin(xd-x0) - c*x
			}
		},
		DelayParam: "tau",
	}
}

func init() {
	// IkedaDelay: the Ikeda optical ring cavity with delayed feedback; see
	// ikedaEquations.
	// K. Ikeda and K. Matsumoto (1987). High-dimensional chaotic behavior in
	// systems with time-delayed feedback, Physica D, 29 (1-2), 223-235.
	register("IkedaDelay", ikedaEquations())

	// MackeyGlass: the Mackey-Glass blood-production model.
	// Glass, L. and Mackey, M. C. (1979). Pathological physiological
	// conditions resulting from instabilities in physiological control
	// systems. Ann. NY. Acad. Sci.
	//
	//	dx/dt = β x(t - τ) / (1 + x(t - τ)^n) - γ x
	register("MackeyGlass", Equations{
		Delay: func(p Params) DelayFunc {
			beta, gamma, n := p("beta"), p("gamma"), p("n")
			return func(_ float64, s, sd, ds []float64) {
				x, xd := s[0], sd[0]
				ds[0] = beta*(xd/(1+math.Pow(xd, n))) - gamma*x
			}
		},
		DelayParam: "tau",
	})

	// PiecewiseCircuit: a delayed-feedback electronic oscillator. dysts uses
	// a smooth cubic in place of the circuit's piecewise-linear
	// characteristic, and its damping acts on the delayed state:
	// A. Tamasevicius, G. Mykolaitis, S. Bumeliene, Electron. Lett. 42, 13 (2006).
	//
	//	f     = -(x(t - τ)/c)³ + 3 x(t - τ)/c
	//	dx/dt = -α x(t - τ) + β f
	register("PiecewiseCircuit", Equations{
		Delay: func(p Params) DelayFunc {
			alpha, beta, c := p("alpha"), p("beta"), p("c")
			return func(_ float64, _, sd, ds []float64) {
				xd := sd[0]
				u := xd / c
				ds[0] = -alpha*xd + beta*(-u*u*u+3*u)
			}
		},
		DelayParam: "tau",
	})

	// ScrollDelay: a multi-scroll delay system (dysts applies the damping
	// α to the delayed state):
	// R.D. Driver, Ordinary and Delay Differential Equations (Springer, New
	// York, 1977).
	//
	//	dx/dt = -α x(t - τ) + β tanh(10 x(t - τ))
	register("ScrollDelay", Equations{
		Delay: func(p Params) DelayFunc {
			alpha, beta := p("alpha"), p("beta")
			return func(_ float64, _, sd, ds []float64) {
				xd := sd[0]
				ds[0] = -alpha*xd + beta*math.Tanh(10*xd)
			}
		},
		DelayParam: "tau",
	})

	// SprottDelay: Sprott's simple chaotic delay equation dx/dt = sin x(t - τ)
	// (the Ikeda equation with c = 0, μ = 1, x0 = 0); see ikedaEquations.
	// Sprott, J. C (2007). A simple chaotic delay differential equation.
	// Physics Letters A 366.4-5: 397-402.
	register("SprottDelay", ikedaEquations())

	// VossDelay: an electronic delay circuit with a cubic nonlinearity.
	// Voss (2002). Real-time anticipation of chaotic states of an electronic
	// circuit.
	//
	//	f     = -10.44 x(t - τ)³ - 13.95 x(t - τ)² - 3.63 x(t - τ) + 0.85
	//	dx/dt = -α x + f
	register("VossDelay", Equations{
		Delay: func(p Params) DelayFunc {
			alpha := p("alpha")
			return func(_ float64, s, sd, ds []float64) {
				x := s[0]
				u := sd[0]
				ds[0] = -alpha*x + (-10.44*u*u*u - 13.95*u*u - 3.63*u + 0.85)
			}
		},
		DelayParam: "tau",
	})
}
