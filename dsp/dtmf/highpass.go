package dtmf

import (
	"math"
	"math/cmplx"

	"github.com/linetap/linetap/dsp"
)

// The dial-tone high-pass. Q.24 and DOMAIN.md §2 ask a receiver to decode
// under dial tone (350+440 Hz or 425 Hz) 22 dB above its minimum accept
// level; the MT8870 puts a dial-tone filter in front of its tone filters
// for the same reason. Here it is a 6th-order Chebyshev type I high-pass,
// 0.5 dB ripple above hpEdge Hz: about 29 dB down at 440 Hz, 31 dB at
// 425 Hz and more below, flat within 0.5 dB over 697–1633 Hz (and the
// decisions undo its exact gain at each DTMF frequency).
const (
	hpStages  = 3     // biquads
	hpEdge    = 600.0 // Hz: passband edge
	hpRipple  = 0.5   // dB
	hpQuiet   = 0.1   // a sub-block below hpQuiet·minPower per sample is not filtered
	hpNyquist = dsp.Rate / 2
)

// biquad is one second-order section, zeros at z = 1:
// y = g·(x − 2x₁ + x₂) − a1·y₁ − a2·y₂ (transposed direct form II).
type biquad struct{ g, a1, a2 float64 }

// designHighPass returns the sections of the Chebyshev high-pass: the
// analog low-pass prototype's poles, turned into a high-pass at the
// pre-warped edge, mapped by the bilinear transform, gain normalised to 1
// at Nyquist.
func designHighPass() (bq [hpStages]biquad) {
	const n = 2 * hpStages
	eps := math.Sqrt(math.Pow(10, hpRipple/10) - 1)
	mu := math.Asinh(1/eps) / n
	wc := 2 * dsp.Rate * math.Tan(math.Pi*hpEdge/dsp.Rate) // pre-warped edge, rad/s
	for k := range hpStages {
		theta := math.Pi * float64(2*k+1) / (2 * n)
		p := complex(-math.Sinh(mu)*math.Sin(theta), math.Cosh(mu)*math.Cos(theta))
		ph := complex(wc, 0) / p // low-pass to high-pass
		z := (2*dsp.Rate + ph) / (2*dsp.Rate - ph)
		bq[k] = biquad{g: 1, a1: -2 * real(z), a2: real(z)*real(z) + imag(z)*imag(z)}
	}
	// Even order: Nyquist sits at the bottom of the ripple, so with each
	// section normalised there the passband lies within 0…+0.5 dB.
	const lift = 1.0
	for k := range bq {
		h := sectionGain(bq[k], hpNyquist)
		bq[k].g = lift / h
	}
	return bq
}

// sectionGain is |H(f)| of one section with g = 1.
func sectionGain(b biquad, f float64) float64 {
	z1 := cmplx.Exp(complex(0, -2*math.Pi*f/dsp.Rate)) // z⁻¹
	num := 1 - 2*z1 + z1*z1
	den := 1 + complex(b.a1, 0)*z1 + complex(b.a2, 0)*z1*z1
	return cmplx.Abs(num / den)
}

// powerGain is |H(f)|² of the whole filter.
func powerGain(bq *[hpStages]biquad, f float64) float64 {
	g := 1.0
	for _, b := range bq {
		h := b.g * sectionGain(biquad{g: 1, a1: b.a1, a2: b.a2}, f)
		g *= h * h
	}
	return g
}

// hpRun is the filter as highPass runs it: the three sections' gains
// folded into one, g, applied after it (g2 = g² to the energies, g to the
// sub-block phasors), and each section's recursion
// y[n] = Δ²x[n] − a1·y[n−1] − a2·y[n−2], its double zero at z = 1 taken as
// a second difference.
type hpRun struct {
	g, g2  float64
	n1, n2 [hpStages]float64 // −a1, −a2
}

// runForm returns the sections bq in the form highPass runs them.
func runForm(bq *[hpStages]biquad) (l hpRun) {
	l.g = 1
	for k, b := range bq {
		l.g *= b.g
		l.n1[k], l.n2[k] = -b.a1, -b.a2
	}
	l.g2 = l.g * l.g
	return l
}

