package systems

import "math"

// NumericalJacobian returns the Jacobian of f by central differences,
//
//	J[i][j] ≈ (f_i(x + h_j e_j) - f_i(x - h_j e_j)) / (2 h_j),
//	h_j = (ε · max(|x_j|, 1))^{1/3},  ε = 2^-52,
//
// which balances the truncation error O(h²) against the rounding error
// O(ε max(|x_j|, 1)/h) of the perturbed argument (Nocedal & Wright,
// Numerical Optimization, 2nd ed., §8.1), so the result has about 10
// correct digits when f varies on unit scales. Unlike the common
// ε^{1/3}·max(|x_j|, 1), the step stays small for large phase variables
// (dysts stores forcing phases of 10³–10⁴), on which f varies on a scale of
// one radian, not |x_j|. The divisor is the step actually taken,
// (x_j + h) - (x_j - h) in floating point.
//
// Its scratch space (3·dim floats) is allocated once here; the returned
// function allocates nothing but must not be called concurrently.
func NumericalJacobian(f Func, dim int) JacFunc {
	xp := make([]float64, dim)
	fp := make([]float64, dim)
	fm := make([]float64, dim)
	return func(t float64, x, jac []float64) {
		copy(xp, x)
		for j := 0; j < dim; j++ {
			xj := x[j]
			h := math.Cbrt(0x1p-52 * math.Max(math.Abs(xj), 1))
			hi, lo := xj+h, xj-h
			xp[j] = hi
			f(t, xp, fp)
			xp[j] = lo
			f(t, xp, fm)
			xp[j] = xj
			inv := 1 / (hi - lo)
			for i := 0; i < dim; i++ {
				jac[i*dim+j] = (fp[i] - fm[i]) * inv
			}
		}
	}
}
