//go:build talkoff

package dtmf_test

import (
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
)

// TestTalkOffVoiceOverNoteWide widens TestTalkOffVoiceOverNote: other
// renderings of the test voices (other seeds) over steady notes −1 %, 0,
// +0.5 % and +1.5 % off every row and column frequency, at the voice's
// level and 6 and 12 dB under it, 4 s each: 44.8 minutes, run by make
// talkoff. The receiver before the farther comb tier gave 30 false
// digits here; the budget is none.
func TestTalkOffVoiceOverNoteWide(t *testing.T) {
	const budget = 0
	speech := make([][]int16, len(voices))
	for i, v := range voices {
		v.seed += 50
		speech[i] = v.render(4 * time.Second)
	}
	total, seconds := 0, 0
	for _, off := range []float64{-0.01, 0, 0.005, 0.015} {
		for _, f := range []dsp.Hz{697, 770, 852, 941, 1209, 1336, 1477, 1633} {
			for _, rel := range []float64{0, -6, -12} {
				for i, v := range voices {
					x := append([]int16(nil), speech[i]...)
					addTone(x, []dsp.Hz{f * dsp.Hz(1+off)}, v.levelDBm0+rel)
					got := detect(x, 160)
					total += len(got)
					seconds += len(x) / dsp.Rate
					for _, e := range got {
						t.Logf("%.1f Hz at %+v dB, voice %d: %c at %.3f s", float64(f)*(1+off), rel, i, e.Digit, float64(e.Start)/dsp.Rate)
					}
				}
			}
		}
	}
	t.Logf("%d false digits in %.1f min", total, float64(seconds)/60)
	if total > budget {
		t.Errorf("%d false digits, budget %d", total, budget)
	}
}
