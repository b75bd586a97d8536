//go:build !purego

#include "textflag.h"

// func rawEnergyVec(x *[subLen]int16) float64
//
// Σx² over the 40 samples: VPMADDWD sums the squares of each pair in 32
// bits, which only −32768 twice overflows as a signed number (2³¹), so the
// pairs are widened as unsigned to 64 bits and summed there (at most
// 40·2³⁰ < 2³⁶, exact as a float64).
TEXT ·rawEnergyVec(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), X2
	VPMADDWD Y0, Y0, Y0
	VPMADDWD Y1, Y1, Y1
	VPMADDWD X2, X2, X2
	VPMOVZXDQ X0, Y3
	VEXTRACTI128 $1, Y0, X0
	VPMOVZXDQ X0, Y4
	VPADDQ Y4, Y3, Y3
	VPMOVZXDQ X1, Y4
	VPADDQ Y4, Y3, Y3
	VEXTRACTI128 $1, Y1, X1
	VPMOVZXDQ X1, Y4
	VPADDQ Y4, Y3, Y3
	VPMOVZXDQ X2, Y4
	VPADDQ Y4, Y3, Y3
	VEXTRACTI128 $1, Y3, X4
	VPADDQ X4, X3, X3
	VPSHUFD $0x4E, X3, X4
	VPADDQ X4, X3, X3
	VMOVQ X3, AX
	VCVTSI2SDQ AX, X0, X0
	VMOVSD X0, ret+8(FP)
	VZEROUPPER
	RET
