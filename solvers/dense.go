package solvers

import "fmt"

// buildDense computes the dense-output coefficients of the last accepted
// explicit step. It may evaluate F (f(t_new, y_new) for non-FSAL methods,
// which the next step reuses, and the three extra DOP853 stages).
func (it *Integrator) buildDense() {
	if it.denseBuilt {
		return
	}
	tab := it.tab
	n := it.n
	h := it.hLast
	y0, y1 := it.yPrev, it.y
	r := it.dense
	k := it.k
	switch tab.dense {
	case denseHermite:
		it.ensureFy()
		f0, f1 := k[0], it.fy
		for d := 0; d < n; d++ {
			dy := y1[d] - y0[d]
			r[0][d] = y0[d]
			r[1][d] = dy
			r[2][d] = h*f0[d] - dy
			r[3][d] = dy - h*f1[d] - r[2][d]
		}
	case denseDopri5:
		// k[6] was swapped into it.fy on acceptance (FSAL).
		f1 := it.fy
		for d := 0; d < n; d++ {
			dy := y1[d] - y0[d]
			r[0][d] = y0[d]
			r[1][d] = dy
			r[2][d] = h*k[0][d] - dy
			r[3][d] = dy - h*f1[d] - r[2][d]
			var s float64
			for j := 0; j < 6; j++ {
				s += tab.d[j] * k[j][d]
			}
			s += tab.d[6] * f1[d]
			r[4][d] = h * s
		}
	case densePoly:
		s := tab.stages()
		for d := 0; d < n; d++ {
			r[0][d] = y0[d]
		}
		for m := 1; m < len(r); m++ {
			for d := 0; d < n; d++ {
				var sum float64
				for j := 0; j < s; j++ {
					kj := k[j]
					if tab.fsal && j == s-1 {
						kj = it.fy
					}
					sum += tab.bt[j][m-1] * kj[d]
				}
				r[m][d] = h * sum
			}
		}
	case denseDop853:
		it.ensureFy()
		dk := it.dk
		copy(dk, k)
		dk[12] = it.fy
		dk[13], dk[14], dk[15] = it.xk[0], it.xk[1], it.xk[2]
		for x := 0; x < 3; x++ {
			row := tab.xa[x]
			for d := 0; d < n; d++ {
				var sum float64
				for j, aj := range row {
					if aj != 0 {
						sum += aj * dk[j][d]
					}
				}
				it.ytmp[d] = y0[d] + h*sum
			}
			it.eval(it.tPrev+tab.xc[x]*h, it.ytmp, dk[13+x])
		}
		f0, f1 := k[0], it.fy
		for d := 0; d < n; d++ {
			dy := y1[d] - y0[d]
			r[0][d] = y0[d]
			r[1][d] = dy
			r[2][d] = h*f0[d] - dy
			r[3][d] = dy - h*f1[d] - r[2][d]
			for m := 0; m < 4; m++ {
				var sum float64
				for j, dj := range tab.xd[m] {
					if dj != 0 {
						sum += dj * dk[j][d]
					}
				}
				r[4+m][d] = h * sum
			}
		}
	}
	it.denseBuilt = true
}

// evalDense evaluates a continuous extension with coefficients r at
// theta in [0, 1].
func evalDense(kind denseKind, r [][]float64, theta float64, out []float64) {
	t1 := 1 - theta
	switch kind {
	case denseHermite:
		for d := range out {
			out[d] = r[0][d] + theta*(r[1][d]+t1*(r[2][d]+theta*r[3][d]))
		}
	case denseDopri5:
		for d := range out {
			out[d] = r[0][d] + theta*(r[1][d]+t1*(r[2][d]+theta*(r[3][d]+t1*r[4][d])))
		}
	case densePoly:
		m := len(r) - 1
		for d := range out {
			v := r[m][d]
			for j := m - 1; j >= 1; j-- {
				v = v*theta + r[j][d]
			}
			out[d] = r[0][d] + theta*v
		}
	case denseDop853:
		for d := range out {
			c := r[4][d] + theta*(r[5][d]+t1*(r[6][d]+theta*r[7][d]))
			out[d] = r[0][d] + theta*(r[1][d]+t1*(r[2][d]+theta*(r[3][d]+t1*c)))
		}
	}
}

// Dense writes the continuous extension of the last accepted step at t into
// y. t must lie in [TPrev(), T()]. The first call after a step may evaluate
// F (see Method.DenseOrder for the order of the interpolant).
func (it *Integrator) Dense(t float64, y []float64) error {
	if t == it.t {
		copy(y, it.y)
		return nil
	}
	if t == it.tPrev {
		copy(y, it.yPrev)
		return nil
	}
	if !it.started || t < it.tPrev || t > it.t {
		return fmt.Errorf("solvers: %s: Dense: t=%g outside the last step [%g, %g]", it.m.Name, t, it.tPrev, it.t)
	}
	if it.rad != nil {
		it.rad.dense(t, y)
		return nil
	}
	it.buildDense()
	evalDense(it.tab.dense, it.dense, (t-it.tPrev)/it.hLast, y)
	return nil
}
