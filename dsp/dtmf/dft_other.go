//go:build !amd64 || purego

package dtmf

// vecDFT is false: the DFT runs as goertzel.Four.
const vecDFT = false

func dftVec(x *[subLen]float64, t *dftKern, r *[2][8]float64, out *[8]complex128) {
	panic("dtmf: no vector DFT on this platform")
}
