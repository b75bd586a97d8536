package multicard_test

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
	"github.com/linetap/linetap/hw/multicard"
)

// drain reads src in blocks of n frames until io.EOF, passing each block
// (interleaved), its first frame's output position and capture time to
// each, and returns every gap reported.
func drain(t *testing.T, src *multicard.Source, n int, each func(buf []int16, pos int64, at time.Duration)) []hw.Gap {
	t.Helper()
	ch := src.Format().Channels
	buf := make([]int16, n*ch)
	var gaps []hw.Gap
	var pos int64
	for {
		got, at, err := src.Read(buf)
		if got > 0 {
			each(buf[:got*ch], pos, at)
			pos += int64(got)
		}
		gaps = append(gaps, src.Gaps()...)
		if errors.Is(err, io.EOF) {
			return gaps
		}
		if err != nil {
			t.Fatalf("read at frame %d: %v", pos, err)
		}
		if got == 0 {
			t.Fatalf("read at frame %d: no frames, no error", pos)
		}
	}
}

func abs(v int) int { return max(v, -v) }

// TestDriftOverAnHour: three cards, started apart and with crystals 100 ppm
// fast and 100 ppm slow against card 0, over an hour of virtual time, with
// blocks arriving late now and then. After the first second every frame
// of cards 1 and 2 stays within 4 ms of card 0's (Tolerance, 2 ms, plus
// the error of the drift estimate and its lag: 0.8 ms over its 8 s
// window at 100 ppm), and the frames dropped and repeated
// are what the crystals' error makes (0.36 s an hour) and the starts'
// offsets (give or take the first estimates' error).
func TestDriftOverAnHour(t *testing.T) {
	hour := time.Hour
	if raceEnabled {
		hour = 10 * time.Minute
	}
	cards := []*vcard{
		{ch: 2, block: 800, start: time.Second},
		{ch: 2, block: 800, start: time.Second + 7300*time.Microsecond, ppm: 100},
		{ch: 2, block: 800, start: time.Second - 11*time.Millisecond, ppm: -100},
	}
	w := newWorld(1, time.Second+hour, cards...)
	src, err := multicard.New(w.sources(), multicard.Options{Block: 800, Clock: w.clock, Stall: time.Minute, Buffer: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	go w.run()
	worst := [3]int{}
	var frames int64
	gaps := drain(t, src, 800, func(buf []int16, pos int64, at time.Duration) {
		for i := 0; i < len(buf)/6; i += 5 { // every 5th frame: the race detector makes every one slow
			f := buf[i*6 : i*6+6]
			if want := code(cards[0].start + time.Duration(pos+int64(i))*time.Second/8000); f[0] != want {
				t.Fatalf("frame %d: card 0 has %d, want %d", pos+int64(i), f[0], want)
			}
			if pos+int64(i) < 8000 { // the first second: alignment settles
				continue
			}
			for c := 1; c < 3; c++ {
				if f[2*c+1]-f[2*c] != 1000 {
					t.Fatalf("frame %d: card %d channels %d, %d not the card's pair", pos+int64(i), c, f[2*c], f[2*c+1])
				}
				worst[c] = max(worst[c], abs(int(f[2*c]-f[0])))
			}
		}
		frames = pos + int64(len(buf)/6)
	})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	if want := int64(hour / time.Second * 8000); frames < want-800 || frames > want {
		t.Errorf("%d frames out, want %d (card 0's)", frames, want)
	}
	for c := 1; c < 3; c++ {
		t.Logf("card %d: worst misalignment %d frames", c, worst[c])
		if worst[c] > 32 {
			t.Errorf("card %d strayed %d frames (%.2f ms) from card 0; want ≤ 4 ms", c, worst[c], float64(worst[c])/8)
		}
	}
	if len(gaps) != 0 {
		t.Errorf("gaps %+v in a run that lost nothing", gaps)
	}
	st := src.Stats()
	t.Logf("stats %+v", st)
	drift := int64(100e-6 * hour.Seconds() * 8000) // 2880 frames an hour
	for _, tc := range []struct {
		name string
		got  int64
		want int64
	}{
		{"card 1 (fast) dropped", st[1].Dropped, drift},
		{"card 1 (started 7.3 ms late) inserted", st[1].Inserted, 58},
		{"card 2 (slow) inserted", st[2].Inserted, drift},
		{"card 2 (started 11 ms early) dropped", st[2].Dropped, 88},
	} {
		// The start is aligned on the first blocks' arrival, whose delay
		// (up to 60 ms here) is not known yet: what that got wrong (less
		// than Jump, 20 ms) is corrected afterwards, frame by frame.
		if tol := max(tc.want/10, 160); tc.got < tc.want-tol || tc.got > tc.want+tol {
			t.Errorf("%s %d frames, want %d ± %d", tc.name, tc.got, tc.want, tol)
		}
	}
	if st[0].Dropped != 0 || st[0].Inserted != 0 {
		t.Errorf("card 0 corrected (%+v): it is the reference", st[0])
	}
	if want := time.Duration(100e-6 * float64(hour)); st[1].Skew < want*9/10 || st[2].Skew > -want*9/10 {
		t.Errorf("skews %v, %v; want about ±%v", st[1].Skew, st[2].Skew, want)
	}
	for c := range st {
		if !st[c].SkewKnown {
			t.Errorf("card %d: skew not known after an hour against the clock", c)
		}
	}
}

// TestCardLost: card 1 is unplugged for 5 s (its source delivers silence
// and a "device lost" gap, as hw/portaudio does while it reconnects, made
// up to the clock: its blocks come early for their timestamps, which must
// not move the drift estimate) and comes back 4 ms later in its timeline
// than before (the reconnected stream anchored off), which is taken up at
// once, not by slipping a frame every 100 ms for 3 s. The gap reaches Gaps
// with card 1's channels only, in one piece and at the right place; card 0
// loses nothing; card 1 is aligned again when it is back.
func TestCardLost(t *testing.T) {
	cards := []*vcard{
		{ch: 2, block: 160, start: time.Second},
		{ch: 3, block: 160, start: time.Second + 3*time.Millisecond, ppm: 60,
			lostFrom: 21 * time.Second, lostTo: 26 * time.Second, returnShift: 32},
	}
	w := newWorld(2, 61*time.Second, cards...)
	src, err := multicard.New(w.sources(), multicard.Options{Clock: w.clock, Stall: time.Minute, Buffer: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if f := src.Format(); f.Channels != 5 || f.Rate != 8000 || src.First(1) != 2 || src.First(2) != -1 {
		t.Fatalf("format %+v, card 1 first channel %d", f, src.First(1))
	}
	go w.run()
	worst, silent := 0, 0
	var at0 time.Duration = -1
	gaps := drain(t, src, 160, func(buf []int16, pos int64, at time.Duration) {
		if at0 < 0 {
			at0 = at - time.Duration(pos)*time.Second/8000
		}
		for i := 0; i < len(buf)/5; i++ {
			f, p := buf[i*5:i*5+5], pos+int64(i)
			if want := code(cards[0].start + time.Duration(p)*time.Second/8000); f[0] != want || f[1] != want+1000 {
				t.Fatalf("frame %d: card 0 has %d,%d, want %d,%d: the healthy card lost audio", p, f[0], f[1], want, want+1000)
			}
			if f[2] == 0 && f[3] == 0 && f[4] == 0 {
				silent++
				continue
			}
			if p > 8000 {
				worst = max(worst, abs(int(f[2]-f[0])))
			}
		}
	})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	if at0 != time.Second {
		t.Errorf("capture time of frame 0 %v, want card 0's, 1s", at0)
	}
	if worst > 24 {
		t.Errorf("card 1 strayed %d frames from card 0 (want ≤ 24, 3 ms)", worst)
	}
	if len(gaps) == 0 {
		t.Fatal("no gap for the card that was lost")
	}
	var total time.Duration
	for i, g := range gaps {
		if len(g.Channels) != 3 || g.Channels[0] != 2 || g.Channels[2] != 4 || g.Cause != "device lost" {
			t.Errorf("gap %d: %+v, want card 1's channels 2..4, device lost", i, g)
		}
		if i > 0 && gaps[i-1].At+gaps[i-1].Length != g.At {
			t.Errorf("gap %d at %v does not continue gap %d (%v + %v)", i, g.At, i-1, gaps[i-1].At, gaps[i-1].Length)
		}
		total += g.Length
	}
	// The loss began at the first block that arrived after 21 s, within a
	// block (20 ms) and a few ms of arrival delay.
	if d := gaps[0].At - 21*time.Second; d < -25*time.Millisecond || d > 25*time.Millisecond {
		t.Errorf("gap at %v, want 21 s ± 25 ms", gaps[0].At)
	}
	// 5 s, and the 2.5 s (Hold) its offset is measured again.
	if d := total - 7500*time.Millisecond; d < -25*time.Millisecond || d > 25*time.Millisecond {
		t.Errorf("gaps total %v, want 7.5 s ± 25 ms", total)
	}
	if got := float64(silent) / 8000; got < 7.47 || got > 7.53 {
		t.Errorf("card 1 silent for %.3f s, want 7.5 s", got)
	}
}

// timeCard is an hwtest source whose channels carry code(capture time)
// plus 1000 per channel.
func timeCard(ch int, origin time.Duration, frames int64, gaps ...hw.Gap) *hwtest.Source {
	return &hwtest.Source{
		Fmt: hw.Format{Channels: ch, Rate: 8000}, Frames: frames, Origin: origin, GapScript: gaps,
		Sample: func(c int, pos int64) int16 {
			return code(origin+time.Duration(pos)*time.Second/8000) + int16(1000*c)
		},
	}
}

// TestAlignByTimestamps: without a clock the cards' timestamps are
// trusted: a card that started 10 ms late begins with 80 frames of
// silence, one that started 5 ms early loses its first 40, every frame is
// exactly aligned, and a card that ends is silent from then on; the
// Source ends with card 0.
func TestAlignByTimestamps(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		origin   [3]time.Duration
		frames   [3]int64
		block    int
		inserted [3]int64
		dropped  [3]int64
	}{
		{name: "offset starts", origin: [3]time.Duration{time.Second, time.Second + 10*ms, time.Second - 5*ms},
			frames: [3]int64{16000, 16000, 16000}, block: 160, inserted: [3]int64{0, 80, 40}, dropped: [3]int64{0, 0, 40}},
		{name: "card 0 ends first", frames: [3]int64{4000, 8000, 9000}, block: 100},
		{name: "card 1 ends first", frames: [3]int64{8000, 3000, 8000}, block: 160, inserted: [3]int64{0, 5000, 0}},
		{name: "odd lengths", origin: [3]time.Duration{0, 3 * ms, 0}, frames: [3]int64{1001, 1001, 999}, block: 160,
			inserted: [3]int64{0, 24, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srcs []hw.AudioSource
			for i := range 3 {
				srcs = append(srcs, timeCard(i+1, tc.origin[i], tc.frames[i]))
			}
			src, err := multicard.New(srcs, multicard.Options{Block: tc.block})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var out int64
			gaps := drain(t, src, 160, func(buf []int16, pos int64, at time.Duration) {
				if want := tc.origin[0] + time.Duration(pos)*time.Second/8000; at != want {
					t.Fatalf("block at frame %d captured at %v, want %v", pos, at, want)
				}
				for i := 0; i < len(buf)/6; i++ {
					f, p := buf[i*6:i*6+6], pos+int64(i)
					t0 := tc.origin[0] + time.Duration(p)*time.Second/8000
					for c, first := range []int{0, 1, 3} {
						k := p + int64((tc.origin[0]-tc.origin[c])/(125*time.Microsecond))
						for ch := range c + 1 {
							want := code(t0) + int16(1000*ch)
							if k < 0 || k >= tc.frames[c] {
								want = 0
							}
							if f[first+ch] != want {
								t.Fatalf("frame %d: card %d channel %d has %d, want %d", p, c, ch, f[first+ch], want)
							}
						}
					}
				}
				out = pos + int64(len(buf)/6)
			})
			if out != tc.frames[0] {
				t.Errorf("%d frames out, want card 0's %d", out, tc.frames[0])
			}
			if len(gaps) != 0 {
				t.Errorf("gaps %+v; a card that ends or starts late has none", gaps)
			}
			st := src.Stats()
			for c := range 3 {
				if st[c].Inserted != tc.inserted[c] || st[c].Dropped != tc.dropped[c] {
					t.Errorf("card %d: inserted %d, dropped %d; want %d, %d", c, st[c].Inserted, st[c].Dropped, tc.inserted[c], tc.dropped[c])
				}
				if st[c].SkewKnown || st[c].Skew != 0 {
					t.Errorf("card %d: skew %v known %v without a clock", c, st[c].Skew, st[c].SkewKnown)
				}
			}
		})
	}
}

// TestGapsPerChannel: each card's own gaps come out on the combined
// timeline with that card's channels.
func TestGapsPerChannel(t *testing.T) {
	ms := time.Millisecond
	src, err := multicard.New([]hw.AudioSource{
		timeCard(2, time.Second, 8000, hw.Gap{At: 500 * ms, Length: 20 * ms, Cause: "overrun"}),
		// Card 1 started 10 ms after card 0: its 300 ms is card 0's 310 ms.
		timeCard(2, time.Second+10*ms, 8000, hw.Gap{At: 300 * ms, Length: 30 * ms, Cause: "clock drift"}),
	}, multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	gaps := drain(t, src, 160, func([]int16, int64, time.Duration) {})
	want := map[string]hw.Gap{
		"overrun":     {At: time.Second + 500*ms, Length: 20 * ms, Cause: "overrun", Channels: []int{0, 1}},
		"clock drift": {At: time.Second + 310*ms, Length: 30 * ms, Cause: "clock drift", Channels: []int{2, 3}},
	}
	got := map[string]hw.Gap{}
	for _, g := range gaps {
		if o, ok := got[g.Cause]; ok && o.At+o.Length == g.At { // reported block by block
			o.Length += g.Length
			got[g.Cause] = o
			continue
		}
		if _, ok := got[g.Cause]; ok {
			t.Errorf("second %s gap %+v", g.Cause, g)
		}
		got[g.Cause] = g
	}
	for cause, w := range want {
		g := got[cause]
		if g.At != w.At || g.Length != w.Length || len(g.Channels) != 2 || g.Channels[0] != w.Channels[0] || g.Channels[1] != w.Channels[1] {
			t.Errorf("%s gap %+v, want %+v", cause, g, w)
		}
		for ch := range 4 {
			if g.Covers(ch) != (ch == w.Channels[0] || ch == w.Channels[1]) {
				t.Errorf("%s gap covers channel %d: %v", cause, ch, g.Covers(ch))
			}
		}
	}
}

// blocking is a card that delivers blocks of silence-free audio (the
// code of their capture time) until it has given frames, then blocks until
// Close, or until resume is closed and then goes on with the frames that
// follow (a card that hangs, or one that comes back late). Its samples are
// 1000 above the code of their capture time.
type blocking struct {
	ch     int
	frames int64
	resume chan struct{}
	// caught, when set, is closed once it has delivered 2 s after resuming.
	caught chan struct{}
	pos    int64
	closed chan struct{}
	once   sync.Once
}

func (b *blocking) Format() hw.Format { return hw.Format{Channels: b.ch, Rate: 8000} }

func (b *blocking) Read(buf []int16) (int, time.Duration, error) {
	if b.pos == b.frames {
		select {
		case <-b.closed:
			return 0, 0, hw.ErrClosed
		case <-b.resume:
		}
	}
	n := len(buf) / b.ch
	at := time.Duration(b.pos) * time.Second / 8000
	for i := range buf {
		buf[i] = code(at+time.Duration(i/b.ch)*time.Second/8000) + 1000 // never 0 in the first 8 s
	}
	b.pos += int64(n)
	if b.caught != nil && b.pos >= b.frames+16000 {
		close(b.caught)
		b.caught = nil
	}
	return n, at, nil
}

// gated is a card that holds its Read at frame from until open is closed.
type gated struct {
	hw.AudioSource
	from int64
	open chan struct{}
	pos  int64
}

func (g *gated) Read(buf []int16) (int, time.Duration, error) {
	if g.pos >= g.from {
		<-g.open
	}
	n, at, err := g.AudioSource.Read(buf)
	g.pos += int64(n)
	return n, at, err
}

func (b *blocking) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// TestStalledCard: a card that hangs gets silence and a "device lost" gap
// for its channels after Options.Stall, and Read goes on without waiting
// for it; a card 0 that hangs holds Read until Close, which ends it.
func TestStalledCard(t *testing.T) {
	hung := &blocking{ch: 2, frames: 1600, closed: make(chan struct{}), resume: make(chan struct{})}
	src, err := multicard.New([]hw.AudioSource{timeCard(1, 0, 8000), hung}, multicard.Options{Stall: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var quiet int64 = -1
	gaps := drain(t, src, 160, func(buf []int16, pos int64, _ time.Duration) {
		for i := 0; i < len(buf)/3; i++ {
			f := buf[i*3 : i*3+3]
			if f[1] == 0 && f[2] == 0 && quiet < 0 {
				quiet = pos + int64(i)
			}
			if quiet >= 0 && (f[1] != 0 || f[2] != 0) {
				t.Fatalf("frame %d: the hung card sounds after silence from %d", pos+int64(i), quiet)
			}
		}
	})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if quiet != 1600 {
		t.Errorf("hung card silent from frame %d, want 1600", quiet)
	}
	var total time.Duration
	for _, g := range gaps {
		if g.Cause != multicard.GapCause || len(g.Channels) != 2 || g.Channels[0] != 1 {
			t.Errorf("gap %+v, want device lost on channels 1, 2", g)
		}
		total += g.Length
	}
	if len(gaps) == 0 || gaps[0].At != 200*time.Millisecond || total != 800*time.Millisecond {
		t.Errorf("gaps %+v (total %v), want 800 ms from 200 ms", gaps, total)
	}
	if st := src.Stats(); !st[1].Stalled || st[1].Inserted != 6400 {
		t.Errorf("stats %+v: want card 1 stalled, 6400 frames inserted", st)
	}

	// Card 0 hangs: Read waits for it until Close.
	hung0 := &blocking{ch: 1, frames: 160, closed: make(chan struct{}), resume: make(chan struct{})}
	src, err = multicard.New([]hw.AudioSource{hung0, timeCard(1, 0, 8000)}, multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 320*2)
	done := make(chan error, 1)
	go func() {
		_, _, err := src.Read(buf)
		done <- err
	}()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, hw.ErrClosed) {
		t.Errorf("Read across Close: %v, want hw.ErrClosed", err)
	}
	if _, _, err := src.Read(buf); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("Read after Close: %v, want hw.ErrClosed", err)
	}
}

// TestLateCard: a card that hangs and then delivers what it captured
// meanwhile (a stalled USB bus): its channels are silent, with a gap, from
// the stall until it delivers again; its late frames, for time already
// recorded, are dropped, and it is exactly aligned again after.
func TestLateCard(t *testing.T) {
	late := &blocking{ch: 1, frames: 1600, closed: make(chan struct{}), resume: make(chan struct{}), caught: make(chan struct{})}
	// Card 0 waits at 1 s for the late card to have caught up, as real
	// time would make it.
	card0 := &gated{AudioSource: timeCard(1, 0, 16000), from: 8000, open: late.caught}
	src, err := multicard.New([]hw.AudioSource{card0, late}, multicard.Options{Stall: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var silent, back int64 = 0, -1
	gaps := drain(t, src, 160, func(buf []int16, pos int64, _ time.Duration) {
		for i := 0; i < len(buf)/2; i++ {
			p := pos + int64(i)
			if buf[2*i+1] == 0 {
				if silent == 0 {
					close(late.resume) // it comes back once it was given up
				}
				silent++
				continue
			}
			if silent > 0 && back < 0 {
				back = p
			}
			if buf[2*i+1]-1000 != buf[2*i] {
				t.Fatalf("frame %d: the late card has %d, card 0 %d", p, buf[2*i+1], buf[2*i])
			}
		}
	})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if silent == 0 || back < 0 || back != 1600+silent {
		t.Fatalf("silent for %d frames, back at frame %d: want silence from 1600 to its return", silent, back)
	}
	var total time.Duration
	for _, g := range gaps {
		if g.Cause != multicard.GapCause || len(g.Channels) != 1 || g.Channels[0] != 1 {
			t.Errorf("gap %+v", g)
		}
		total += g.Length
	}
	if total != time.Duration(silent)*time.Second/8000 || gaps[0].At != 200*time.Millisecond {
		t.Errorf("gaps %+v (%v in all), want %d frames from 200ms", gaps, total, silent)
	}
	if st := src.Stats(); st[1].Dropped != silent || st[1].Stalled {
		t.Errorf("stats %+v: want the %d late frames dropped, not stalled", st, silent)
	}
}

// failing is a card whose Read fails.
type failing struct{ closed bool }

func (f *failing) Format() hw.Format { return hw.Format{Channels: 1, Rate: 8000} }
func (f *failing) Read([]int16) (int, time.Duration, error) {
	return 0, 0, errors.New("usb disconnect")
}
func (f *failing) Close() error { f.closed = true; return nil }

// TestFailingCard: a card 1.. whose Read fails is silent with a gap; a
// card 0 whose Read fails fails Read.
func TestFailingCard(t *testing.T) {
	src, err := multicard.New([]hw.AudioSource{timeCard(1, 0, 800), &failing{}}, multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gaps := drain(t, src, 160, func([]int16, int64, time.Duration) {})
	src.Close()
	var total time.Duration
	for i, g := range gaps {
		if g.At != total || g.Channels[0] != 1 || len(g.Channels) != 1 {
			t.Errorf("gap %d: %+v, want one at %v on channel 1", i, g, total)
		}
		total += g.Length
	}
	if total != 100*time.Millisecond {
		t.Errorf("gaps %+v, %v in all; want 100 ms (every frame)", gaps, total)
	}

	src, err = multicard.New([]hw.AudioSource{&failing{}, timeCard(1, 0, 800)}, multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, _, err := src.Read(make([]int16, 320)); err == nil || err.Error() != "usb disconnect" {
		t.Errorf("Read with card 0 failing: %v, want its error", err)
	}
}

func TestOptions(t *testing.T) {
	ok := func() hw.AudioSource { return timeCard(2, 0, 100) }
	for _, tc := range []struct {
		name  string
		cards []hw.AudioSource
		opt   multicard.Options
		msg   string
	}{
		{"no cards", nil, multicard.Options{}, "multicard: bad options: no cards"},
		{"nil card", []hw.AudioSource{ok(), nil}, multicard.Options{}, "multicard: bad options: card 1 is nil"},
		{"rates differ", []hw.AudioSource{ok(), &hwtest.Source{Fmt: hw.Format{Channels: 1, Rate: 16000}}}, multicard.Options{},
			"multicard: bad options: card 1 runs at 16000 Hz and card 0 at 8000 Hz (resample every card to one rate)"},
		{"bad format", []hw.AudioSource{ok(), &hwtest.Source{Fmt: hw.Format{Channels: 65, Rate: 8000}}}, multicard.Options{},
			"multicard: bad options: card 1: hw: format: 65 channels out of range 1..64"},
		{"too many channels", []hw.AudioSource{&hwtest.Source{Fmt: hw.Format{Channels: 40}}, &hwtest.Source{Fmt: hw.Format{Channels: 40}}}, multicard.Options{},
			"multicard: bad options: 80 channels in all; at most 64"},
		{"block", []hw.AudioSource{ok()}, multicard.Options{Block: 10000}, "multicard: bad options: block of 10000 frames out of range 1..8192"},
		{"jump below tolerance", []hw.AudioSource{ok()}, multicard.Options{Tolerance: 5 * time.Millisecond, Jump: time.Millisecond},
			"multicard: bad options: tolerance 5ms and jump 1ms: want 0 ≤ tolerance ≤ jump"},
		{"buffer", []hw.AudioSource{ok()}, multicard.Options{Buffer: time.Second},
			"multicard: bad options: buffer 1s too small for the stall 2s and 4 blocks of 160 frames"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := multicard.New(tc.cards, tc.opt)
			if err == nil {
				src.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, multicard.ErrOptions) || err.Error() != tc.msg {
				t.Errorf("error %q, want %q (wrapping ErrOptions)", err, tc.msg)
			}
			for i, c := range tc.cards {
				if c == nil {
					continue
				}
				if _, _, err := c.Read(make([]int16, 64*8)); !errors.Is(err, hw.ErrClosed) {
					t.Errorf("card %d not closed by the failed New: Read %v", i, err)
				}
			}
		})
	}
}

// endless is a card that always has a block ready.
type endless struct {
	ch     int
	pos    int64
	closed chan struct{}
	once   sync.Once
}

func (e *endless) Format() hw.Format { return hw.Format{Channels: e.ch, Rate: 8000} }

func (e *endless) Read(buf []int16) (int, time.Duration, error) {
	select {
	case <-e.closed:
		return 0, 0, hw.ErrClosed
	default:
	}
	n := len(buf) / e.ch
	for i := range buf {
		buf[i] = int16(e.pos)
	}
	at := time.Duration(e.pos) * 125 * time.Microsecond
	e.pos += int64(n)
	return n, at, nil
}

func (e *endless) Close() error {
	e.once.Do(func() { close(e.closed) })
	return nil
}

func endlessCards() []hw.AudioSource {
	return []hw.AudioSource{
		&endless{ch: 4, closed: make(chan struct{})},
		&endless{ch: 4, closed: make(chan struct{})},
	}
}

func TestReadAllocs(t *testing.T) {
	src, err := multicard.New(endlessCards(), multicard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 160*8)
	for range 10 {
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(200, func() {
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
		src.Gaps()
	}); a != 0 {
		t.Errorf("%v allocations per Read, want 0", a)
	}
}

// BenchmarkRead: two 4-channel cards combined, 20 ms blocks.
func BenchmarkRead(b *testing.B) {
	src, err := multicard.New(endlessCards(), multicard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 160*8)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := src.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*160), "ns/frame")
}

// TestCardZeroLost: card 0, the timeline, is unplugged for 5 s and comes
// back 4 ms later in its timeline (its reconnected stream anchored off).
// Card 1 lost nothing: it gets no gap, and no frame of it is dropped or
// repeated after its start; card 0's new offset is absorbed, so the two
// stay 4 ms (32 frames) apart from then on instead of card 1 slipping.
func TestCardZeroLost(t *testing.T) {
	cards := []*vcard{
		{ch: 2, block: 160, start: time.Second, lostFrom: 21 * time.Second, lostTo: 26 * time.Second, returnShift: 32},
		{ch: 2, block: 160, start: time.Second + 3*time.Millisecond},
	}
	w := newWorld(3, 61*time.Second, cards...)
	src, err := multicard.New(w.sources(), multicard.Options{Clock: w.clock, Stall: time.Minute, Buffer: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	go w.run()
	before, after := 0, map[int]int{}
	var last1 int16
	gaps := drain(t, src, 160, func(buf []int16, pos int64, at time.Duration) {
		for i := 0; i < len(buf)/4; i++ {
			f, p := buf[i*4:i*4+4], pos+int64(i)
			if p > 8000 && last1 != 0 && f[2]-last1 != 1 {
				t.Fatalf("frame %d: card 1 goes from %d to %d: a step on the card that lost nothing", p, last1, f[2])
			}
			last1 = f[2]
			if f[0] == 0 {
				continue
			}
			d := abs(int(f[2] - f[0]))
			switch {
			case p > 8000 && p < 20*8000:
				before = max(before, d)
			case p > 27*8000:
				after[d]++
			}
		}
	})
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	if before > 24 {
		t.Errorf("before the loss card 1 was %d frames from card 0", before)
	}
	for d := range after {
		if d < 30 || d > 34 {
			t.Errorf("after the loss card 1 is %d frames from card 0 (%d frames), want 32 ± 2: %v", d, after[d], after)
		}
	}
	for _, g := range gaps {
		if g.Channels[0] != 0 || g.Cause != "device lost" {
			t.Errorf("gap %+v: want card 0's device lost only", g)
		}
	}
	if st := src.Stats(); st[1].Dropped != 0 || st[1].Inserted != 24 {
		t.Errorf("card 1 %+v: want only its start's 24 frames put in", st[1])
	}
}
