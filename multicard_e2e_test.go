package linetap_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
	"github.com/linetap/linetap/hw/multicard"
)

// TestTwoCardsOneLost: four lines on two 2-input cards combined by
// hw/multicard; the second card is lost for 2 s during calls on both
// cards. The call on its line gets the "device lost" gap; the call on the
// first card's line gets none and its audio is the card's, sample for
// sample.
func TestTwoCardsOneLost(t *testing.T) {
	cardSample := func(card int) func(int, int64) int16 {
		return func(ch int, pos int64) int16 { return int16(pos%4000) + int16(4000*(2*card+ch)) - 16000 }
	}
	script := []hw.LineEvent{ev(0, hw.OffHook, 3), ev(2, hw.OffHook, 3), ev(0, hw.OnHook, 15), ev(2, hw.OnHook, 15)}
	card0 := &hwtest.Source{Fmt: hw.Format{Channels: 2, Rate: rate}, Frames: 20 * rate, Sample: cardSample(0),
		Origin: 5 * time.Hour, Script: script}
	card1 := &hwtest.Source{Fmt: hw.Format{Channels: 2, Rate: rate}, Frames: 20 * rate, Sample: cardSample(1),
		Origin: 5 * time.Hour, GapScript: []hw.Gap{{At: sec(9.5), Length: 2 * time.Second, Cause: "device lost"}}}
	src, err := multicard.New([]hw.AudioSource{card0, card1}, multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := linetap.DefaultConfig()
	cfg.Lines = cfg.Lines[:0]
	for i := range 4 {
		l := linetap.DefaultLine(i)
		l.Codec = "l16"
		cfg.Lines = append(cfg.Lines, l)
	}
	store := newMemStore(t)
	e, err := linetap.New(linetap.Options{Config: cfg, Source: src, Sensor: card0, Store: store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	byLine := map[int]linetap.Call{}
	for _, c := range store.all() {
		byLine[c.Line] = c
	}
	if len(byLine) != 2 {
		t.Fatalf("calls %+v, want lines 0 and 2", store.all())
	}
	// Audio from 1 s (2 s pre-roll) to 16 s (1 s post-roll).
	if g := byLine[0].Gaps; len(g) != 0 {
		t.Errorf("line 0 (first card): gaps %+v, want none", g)
	}
	// The outage, and the 2.5 s (multicard.DefaultHold) the card is held
	// silent after it while its offset is measured again.
	want := []linetap.AudioGap{{Offset: 8.5 * rate, Samples: 4.5 * rate, Cause: "device lost"}}
	if g := byLine[2].Gaps; !slices.Equal(g, want) {
		t.Errorf("line 2 (second card): gaps %+v, want %+v", g, want)
	}
	for _, tc := range []struct{ line, card, ch int }{{0, 0, 0}, {2, 1, 0}} {
		pcm := store.pcm(t, byLine[tc.line].ID)
		if len(pcm) != 15*rate {
			t.Fatalf("line %d: %d samples, want %d", tc.line, len(pcm), 15*rate)
		}
		for i, v := range pcm {
			w := cardSample(tc.card)(tc.ch, int64(rate+i))
			for _, g := range byLine[tc.line].Gaps {
				if int64(i) >= g.Offset && int64(i) < g.Offset+g.Samples {
					w = 0 // silence: hwtest does not make it, the hold after the outage does
					if int64(i) < g.Offset+2*rate {
						w = v // the outage itself: hwtest's audio goes on
					}
				}
			}
			if v != w {
				t.Fatalf("line %d sample %d: %d, want %d (card %d channel %d)", tc.line, i, v, w, tc.card, tc.ch)
			}
		}
	}
}
