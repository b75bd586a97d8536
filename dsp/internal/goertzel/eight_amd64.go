//go:build !purego

package goertzel

import "golang.org/x/sys/cpu"

// vecEight is whether Eight runs in eight_amd64.s: AVX2 and FMA.
var vecEight = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// eightVec is Eight on AVX2 and FMA; len(x) is even.
//
//go:noescape
func eightVec(x []float64, coef *[8]float64, s1, s2 *[8]float64)
