package dtmf_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/tone"
)

// TestPendingLatency measures, over every digit, level, twist and
// frequency error Q.24 asks to accept, how long after a tone's first
// sample Pending reports it, and checks Pending's start errs early, that
// it holds for the whole tone and that it clears after.
func TestPendingLatency(t *testing.T) {
	var worst int64
	for _, level := range []float64{-4, -10, -20, -28, -36} {
		for _, twist := range []float64{-8, 0, 4} {
			if min(level, level+twist) < -36 { // Q.24: each tone 0…−36 dBm0
				continue
			}
			for _, fe := range []float64{-0.015, 0, 0.015} {
				for i := 0; i < len(dtmf.Digits); i++ {
					digit := dtmf.Digits[i]
					// The onset moves across the 5 ms sub-block grid.
					lead := time.Duration(20+i*7%40) * time.Millisecond / 8
					name := fmt.Sprintf("%v/%+v/%+.1f%%/%c", level, twist, fe*100, digit)
					x, want := render(t, 10*ms+lead, []key{{digit, fe, level, twist, 60 * ms, 60 * ms}})
					onset, end := want[0].Start, want[0].End
					d := dtmf.NewDetector()
					seen := int64(-1)
					for n := range x {
						d.Process(x[n:n+1], int64(n), nil)
						pos := int64(n) + 1 // samples fed
						start, ok := d.Pending()
						switch {
						case ok && seen < 0:
							seen = pos
							if pos <= onset {
								t.Fatalf("%s: Pending at %d, before the onset %d", name, pos, onset)
							}
							if start > onset || onset-start > int64(tone.Samples(25*ms)) {
								t.Errorf("%s: start %d, onset %d: want at most 25 ms early, never late", name, start, onset)
							}
						case !ok && seen >= 0 && pos < end:
							t.Fatalf("%s: Pending cleared at %d, during the tone [%d, %d)", name, pos, onset, end)
						case ok && pos > end+int64(tone.Samples(30*ms)):
							t.Fatalf("%s: Pending still set at %d, 30 ms after the tone ended at %d", name, pos, end)
						}
					}
					if seen < 0 {
						t.Fatalf("%s: Pending never set", name)
					}
					worst = max(worst, seen-onset)
				}
			}
		}
	}
	got := time.Duration(worst) * time.Second / 8000
	t.Logf("worst Pending latency %v (MaxPendingLatency %v)", got, dtmf.MaxPendingLatency)
	if got > dtmf.MaxPendingLatency {
		t.Errorf("worst Pending latency %v exceeds MaxPendingLatency %v", got, dtmf.MaxPendingLatency)
	}
}

func TestPendingReset(t *testing.T) {
	x, _ := render(t, 0, []key{{'7', 0, -10, 0, 200 * ms, 0}})
	d := dtmf.NewDetector()
	d.Process(x, 0, nil)
	if _, ok := d.Pending(); !ok {
		t.Fatal("Pending not set while the key is held")
	}
	d.Flush(nil)
	if _, ok := d.Pending(); ok {
		t.Error("Pending set after Flush")
	}
	d.Process(x, 5000, nil)
	d.Reset()
	if _, ok := d.Pending(); ok {
		t.Error("Pending set after Reset")
	}
}

func ExampleDetector_Pending() {
	x := make([]int16, 400) // 50 ms of silence, then a key press
	x, _ = dtmf.AppendDigits(x, "9", 80*time.Millisecond, 0, -20)
	d := dtmf.NewDetector()
	for n := 0; n < len(x); n += 40 { // 5 ms blocks
		d.Process(x[n:n+40], int64(n), nil)
		if start, ok := d.Pending(); ok {
			fmt.Printf("at %d ms: DTMF suspected from %d ms\n", (n+40)/8, start/8)
			break
		}
	}
	// Output:
	// at 60 ms: DTMF suspected from 45 ms
}

// TestPendingUnderDialTone: Pending still comes within MaxPendingLatency
// of each key press's first sample with dial tone (350+440 Hz at −14 dBm0,
// DOMAIN.md §2) under the digits, and the dial tone alone never sets it.
func TestPendingUnderDialTone(t *testing.T) {
	x, want := render(t, 300*ms, allKeys(-20, 0, 60*ms, 100*ms))
	addTone(x, []dsp.Hz{350, 440}, -14)
	d := dtmf.NewDetector()
	next := 0
	maxLag := int64(tone.Samples(dtmf.MaxPendingLatency))
	for n := range x {
		d.Process(x[n:n+1], int64(n), nil)
		pos := int64(n) + 1
		_, ok := d.Pending()
		if next < len(want) && pos > want[next].Start+maxLag {
			t.Fatalf("key %d (%c at %d): Pending not set %d samples after its onset", next, want[next].Digit, want[next].Start, maxLag)
		}
		if ok && next < len(want) && pos >= want[next].Start {
			next++
		}
		if ok && pos < want[0].Start {
			t.Fatalf("Pending set at %d by dial tone alone", pos)
		}
	}
	if next != len(want) {
		t.Errorf("Pending came for %d of %d key presses", next, len(want))
	}
}
