package dtmf

import (
	"math"

	"github.com/linetap/linetap/dsp"
)

// The sub-block DFT in vector form (dft_amd64.s): the eight frequencies'
// Goertzel recursions run at once, each over the sub-block's two halves
// apart (four independent chains, half as long as one over the whole
// sub-block), and the halves' states are combined and put on the stream's
// time origin in the same pass:
//
//	X = R·[P·(s1a − b·s2a) + Q·(s1b − b·s2b)]
//
// with s1a, s2a the last states over the first half and s1b, s2b over the
// second, b = e^{−jω}, P = e^{−jω(h−1)} and Q = e^{−jω(2h−1)} for halves of
// h samples, and R = g·e^{−jω·subLen·i} for sub-block i (mod phasePeriod)
// and the high-pass's gain g.

// dftHalf is the length of a half sub-block.
const dftHalf = subLen / 2

// dftKern is the vector DFT's table, read by dft_amd64.s; each array holds
// the eight frequencies, rows first. p and pb are P and P·b, q and qb Q and
// Q·b, each as real and imaginary parts.
type dftKern struct {
	coef     [8]float64 // offset 0: 2cos ω
	pr, pi   [8]float64 // offset 64, 128
	pbr, pbi [8]float64 // offset 192, 256
	qr, qi   [8]float64 // offset 320, 384
	qbr, qbi [8]float64 // offset 448, 512
	// r[i] is R for sub-block i: real parts, then imaginary.
	r [phasePeriod][2][8]float64 // offset 576
}

// dftForm returns the vector DFT's table for frequencies hz (Hz) and the
// high-pass gain g.
func dftForm(hz *[8]float64, g float64) (t dftKern) {
	for k, f := range hz {
		w := 2 * math.Pi * f / dsp.Rate
		t.coef[k] = 2 * math.Cos(w)
		b := cmplxExp(-w)
		p := cmplxExp(-w * (dftHalf - 1))
		q := cmplxExp(-w * (2*dftHalf - 1))
		pb, qb := p*b, q*b
		t.pr[k], t.pi[k] = real(p), imag(p)
		t.pbr[k], t.pbi[k] = real(pb), imag(pb)
		t.qr[k], t.qi[k] = real(q), imag(q)
		t.qbr[k], t.qbi[k] = real(qb), imag(qb)
		for i := range phasePeriod {
			r := complex(g, 0) * phasor(dsp.Hz(f), subLen*i)
			t.r[i][0][k], t.r[i][1][k] = real(r), imag(r)
		}
	}
	return t
}
