package linetap

import (
	"time"

	"github.com/linetap/linetap/dsp/dtmf"
)

// maskGuard is how much audio around a key press is masked besides the
// tone itself: the detector's estimate of the onset and end can be a few
// milliseconds off, and a fragment of a tone must not survive.
const maskGuard = 30 * time.Millisecond

// mask replaces DTMF in a line's stored audio with comfort noise, for PCI
// DSS: the card number a caller keys must not be recoverable from the
// recording. The line stores its audio a delay behind the detector, long
// enough for the detector to suspect a tone (dtmf.Detector.Pending) before
// the tone's first sample is stored.
type mask struct {
	delay int64 // samples held back
	guard int64
	spans []span // masked position ranges, in order of their start
	open  bool   // a tone is pending: masked from openFrom on
	from  int64
	noise uint32
}

type span struct{ from, to int64 }

func newMask(e *Engine) *mask {
	return &mask{
		delay: e.samples(dtmf.MaxPendingLatency + maskGuard),
		guard: e.samples(maskGuard),
		spans: make([]span, 0, 8),
		noise: 0x9E3779B9,
	}
}

// update takes the detector's view at the end of a block: validated key
// presses, and whether a tone is pending now.
func (m *mask) update(d *dtmf.Detector, digits []dtmf.Event, end int64) {
	for _, ev := range digits {
		m.add(ev.Start-m.guard, ev.End+m.guard)
	}
	start, ok := d.Pending()
	switch {
	case ok && !m.open:
		m.open, m.from = true, start-m.guard
	case ok:
		m.from = min(m.from, start-m.guard)
	case m.open:
		m.open = false
		m.add(m.from, end+m.guard)
	}
}

func (m *mask) add(from, to int64) {
	if n := len(m.spans); n > 0 && from <= m.spans[n-1].to {
		m.spans[n-1].to = max(m.spans[n-1].to, to)
		m.spans[n-1].from = min(m.spans[n-1].from, from)
		return
	}
	m.spans = append(m.spans, span{from, to})
}

// apply masks the samples of x, which start at position pos.
func (m *mask) apply(x []int16, pos int64) {
	end := pos + int64(len(x))
	fill := func(a, b int64) {
		a, b = max(a, pos), min(b, end)
		for p := a; p < b; p++ {
			// Comfort noise about −70 dBm0, so that a listener hears the
			// line is still there.
			m.noise = m.noise*1664525 + 1013904223
			x[p-pos] = int16(m.noise>>27) - 16
		}
	}
	for _, s := range m.spans {
		if s.to > pos && s.from < end {
			fill(s.from, s.to)
		}
	}
	if m.open {
		fill(m.from, end)
	}
}

// prune forgets spans that end before pos.
func (m *mask) prune(pos int64) {
	k := 0
	for k < len(m.spans) && m.spans[k].to <= pos {
		k++
	}
	if k > 0 {
		m.spans = append(m.spans[:0], m.spans[k:]...)
	}
}
