package dsp

import "math"

// Hz is a frequency in hertz.
type Hz float64

// Rate is the sample rate, in hertz, that every linetap detector runs at.
const Rate = 8000

// FullScaleDBm0 is the level of a full-scale 16-bit sine (ITU-T G.711: the
// µ-law digital milliwatt sits 3.14 dB below the clipping point).
const FullScaleDBm0 = 3.14

// Peak returns the peak amplitude, in 16-bit LSB, of a sine at levelDBm0.
func Peak(levelDBm0 float64) float64 {
	return 32767 * math.Pow(10, (levelDBm0-FullScaleDBm0)/20)
}

// DBm0 returns the level in dBm0 of a signal whose RMS is rms LSB, or −100
// for silence.
func DBm0(rms float64) float64 {
	if rms <= 0 {
		return -100
	}
	// A sine of peak P has RMS P/√2.
	l := 20*math.Log10(rms*math.Sqrt2/32767) + FullScaleDBm0
	if l < -100 {
		return -100
	}
	return l
}
