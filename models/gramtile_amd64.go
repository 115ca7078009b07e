package models

// useAVX is true when the CPU and the OS support 256-bit AVX registers.
var useAVX = avxSupported()

// avxSupported checks CPUID (AVX and OSXSAVE) and XGETBV (the OS saves the
// YMM state).
func avxSupported() bool

// dotTile4x2AVX is dotTile4x2 for n (a multiple of 4, > 0) terms, in AVX.
//
//go:noescape
func dotTile4x2AVX(a0, a1, a2, a3, b0, b1 *float64, n int, out *[8]float64)
