package tone

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
)

// Ringing as a tap sees it. DOMAIN.md §1: 40–105 Vrms, 15–25 Hz, 40 dB or
// more above speech, so it clips the ADC.
const (
	// ringOverload is the ringing voltage's peak relative to the ADC's
	// full scale: 75 Vrms into an input that clips near 1 V peak.
	ringOverload = 100.0
	// couplingHz is the corner of the tap's AC coupling (a first-order
	// high-pass: the series capacitor into the transformer).
	couplingHz = 30.0
	// RingTail is how long before the end of a burst AppendRing removes
	// the ringing voltage, so the coupling capacitor's discharge lies
	// inside the burst rather than in the silence after it.
	RingTail = 100 * time.Millisecond
)

// AppendRing appends d of ringing at freq as an AC-coupled high-impedance
// tap sees it: a sine ringOverload times full scale through the coupling
// high-pass, clipped at ±32767. The voltage is applied at a zero crossing
// and removed at the last zero crossing at least RingTail (or, for a burst
// shorter than 2·RingTail, half the burst) before d ends; the remaining
// samples hold the capacitor's decaying discharge. A non-positive freq
// appends silence.
func AppendRing(dst []int16, freq dsp.Hz, d time.Duration) []int16 {
	n := Samples(d)
	dst = grow(dst, n)
	if freq <= 0 {
		for range n {
			dst = append(dst, 0)
		}
		return dst
	}
	tail := Samples(RingTail)
	if n < 2*tail {
		tail = n / 2
	}
	// Whole half-cycles only: the ringing generator switches at zero.
	half := float64(dsp.Rate) / (2 * float64(freq))
	halves := math.Floor(float64(n-tail) / half)
	stop := int(math.Round(halves * half))
	amp := ringOverload * 32767
	// First-order high-pass y[i] = a·(y[i-1] + x[i] − x[i-1]).
	rc := 1 / (2 * math.Pi * couplingHz)
	a := rc / (rc + 1.0/dsp.Rate)
	var x1, y float64
	for i := range n {
		var x float64
		if i < stop {
			x = amp * math.Sin(2*math.Pi*float64(freq)*float64(i)/dsp.Rate)
		}
		y = a * (y + x - x1)
		x1 = x
		v := y
		if math.Abs(v) < 0.5 {
			v = 0
		}
		dst = append(dst, clip16(math.Max(-32767, math.Min(32767, v))))
	}
	return dst
}
