package portaudio_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/portaudio"
)

// fake is a Stream whose sample for channel c at frame n is sample(c, n);
// each Read advances the virtual clock by one block (real time) and the
// script can drop frames (an overrun) or fail (an unplugged card).
type fake struct {
	mu      sync.Mutex
	sf      portaudio.StreamFormat
	sample  func(c int, n int64) int16
	pos     int64 // device frames captured (including dropped ones)
	clock   *vclock
	reads   int
	dropAt  map[int]int64         // read number → frames dropped before it
	flagAt  map[int]bool          // read number → overflow reported, nothing dropped
	lateAt  map[int]time.Duration // read number → the card is this late, then catches up
	loseAt  map[int]int64         // read number → frames lost with no overflow reported
	debt    time.Duration         // lateness still to catch up
	failAt  int                   // read number at which the device disappears (0 = never)
	backlog int                   // frames waiting after each read (a late reader)
	closed  bool
}

// vclock is the package's test clock (usbport_internal_test.go).
type vclock = portaudio.VClock

func (f *fake) Format() portaudio.StreamFormat { return f.sf }

func (f *fake) Read(buf []int16) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.failAt > 0 && f.reads >= f.failAt {
		return errors.New("ALSA: No such device (-19)")
	}
	var err error
	if f.flagAt[f.reads] {
		err = portaudio.ErrOverflow
		f.clock.Sleep(250 * time.Microsecond) // a late wake-up: 2 frames of jitter
	}
	if d := f.dropAt[f.reads]; d > 0 {
		f.pos += d
		f.clock.Sleep(time.Duration(d) * time.Second / time.Duration(f.sf.Rate))
		err = portaudio.ErrOverflow
	}
	if d := f.loseAt[f.reads]; d > 0 {
		f.pos += d
		f.clock.Sleep(time.Duration(d) * time.Second / time.Duration(f.sf.Rate))
	}
	frames := len(buf) / f.sf.Channels
	if d := f.lateAt[f.reads]; d > 0 {
		f.clock.Sleep(d)
		f.debt += d
	}
	if f.debt > 0 {
		// Catching up: the frames were captured already, the read
		// returns at once.
		blk := time.Duration(frames) * time.Second / time.Duration(f.sf.Rate)
		pay := min(f.debt, blk)
		f.debt -= pay
		f.clock.Sleep(-pay) // offsets the block's own sleep below
	}
	for i := 0; i < frames; i++ {
		for c := 0; c < f.sf.Channels; c++ {
			buf[i*f.sf.Channels+c] = f.sample(c, f.pos)
		}
		f.pos++
	}
	f.clock.Sleep(time.Duration(frames) * time.Second / time.Duration(f.sf.Rate))
	return err
}

func (f *fake) Buffered() int { return f.backlog }

func (f *fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("closed twice")
	}
	f.closed = true
	return nil
}

func ramp(c int, n int64) int16 { return int16(c*1000 + int(n%997)) }

