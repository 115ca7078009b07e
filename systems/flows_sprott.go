package systems

// Sprott flows: the algebraically simple chaotic flows of Sprott (1994),
// "Some simple chaotic flows", Phys. Rev. E 50, R647 (cases A to S), his later
// jerk, torus and multifractal examples, and the other minimal flows of
// Sprott, "Elegant Chaos" (World Scientific, 2010): jerk systems (Arneodo,
// Coullet, Genesio-Tesi, the jerk circuit), Halvorsen's and Thomas' cyclically
// symmetric flows and Pehlivan-Wei.

import "math"

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

// thomasEquations is dysts' Thomas class, shared with its subclass ThomasLabyrinth:
//
//	dx/dt = -a x + b sin y
//	dy/dt = -a y + b sin z
//	dz/dt = -a z + b sin x
func thomasEquations() Equations {
	return Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a*x + b*math.Sin(y)
				ds[1] = -a*y + b*math.Sin(z)
				ds[2] = -a*z + b*math.Sin(x)
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = -a, b*math.Cos(y), 0
				j[3], j[4], j[5] = 0, -a, b*math.Cos(z)
				j[6], j[7], j[8] = b*math.Cos(x), 0, -a
			}
		},
	}
}

func init() {
	// Arneodo, A., Coullet, P., Tresser, C. (1980). Occurrence of strange
	// attractors in three-dimensional Volterra equations. Phys. Lett. A 79,
	// 259–263. Coullet is the same system at other parameters.
	//
	//	ẋ = y,  ẏ = z,  ż = -a x - b y - c z + d x³
	register("Arneodo", arneodoEquations())
	register("Coullet", arneodoEquations())

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

	// JerkCircuit: a jerk circuit with a diode exponential nonlinearity.
	// Sprott (2011). A new chaotic jerk circuit. IEEE Circ. Sys. 2011.
	//
	//	dx/dt = y
	//	dy/dt = z
	//	dz/dt = -z - x - ε (exp(y / y0) - 1)
	register("JerkCircuit", Equations{
		Flow: func(p Params) Func {
			eps, y0 := p("eps"), p("y0")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = z
				ds[2] = -z - x - eps*(math.Exp(y/y0)-1)
			}
		},
		Jac: func(p Params) JacFunc {
			eps, y0 := p("eps"), p("y0")
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = -1, -eps*math.Exp(y/y0)/y0, -1
			}
		},
	})

	// PehlivanWei: a three-dimensional quadratic system with no parameters.
	// Pehlivan, Ihsan, and Wei Zhouchao (2012). Analysis, nonlinear control,
	// and chaos generator circuit of another strange chaotic system.
	//
	//	dx/dt = y - y z
	//	dy/dt = y + y z - 2 x
	//	dz/dt = 2 - x y - y²
	register("PehlivanWei", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y - y*z
				ds[1] = y + y*z - 2*x
				ds[2] = 2 - x*y - y*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, 1-z, -y
				j[3], j[4], j[5] = -2, 1+z, y
				j[6], j[7], j[8] = -y, -x-2*y, 0
			}
		},
	})

	// SprottA: dx/dt = y, dy/dt = -x + y z, dz/dt = 1 - y².
	register("SprottA", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = -x + y*z
				ds[2] = 1 - y*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				y, z := s[1], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = -1, z, y
				j[6], j[7], j[8] = 0, -2*y, 0
			}
		},
	})

	// SprottB: dx/dt = y z, dy/dt = x - y, dz/dt = 1 - x y.
	register("SprottB", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y * z
				ds[1] = x - y
				ds[2] = 1 - x*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, z, y
				j[3], j[4], j[5] = 1, -1, 0
				j[6], j[7], j[8] = -y, -x, 0
			}
		},
	})

	// SprottC: dx/dt = y z, dy/dt = x - y, dz/dt = 1 - x².
	register("SprottC", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y * z
				ds[1] = x - y
				ds[2] = 1 - x*x
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, z, y
				j[3], j[4], j[5] = 1, -1, 0
				j[6], j[7], j[8] = -2*x, 0, 0
			}
		},
	})

	// SprottD: dx/dt = -y, dy/dt = x + z, dz/dt = x z + 3 y².
	register("SprottD", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -y
				ds[1] = x + z
				ds[2] = x*z + 3*y*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, -1, 0
				j[3], j[4], j[5] = 1, 0, 1
				j[6], j[7], j[8] = z, 6*y, x
			}
		},
	})

	// SprottE: dx/dt = y z, dy/dt = x² - y, dz/dt = 1 - 4 x.
	register("SprottE", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y * z
				ds[1] = x*x - y
				ds[2] = 1 - 4*x
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 0, z, y
				j[3], j[4], j[5] = 2*x, -1, 0
				j[6], j[7], j[8] = -4, 0, 0
			}
		},
	})

	// SprottF: dx/dt = y + z, dy/dt = -x + a y, dz/dt = x² - z.
	register("SprottF", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y + z
				ds[1] = -x + a*y
				ds[2] = x*x - z
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 1, 1
				j[3], j[4], j[5] = -1, a, 0
				j[6], j[7], j[8] = 2*x, 0, -1
			}
		},
	})

	// SprottG: dx/dt = a x + z, dy/dt = x z - y, dz/dt = -x + y.
	register("SprottG", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*x + z
				ds[1] = x*z - y
				ds[2] = -x + y
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				j[0], j[1], j[2] = a, 0, 1
				j[3], j[4], j[5] = z, -1, x
				j[6], j[7], j[8] = -1, 1, 0
			}
		},
	})

	// SprottH: dx/dt = -y + z², dy/dt = x + a y, dz/dt = x - z.
	register("SprottH", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -y + z*z
				ds[1] = x + a*y
				ds[2] = x - z
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				z := s[2]
				j[0], j[1], j[2] = 0, -1, 2*z
				j[3], j[4], j[5] = 1, a, 0
				j[6], j[7], j[8] = 1, 0, -1
			}
		},
	})

	// SprottI: dx/dt = -a y, dy/dt = x + z, dz/dt = x + y² - z.
	register("SprottI", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -a * y
				ds[1] = x + z
				ds[2] = x + y*y - z
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, -a, 0
				j[3], j[4], j[5] = 1, 0, 1
				j[6], j[7], j[8] = 1, 2*y, -1
			}
		},
	})

	// SprottJ: dx/dt = 2 z, dy/dt = -2 y + z, dz/dt = -x + y + y².
	register("SprottJ", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = 2 * z
				ds[1] = -2*y + z
				ds[2] = -x + y + y*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, 0, 2
				j[3], j[4], j[5] = 0, -2, 1
				j[6], j[7], j[8] = -1, 1+2*y, 0
			}
		},
	})

	// SprottJerk: the simplest dissipative chaotic jerk flow,
	// d³x/dt³ = -μ ẍ + ẋ² - x, as dx/dt = y, dy/dt = z, dz/dt = -x + y² - μ z.
	// Sprott, J. C. Simplest dissipative chaotic flow. Physics Letters A (1997).
	register("SprottJerk", Equations{
		Flow: func(p Params) Func {
			mu := p("mu")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = z
				ds[2] = -x + y*y - mu*z
			}
		},
		Jac: func(p Params) JacFunc {
			mu := p("mu")
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = -1, 2*y, -mu
			}
		},
	})

	// SprottK: dx/dt = x y - z, dy/dt = x - y, dz/dt = x + a z.
	register("SprottK", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = x*y - z
				ds[1] = x - y
				ds[2] = x + a*z
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = y, x, -1
				j[3], j[4], j[5] = 1, -1, 0
				j[6], j[7], j[8] = 1, 0, a
			}
		},
	})

	// SprottL: dx/dt = y + b z, dy/dt = a x² - y, dz/dt = 1 - x.
	register("SprottL", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y + b*z
				ds[1] = a*x*x - y
				ds[2] = 1 - x
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 1, b
				j[3], j[4], j[5] = 2*a*x, -1, 0
				j[6], j[7], j[8] = -1, 0, 0
			}
		},
	})

	// SprottM: dx/dt = -z, dy/dt = -x² - y, dz/dt = a (1 + x) + y.
	register("SprottM", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -z
				ds[1] = -x*x - y
				ds[2] = a + a*x + y
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				x := s[0]
				j[0], j[1], j[2] = 0, 0, -1
				j[3], j[4], j[5] = -2*x, -1, 0
				j[6], j[7], j[8] = a, 1, 0
			}
		},
	})

	// SprottMore: a simple flow with a sign nonlinearity.
	// Sprott, J. C. (2020). Do We Need More Chaos Examples? Chaos Theory and
	// Applications 2(2),1-3, 2020.
	//
	//	dx/dt = y
	//	dy/dt = -x - sgn(z) y
	//	dz/dt = y² - exp(-x²)
	//
	// sgn(0) = 0 as numpy. No analytic Jacobian (sgn is discontinuous).
	register("SprottMore", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = -x - sign(z)*y
				ds[2] = y*y - math.Exp(-x*x)
			}
		},
	})

	// SprottN: dx/dt = -2 y, dy/dt = x + z², dz/dt = 1 + y - 2 z.
	register("SprottN", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -2 * y
				ds[1] = x + z*z
				ds[2] = 1 + y - 2*z
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				z := s[2]
				j[0], j[1], j[2] = 0, -2, 0
				j[3], j[4], j[5] = 1, 0, 2*z
				j[6], j[7], j[8] = 0, 1, -2
			}
		},
	})

	// SprottO: dx/dt = y, dy/dt = x - z, dz/dt = x + x z + a y.
	register("SprottO", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y
				ds[1] = x - z
				ds[2] = x + x*z + a*y
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				x, z := s[0], s[2]
				j[0], j[1], j[2] = 0, 1, 0
				j[3], j[4], j[5] = 1, 0, -1
				j[6], j[7], j[8] = 1+z, a, x
			}
		},
	})

	// SprottP: dx/dt = a y + z, dy/dt = -x + y², dz/dt = x + y.
	register("SprottP", Equations{
		Flow: func(p Params) Func {
			a := p("a")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a*y + z
				ds[1] = -x + y*y
				ds[2] = x + y
			}
		},
		Jac: func(p Params) JacFunc {
			a := p("a")
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, a, 1
				j[3], j[4], j[5] = -1, 2*y, 0
				j[6], j[7], j[8] = 1, 1, 0
			}
		},
	})

	// SprottQ: dx/dt = -z, dy/dt = x - y, dz/dt = a x + y² + b z.
	register("SprottQ", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -z
				ds[1] = x - y
				ds[2] = a*x + y*y + b*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b := p("a"), p("b")
			return func(_ float64, s, j []float64) {
				y := s[1]
				j[0], j[1], j[2] = 0, 0, -1
				j[3], j[4], j[5] = 1, -1, 0
				j[6], j[7], j[8] = a, 2*y, b
			}
		},
	})

	// SprottR: dx/dt = a - y, dy/dt = b + z, dz/dt = x y - z.
	register("SprottR", Equations{
		Flow: func(p Params) Func {
			a, b := p("a"), p("b")
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = a - y
				ds[1] = b + z
				ds[2] = x*y - z
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y := s[0], s[1]
				j[0], j[1], j[2] = 0, -1, 0
				j[3], j[4], j[5] = 0, 0, 1
				j[6], j[7], j[8] = y, x, -1
			}
		},
	})

	// SprottS: dx/dt = -x - 4 y, dy/dt = x + z², dz/dt = 1 + x.
	register("SprottS", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = -x - 4*y
				ds[1] = x + z*z
				ds[2] = 1 + x
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				z := s[2]
				j[0], j[1], j[2] = -1, -4, 0
				j[3], j[4], j[5] = 1, 0, 2*z
				j[6], j[7], j[8] = 1, 0, 0
			}
		},
	})

	// SprottTorus: a conservative-looking flow with coexisting torus and
	// strange attractor.
	// Sprott Physics Letters A 2014.
	//
	//	dx/dt = y + 2 x y + x z
	//	dy/dt = 1 - 2 x² + y z
	//	dz/dt = x - x² - y²
	register("SprottTorus", Equations{
		Flow: func(Params) Func {
			return func(_ float64, s, ds []float64) {
				x, y, z := s[0], s[1], s[2]
				ds[0] = y + 2*x*y + x*z
				ds[1] = 1 - 2*x*x + y*z
				ds[2] = x - x*x - y*y
			}
		},
		Jac: func(Params) JacFunc {
			return func(_ float64, s, j []float64) {
				x, y, z := s[0], s[1], s[2]
				j[0], j[1], j[2] = 2*y+z, 2*x+1, x
				j[3], j[4], j[5] = -4*x, z, y
				j[6], j[7], j[8] = 1-2*x, -2*y, 0
			}
		},
	})

	// Thomas: Thomas' cyclically symmetric attractor; see thomasEquations.
	// Thomas, Rene (1999). Deterministic chaos seen in terms of feedback
	// circuits: Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos.
	register("Thomas", thomasEquations())

	// ThomasLabyrinth: the Thomas system in its labyrinth-chaos regime (small
	// damping a); see thomasEquations.
	// Thomas, Rene. Deterministic chaos seen in terms of feedback circuits:
	// Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos. (1999).
	register("ThomasLabyrinth", thomasEquations())
}
