package tone_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// TestProgressUSWindows: DOMAIN.md §4's US windows — ringback on
// 1680–2320 ms / off 3380–4620 ms, busy 400–580 ms, reorder 180–300 ms —
// are accepted at their edges and rejected well outside them, with the
// tones ±0.5 % off nominal and ±1.5 dB off level.
func TestProgressUSWindows(t *testing.T) {
	p, _ := tone.PlanFor("US")
	tests := []struct {
		cad     tone.Cadence
		on, off int // ms
		want    tone.Progress
	}{
		{p.Busy, 400, 400, tone.ProgressBusy},
		{p.Busy, 580, 580, tone.ProgressBusy},
		{p.Busy, 420, 560, tone.ProgressBusy},
		{p.Busy, 340, 340, tone.ProgressNone}, // between the reorder and busy windows: neither
		{p.Busy, 700, 700, tone.ProgressNone},
		{p.Reorder, 180, 180, tone.ProgressReorder},
		{p.Reorder, 300, 300, tone.ProgressReorder},
		{p.Reorder, 120, 120, tone.ProgressNone},
		{p.Ringback, 1680, 3380, tone.ProgressRingback},
		{p.Ringback, 2320, 4620, tone.ProgressRingback},
		{p.Ringback, 1200, 4000, tone.ProgressNone},
	}
	for _, tc := range tests {
		for _, drift := range []struct{ freq, levelDB float64 }{{0, 0}, {-0.005, -1.5}, {0.005, 1.5}} {
			t.Run(fmt.Sprintf("%s/%d-%d/%+.1f%%/%+vdB", tc.cad.Name, tc.on, tc.off, drift.freq*100, drift.levelDB), func(t *testing.T) {
				c := tc.cad
				c.Freqs = nil
				for _, f := range tc.cad.Freqs {
					c.Freqs = append(c.Freqs, f*dsp.Hz(1+drift.freq))
				}
				c.LevelDBm0 += drift.levelDB
				c.Pattern = []time.Duration{time.Duration(tc.on) * msec, time.Duration(tc.off) * msec}
				x := make([]int16, 1600)
				x = c.Append(x, 4*c.Period())
				ev := progressEvents(x, 80)
				var got tone.Progress
				for _, e := range ev {
					if e.Kind != tone.ProgressDial {
						got = e.Kind
					}
				}
				if got != tc.want || len(ev) > 1 {
					t.Errorf("events %v, want %v", ev, tc.want)
				}
			})
		}
	}
}