func TestPassThroughWithChannelMap(t *testing.T) {
	clock := portaudio.NewVClock(10 * time.Second)
	f := &fake{sf: portaudio.StreamFormat{Channels: 4, Rate: 8000, Latency: 5 * time.Millisecond}, sample: ramp, clock: clock}
	src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil },
		portaudio.Options{Channels: []int{3, 1}, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Format(); got != (hw.Format{Channels: 2, Rate: 8000}) {
		t.Fatalf("format %+v", got)
	}
	if p := src.PCM(); p != "" { // made from an opener, not by Open's alsa-lib path
		t.Errorf("PCM() %q, want \"\"", p)
	}
	buf := make([]int16, 2*160)
	var pos int64
	for blk := 0; blk < 20; blk++ {
		n, at, err := src.Read(buf)
		if err != nil || n != 160 {
			t.Fatalf("block %d: %d, %v", blk, n, err)
		}
		// The first block arrived at 10.02 s; its first frame was captured
		// 20 ms and the 5 ms latency earlier.
		if want := 10*time.Second - 5*time.Millisecond + time.Duration(pos)*time.Second/8000; at != want {
			t.Fatalf("block %d at %v, want %v", blk, at, want)
		}
		for i := 0; i < n; i++ {
			if buf[2*i] != ramp(3, pos) || buf[2*i+1] != ramp(1, pos) {
				t.Fatalf("frame %d: %d %d, want %d %d", pos, buf[2*i], buf[2*i+1], ramp(3, pos), ramp(1, pos))
			}
			pos++
		}
	}
	if g := src.Gaps(); len(g) != 0 {
		t.Errorf("gaps %+v", g)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Read(buf); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
}

// tone measures the level and the frequency (by zero crossings) of x.
func tone(x []int16) (rms, hz float64) {
	var e float64
	cross := 0
	for i, v := range x {
		e += float64(v) * float64(v)
		if i > 0 && (x[i-1] < 0) != (v < 0) {
			cross++
		}
	}
	return math.Sqrt(e / float64(len(x))), float64(cross) / 2 / (float64(len(x)) / 8000)
}

func TestResamplesEveryRate(t *testing.T) {
	for _, rate := range []int{16000, 44100, 48000} {
		t.Run(fmt.Sprintf("%dHz", rate), func(t *testing.T) {
			clock := portaudio.NewVClock(0)
			sine := func(c int, n int64) int16 {
				f := []float64{1000, 440}[c]
				return int16(10000 * math.Sin(2*math.Pi*f*float64(n)/float64(rate)))
			}
			f := &fake{sf: portaudio.StreamFormat{Channels: 2, Rate: rate}, sample: sine, clock: clock}
			src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil },
				portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			buf := make([]int16, 2*8000)
			if _, _, err := src.Read(buf); err != nil {
				t.Fatal(err)
			}
			for c, want := range []float64{1000, 440} {
				x := make([]int16, 0, 7000)
				for i := 1000; i < 8000; i++ {
					x = append(x, buf[2*i+c])
				}
				rms, hz := tone(x)
				if math.Abs(hz-want) > 2 || math.Abs(rms-10000/math.Sqrt2) > 150 {
					t.Errorf("channel %d: %.1f Hz at %.0f rms, want %v Hz at %.0f", c, hz, rms, want, 10000/math.Sqrt2)
				}
			}
		})
	}
}

func TestOverrunInsertsSilence(t *testing.T) {
	clock := portaudio.NewVClock(0)
	one := func(c int, n int64) int16 { return 1000 }
	// At the 11th read, 800 frames (100 ms) were dropped.
	f := &fake{sf: portaudio.StreamFormat{Channels: 1, Rate: 8000}, sample: one, clock: clock, dropAt: map[int]int64{11: 800}}
	src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil },
		portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 8000)
	_, at, err := src.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	first := -1
	for i, v := range buf {
		if v == 0 {
			zeros++
			if first < 0 {
				first = i
			}
		}
	}
	if zeros != 800 || first != 1600 {
		t.Errorf("%d silent frames from %d, want 800 from 1600", zeros, first)
	}
	g := src.Gaps()
	if len(g) != 1 || g[0].At != at+200*time.Millisecond || g[0].Length != 100*time.Millisecond || g[0].Cause != "overrun" {
		t.Errorf("gaps %+v", g)
	}
	if s := src.Stats(); s.Xruns != 1 || s.Lost != 100*time.Millisecond {
		t.Errorf("stats %+v", s)
	}
	if g := src.Gaps(); len(g) != 0 {
		t.Errorf("gaps not forgotten: %+v", g)
	}
}

