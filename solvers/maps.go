package solvers

import "fmt"

// IterateMap iterates the discrete map x_{k+1} = g(x_k) from x0 and writes
// x_0 = x0, x_1, ..., x_{n-1} into out[0..n-1] (each row len(x0), allocated
// by the caller). It stops with an error naming the iterate if a state
// becomes NaN or infinite; rows not reached are left unchanged.
func IterateMap(g MapFunc, x0 []float64, n int, out [][]float64) error {
	if n > len(out) {
		return fmt.Errorf("solvers: IterateMap: n=%d exceeds len(out)=%d", n, len(out))
	}
	if n <= 0 {
		return nil
	}
	for i := 0; i < n; i++ {
		if len(out[i]) != len(x0) {
			return fmt.Errorf("solvers: IterateMap: len(out[%d])=%d, want %d", i, len(out[i]), len(x0))
		}
	}
	copy(out[0], x0)
	for k := 1; k < n; k++ {
		g(out[k-1], out[k])
		if !allFinite(out[k]) {
			return fmt.Errorf("solvers: IterateMap: %w at iterate %d of %d", ErrNonFinite, k, n)
		}
	}
	return nil
}
