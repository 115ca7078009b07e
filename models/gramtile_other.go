//go:build !amd64

package models

const useAVX = false

func dotTile4x2AVX(a0, a1, a2, a3, b0, b1 *float64, n int, out *[8]float64) {
	panic("models: no AVX kernel on this architecture")
}
