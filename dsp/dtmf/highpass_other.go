//go:build !amd64 || purego

package dtmf

// vecHP is false: the high-pass runs in scalar form.
const vecHP = false

func highPassVec(y *[subLen]float64, x *[subLen]int16, z *hpState, k *hpKern) (e, e1 float64) {
	panic("dtmf: no vector high-pass on this platform")
}

func rawEnergyVec(x *[subLen]int16) float64 {
	panic("dtmf: no vector raw energy on this platform")
}
