package main

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/board"
	"github.com/linetap/linetap/hw/multicard"
	"github.com/linetap/linetap/hw/portaudio"
	"github.com/linetap/linetap/web"
)

// fakeCard is a card's counters.
type fakeCard struct{ st portaudio.Stats }

func (f fakeCard) Stats() portaudio.Stats { return f.st }

// fakeAlign is the combined source's counters.
type fakeAlign []multicard.CardStats

func (f fakeAlign) Stats() []multicard.CardStats { return f }

// stepClock is a wall clock that a test moves.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }

// TestCardFigures: the technician's figures of each card: its device,
// inputs and lines from the config, its counters from hw/portaudio, its
// skew against card 0 and slips from hw/multicard, and whether it is
// connected, since when and why not, from its alarms.
func TestCardFigures(t *testing.T) {
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	three := 3
	fourLines := func(disabled int) []linetap.LineConfig {
		var ls []linetap.LineConfig
		for i := range 4 {
			l := linetap.DefaultLine(i)
			l.Disabled = i == disabled
			ls = append(ls, l)
		}
		return ls
	}
	tests := []struct {
		name     string
		src      linetap.SourceConfig
		lines    []linetap.LineConfig
		channels int
		counters []portaudio.Stats
		align    fakeAlign
		want     []string // fmt of each card's device, alsa, channels, lines, counters, align
	}{
		{
			name: "two cards",
			src: linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Devices: []board.Card{
				{Device: "hw:CARD=Left,DEV=0", Channels: 2}, {DeviceIndex: &three, Channels: 2}}},
			lines: fourLines(3),
			counters: []portaudio.Stats{{Xruns: 2, Lost: 40 * time.Millisecond},
				{Reconnects: 1, Lost: 1500 * time.Millisecond}},
			align: fakeAlign{{Frames: 8000, Skew: 5 * time.Millisecond, SkewKnown: true},
				{Frames: 7990, Dropped: 3, Inserted: 8000, Skew: 5*time.Millisecond + 420*time.Microsecond, SkewKnown: true, Stalled: true}},
			want: []string{
				"hw:CARD=Left,DEV=0 hw:CARD=Left,DEV=0 [0 1] [0 1] 2 0 40 {0 0 0 false}",
				"index 3  [2 3] [2] 0 1 1500 {0.42 3 8000 true}",
			},
		},
		{
			name: "skew not measured",
			src: linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Devices: []board.Card{
				{Device: "alsa:left", Channels: 2}, {Device: "alsa:right", Channels: 2}}},
			lines:    fourLines(-1),
			counters: []portaudio.Stats{{}, {}},
			// Card 0's skew measured, card 1's not (no clock, or afresh
			// after an outage): card 0's own stays 0.
			align: fakeAlign{{Skew: 5 * time.Millisecond, SkewKnown: true}, {Inserted: 80}},
			want: []string{
				"alsa:left left [0 1] [0 1] 0 0 0 {0 0 0 false}",
				"alsa:right right [2 3] [2 3] 0 0 0 {unknown 0 80 false}",
			},
		},
		{
			name:     "one card",
			src:      linetap.SourceConfig{Kind: "portaudio", Device: "USB Audio", DeviceIndex: -1},
			lines:    fourLines(-1),
			channels: 4,
			counters: []portaudio.Stats{{Xruns: 7, Lost: 2 * time.Second}},
			want:     []string{"USB Audio  [0 1 2 3] [0 1 2 3] 7 0 2000 <nil>"},
		},
		{
			name:     "one card by index",
			src:      linetap.SourceConfig{Kind: "portaudio", DeviceIndex: 1},
			lines:    fourLines(0)[:2],
			channels: 2,
			counters: []portaudio.Stats{{}},
			want:     []string{"index 1  [0 1] [1] 0 0 0 <nil>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := linetap.DefaultConfig()
			cfg.Source, cfg.Lines = tt.src, tt.lines
			clock := &stepClock{t: start}
			f := newCardFigures(cfg, tt.channels, clock.now)
			for i, st := range tt.counters {
				f.attach(i, fakeCard{st})
			}
			if tt.align != nil {
				f.combine(tt.align)
			}
			got := f.Cards()
			if len(got) != len(tt.want) {
				t.Fatalf("%d cards, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, c := range got {
				s := fmt.Sprint(c.Device, " ", c.ALSA, " ", c.Channels, " ", c.Lines, " ", c.Overruns, " ", c.Reconnects, " ", c.LostMS, " ", alignString(c.Align))
				if s != tt.want[i] {
					t.Errorf("card %d: %s\nwant    %s", i, s, tt.want[i])
				}
				if c.Card != i || !c.Connected || !c.Since.Equal(start) || c.Error != "" {
					t.Errorf("card %d at the start: %+v", i, c)
				}
			}

			// The last card is lost, lost again (the same outage), back.
			last := len(got) - 1
			clock.t = start.Add(time.Minute)
			f.alarm(last, errors.New("sound card lost: unplugged"))
			clock.t = start.Add(2 * time.Minute)
			f.alarm(last, errors.New("sound card lost: still gone"))
			c := f.Cards()[last]
			if c.Connected || !c.Since.Equal(start.Add(time.Minute)) || c.Error != "sound card lost: still gone" {
				t.Errorf("lost: %+v", c)
			}
			if last > 0 && !f.Cards()[0].Connected {
				t.Error("card 0 is lost with the other")
			}
			clock.t = start.Add(3 * time.Minute)
			f.alarm(last, nil)
			if c := f.Cards()[last]; !c.Connected || !c.Since.Equal(clock.t) || c.Error != "" {
				t.Errorf("back: %+v", c)
			}
			f.alarm(len(got), errors.New("a card that does not exist")) // ignored
			// What Cards returned is a copy.
			got = f.Cards()
			got[0].Lines[0] = 99
			if f.Cards()[0].Lines[0] == 99 {
				t.Error("Cards shares its lines with the caller")
			}
		})
	}
}

