package cardtest_test

import (
	"errors"
	"testing"

	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/cardtest"
)

// TestFake: Cards returns what New and Update set, as copies a caller
// cannot change the fake through; Update of a card it lacks is ErrNoCard.
func TestFake(t *testing.T) {
	f := cardtest.New(
		web.CardStatus{Card: 0, Device: "hw:CARD=A,DEV=0", Channels: []int{0, 1}, Lines: []int{0, 1}, Connected: true},
		web.CardStatus{Card: 1, Device: "hw:CARD=B,DEV=0", Channels: []int{2, 3}, Lines: []int{2}, Connected: true,
			Align: &web.CardAlign{SkewMS: ptr(0.5)}},
	)
	got := f.Cards()
	got[0].Lines[0] = 9
	*got[1].Align.SkewMS = 7
	got[1].Connected = false
	again := f.Cards()
	if again[0].Lines[0] != 0 || *again[1].Align.SkewMS != 0.5 || !again[1].Connected {
		t.Errorf("a change to what Cards returned reached the fake: %+v %+v", again[0], *again[1].Align)
	}
	if err := f.Update(1, func(c *web.CardStatus) { c.Connected, c.Error = false, "unplugged" }); err != nil {
		t.Fatal(err)
	}
	if c := f.Cards()[1]; c.Connected || c.Error != "unplugged" {
		t.Errorf("after Update: %+v", c)
	}
	tests := []struct {
		name string
		card int
	}{
		{"negative", -1},
		{"past the end", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.Update(tt.card, func(*web.CardStatus) {})
			if !errors.Is(err, cardtest.ErrNoCard) {
				t.Errorf("Update(%d): %v, want ErrNoCard", tt.card, err)
			}
		})
	}
	if n := len(cardtest.New().Cards()); n != 0 {
		t.Errorf("a fake without cards reports %d", n)
	}
}

func ptr(v float64) *float64 { return &v }
