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

// highPass filters x into y through the sections, carrying their state.
func highPass(y, x *[subLen]float64, z *[hpStages][2]float64) {
	b0, b1, b2 := &tab.hp[0], &tab.hp[1], &tab.hp[2]
	u1, u2 := z[0][0], z[0][1]
	v1, v2 := z[1][0], z[1][1]
	w1, w2 := z[2][0], z[2][1]
	for i, s := range x {
		// Each section: out = g·in + s1; s1 = −2g·in − a1·out + s2;
		// s2 = g·in − a2·out.
		in := b0.g * s
		o := in + u1
		u1 = -2*in - b0.a1*o + u2
		u2 = in - b0.a2*o
		in = b1.g * o
		o = in + v1
		v1 = -2*in - b1.a1*o + v2
		v2 = in - b1.a2*o
		in = b2.g * o
		o = in + w1
		w1 = -2*in - b2.a1*o + w2
		w2 = in - b2.a2*o
		y[i] = o
	}
	z[0][0], z[0][1] = u1, u2
	z[1][0], z[1][1] = v1, v2
	z[2][0], z[2][1] = w1, w2
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
