package linetap_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

// TestGapOnOneCard: a gap with Channels (one card of several lost, from
// hw/multicard) marks only the calls on those channels' lines — in the
// call, and in the pre-roll of a call that starts after it — while a gap
// without Channels marks every call; the sound-card alarm names the lines.
func TestGapOnOneCard(t *testing.T) {
	// Lines 0..3 on channels 0..3; lines 2 and 3 are on the second card.
	r := newRun(t, 4, 20*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 3), ev(2, hw.OffHook, 3), ev(1, hw.OffHook, 12), ev(3, hw.OffHook, 12),
		ev(0, hw.OnHook, 15), ev(2, hw.OnHook, 15), ev(1, hw.OnHook, 16), ev(3, hw.OnHook, 16),
	}, nil)
	second := []int{2, 3}
	r.src.GapScript = []hw.Gap{
		{At: sec(9.5), Length: 2 * time.Second, Cause: "device lost", Channels: second},
		{At: sec(13), Length: 100 * time.Millisecond, Cause: "overrun"},
	}
	got, _ := alarmsOf(t, r, linetap.Options{})
	calls := r.store.all()
	byLine := map[int]linetap.Call{}
	for _, c := range calls {
		byLine[c.Line] = c
	}
	if len(byLine) != 4 {
		t.Fatalf("calls %+v, want one on each line", calls)
	}
	for _, tc := range []struct {
		name string
		line int
		want []linetap.AudioGap
	}{
		// Audio from 1 s (2 s pre-roll): the overrun at 12 s in.
		{"line 0, first card: only the overrun", 0, []linetap.AudioGap{{Offset: 12 * rate, Samples: 800, Cause: "overrun"}}},
		{"line 2, second card: the loss and the overrun", 2, []linetap.AudioGap{
			{Offset: 8.5 * rate, Samples: 2 * rate, Cause: "device lost"},
			{Offset: 12 * rate, Samples: 800, Cause: "overrun"}}},
		// Audio from 10 s: the loss's last 1.5 s are in the pre-roll of
		// line 3's call, not line 1's.
		{"line 1, first card, later call: only the overrun", 1, []linetap.AudioGap{{Offset: 3 * rate, Samples: 800, Cause: "overrun"}}},
		{"line 3, second card, later call: the loss in its pre-roll", 3, []linetap.AudioGap{
			{Offset: 0, Samples: 1.5 * rate, Cause: "device lost"},
			{Offset: 3 * rate, Samples: 800, Cause: "overrun"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := byLine[tc.line].Gaps; !slices.Equal(g, tc.want) {
				t.Errorf("gaps %+v, want %+v", g, tc.want)
			}
		})
	}
	a, ok := got["sound-card/-"]
	if !ok || !strings.Contains(a.Message, "channels 2..3") || !strings.Contains(a.Message, "Line 3, Line 4") ||
		strings.Contains(a.Message, "Line 1") {
		t.Errorf("alarms %+v, want a sound-card alarm naming Line 3, Line 4 (channels 2..3)", got)
	}
}
