package models

// dotTile4x2 sets out[2r+c] = Σ_t a_r[t]·b_c[t] for r < 4, c < 2, over
// t < len(a0) (every slice at least that long), in one fixed order of
// operations on every CPU: four lane partial sums over t ≡ k (mod 4) for
// the first len &^ 3 terms, combined as (l0+l1)+(l2+l3), then the remaining
// terms added in order. Products are rounded before they are added (no fused
// multiply-add), so the AVX kernel and the portable loop give the same bits
// and fitted models do not depend on the machine.
func dotTile4x2(a0, a1, a2, a3, b0, b1 []float64, out *[8]float64) {
	n := len(a0)
	a1, a2, a3, b0, b1 = a1[:n], a2[:n], a3[:n], b0[:n], b1[:n]
	n4 := n &^ 3
	if n4 > 0 && useAVX {
		dotTile4x2AVX(&a0[0], &a1[0], &a2[0], &a3[0], &b0[0], &b1[0], n4, out)
	} else {
		dotTile4x2Go(a0[:n4], a1[:n4], a2[:n4], a3[:n4], b0[:n4], b1[:n4], out)
	}
	for t := n4; t < n; t++ {
		x0, x1, x2, x3, y0, y1 := a0[t], a1[t], a2[t], a3[t], b0[t], b1[t]
		out[0] += float64(x0 * y0)
		out[1] += float64(x0 * y1)
		out[2] += float64(x1 * y0)
		out[3] += float64(x1 * y1)
		out[4] += float64(x2 * y0)
		out[5] += float64(x2 * y1)
		out[6] += float64(x3 * y0)
		out[7] += float64(x3 * y1)
	}
}

// dotTile4x2Go is the portable lane-wise loop; len(a0) is a multiple of 4.
func dotTile4x2Go(a0, a1, a2, a3, b0, b1 []float64, out *[8]float64) {
	var l [8][4]float64
	for t := 0; t+4 <= len(a0); t += 4 {
		for k := 0; k < 4; k++ {
			x0, x1, x2, x3, y0, y1 := a0[t+k], a1[t+k], a2[t+k], a3[t+k], b0[t+k], b1[t+k]
			l[0][k] += float64(x0 * y0)
			l[1][k] += float64(x0 * y1)
			l[2][k] += float64(x1 * y0)
			l[3][k] += float64(x1 * y1)
			l[4][k] += float64(x2 * y0)
			l[5][k] += float64(x2 * y1)
			l[6][k] += float64(x3 * y0)
			l[7][k] += float64(x3 * y1)
		}
	}
	for i := range out {
		out[i] = (l[i][0] + l[i][1]) + (l[i][2] + l[i][3])
	}
}
