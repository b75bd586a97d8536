package ring

import (
	"time"

	"github.com/linetap/linetap/dsp"
)

// The DAHDI rule of DOMAIN.md §1.
const (
	// Threshold is the magnitude, in LSB, the samples of a peak exceed.
	Threshold = 10000
	// MinGap and MaxGap bound the time from one peak to the next of the
	// opposite sign in a run (a half-cycle of 10–50 Hz ringing).
	MinGap = 10 * time.Millisecond
	MaxGap = 50 * time.Millisecond
	// MinPeaks is how many alternating peaks make ringing ("more than 5").
	MinPeaks = 6
	// Debounce is how long a run must have lasted, from its first peak to
	// its latest, before it is ringing (DAHDI: 64–128 ms).
	Debounce = 64 * time.Millisecond
	// MinExcursion is how long a sample run must stay beyond Threshold to
	// be a peak. Not part of the DAHDI rule: it keeps loud voice-band
	// tones out (two tones 100 Hz apart, such as a 350+450 Hz dial tone,
	// cross ±10 000 LSB once per 10 ms beat, alternating), since a tone
	// above 250 Hz stays beyond any level for less than its 2 ms
	// half-period, while clipped 15–50 Hz ringing stays beyond for most of
	// each half-cycle.
	MinExcursion = 2 * time.Millisecond
)

// Sample counts of the rule at dsp.Rate.
const (
	minGap   = int64(MinGap * dsp.Rate / time.Second)
	maxGap   = int64(MaxGap * dsp.Rate / time.Second)
	debounce = int64(Debounce * dsp.Rate / time.Second)
	minEx    = int64(MinExcursion * dsp.Rate / time.Second)
)

// Event is one ring burst, in sample positions.
type Event struct {
	Start int64 // the first peak of the burst
	End   int64 // one mean peak interval after its last peak
}

// Detector finds ring bursts in a stream of 8 kHz samples. The zero value
// is ready to use; NewDetector is its constructor for symmetry with the
// other detectors.
type Detector struct {
	exSign  int8  // sign of the current excursion beyond Threshold, 0 if none
	exStart int64 // its first sample
	exLen   int64 // its length so far
	sign    int8  // sign of the last peak: +1, −1, or 0 before any
	last    int64 // position of the last peak
	first   int64 // position of the first peak of the current run
	peaks   int   // peaks in the current run
	ringing bool
}

// NewDetector returns a Detector ready for a stream.
func NewDetector() *Detector { return &Detector{} }

// Ringing reports whether a ring burst is in progress at the end of what
// Process has consumed.
func (d *Detector) Ringing() bool { return d.ringing }

// Process consumes x, whose first sample is at position pos, and appends
// an Event for every ring burst that ended within it (reported MaxGap after
// its last peak). It allocates nothing when out has capacity.
func (d *Detector) Process(x []int16, pos int64, out []Event) []Event {
	for i, v := range x {
		p := pos + int64(i)
		if d.ringing && p-d.last > maxGap {
			out = d.end(out)
		}
		var s int8
		switch {
		case v > Threshold:
			s = 1
		case v < -Threshold:
			s = -1
		}
		if s != d.exSign {
			d.exSign, d.exStart, d.exLen = s, p, 0
		}
		if s == 0 {
			continue
		}
		// A peak is counted once, when its excursion has lasted minEx
		// samples, at the excursion's first sample.
		if d.exLen++; d.exLen != minEx || s == d.sign {
			continue
		}
		p = d.exStart
		gap := p - d.last
		if d.sign != 0 && gap >= minGap && gap <= maxGap {
			d.peaks++
		} else {
			if d.ringing {
				out = d.end(out)
			}
			d.peaks, d.first = 1, p
		}
		d.sign, d.last = s, p
		if !d.ringing && d.peaks >= MinPeaks && d.last-d.first >= debounce {
			d.ringing = true
		}
	}
	return out
}

// end closes the burst in progress.
func (d *Detector) end(out []Event) []Event {
	mean := (d.last - d.first) / int64(d.peaks-1)
	out = append(out, Event{Start: d.first, End: d.last + mean})
	d.ringing = false
	d.peaks = 0
	d.sign = 0
	return out
}

// Flush appends a burst still in progress at the end of the stream and
// forgets it.
func (d *Detector) Flush(out []Event) []Event {
	if d.ringing {
		out = d.end(out)
	}
	d.Reset()
	return out
}

// Reset forgets the stream: a burst in progress is dropped.
func (d *Detector) Reset() { *d = Detector{} }
