#include "textflag.h"

// func avxSupported() bool
TEXT ·avxSupported(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	// ECX bit 27: OSXSAVE, bit 28: AVX.
	MOVL CX, BX
	ANDL $0x18000000, BX
	CMPL BX, $0x18000000
	JNE  no
	// XCR0 bits 1 (SSE) and 2 (AVX/YMM) must both be enabled by the OS.
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET

// Reduce the four lanes of a YMM accumulator as (l0+l1)+(l2+l3) and store
// the result at off(DI).
#define REDUCE(Y, X, off) \
	VEXTRACTF128 $1, Y, X15 \
	VHADDPD      X, X, X    \
	VHADDPD      X15, X15, X15 \
	VADDSD       X15, X, X  \
	VMOVSD       X, off(DI)

// func dotTile4x2AVX(a0, a1, a2, a3, b0, b1 *float64, n int, out *[8]float64)
TEXT ·dotTile4x2AVX(SB), NOSPLIT, $0-64
	MOVQ a0+0(FP), R8
	MOVQ a1+8(FP), R9
	MOVQ a2+16(FP), R10
	MOVQ a3+24(FP), R11
	MOVQ b0+32(FP), R12
	MOVQ b1+40(FP), R13
	MOVQ n+48(FP), CX
	MOVQ out+56(FP), DI
	SHLQ $3, CX
	XORQ AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPD (R12)(AX*1), Y8
	VMOVUPD (R13)(AX*1), Y9
	VMOVUPD (R8)(AX*1), Y10
	VMULPD  Y8, Y10, Y11
	VADDPD  Y11, Y0, Y0
	VMULPD  Y9, Y10, Y12
	VADDPD  Y12, Y1, Y1
	VMOVUPD (R9)(AX*1), Y10
	VMULPD  Y8, Y10, Y11
	VADDPD  Y11, Y2, Y2
	VMULPD  Y9, Y10, Y12
	VADDPD  Y12, Y3, Y3
	VMOVUPD (R10)(AX*1), Y10
	VMULPD  Y8, Y10, Y11
	VADDPD  Y11, Y4, Y4
	VMULPD  Y9, Y10, Y12
	VADDPD  Y12, Y5, Y5
	VMOVUPD (R11)(AX*1), Y10
	VMULPD  Y8, Y10, Y11
	VADDPD  Y11, Y6, Y6
	VMULPD  Y9, Y10, Y12
	VADDPD  Y12, Y7, Y7
	ADDQ    $32, AX
	JMP     loop

done:
	REDUCE(Y0, X0, 0)
	REDUCE(Y1, X1, 8)
	REDUCE(Y2, X2, 16)
	REDUCE(Y3, X3, 24)
	REDUCE(Y4, X4, 32)
	REDUCE(Y5, X5, 40)
	REDUCE(Y6, X6, 48)
	REDUCE(Y7, X7, 56)
	VZEROUPPER
	RET
