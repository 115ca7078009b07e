package models

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX kernel and the portable loop must agree to the bit (fitted models
// may not depend on the CPU), and both must be correct sums.
func TestDotTile4x2AVXMatchesPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 4, 5, 8, 31, 512, 513, 1027} {
		var cols [6][]float64
		for i := range cols {
			cols[i] = make([]float64, n)
			for k := range cols[i] {
				cols[i][k] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3))
			}
		}
		n4 := n &^ 3
		var port, fast [8]float64
		if n4 > 0 {
			dotTile4x2Go(cols[0][:n4], cols[1][:n4], cols[2][:n4], cols[3][:n4], cols[4][:n4], cols[5][:n4], &port)
			if useAVX {
				dotTile4x2AVX(&cols[0][0], &cols[1][0], &cols[2][0], &cols[3][0], &cols[4][0], &cols[5][0], n4, &fast)
				for i := range port {
					if math.Float64bits(port[i]) != math.Float64bits(fast[i]) {
						t.Fatalf("n=%d entry %d: AVX %.17g, portable %.17g", n, i, fast[i], port[i])
					}
				}
			}
		}
		var full [8]float64
		dotTile4x2(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], &full)
		for r := 0; r < 4; r++ {
			for c := 0; c < 2; c++ {
				want, scale := 0.0, 0.0
				for k := 0; k < n; k++ {
					want += cols[r][k] * cols[4+c][k]
					scale += math.Abs(cols[r][k] * cols[4+c][k])
				}
				if math.Abs(full[2*r+c]-want) > 1e-12*scale {
					t.Fatalf("n=%d (%d,%d): %g, want %g", n, r, c, full[2*r+c], want)
				}
			}
		}
	}
	if !useAVX {
		t.Log("no AVX on this CPU: only the portable loop was checked")
	}
}
