package fsk

import (
	"math"

	"github.com/linetap/linetap/dsp"
)

// Modulator is a phase-continuous FSK transmitter with fractional bit
// timing: bit k starts at exactly k·dsp.Rate/Baud samples, and a sample
// that straddles a bit boundary gets the phase an analogue oscillator would
// have reached. Consecutive Append calls continue one waveform.
type Modulator struct {
	p    Params
	amp  float64
	samp float64 // space amplitude (twist)
	spb  float64 // samples per bit
	wm   float64 // radians per sample at the mark frequency
	ws   float64 // radians per sample at the space frequency
	t    float64 // time of the end of the last segment, in samples
	next float64 // index of the next sample to emit, relative like t
	ph   float64 // phase at time t
}

// NewModulator returns a transmitter for p whose tones have the level
// levelDBm0 (a sine's level; full scale is +3.14 dBm0, louder clips).
// Params that do not Validate give a modulator that emits nothing.
func NewModulator(p Params, levelDBm0 float64) *Modulator {
	m := &Modulator{p: p, amp: dsp.Peak(levelDBm0)}
	m.samp = m.amp
	if p.Validate() == nil {
		m.spb = p.SamplesPerBit()
		m.wm = 2 * math.Pi * float64(p.Mark) / dsp.Rate
		m.ws = 2 * math.Pi * float64(p.Space) / dsp.Rate
	}
	return m
}

// SetTwist makes the space tone twistDB louder than the mark tone (negative:
// quieter), the mark staying at the level NewModulator was given; receivers
// must accept some (GR-30: −6 to +10 dB, EN 300 659-1: ±6 dB).
func (m *Modulator) SetTwist(twistDB float64) {
	m.samp = m.amp * math.Pow(10, twistDB/20)
}

// Params returns the layer m transmits.
func (m *Modulator) Params() Params { return m.p }

// AppendBits appends n bits of value bit (0 is space, anything else mark):
// channel seizure, mark runs, extra stop bits.
func (m *Modulator) AppendBits(dst []int16, bit int, n int) []int16 {
	if n <= 0 {
		return dst
	}
	w, a := m.wm, m.amp
	if bit == 0 {
		w, a = m.ws, m.samp
	}
	return m.segment(dst, w, a, float64(n)*m.spb)
}

// AppendBytes appends each byte of data as an asynchronous character: a
// start bit (space), eight data bits LSB first, then stopBits mark bits
// (GR-30 §3.1: 8N1; EN 300 659-1 allows more stop bits). stopBits below
// zero count as zero; zero leaves the stop bit out, which a receiver sees
// as a framing error when the next start bit follows.
func (m *Modulator) AppendBytes(dst []int16, data []byte, stopBits int) []int16 {
	for _, b := range data {
		dst = m.AppendBits(dst, 0, 1) // start bit
		for i := 0; i < 8; i++ {      // LSB first
			dst = m.AppendBits(dst, int(b>>i&1), 1)
		}
		dst = m.AppendBits(dst, 1, stopBits)
	}
	return dst
}

// segment emits a tone of w radians per sample and peak amp for dur samples from time
// m.t, phase-continuously, and renormalises the clock.
func (m *Modulator) segment(dst []int16, w, amp, dur float64) []int16 {
	end := m.t + dur
	// A sample within rounding error of the boundary belongs to the next
	// segment, so k bits end after exactly ⌈k·Rate/Baud⌉ samples.
	for m.next < end-1e-9 {
		dst = append(dst, clip(amp*math.Sin(m.ph+w*(m.next-m.t))))
		m.next++
	}
	m.ph = math.Mod(m.ph+w*dur, 2*math.Pi)
	m.t = end
	k := math.Floor(m.t)
	m.t -= k
	m.next -= k
	return dst
}

func clip(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}