func TestUnplugAndReplug(t *testing.T) {
	clock := portaudio.NewVClock(0)
	opens := 0
	missingUntil := 3 * time.Second
	var streams []*fake
	open := func() (portaudio.Stream, error) {
		opens++
		if opens > 1 && clock.Now() < missingUntil {
			return nil, errors.New("no such device")
		}
		f := &fake{sf: portaudio.StreamFormat{Channels: 2, Rate: 48000}, sample: func(c int, n int64) int16 { return 500 }, clock: clock}
		if opens == 1 {
			f.failAt = 51 // 1 s of audio, then unplugged
		}
		streams = append(streams, f)
		return f, nil
	}
	var alarms []string
	src, err := portaudio.NewSource(open, portaudio.Options{Now: clock.Now, Sleep: clock.Sleep, Retry: 500 * time.Millisecond,
		OnAlarm: func(err error) {
			if err == nil {
				alarms = append(alarms, "cleared")
			} else {
				alarms = append(alarms, err.Error())
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 2*8000*5) // 5 s
	_, at, err := src.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms) != 2 || !strings.Contains(alarms[0], "sound card lost: ALSA: No such device") || alarms[1] != "cleared" {
		t.Errorf("alarms %q", alarms)
	}
	if !streams[0].closed {
		t.Error("lost stream not closed")
	}
	g := src.Gaps()
	if len(g) != 1 || g[0].Cause != "device lost" {
		t.Fatalf("gaps %+v", g)
	}
	// Audio from 0 to ~1 s, silence until the card is back at 3–3.5 s,
	// then audio again: the silent frames are exactly the gap.
	startGap := int((g[0].At - at) * 8000 / time.Second)
	endGap := startGap + int(g[0].Length*8000/time.Second)
	if startGap < 7800 || startGap > 8000 || g[0].Length < 2*time.Second || g[0].Length > 2600*time.Millisecond {
		t.Errorf("gap %+v from frame %d", g[0], startGap)
	}
	for i := 0; i < len(buf)/2; i++ {
		silent := buf[2*i] == 0 && buf[2*i+1] == 0
		if i >= startGap && i < endGap && !silent {
			t.Fatalf("frame %d in the gap is %d", i, buf[2*i])
		}
		if (i >= 100 && i < startGap-100 || i >= endGap+100 && i < len(buf)/2-100) && (buf[2*i] < 490 || buf[2*i] > 510) {
			t.Fatalf("frame %d outside the gap is %d", i, buf[2*i])
		}
	}
	if s := src.Stats(); s.Reconnects != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRefusedOptions(t *testing.T) {
	clock := portaudio.NewVClock(0)
	f := func() (portaudio.Stream, error) {
		return &fake{sf: portaudio.StreamFormat{Channels: 2, Rate: 8000}, sample: ramp, clock: clock}, nil
	}
	for _, tc := range []struct {
		name string
		opt  portaudio.Options
		open portaudio.Opener
		want string
	}{
		{"channel beyond device", portaudio.Options{Channels: []int{0, 2}}, f, "channels[1]: device channel 2 out of range 0..1"},
		{"odd rate", portaudio.Options{}, func() (portaudio.Stream, error) {
			return &fake{sf: portaudio.StreamFormat{Channels: 1, Rate: 44057}, sample: ramp, clock: clock}, nil
		}, "device rate 44057 Hz"},
		{"block", portaudio.Options{Block: 2 * time.Second}, f, "block 2s out of range"},
		{"open fails", portaudio.Options{}, func() (portaudio.Stream, error) { return nil, portaudio.ErrNoDevice }, "no such capture device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := portaudio.NewSource(tc.open, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	src, err := portaudio.NewSource(f, portaudio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, _, err := src.Read(make([]int16, 3)); err == nil || !strings.Contains(err.Error(), "not a whole number of 2-channel frames") {
		t.Errorf("odd buffer: %v", err)
	}
}

func BenchmarkSource48k8ch(b *testing.B) {
	clock := portaudio.NewVClock(0)
	f := &fake{sf: portaudio.StreamFormat{Channels: 8, Rate: 48000}, sample: ramp, clock: clock}
	src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil }, portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 8*160)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf) * 2))
	for i := 0; i < b.N; i++ {
		if _, _, err := src.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReadAllocatesNothing(t *testing.T) {
	clock := portaudio.NewVClock(0)
	f := &fake{sf: portaudio.StreamFormat{Channels: 8, Rate: 48000}, sample: ramp, clock: clock}
	src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil }, portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 8*160)
	for i := 0; i < 10; i++ { // the fifos reach their working size
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(200, func() {
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per block", n)
	}
}

// A first read that comes late finds frames waiting behind its block: the
// capture time of frame 0 is that much earlier than the read suggests.
func TestLateFirstReadAnchorsEarlier(t *testing.T) {
	clock := portaudio.NewVClock(10 * time.Second)
	f := &fake{sf: portaudio.StreamFormat{Channels: 1, Rate: 8000}, sample: ramp, clock: clock, backlog: 4000}
	src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil }, portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, at, err := src.Read(make([]int16, 160))
	if err != nil {
		t.Fatal(err)
	}
	// The read returned at 10.02 s with 0.5 s more audio waiting.
	if want := 10*time.Second + 20*time.Millisecond - 500*time.Millisecond - 20*time.Millisecond; at != want {
		t.Errorf("first block at %v, want %v", at, want)
	}
}

