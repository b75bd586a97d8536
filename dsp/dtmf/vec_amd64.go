//go:build !purego

package dtmf

import "golang.org/x/sys/cpu"

// vec is whether the receiver runs its vector form: the high-pass
// (highpass_amd64.s), the sub-block DFT (dft_amd64.s) and the raw energy
// (energy_amd64.s), on CPUs with AVX2 and FMA, x86-64 since 2013–2015.
var vec = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// highPassVec is the vector form of highPass (see highpass_vec.go).
//
//go:noescape
func highPassVec(y *[subLen]float64, x *[subLen]int16, z *hpState, k *hpKern) (e, e1 float64)

// dftVec stores in out the DFT of the high-passed sub-block x at the eight
// frequencies, put on the stream's time origin by r (see dft_vec.go).
//
//go:noescape
func dftVec(x *[subLen]float64, t *dftKern, r *[2][8]float64, out *[8]complex128)

// rawEnergyVec is rawEnergy in vector form.
//
//go:noescape
func rawEnergyVec(x *[subLen]int16) float64
