//go:build !purego

package dtmf

import "golang.org/x/sys/cpu"

// vecHP is whether the high-pass runs in vector form (highpass_amd64.s):
// on CPUs with AVX2 and FMA, x86-64 since 2013–2015.
var vecHP = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// highPassVec is the vector form of highPass (see highpass_vec.go): y, e
// and e1 are as highPass's but without the gain, which the caller applies.
//
//go:noescape
func highPassVec(y *[subLen]float64, x *[subLen]int16, z *hpState, k *hpKern) (e, e1 float64)

// rawEnergyVec is rawEnergy on AVX2 (energy_amd64.s).
//
//go:noescape
func rawEnergyVec(x *[subLen]int16) float64
