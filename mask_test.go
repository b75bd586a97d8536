package linetap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/hw"
)

// TestMaskDTMF keys a card number during a call on a masked line: no digit
// can be found in the stored audio, none is in the record, and the rest of
// the audio is untouched.
func TestMaskDTMF(t *testing.T) {
	const card = "4111111111111111"
	for _, tc := range []struct {
		name    string
		on, off time.Duration
		level   float64
	}{
		{"brisk", 60 * time.Millisecond, 60 * time.Millisecond, -6},
		{"slow", 250 * time.Millisecond, 400 * time.Millisecond, -12},
		{"quiet", 80 * time.Millisecond, 100 * time.Millisecond, -24}, // 15 dB above the line's hiss
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := dtmf.AppendDigits(nil, card, tc.on, tc.off, tc.level)
			if err != nil {
				t.Fatal(err)
			}
			at := int64(10 * rate)
			sample := func(ch int, pos int64) int16 {
				s := int32(hiss(ch, pos))
				if pos >= at && pos < at+int64(len(keys)) {
					s += int32(keys[pos-at])
				}
				return int16(max(-32768, min(32767, s)))
			}
			r := newRun(t, 1, 30*rate, []hw.LineEvent{
				ev(0, hw.RingOn, 2), ev(0, hw.RingOff, 3), ev(0, hw.OffHook, 4), ev(0, hw.OnHook, 25),
			}, sample)
			r.cfg.Lines[0].MaskDTMF = true
			calls := r.go_(t)
			if len(calls) != 1 {
				t.Fatalf("%d calls", len(calls))
			}
			c := calls[0]
			if c.DTMF != strings.Repeat("*", len(card)) {
				t.Errorf("record keeps DTMF %q, want %d stars", c.DTMF, len(card))
			}
			pcm := r.store.pcm(t, c.ID)
			if int64(len(pcm)) != 26*rate { // 2 s pre-roll from 0 s to 1 s post-roll at 26 s
				t.Fatalf("%d samples stored, want %d", len(pcm), 26*rate)
			}
			// No detector finds a digit in what was stored.
			d := dtmf.NewDetector()
			found := d.Process(pcm, 0, nil)
			found = d.Flush(found)
			if len(found) != 0 {
				t.Errorf("digits recoverable from the stored audio: %v", found)
			}
			// Outside the key presses (and their guard), every sample is the line's.
			from := int64(0) // pre-roll: the first ring at 2 s, less 2 s
			changed := 0
			for i, s := range pcm {
				pos := from + int64(i)
				if s == sample(0, pos) {
					continue
				}
				changed++
				if pos < at-int64(rate/10) || pos >= at+int64(len(keys))+int64(rate/10) {
					t.Fatalf("sample at %.3f s changed, far from the key presses", float64(pos)/rate)
				}
			}
			var tone int
			for _, k := range keys {
				if k != 0 {
					tone++
				}
			}
			if changed < tone {
				t.Errorf("only %d samples masked, the tones last %d", changed, tone)
			}
		})
	}
}
