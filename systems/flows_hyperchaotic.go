package systems

// Hyperchaotic flows: four-dimensional systems with two positive Lyapunov
// exponents, most of them built by adding a feedback variable to a Lorenz,
// Lü, Chen, Rössler, Qi, Wang or Finance system (Letellier and Rössler,
// "Hyperchaos", Scholarpedia 2(8):1936, 2007).

func init() {
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
			return func(_ float64, s, ds []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				ds[0] = a*y - a*x + y*z*w
				ds[1] = b*x + b*y - x*z*w
				ds[2] = -c*z + x*y*w
				ds[3] = -d*w + x*y*z
			}
		},
		Jac: func(p Params) JacFunc {
			a, b, c, d := p("a"), p("b"), p("c"), p("d")
			return func(_ float64, s, j []float64) {
				x, y, z, w := s[0], s[1], s[2], s[3]
				j[0], j[1], j[2], j[3] = -a, a+z*w, y*w, y*z
				j[4], j[5], j[6], j[7] = b-z*w, b, -x*w, -x*z
				j[8], j[9], j[10], j[11] = y*w, x*w, -c, x*y
				j[12], j[13], j[14], j[15] = y*z, x*z, x*y, -d
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