// PortAudio may flag an overflow on the first reads of a stream, for audio
// dropped before the first frame: the timeline lost nothing, so no gap
// (the HIL saw a 1-sample "overrun" gap at start-up).
func TestOverflowWithNothingMissing(t *testing.T) {
	for _, read := range []int{1, 2, 7} {
		t.Run(fmt.Sprintf("read %d", read), func(t *testing.T) {
			clock := portaudio.NewVClock(0)
			f := &fake{sf: portaudio.StreamFormat{Channels: 1, Rate: 8000}, sample: func(c int, n int64) int16 { return 7 }, clock: clock,
				flagAt: map[int]bool{read: true}}
			src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil },
				portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			buf := make([]int16, 1600)
			if _, _, err := src.Read(buf); err != nil {
				t.Fatal(err)
			}
			for i, v := range buf {
				if v != 7 {
					t.Fatalf("frame %d is %d: silence inserted", i, v)
				}
			}
			if g := src.Gaps(); len(g) != 0 {
				t.Errorf("gaps %+v", g)
			}
			if s := src.Stats(); s.Xruns != 1 || s.Lost != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// A card that is late (a stalled board or VM) and then delivers in a burst
// has lost nothing: no silence may be inserted. A card that loses frames
// without reporting an overflow gets the deficit filled once it has lasted
// DriftHold.
func TestClockDrift(t *testing.T) {
	for _, tc := range []struct {
		name   string
		late   map[int]time.Duration
		lose   map[int]int64
		silent int
	}{
		{"late 300 ms, caught up", map[int]time.Duration{20: 300 * time.Millisecond}, nil, 0},
		{"late twice", map[int]time.Duration{20: 150 * time.Millisecond, 40: 250 * time.Millisecond}, nil, 0},
		{"300 ms lost unreported", nil, map[int]int64{20: 2400}, 2400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := portaudio.NewVClock(time.Second)
			f := &fake{sf: portaudio.StreamFormat{Channels: 1, Rate: 8000}, sample: func(c int, n int64) int16 { return 9 }, clock: clock,
				lateAt: tc.late, loseAt: tc.lose}
			src, err := portaudio.NewSource(func() (portaudio.Stream, error) { return f, nil },
				portaudio.Options{Now: clock.Now, Sleep: clock.Sleep})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			buf := make([]int16, 8000*5)
			if _, _, err := src.Read(buf); err != nil {
				t.Fatal(err)
			}
			silent := 0
			for _, v := range buf {
				if v == 0 {
					silent++
				}
			}
			if silent != tc.silent {
				t.Errorf("%d silent frames, want %d (gaps %+v)", silent, tc.silent, src.Gaps())
			}
		})
	}
}

// TestTwoSourcesReconnectAlone runs two Sources over two cards on one
// clock, read in turn as the multi-card capture does: card A is unplugged
// after 1 s and back 2 s later; card B records on with no gap, is never
// reopened, and raises no alarm.
func TestTwoSourcesReconnectAlone(t *testing.T) {
	clock := portaudio.NewVClock(0)
	type card struct {
		opens   int
		streams []*fake
		alarms  []error
		src     *portaudio.Source
	}
	var a, b card
	openA := func() (portaudio.Stream, error) {
		a.opens++
		if a.opens > 1 && clock.Now() < 3*time.Second {
			return nil, fmt.Errorf("%w: hw:CARD=A,DEV=0", portaudio.ErrNoDevice)
		}
		f := &fake{sf: portaudio.StreamFormat{Channels: 2, Rate: 8000}, sample: func(c int, n int64) int16 { return 100 }, clock: clock}
		if a.opens == 1 {
			f.failAt = 51 // 1 s (50 blocks), then unplugged
		}
		a.streams = append(a.streams, f)
		return f, nil
	}
	// B's reads cost no clock time of their own: A's reads (or its
	// reconnect loop's waits) pace both, as a shared wall clock would.
	openB := func() (portaudio.Stream, error) {
		b.opens++
		f := &fake{sf: portaudio.StreamFormat{Channels: 2, Rate: 8000}, sample: ramp, clock: portaudio.NewVClock(0)}
		b.streams = append(b.streams, f)
		return f, nil
	}
	var err error
	opt := func(c *card) portaudio.Options {
		return portaudio.Options{Now: clock.Now, Sleep: clock.Sleep, Retry: 500 * time.Millisecond, MaxDrift: time.Hour,
			OnAlarm: func(err error) { c.alarms = append(c.alarms, err) }}
	}
	if a.src, err = portaudio.NewSource(openA, opt(&a)); err != nil {
		t.Fatal(err)
	}
	defer a.src.Close()
	if b.src, err = portaudio.NewSource(openB, opt(&b)); err != nil {
		t.Fatal(err)
	}
	defer b.src.Close()
	bufA, bufB := make([]int16, 2*160), make([]int16, 2*160)
	var bPos int64
	var bFirst time.Duration
	for i := 0; i < 250; i++ { // 5 s
		if _, _, err := a.src.Read(bufA); err != nil {
			t.Fatal(err)
		}
		n, at, err := b.src.Read(bufB)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			bFirst = at
		} else if want := bFirst + time.Duration(bPos)*time.Second/8000; at != want {
			t.Fatalf("card B block %d stamped %v, want %v", i, at, want)
		}
		for j := 0; j < n; j++ {
			if bufB[2*j] != ramp(0, bPos) || bufB[2*j+1] != ramp(1, bPos) {
				t.Fatalf("card B frame %d: %d %d, want %d %d", bPos, bufB[2*j], bufB[2*j+1], ramp(0, bPos), ramp(1, bPos))
			}
			bPos++
		}
	}
	if len(a.alarms) != 2 || a.alarms[0] == nil || a.alarms[1] != nil {
		t.Errorf("card A alarms %v, want the loss then its clearing", a.alarms)
	}
	if g := a.src.Gaps(); len(g) != 1 || g[0].Cause != "device lost" || g[0].Length < 1500*time.Millisecond || g[0].Length > 2600*time.Millisecond {
		t.Errorf("card A gaps %+v, want one device-lost gap of about 2 s", g)
	}
	if len(a.streams) != 2 || !a.streams[0].closed || a.streams[1].closed {
		t.Errorf("card A: %d streams, the lost one closed %v", len(a.streams), len(a.streams) > 0 && a.streams[0].closed)
	}
	if s := a.src.Stats(); s.Reconnects != 1 {
		t.Errorf("card A stats %+v", s)
	}
	if len(b.alarms) != 0 || b.opens != 1 || b.streams[0].closed {
		t.Errorf("card B: alarms %v, opened %d times, closed %v", b.alarms, b.opens, b.streams[0].closed)
	}
	if g := b.src.Gaps(); len(g) != 0 {
		t.Errorf("card B gaps %+v", g)
	}
}

// TestReconnectRetriesAndCloses checks the reconnect loop: one open
// attempt every Retry while the card is missing, a card that comes back
// unfit (fewer channels than the map needs) closed and tried again, one
// alarm and one clearing, and every stream but the live one closed.
func TestReconnectRetriesAndCloses(t *testing.T) {
	clock := portaudio.NewVClock(0)
	var attempts []time.Duration
	var streams []*fake
	open := func() (portaudio.Stream, error) {
		now := clock.Now()
		attempts = append(attempts, now)
		ch := 2
		switch {
		case len(attempts) == 1:
		case now < 2*time.Second:
			return nil, fmt.Errorf("%w: hw:CARD=U18,DEV=0", portaudio.ErrNoDevice)
		case now < 2500*time.Millisecond:
			ch = 1 // back, but not the card it was
		}
		f := &fake{sf: portaudio.StreamFormat{Channels: ch, Rate: 8000}, sample: ramp, clock: clock}
		if len(attempts) == 1 {
			f.failAt = 26 // 0.5 s, then unplugged
		}
		streams = append(streams, f)
		return f, nil
	}
	var alarms []error
	src, err := portaudio.NewSource(open, portaudio.Options{Now: clock.Now, Sleep: clock.Sleep, Retry: 250 * time.Millisecond,
		OnAlarm: func(err error) { alarms = append(alarms, err) }})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 2*160)
	for i := 0; i < 200; i++ { // 4 s
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	// Lost at 0.5 s; tried at 0.75, 1.0, … while missing, unfit at 2.0
	// and 2.25, back at 2.5 s.
	if n := len(attempts); n < 9 || n > 10 {
		t.Errorf("%d open attempts at %v, want one every 250ms from 0.5s to 2.5s", n, attempts)
	}
	for i := 2; i < len(attempts); i++ {
		if d := attempts[i] - attempts[i-1]; d < 250*time.Millisecond {
			t.Errorf("attempts %d and %d %v apart, under Retry", i-1, i, d)
		}
	}
	if len(alarms) != 2 || alarms[0] == nil || alarms[1] != nil {
		t.Errorf("alarms %v, want the loss then its clearing", alarms)
	}
	for i, f := range streams[:len(streams)-1] {
		if !f.closed {
			t.Errorf("stream %d (%d channels) left open", i, f.sf.Channels)
		}
	}
	if live := streams[len(streams)-1]; live.closed || live.sf.Channels != 2 {
		t.Errorf("live stream closed %v, %d channels", live.closed, live.sf.Channels)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if !streams[len(streams)-1].closed {
		t.Error("Close left the live stream open")
	}
	if g := src.Gaps(); len(g) != 1 || g[0].Cause != "device lost" || g[0].Length < 1900*time.Millisecond || g[0].Length > 2100*time.Millisecond {
		t.Errorf("gaps %+v, want one device-lost gap of about 2 s", g)
	}
}
