//go:build !amd64 || purego

package dtmf

// vec is false: the receiver runs its scalar form only.
const vec = false

func highPassVec(y *[subLen]float64, x *[subLen]int16, z *hpState, k *hpKern) (e, e1 float64) {
	panic("dtmf: no vector high-pass on this platform")
}

func dftVec(x *[subLen]float64, t *dftKern, r *[2][8]float64, out *[8]complex128) {
	panic("dtmf: no vector DFT on this platform")
}

func rawEnergyVec(x *[subLen]int16) float64 {
	panic("dtmf: no vector raw energy on this platform")
}