// pcmCard is a card's counters from a source that says which ALSA PCM it
// captures from.
type pcmCard struct {
	fakeCard
	pcm string
}

func (p pcmCard) PCM() string { return p.pcm }

// TestCardFiguresPCM: a card named the PortAudio way that hw/portaudio
// opened by its stable ALSA name shows that name; one it captures through
// PortAudio (PCM "") shows none, and a name from the config stays.
func TestCardFiguresPCM(t *testing.T) {
	cfg := linetap.DefaultConfig()
	cfg.Source = linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Devices: []board.Card{
		{Device: "USB Audio Device: - (hw:1,0)", Channels: 2},
		{Device: "default", Channels: 2},
		{Device: "hw:CARD=U18,DEV=0", Channels: 2},
	}}
	f := newCardFigures(cfg, 6, time.Now)
	f.attach(0, pcmCard{pcm: "hw:CARD=Device,DEV=0"})
	f.attach(1, pcmCard{})
	f.attach(2, pcmCard{pcm: "hw:CARD=U18,DEV=0"})
	want := []string{"hw:CARD=Device,DEV=0", "", "hw:CARD=U18,DEV=0"}
	for i, c := range f.Cards() {
		if c.ALSA != want[i] {
			t.Errorf("card %d (%s): ALSA %q, want %q", i, c.Device, c.ALSA, want[i])
		}
	}
}

// alignString prints a card's alignment figures, "<nil>" for none.
func alignString(a *web.CardAlign) string {
	if a == nil {
		return "<nil>"
	}
	skew := "unknown"
	if a.SkewMS != nil {
		skew = fmt.Sprint(*a.SkewMS)
	}
	return fmt.Sprint("{", skew, " ", a.DroppedFrames, " ", a.InsertedFrames, " ", a.Stalled, "}")
}

