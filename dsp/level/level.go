package level

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
)

// samples returns how many samples at dsp.Rate last d, at least 1.
func samples(d time.Duration) int {
	n := int((int64(d)*dsp.Rate + int64(time.Second)/2) / int64(time.Second))
	return max(n, 1)
}

// Meter measures the RMS level of a stream over a sliding window, its peak
// and how often it clipped.
type Meter struct {
	ring    []int16
	next    int   // slot the next sample goes in
	filled  int   // samples in ring, up to len(ring)
	sumSq   int64 // Σx² over ring: exact, so it never drifts
	peak    int16
	clipped int
}

// NewMeter returns a Meter whose level is the RMS over the last window (at
// least one sample).
func NewMeter(window time.Duration) *Meter {
	return &Meter{ring: make([]int16, samples(window))}
}

// Process adds the samples of x. It allocates nothing.
func (m *Meter) Process(x []int16) {
	ring, next, sumSq := m.ring, m.next, m.sumSq
	peak, clipped := int32(m.peak), m.clipped
	for _, s := range x {
		v := int64(s)
		old := int64(ring[next])
		sumSq += v*v - old*old
		ring[next] = s
		if next++; next == len(ring) {
			next = 0
		}
		if s == math.MaxInt16 || s == math.MinInt16 {
			clipped++
		}
		a := int32(s)
		if a < 0 {
			a = -a
		}
		peak = max(peak, min(a, math.MaxInt16)) // −32768 counts as 32767
	}
	m.next, m.sumSq, m.peak, m.clipped = next, sumSq, int16(peak), clipped
	m.filled = min(m.filled+len(x), len(ring))
}

// DBm0 returns the RMS level over the last window (or over what has been
// processed, if less), −100 for silence or nothing processed.
func (m *Meter) DBm0() float64 {
	if m.filled == 0 {
		return -100
	}
	return dsp.DBm0(math.Sqrt(float64(m.sumSq) / float64(m.filled)))
}

// Peak returns the largest magnitude since Reset (−32768 counts as 32767).
func (m *Meter) Peak() int16 { return m.peak }

// Clipped returns how many samples were at +32767 or −32768 since Reset.
func (m *Meter) Clipped() int { return m.clipped }

// Reset forgets everything processed.
func (m *Meter) Reset() {
	clear(m.ring)
	m.next, m.filled, m.sumSq, m.peak, m.clipped = 0, 0, 0, 0, 0
}

// VAD timing.
const (
	frameLen = dsp.Rate / 100 // 10 ms frames
	onsetBy  = 2              // loud frames in a row that start activity
)

// VAD is voice activity with a hangover, for VOX recording: it turns on
// after 20 ms at or above its threshold and off once the hangover has
// passed since the last such frame.
type VAD struct {
	threshold float64
	minSumSq  int64 // Σx² over a frame at threshold
	hangover  int   // frames

	sumSq  int64
	n      int
	loudN  int // loud frames in a row
	hold   int // frames of hangover left
	active bool
}

// NewVAD returns a VAD that is active while the level over 10 ms frames is
// at least thresholdDBm0, and for hangover after.
func NewVAD(thresholdDBm0 float64, hangover time.Duration) *VAD {
	v := &VAD{threshold: thresholdDBm0, hangover: max(0, int(hangover/(10*time.Millisecond)))}
	// A frame is loud when dsp.DBm0 of its RMS is at least the threshold;
	// below −100 dBm0 (the floor dsp.DBm0 reports) every frame is.
	if thresholdDBm0 > -100 {
		a := dsp.Peak(thresholdDBm0)
		v.minSumSq = int64(math.Ceil(a * a / 2 * frameLen))
	}
	return v
}

// Process adds x and reports whether the stream is active at its end:
// speech, or within the hangover after it. It allocates nothing.
func (v *VAD) Process(x []int16) bool {
	for _, s := range x {
		v.sumSq += int64(s) * int64(s)
		if v.n++; v.n < frameLen {
			continue
		}
		loud := v.sumSq >= v.minSumSq
		v.sumSq, v.n = 0, 0
		if loud {
			v.loudN++
			if v.loudN >= onsetBy || v.active {
				v.active, v.hold = true, v.hangover
			}
			continue
		}
		v.loudN = 0
		if v.active {
			if v.hold--; v.hold <= 0 {
				v.active = false
			}
		}
	}
	return v.active
}

// Active reports what the last Process returned.
func (v *VAD) Active() bool { return v.active }

// Reset makes v inactive and forgets the partial frame.
func (v *VAD) Reset() {
	v.sumSq, v.n, v.loudN, v.hold, v.active = 0, 0, 0, 0, false
}
