//go:build !purego

#include "textflag.h"

// The vector form of the dial-tone high-pass, AVX2 and FMA: see
// highpass_vec.go for the algebra, hpState and hpKern for the layouts read
// here. One loop, a block of four samples a step; only the recursion's
// last multiply-adds wait on the block before, everything else of a
// block runs alongside them.
//
// Registers kept from one block to the next:
//   Y1  x[n−4 … n−1]        Y2  x[n−5 … n−2]       Y3  x[n−6 … n−3]
//   Y4  y[n−4 … n−1]        Y5  y[n−5] broadcast    Y6  y[n−6] broadcast
//   Y13 Σ(Δy)²  Y14 Σy²
//   SI the input, DI the output, R8 u, DX the table, BX the state.

// HSUM stores the sum of Y's four lanes (X its low half) at ret.
#define HSUM(Y, X, ret) \
	VEXTRACTF128 $1, Y, X9 \
	VADDPD X9, X, X9 \
	VPERMILPD $1, X9, X10 \
	VADDSD X10, X9, X9 \
	VMOVSD X9, ret

// func highPassVec(y *[subLen]float64, x *[subLen]int16, z *hpState, k *hpKern) (e, e1 float64)
TEXT ·highPassVec(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ z+16(FP), BX
	MOVQ k+24(FP), DX

	VMOVUPD 128(BX), Y1
	VMOVUPD 120(BX), Y2
	VMOVUPD 112(BX), Y3
	VMOVUPD 64(BX), Y4
	VBROADCASTSD 56(BX), Y5
	VBROADCASTSD 48(BX), Y6
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	LEAQ 160(BX), R8
	MOVQ $10, CX

block:
	// x[n … n+3] as float64 (Y0).
	VPMOVSXWD (SI), X0
	VCVTDQ2PD X0, Y0

	// x shifted by 2, 1 and 3 (Y7, Y8, Y9) from Y0 and Y1.
	VPERM2F128 $0x21, Y0, Y1, Y7
	VSHUFPD $5, Y0, Y7, Y8
	VSHUFPD $5, Y7, Y1, Y9

	// u = x[n] + x[n−6] − 6(x[n−1] + x[n−5]) + 15(x[n−2] + x[n−4]) − 20x[n−3],
	// exact, to memory for the broadcasts below.
	VADDPD Y3, Y0, Y10
	VADDPD Y2, Y8, Y11
	VFMADD231PD 0(DX), Y11, Y10
	VADDPD Y1, Y7, Y11
	VFMADD231PD 32(DX), Y11, Y10
	VFMADD231PD 64(DX), Y9, Y10
	VMOVUPD Y10, (R8)
	VMOVAPD Y0, Y1
	VMOVAPD Y8, Y2
	VMOVAPD Y7, Y3

	// What does not wait on the block before: the inputs, y[n−5], y[n−6].
	VBROADCASTSD (R8), Y9
	VMULPD 96(DX), Y9, Y11
	VBROADCASTSD 8(R8), Y9
	VFMADD231PD 128(DX), Y9, Y11
	VBROADCASTSD 16(R8), Y9
	VMULPD 160(DX), Y9, Y12
	VBROADCASTSD 24(R8), Y9
	VFMADD231PD 192(DX), Y9, Y12
	VFMADD231PD 352(DX), Y5, Y11
	VFMADD231PD 384(DX), Y6, Y12

	// What does: y[n−1] … y[n−4], in two chains.
	VPERMPD $0xFF, Y4, Y5
	VPERMPD $0xAA, Y4, Y6
	VPERMPD $0x55, Y4, Y7
	VPERMPD $0x00, Y4, Y8
	VFMADD231PD 256(DX), Y6, Y11
	VFMADD231PD 224(DX), Y5, Y11
	VFMADD231PD 320(DX), Y8, Y12
	VFMADD231PD 288(DX), Y7, Y12
	VADDPD Y12, Y11, Y4
	VMOVUPD Y4, (DI)

	// The energies: Δy against [y[n−1], y[n], y[n+1], y[n+2]].
	VFMADD231PD Y4, Y4, Y14
	VPERMPD $0x90, Y4, Y9
	VBLENDPD $1, Y5, Y9, Y9
	VSUBPD Y9, Y4, Y9
	VFMADD231PD Y9, Y9, Y13

	ADDQ $8, SI
	ADDQ $32, DI
	ADDQ $32, R8
	DECQ CX
	JNZ  block

	// The last eight outputs and inputs, for the next block.
	VMOVUPD -64(DI), Y9
	VMOVUPD Y9, 32(BX)
	VMOVUPD Y4, 64(BX)
	VPMOVSXWD -16(SI), X9
	VCVTDQ2PD X9, Y9
	VMOVUPD Y9, 96(BX)
	VMOVUPD Y1, 128(BX)

	HSUM(Y14, X14, e+32(FP))
	HSUM(Y13, X13, e1+40(FP))
	VZEROUPPER
	RET
