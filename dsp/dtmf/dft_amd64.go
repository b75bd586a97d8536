//go:build !purego

package dtmf

import "golang.org/x/sys/cpu"

// vecDFT is whether the sub-block DFT runs in vector form (dft_amd64.s).
var vecDFT = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dftVec stores in out the DFT of the high-passed sub-block x at the eight
// frequencies, put on the stream's time origin by r (see dft_vec.go).
//
//go:noescape
func dftVec(x *[subLen]float64, t *dftKern, r *[2][8]float64, out *[8]complex128)