// highPass filters x into y and returns Σy² and Σ(Δy)², the first
// difference taken from the last output of the block before. The six
// zeros at z = 1 of the three sections come first, as a sixth difference
// of the int16 input in exact integer arithmetic (|Δ⁶x| < 2²¹), then
// the three sections' poles, y[n] = v[n] − a1·y[n−1] − a2·y[n−2]: the
// sections commute, and this order leaves four floating-point operations
// a section a sample instead of seven. y, the state and the energies are
// without the filter's gain hpRun.g, which the caller applies (g2 to the
// energies, g in the sub-block phasors). The coefficients are read from the table where
// they are used, which leaves the registers to the state.
func highPass(y *[subLen]float64, x *[subLen]int16, z *hpState) (e, e1 float64) {
	l := &tab.hpRun
	var ee, ee1 float64 // the odd samples' sums, apart: two chains of additions
	d1, d2, d3, d4, d5, d6 := z.d[0], z.d[1], z.d[2], z.d[3], z.d[4], z.d[5]
	a1, a2, b1, b2, c1, c2 := z.y[0][3], z.y[0][2], z.y[1][3], z.y[1][2], z.y[2][3], z.y[2][2]
	// Two samples a step: the state variables then swap roles instead of
	// being copied along every sample; y[n−1] enters each recursion last,
	// so that only a multiply and an addition stand between one output
	// and the next.
	for i := 1; i < subLen; i += 2 { // the form the compiler proves in bounds
		// Δ⁶ of two samples: each difference's previous value is the
		// state of that order.
		u0, u1 := int32(x[i-1]), int32(x[i])
		v0 := u0 - d1
		v1 := u1 - u0
		d1 = u1
		u0, u1 = v0-d2, v1-v0
		d2 = v1
		v0, v1 = u0-d3, u1-u0
		d3 = u1
		u0, u1 = v0-d4, v1-v0
		d4 = v1
		v0, v1 = u0-d5, u1-u0
		d5 = u1
		u0, u1 = v0-d6, v1-v0
		d6 = v1
		f0, f1 := float64(u0), float64(u1)
		o0 := (f0 + l.n2[0]*a2) + l.n1[0]*a1
		o1 := (f1 + l.n2[0]*a1) + l.n1[0]*o0
		a1, a2 = o1, o0
		o0 = (o0 + l.n2[1]*b2) + l.n1[1]*b1
		o1 = (o1 + l.n2[1]*b1) + l.n1[1]*o0
		b1, b2 = o1, o0
		o0 = (o0 + l.n2[2]*c2) + l.n1[2]*c1
		o1 = (o1 + l.n2[2]*c1) + l.n1[2]*o0
		y[i-1], y[i] = o0, o1
		p0, p1 := o0-c1, o1-o0
		c1, c2 = o1, o0
		e += o0 * o0
		ee += o1 * o1
		e1 += p0 * p0
		ee1 += p1 * p1
	}
	z.d = [6]int32{d1, d2, d3, d4, d5, d6}
	z.y[0][3], z.y[0][2], z.y[1][3], z.y[1][2], z.y[2][3], z.y[2][2] = a1, a2, b1, b2, c1, c2
	return e + ee, e1 + ee1
}

// hpState is the high-pass's memory; its zero value is a filter that has
// only ever seen silence. The scalar highPass keeps each section's last
// two outputs in y[k][3] (the newest) and y[k][2], and in d the last value
// of each order of difference of the input (d[0] the last input, d[k] the
// last k-th difference). The vector form (highpass_vec.go) keeps the
// filter's last eight outputs in y[1] and y[2] (the newest last, so that
// y[2][3] is the last output in both forms) and the last eight input
// samples in x; u is where it passes each block's sixth difference on.
type hpState struct {
	y [hpStages][4]float64 // offset 0
	x [8]float64           // offset 96
	u [subLen]float64      // offset 160
	d [2 * hpStages]int32
}

// phaseAt is the phase response of the whole filter at f, radians.
func phaseAt(bq *[hpStages]biquad, f float64) float64 {
	z1 := cmplx.Exp(complex(0, -2*math.Pi*f/dsp.Rate))
	h := complex(1, 0)
	for _, b := range bq {
		h *= (1 - 2*z1 + z1*z1) / (1 + complex(b.a1, 0)*z1 + complex(b.a2, 0)*z1*z1)
	}
	return cmplx.Phase(h)
}

// groupDelay is the filter's group delay at f, in samples (the phase's
// slope, by a central difference over ±1 Hz, unwrapped).
func groupDelay(bq *[hpStages]biquad, f float64) float64 {
	dp := phaseAt(bq, f+1) - phaseAt(bq, f-1)
	dp = math.Remainder(dp, 2*math.Pi)
	return -dp / (2 * 2 * math.Pi / dsp.Rate)
}
