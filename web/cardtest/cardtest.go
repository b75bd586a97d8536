package cardtest

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/linetap/linetap/web"
)

// Errors returned by this package.
var (
	// ErrNoCard is returned by Update for a card the fake does not have.
	ErrNoCard = errors.New("cardtest: no such card")
)

var _ web.Cards = (*Fake)(nil)

// Fake is a web.Cards reporting the figures its test sets. Its methods are
// safe for concurrent use.
type Fake struct {
	mu    sync.Mutex
	cards []web.CardStatus
}

// New returns a Fake reporting cards (none: no sound card in use).
func New(cards ...web.CardStatus) *Fake {
	return &Fake{cards: clone(cards)}
}

// Cards returns a copy of the figures; see web.Cards.
func (f *Fake) Cards() []web.CardStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return clone(f.cards)
}

// Update changes the figures of card i (its place in the list given to
// New) with change.
func (f *Fake) Update(i int, change func(*web.CardStatus)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 || i >= len(f.cards) {
		return fmt.Errorf("%w: card %d of %d", ErrNoCard, i, len(f.cards))
	}
	change(&f.cards[i])
	return nil
}

// clone copies cards deeply: their channels, lines and alignment.
func clone(cards []web.CardStatus) []web.CardStatus {
	if cards == nil {
		return nil
	}
	out := make([]web.CardStatus, len(cards))
	for i, c := range cards {
		c.Channels = slices.Clone(c.Channels)
		c.Lines = slices.Clone(c.Lines)
		if c.Align != nil {
			a := *c.Align
			if a.SkewMS != nil {
				v := *a.SkewMS
				a.SkewMS = &v
			}
			c.Align = &a
		}
		out[i] = c
	}
	return out
}