// TestSimulatedLinesHaveNoCards: the simulator's source comes without
// cards' figures, so the technician's page says that no card is in use.
func TestSimulatedLinesHaveNoCards(t *testing.T) {
	cfg := linetap.DefaultConfig()
	cfg.Source.Speed = 0
	src, _, figs, err := openSource(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if figs != nil {
		t.Errorf("the simulator has cards: %+v", figs.Cards())
	}
	if err := src.Close(); err != nil { // the bank is the sensor too
		t.Error(err)
	}
}

// fakeStream is a card's stream: 2 channels at 8 kHz, endless, whose
// read number k returns fail[k] (with the block filled for ErrOverflow),
// and whose read number jumpAt moves the card's clock 100 ms on (the
// audio an overflow lost).
type fakeStream struct {
	mu     sync.Mutex
	reads  int
	fail   map[int]error
	jumpAt int
	clock  *fakeMono
}

func (f *fakeStream) Format() portaudio.StreamFormat {
	return portaudio.StreamFormat{Channels: 2, Rate: 8000}
}

func (f *fakeStream) Read(buf []int16) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	for i := range buf {
		buf[i] = int16(100 + i%7)
	}
	if f.reads == f.jumpAt {
		f.clock.add(100 * time.Millisecond)
	}
	return f.fail[f.reads]
}

func (f *fakeStream) Buffered() int { return 0 }
func (f *fakeStream) Close() error  { return nil }

// fakeMono is a card's monotonic clock: each reading is 20 ms (a block)
// after the last.
type fakeMono struct {
	mu sync.Mutex
	t  time.Duration
}

func (c *fakeMono) now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t += 20 * time.Millisecond
	return c.t
}

func (c *fakeMono) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t += d
}

// TestOpenCardsFigures: the figures openCards hands the technician follow
// the real hw/portaudio sources and hw/multicard: card 0 overruns, 100 ms
// of its audio missing by its clock; card 1 is unplugged and comes back.
func TestOpenCardsFigures(t *testing.T) {
	cfg := linetap.DefaultConfig()
	cfg.Source = linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Rate: 8000,
		Devices: []board.Card{{Device: "hw:CARD=A,DEV=0", Channels: 2}, {Device: "hw:CARD=B,DEV=0", Channels: 2}}}
	open := func(opt portaudio.Options) (*portaudio.Source, error) {
		clock := &fakeMono{}
		opt.Now, opt.Sleep, opt.Retry = clock.now, func(time.Duration) {}, time.Nanosecond
		opened := 0
		return portaudio.NewSource(func() (portaudio.Stream, error) {
			opened++
			s := &fakeStream{clock: clock}
			switch {
			case opt.Device == "hw:CARD=A,DEV=0":
				s.fail, s.jumpAt = map[int]error{5: portaudio.ErrOverflow}, 5
			case opened == 1:
				s.fail = map[int]error{8: errors.New("unplugged")}
			}
			return s, nil
		}, opt)
	}
	src, figs, err := openCards(cfg, 4, nil, open, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	buf := make([]int16, 4*160)
	deadline := time.Now().Add(20 * time.Second) // a hang guard
	for {
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
		cards := figs.Cards()
		if cards[0].Overruns == 1 && cards[1].Reconnects == 1 && cards[1].Connected {
			c0, c1 := cards[0], cards[1]
			if c0.LostMS != 100 || c0.Reconnects != 0 || !c0.Connected || c0.ALSA != "hw:CARD=A,DEV=0" || c0.Align == nil {
				t.Errorf("card 0: %+v", c0)
			}
			if c1.Overruns != 0 || c1.LostMS <= 0 || c1.Error != "" || c1.Align == nil || !c1.Since.After(c0.Since) {
				t.Errorf("card 1 after its outage (connected again since after the cards were opened, %v): %+v", c0.Since, c1)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overrun of card 0 and the outage of card 1 did not show: %+v", cards)
		}
	}
}
