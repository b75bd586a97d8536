package main

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/multicard"
	"github.com/linetap/linetap/hw/portaudio"
	"github.com/linetap/linetap/web"
)

// cardCounters is one card's source: hw/portaudio's Source.
type cardCounters interface {
	Stats() portaudio.Stats
}

// alignCounters is the combined source of several cards: hw/multicard's
// Source.
type alignCounters interface {
	Stats() []multicard.CardStats
}

var _ web.Cards = (*cardFigures)(nil)

// cardFigures is the web.Cards of the sound cards openCards opened: what
// the config says of each (device, channels, lines), their counters, and
// whether each is connected, from their alarms.
type cardFigures struct {
	now    func() time.Time
	static []web.CardStatus // Card, Device, ALSA, Channels, Lines

	mu      sync.Mutex
	sources []cardCounters // by card; nil until attached
	align   alignCounters  // nil for one card
	state   []cardState
}

// cardState is whether a card is connected, since when, and why not.
type cardState struct {
	lost  bool
	since time.Time
	err   string
}

// newCardFigures describes the cards of cfg's source (source.devices, or
// source.device with channels inputs), each connected from now().
func newCardFigures(cfg linetap.Config, channels int, now func() time.Time) *cardFigures {
	f := &cardFigures{now: now}
	type dev struct {
		name     string
		index    bool
		channels int
	}
	var devs []dev
	if len(cfg.Source.Devices) == 0 {
		d := dev{name: cfg.Source.Device, channels: channels}
		if cfg.Source.DeviceIndex >= 0 {
			d.name, d.index = fmt.Sprintf("index %d", cfg.Source.DeviceIndex), true
		}
		devs = append(devs, d)
	}
	for _, d := range cfg.Source.Devices {
		x := dev{name: d.Device, channels: d.Channels}
		if d.DeviceIndex != nil {
			x.name, x.index = fmt.Sprintf("index %d", *d.DeviceIndex), true
		}
		devs = append(devs, x)
	}
	first := 0
	t := now()
	for i, d := range devs {
		c := web.CardStatus{Card: i, Device: d.name, Channels: []int{}, Lines: []int{}}
		if pcm, ok := portaudio.ALSAName(d.name); ok && !d.index {
			c.ALSA = pcm
		}
		for k := range d.channels {
			c.Channels = append(c.Channels, first+k)
		}
		for j, l := range cfg.Lines {
			if !l.Disabled && slices.Contains(c.Channels, l.Channel) {
				c.Lines = append(c.Lines, j)
			}
		}
		first += d.channels
		f.static = append(f.static, c)
		f.state = append(f.state, cardState{since: t})
	}
	f.sources = make([]cardCounters, len(devs))
	return f
}

// attach gives card i's counters.
func (f *cardFigures) attach(i int, src cardCounters) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= 0 && i < len(f.sources) {
		f.sources[i] = src
	}
}

// combine gives the combined source's alignment counters.
func (f *cardFigures) combine(a alignCounters) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.align = a
}

// alarm records card i lost (err) or back (nil), as hw/portaudio's
// OnAlarm reports it.
func (f *cardFigures) alarm(i int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 || i >= len(f.state) {
		return
	}
	s := &f.state[i]
	lost := err != nil
	if lost != s.lost {
		s.since = f.now()
	}
	s.lost, s.err = lost, ""
	if lost {
		s.err = err.Error()
	}
}

// Cards returns every card's figures; see web.Cards.
func (f *cardFigures) Cards() []web.CardStatus {
	f.mu.Lock()
	sources, align := slices.Clone(f.sources), f.align
	state := slices.Clone(f.state)
	f.mu.Unlock()
	var al []multicard.CardStats
	if align != nil {
		al = align.Stats()
	}
	out := make([]web.CardStatus, len(f.static))
	for i, c := range f.static {
		c.Channels, c.Lines = slices.Clone(c.Channels), slices.Clone(c.Lines)
		c.Connected, c.Since, c.Error = !state[i].lost, state[i].since, state[i].err
		if src := sources[i]; src != nil {
			st := src.Stats()
			c.Overruns, c.Reconnects, c.LostMS = st.Xruns, st.Reconnects, ms(st.Lost)
			// The PCM the card is captured from now: a card named the
			// PortAudio way may have been opened by its ALSA name, one
			// named by its USB port by the id it came back with.
			if p, ok := src.(interface{ PCM() string }); ok && p.PCM() != "" {
				c.ALSA = p.PCM()
			}
		}
		if align != nil && i < len(al) {
			c.Align = &web.CardAlign{DroppedFrames: al[i].Dropped, InsertedFrames: al[i].Inserted, Stalled: al[i].Stalled}
			switch {
			case i == 0:
				c.Align.SkewMS = new(float64)
			case al[i].SkewKnown && al[0].SkewKnown:
				// multicard measures each card against the clock; against
				// card 0 is the difference.
				v := ms(al[i].Skew - al[0].Skew)
				c.Align.SkewMS = &v
			}
		}
		out[i] = c
	}
	return out
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
