//go:build !purego

#include "textflag.h"

// The sub-block DFT in vector form, AVX2 and FMA: see dft_vec.go for the
// algebra and dftKern for the table (DX).

// STEP is one Goertzel step of the four chains, the sample at (SI) going
// to the first half's rows (Y2, Y3) and columns (Y4, Y5) and the one at
// 160(SI), 20 samples on, to the second half's (Y6, Y7; Y8, Y9). S1 is
// s[n−1] on entry and S2 s[n−2], which receives s[n]: the registers swap
// roles from one step to the next as the scalar Four's variables do.
#define STEP(off, A1, A2, B1, B2, C1, C2, D1, D2) \
	VBROADCASTSD off(SI), Y10 \
	VBROADCASTSD off+160(SI), Y11 \
	VSUBPD A2, Y10, A2 \
	VFMADD231PD A1, Y0, A2 \
	VSUBPD B2, Y10, B2 \
	VFMADD231PD B1, Y1, B2 \
	VSUBPD C2, Y11, C2 \
	VFMADD231PD C1, Y0, C2 \
	VSUBPD D2, Y11, D2 \
	VFMADD231PD D1, Y1, D2

// COMBINE puts the halves' states of one group of four frequencies (g = 0
// the rows, 32 the columns) together, rotates them by R and stores them
// as four complex128 at 2·g(DI).
#define COMBINE(g, S1A, S2A, S1B, S2B) \
	VMULPD 64+g(DX), S1A, Y10 \
	VFNMADD231PD 192+g(DX), S2A, Y10 \
	VFMADD231PD 320+g(DX), S1B, Y10 \
	VFNMADD231PD 448+g(DX), S2B, Y10 \
	VMULPD 128+g(DX), S1A, Y11 \
	VFNMADD231PD 256+g(DX), S2A, Y11 \
	VFMADD231PD 384+g(DX), S1B, Y11 \
	VFNMADD231PD 512+g(DX), S2B, Y11 \
	VMULPD g(R8), Y10, Y12 \
	VFNMADD231PD 64+g(R8), Y11, Y12 \
	VMULPD g(R8), Y11, Y13 \
	VFMADD231PD 64+g(R8), Y10, Y13 \
	VUNPCKLPD Y13, Y12, Y14 \
	VUNPCKHPD Y13, Y12, Y15 \
	VPERM2F128 $0x20, Y15, Y14, Y10 \
	VPERM2F128 $0x31, Y15, Y14, Y11 \
	VMOVUPD Y10, 2*g(DI) \
	VMOVUPD Y11, 2*g+32(DI)

// func dftVec(x *[subLen]float64, t *dftKern, r *[2][8]float64, out *[8]complex128)
TEXT ·dftVec(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ t+8(FP), DX
	MOVQ r+16(FP), R8
	MOVQ out+24(FP), DI
	VMOVUPD 0(DX), Y0
	VMOVUPD 32(DX), Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	MOVQ $10, CX

step:
	STEP(0, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	STEP(8, Y3, Y2, Y5, Y4, Y7, Y6, Y9, Y8)
	ADDQ $16, SI
	DECQ CX
	JNZ  step

	// s1 is now in Y2 (rows) and Y4 (columns) for the first half, Y6 and
	// Y8 for the second; s2 in the register after each.
	COMBINE(0, Y2, Y3, Y6, Y7)
	COMBINE(32, Y4, Y5, Y8, Y9)
	VZEROUPPER
	RET
