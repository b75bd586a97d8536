//go:build !purego

#include "textflag.h"

// func eightVec(x []float64, coef *[8]float64, s1, s2 *[8]float64)
//
// The first four frequencies' states in Y2 (s[n−1]) and Y3 (s[n−2]), the
// last four's in Y4 and Y5; two samples a step, the registers swapping
// roles as the scalar Four's variables do. Each step's x − s[n−2] waits on
// the step before last only, so one multiply-add a sample is all that
// stands between one state and the next.
TEXT ·eightVec(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ coef+24(FP), DX
	VMOVUPD 0(DX), Y0
	VMOVUPD 32(DX), Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	SHRQ $1, CX
	JZ   done

step:
	VBROADCASTSD (SI), Y6
	VBROADCASTSD 8(SI), Y7
	VSUBPD Y3, Y6, Y3
	VFMADD231PD Y2, Y0, Y3
	VSUBPD Y5, Y6, Y5
	VFMADD231PD Y4, Y1, Y5
	VSUBPD Y2, Y7, Y2
	VFMADD231PD Y3, Y0, Y2
	VSUBPD Y4, Y7, Y4
	VFMADD231PD Y5, Y1, Y4
	ADDQ $16, SI
	DECQ CX
	JNZ  step

done:
	MOVQ s1+32(FP), DI
	MOVQ s2+40(FP), R8
	VMOVUPD Y2, 0(DI)
	VMOVUPD Y4, 32(DI)
	VMOVUPD Y3, 0(R8)
	VMOVUPD Y5, 32(R8)
	VZEROUPPER
	RET
