package tone

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
)

// Samples returns how many samples at dsp.Rate last d, rounded to the
// nearest sample; a negative d is 0 samples.
func Samples(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((int64(d)*dsp.Rate + int64(time.Second)/2) / int64(time.Second))
}

// clip16 rounds v to the nearest int16, saturating at the 16-bit limits.
func clip16(v float64) int16 {
	v = math.Round(v)
	if v >= math.MaxInt16 {
		return math.MaxInt16
	}
	if v <= math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// AppendTone appends d of the sum of freqs, each a sine at levelDBm0 that
// starts at phase 0. The sum saturates at the 16-bit limits; with no freqs
// it appends silence.
func AppendTone(dst []int16, freqs []dsp.Hz, levelDBm0 float64, d time.Duration) []int16 {
	return appendGated(dst, freqs, levelDBm0, Samples(d), 0, nil)
}

// appendGated appends n samples of freqs at levelDBm0 whose phase runs from
// sample index first; on, when not nil, gates each sample.
func appendGated(dst []int16, freqs []dsp.Hz, levelDBm0 float64, n int, first int64, on func(i int) bool) []int16 {
	amp := dsp.Peak(levelDBm0)
	dst = grow(dst, n)
	for i := range n {
		if on != nil && !on(i) {
			dst = append(dst, 0)
			continue
		}
		t := float64(first+int64(i)) / dsp.Rate
		var v float64
		for _, f := range freqs {
			v += amp * math.Sin(2*math.Pi*float64(f)*t)
		}
		dst = append(dst, clip16(v))
	}
	return dst
}

// grow makes room for n more samples in dst with at most one allocation.
func grow(dst []int16, n int) []int16 {
	if cap(dst)-len(dst) < n {
		nd := make([]int16, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	return dst
}

// Cadence is a call-progress tone: Freqs summed, each at LevelDBm0, switched
// by Pattern, which is on, off, on, off… and repeats (empty means
// continuous).
type Cadence struct {
	Name      string
	Freqs     []dsp.Hz
	LevelDBm0 float64
	Pattern   []time.Duration
}

// Continuous reports whether c has no on/off pattern.
func (c Cadence) Continuous() bool {
	for _, p := range c.Pattern {
		if p > 0 {
			return false
		}
	}
	return true
}

// Period returns the length of one repetition of c's pattern, 0 for a
// continuous tone.
func (c Cadence) Period() time.Duration {
	var p time.Duration
	for _, d := range c.Pattern {
		p += max(d, 0)
	}
	return p
}

// Append appends d of the cadence, starting at the beginning of its
// pattern. The oscillators run on through the off periods, so every burst
// continues the phase of the one before, as a tone plant's would.
func (c Cadence) Append(dst []int16, d time.Duration) []int16 {
	n := Samples(d)
	if c.Continuous() {
		return appendGated(dst, c.Freqs, c.LevelDBm0, n, 0, nil)
	}
	// Pattern edges are placed from the cumulative time, so long cadences
	// do not drift by rounding each step.
	period := Samples(c.Period())
	edges := make([]int, len(c.Pattern))
	var acc time.Duration
	for k, p := range c.Pattern {
		acc += max(p, 0)
		edges[k] = Samples(acc)
	}
	on := func(i int) bool {
		j := i % period
		for k, e := range edges {
			if j < e {
				return k%2 == 0
			}
		}
		return false
	}
	return appendGated(dst, c.Freqs, c.LevelDBm0, n, 0, on)
}

// SIT is a special information tone: three tones one after the other, each
// for its duration, at LevelDBm0 (ITU-T E.180; DOMAIN.md §4).
type SIT struct {
	Freqs     [3]dsp.Hz
	Durations [3]time.Duration
	LevelDBm0 float64
}

// Two special information tones.
var (
	// StandardSIT is the ITU-T E.180 SIT: 950, 1400 and 1800 Hz, 330 ms
	// each, at −24 dBm0 (DOMAIN.md §4).
	StandardSIT = SIT{Freqs: [3]dsp.Hz{950, 1400, 1800}, Durations: [3]time.Duration{330 * time.Millisecond, 330 * time.Millisecond, 330 * time.Millisecond}, LevelDBm0: -24}
	// NorthAmericanSIT is one North American SIT of DOMAIN.md §4: 985.2,
	// 1370.6 and 1776.7 Hz for 380, 274 and 380 ms. The other variants
	// swap in 913.8 and 1428.5 Hz and other long/short orders.
	NorthAmericanSIT = SIT{Freqs: [3]dsp.Hz{985.2, 1370.6, 1776.7}, Durations: [3]time.Duration{380 * time.Millisecond, 274 * time.Millisecond, 380 * time.Millisecond}, LevelDBm0: -24}
)

// Append appends the three segments, each starting at phase 0, with no
// gap and no silence after.
func (s SIT) Append(dst []int16) []int16 {
	for i, f := range s.Freqs {
		dst = AppendTone(dst, []dsp.Hz{f}, s.LevelDBm0, s.Durations[i])
	}
	return dst
}
