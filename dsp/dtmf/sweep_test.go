package dtmf_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/tone"
)

// sweepAlignments is how many onsets, one sample apart, the alignment
// sweep tries: every position of a tone's first sample within the
// detector's 5 ms (40-sample) sub-block.
const sweepAlignments = 40

// TestAlignmentSweep is the Q.24 corner sweep at every alignment of the
// tone to the detector's sub-blocks: every digit, at the twist limits
// Q.24 asks a receiver to accept (−8 dB, low group louder; +4 dB, high
// group louder), each tone at −1.5 %, 0 and +1.5 % of nominal, 40 ms
// (the shortest that must be detected) and 70 ms (DTMF CLIP's tone) long,
// at the minimum accept level (the weaker tone at −36 dBm0) and at a
// strong one (the louder tone at −4 dBm0), with the two tones starting in
// phase and at a phase that changes with the onset. Each case is one key
// press after a lead of silence, and must give exactly one event, of the
// right digit, within 10 ms of the tone's first and last sample.
func TestAlignmentSweep(t *testing.T) {
	type level struct {
		name   string
		weaker bool    // the level is the weaker tone's, not the louder's
		dBm0   float64 // that tone's level
	}
	levels := []level{{"min", true, -36}, {"strong", false, -4}}
	for _, lv := range levels {
		for _, twist := range []float64{-8, 4} {
			// Row level such that the named tone is at lv.dBm0.
			row := lv.dBm0 - max(0, twist)
			if lv.weaker {
				row = lv.dBm0 - min(0, twist)
			}
			for _, fe := range []float64{-0.015, 0, 0.015} {
				for _, on := range []time.Duration{40 * ms, 70 * ms} {
					name := fmt.Sprintf("%s/twist%+g/%+.1f%%/%v", lv.name, twist, fe*100, on)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						misses := 0
						for i := 0; i < len(dtmf.Digits); i++ {
							digit := dtmf.Digits[i]
							lo, hi, err := dtmf.Tones(digit)
							if err != nil {
								t.Fatal(err)
							}
							for a := range sweepAlignments {
								// 13 ms of silence, then a samples more; the
								// high tone starts in phase with the low one,
								// then at a phase that moves with a.
								lead := 104 + a
								for _, ph := range []float64{0, 2 * math.Pi * math.Mod(float64(a)*0.618034, 1)} {
									x := make([]int16, lead, lead+tone.Samples(on+80*ms))
									x = appendPair(x, float64(lo)*(1+fe), row, float64(hi)*(1+fe), row+twist, ph, tone.Samples(on))
									x = append(x, make([]int16, tone.Samples(80*ms))...)
									w := dtmf.Event{Digit: digit, Start: int64(lead), End: int64(lead + tone.Samples(on))}
									got := detect(x, 160)
									if !oneEvent(got, w) {
										misses++
										if misses <= 8 {
											t.Errorf("%c, onset at %d, phase %.2f: got %v, want %c [%d, %d)", digit, lead, ph, got, w.Digit, w.Start, w.End)
										}
									}
								}
							}
						}
						if misses > 0 {
							t.Errorf("%d of %d cases wrong", misses, 2*len(dtmf.Digits)*sweepAlignments)
						}
					})
				}
			}
		}
	}
}

// appendPair appends n samples of a tone at f1 Hz and levelDBm0 l1 plus one
// at f2 and l2 that starts at phase ph (radians).
func appendPair(x []int16, f1, l1, f2, l2, ph float64, n int) []int16 {
	a1, a2 := dsp.Peak(l1), dsp.Peak(l2)
	for i := range n {
		t := float64(i) / dsp.Rate
		x = append(x, sat(int(math.Round(a1*math.Sin(2*math.Pi*f1*t)+a2*math.Sin(2*math.Pi*f2*t+ph)))))
	}
	return x
}

// oneEvent reports whether got is exactly want, within tolerance.
func oneEvent(got []dtmf.Event, want dtmf.Event) bool {
	return len(got) == 1 && got[0].Digit == want.Digit &&
		abs64(got[0].Start-want.Start) <= tolerance && abs64(got[0].End-want.End) <= tolerance
}
