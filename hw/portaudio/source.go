package portaudio

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/resample"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/internal/frames"
	"github.com/linetap/linetap/hw/internal/monoclock"
)

// Errors returned by this package.
var (
	// ErrOptions is wrapped by every refused option.
	ErrOptions = errors.New("portaudio: bad options")
	// ErrNoDevice is returned when no capture device matches.
	ErrNoDevice = errors.New("portaudio: no such capture device")
	// ErrOverflow is returned by Stream.Read when input was dropped before
	// the block it returns (the block itself is valid).
	ErrOverflow = errors.New("portaudio: input overflowed")
	// ErrStalled is returned by a stream whose device delivered no block
	// for StallTimeout: hung, or gone without an error.
	ErrStalled = errors.New("portaudio: the device delivered no audio")
)

var (
	_ hw.AudioSource = (*Source)(nil)
	_ hw.GapReporter = (*Source)(nil)
)

// StreamFormat is what a Stream delivers.
type StreamFormat struct {
	// Channels is the number of interleaved channels.
	Channels int
	// Rate is the sample rate in hertz.
	Rate int
	// Latency is the stream's input latency.
	Latency time.Duration
}

// Stream is an open capture stream, blocking: PortAudio's, alsa-lib's, or a
// test's fake.
type Stream interface {
	// Format reports the stream's format.
	Format() StreamFormat
	// Read fills buf (whole interleaved frames). It returns ErrOverflow,
	// with buf filled, when input was lost before this block; any other
	// error means the device is gone.
	Read(buf []int16) error
	// Buffered is how many frames were already captured and waiting when
	// the last Read returned (0 if unknown): a late read is that much
	// behind the clock.
	Buffered() int
	// Close closes the stream.
	Close() error
}

// Opener opens the capture device; a Source calls it again to reconnect.
type Opener func() (Stream, error)

// Options configure a Source.
type Options struct {
	// Device is the capture device's name: a USB port ("usb:1-1.2",
	// "usb:1-1.2,DEV=1", see ParseUSBName), the card on it opened through
	// alsa-lib; an ALSA PCM name (see ALSAName), opened through alsa-lib;
	// otherwise a PortAudio device name (exact, or a unique substring).
	// Ignored when UseIndex.
	Device string
	// Index chooses the device by PortAudio index when ≥ 0 and UseIndex.
	Index int
	// UseIndex selects the device by Index rather than by Device.
	UseIndex bool
	// Rate is the capture rate (0 = the device's default rate).
	Rate int
	// DeviceChannels is how many channels to open (0 = the largest
	// channel in Channels + 1, or all of the device's).
	DeviceChannels int
	// Channels maps output channel i to device channel Channels[i]
	// (nil = all device channels in order).
	Channels []int
	// Block is the device read size (0 = 20 ms).
	Block time.Duration
	// Buffer is the capacity of the driver's capture buffer (PortAudio's
	// suggested input latency; 0 = DefaultBuffer, at least the device's
	// default high latency): a reader stalled for less loses nothing. It
	// is capacity, not delay: blocks are read as soon as they are
	// complete.
	Buffer time.Duration
	// Retry is the pause between reconnection attempts (0 = 1 s).
	Retry time.Duration
	// MaxDrift is how far the sample clock may drift from the monotonic
	// clock before it is corrected (0 = 100 ms).
	MaxDrift time.Duration
	// Logger receives xrun and device messages (nil = discard).
	Logger *slog.Logger
	// OnAlarm is called with the error when the device is lost and with
	// nil when it is back (nil = no callback).
	OnAlarm func(err error)
	// Now reads the monotonic clock (nil = CLOCK_MONOTONIC).
	Now func() time.Duration
	// Sleep waits (nil = time.Sleep).
	Sleep func(time.Duration)
}

// DriftHold is how long the card must stay more than Options.MaxDrift
// behind the clock before the deficit is filled with silence: a card that
// is only late catches up sooner.
const DriftHold = time.Second

// overrunFloor is the fewest missing frames (2 ms) an overrun's gap is
// made of: below it the clock's jitter, not lost audio.
const overrunFloor = 2 * dsp.Rate / 1000

// DefaultBuffer is the capture buffer Open asks for when Options.Buffer
// is 0: half a second rides out a busy board (or a VM under load), where
// ALSA's usual 46 ms overruns.
const DefaultBuffer = 500 * time.Millisecond

// Stats are a Source's counters.
type Stats struct {
	// Xruns counts input overflows reported by the device.
	Xruns int64
	// Lost is the total length of silence inserted for lost audio.
	Lost time.Duration
	// Reconnects counts successful reopens after the device was lost.
	Reconnects int64
}

// Source is an hw.AudioSource over a Stream, at 8 kHz.
type Source struct {
	opt   Options
	open  Opener
	pcm   *atomic.Pointer[string] // the ALSA PCM Open captures through; nil for PortAudio (PCM)
	log   *slog.Logger
	chmap []int
	block int // device frames per read

	mu     sync.Mutex // held by Read; Close takes it to close the stream
	st     Stream
	sf     StreamFormat
	rs     []*resample.Resampler
	raw    []int16
	one    []int16
	out    []int16
	fifo   [][]int16
	closed chan struct{}
	once   sync.Once

	anchored  bool
	t0        time.Duration // capture time of output frame 0
	produced  int64         // output frames pushed to the fifos
	delivered int64         // output frames returned by Read
	lost      bool          // device gone
	lastTry   time.Duration
	checkGap  string // cause of a gap to look for after the next read
	// drifting says the card is more than MaxDrift behind the clock,
	// since driftSince.
	drifting   bool
	driftSince time.Duration

	statsMu sync.Mutex
	stats   Stats
	gaps    []hw.Gap
}

// NewSource opens the stream through open and returns a Source delivering
// the mapped channels at 8 kHz.
func NewSource(open Opener, opt Options) (*Source, error) {
	if opt.Block == 0 {
		opt.Block = 20 * time.Millisecond
	}
	if opt.Retry == 0 {
		opt.Retry = time.Second
	}
	if opt.MaxDrift == 0 {
		opt.MaxDrift = 100 * time.Millisecond
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = monoclock.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = time.Sleep
	}
	switch {
	case opt.Block < time.Millisecond || opt.Block > time.Second:
		return nil, fmt.Errorf("%w: block %v out of range 1ms..1s", ErrOptions, opt.Block)
	case opt.Buffer < 0 || opt.Buffer > 10*time.Second:
		return nil, fmt.Errorf("%w: buffer %v out of range 0..10s", ErrOptions, opt.Buffer)
	case opt.Retry < 0:
		return nil, fmt.Errorf("%w: retry %v negative", ErrOptions, opt.Retry)
	case opt.MaxDrift < opt.Block:
		return nil, fmt.Errorf("%w: max drift %v below the block %v", ErrOptions, opt.MaxDrift, opt.Block)
	}
	s := &Source{opt: opt, open: open, log: opt.Logger, closed: make(chan struct{})}
	st, err := open()
	if err != nil {
		return nil, err
	}
	if err := s.attach(st); err != nil {
		return nil, errors.Join(err, st.Close())
	}
	if len(opt.Channels) == 0 {
		s.chmap = make([]int, s.sf.Channels)
		for i := range s.chmap {
			s.chmap[i] = i
		}
	}
	s.fifo = make([][]int16, len(s.chmap))
	return s, nil
}

// attach takes a freshly opened stream into use.
func (s *Source) attach(st Stream) error {
	sf := st.Format()
	if sf.Channels < 1 || sf.Channels > 64 {
		return fmt.Errorf("%w: device has %d channels", ErrOptions, sf.Channels)
	}
	if s.chmap == nil && len(s.opt.Channels) > 0 {
		s.chmap = append([]int(nil), s.opt.Channels...)
	}
	for i, c := range s.chmap {
		if c < 0 || c >= sf.Channels {
			return fmt.Errorf("%w: channels[%d]: device channel %d out of range 0..%d", ErrOptions, i, c, sf.Channels-1)
		}
	}
	n := len(s.chmap)
	if n == 0 {
		n = sf.Channels
	}
	rs := make([]*resample.Resampler, n)
	for i := range rs {
		r, err := resample.New(sf.Rate)
		if err != nil {
			return fmt.Errorf("%w: device rate %d Hz: %w", ErrOptions, sf.Rate, err)
		}
		rs[i] = r
	}
	s.st, s.sf, s.rs = st, sf, rs
	s.block = max(1, int(int64(sf.Rate)*int64(s.opt.Block)/int64(time.Second)))
	s.raw = make([]int16, s.block*sf.Channels)
	s.one = make([]int16, s.block)
	s.out = make([]int16, 0, rs[0].MaxOut(s.block))
	return nil
}

// Format reports the mapped channels at 8 kHz.
func (s *Source) Format() hw.Format { return hw.Format{Channels: len(s.chmap), Rate: dsp.Rate} }

// Stats returns the counters.
func (s *Source) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.stats
}

// Gaps returns the gaps filled with silence since the last call.
func (s *Source) Gaps() []hw.Gap {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	g := s.gaps
	s.gaps = nil
	return g
}

// Read fills buf with 8 kHz frames; see hw.AudioSource.
func (s *Source) Read(buf []int16) (int, time.Duration, error) {
	ch := len(s.chmap)
	if len(buf)%ch != 0 {
		return 0, 0, fmt.Errorf("portaudio: read buffer of %d samples is not a whole number of %d-channel frames", len(buf), ch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	frames := len(buf) / ch
	for len(s.fifo[0]) < frames {
		select {
		case <-s.closed:
			return 0, 0, hw.ErrClosed
		default:
		}
		if err := s.fill(); err != nil {
			return 0, 0, err
		}
	}
	for i := 0; i < frames; i++ {
		for c := 0; c < ch; c++ {
			buf[i*ch+c] = s.fifo[c][i]
		}
	}
	for c := range s.fifo {
		s.fifo[c] = append(s.fifo[c][:0], s.fifo[c][frames:]...)
	}
	at := s.t0 + framesToDur(s.delivered)
	s.delivered += int64(frames)
	return frames, at, nil
}

// Close stops capture; a Read in progress returns ErrClosed after its
// current device block.
func (s *Source) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.st != nil {
			err = s.st.Close()
			s.st = nil
		}
	})
	return err
}

// framesToDur converts 8 kHz frames to time.
func framesToDur(n int64) time.Duration { return frames.Duration(n, dsp.Rate) }

// durToFrames converts time to 8 kHz frames (rounded down) without
// overflowing for years.
func durToFrames(d time.Duration) int64 {
	sec := int64(d / time.Second)
	return sec*dsp.Rate + int64(d%time.Second)*dsp.Rate/int64(time.Second)
}

// fill reads one device block (or, with the device lost, waits one block
// and tries to reconnect) and pushes what it got to the fifos.
func (s *Source) fill() error {
	if s.lost {
		return s.reconnect()
	}
	err := s.st.Read(s.raw)
	now := s.opt.Now()
	switch {
	case err == nil:
	case errors.Is(err, ErrOverflow):
		s.statsMu.Lock()
		s.stats.Xruns++
		s.statsMu.Unlock()
		s.log.Warn("sound card overrun: input was dropped", "device", s.opt.Device)
		s.checkGap = "overrun"
	case errors.Is(err, io.EOF):
		return err
	default:
		s.lost, s.lastTry = true, now
		s.log.Error("sound card lost; recording silence until it is back", "device", s.opt.Device, "err", err)
		if s.opt.OnAlarm != nil {
			s.opt.OnAlarm(fmt.Errorf("sound card lost: %w", err))
		}
		if cerr := s.st.Close(); cerr != nil {
			s.log.Warn("closing the lost stream", "err", cerr)
		}
		s.st = nil
		s.padTo(now, "device lost")
		return nil
	}
	// The block just read ended when the frames still waiting behind it
	// began: a read that came late (a busy board, a slow first read) is
	// not mistaken for audio captured now.
	ended := now - time.Duration(s.st.Buffered())*time.Second/time.Duration(s.sf.Rate)
	blockDur := time.Duration(s.block) * time.Second / time.Duration(s.sf.Rate)
	if !s.anchored {
		s.anchored = true
		s.t0 = ended - blockDur - s.sf.Latency
	} else if s.checkGap != "" {
		s.padTo(ended-blockDur, s.checkGap)
		s.checkGap = ""
	} else if drift := ended - blockDur - s.sf.Latency - (s.t0 + framesToDur(s.produced)); drift > s.opt.MaxDrift {
		// The card delivers fewer frames than the clock says it should
		// (a slow crystal, or an overrun PortAudio did not report) —
		// unless it is only late and catches up: a stalled board or VM
		// delivers its frames in a burst afterwards. Only a deficit that
		// lasts DriftHold is lost audio.
		if !s.drifting {
			s.drifting, s.driftSince = true, now
		} else if now-s.driftSince >= DriftHold {
			s.padTo(ended-blockDur, "clock drift")
			s.drifting = false
		}
	} else {
		s.drifting = false
	}
	s.push()
	return nil
}

// push resamples the device block into the fifos.
func (s *Source) push() {
	ch := s.sf.Channels
	for c, dc := range s.chmap {
		for i := 0; i < s.block; i++ {
			s.one[i] = s.raw[i*ch+dc]
		}
		s.out = s.rs[c].Process(s.one, s.out[:0])
		s.fifo[c] = append(s.fifo[c], s.out...)
	}
	// Every channel's resampler produces the same count.
	s.produced += int64(len(s.out))
}

// padTo inserts silence so that the produced frames reach the monotonic
// time t (less the stream's latency), and records the gap.
func (s *Source) padTo(t time.Duration, cause string) {
	missing := durToFrames(t-s.sf.Latency-s.t0) - s.produced
	if !s.anchored || missing <= 0 {
		return
	}
	if cause == "overrun" && missing < overrunFloor {
		// The overflow PortAudio reports on the first reads of a stream
		// is about audio before the first frame, and the clock says the
		// timeline lost nothing: a frame or two is the clock's rounding.
		s.log.Info("sound card overrun reported, no audio missing by the clock", "frames", missing)
		return
	}
	at := s.t0 + framesToDur(s.produced)
	for c := range s.fifo {
		s.fifo[c] = append(s.fifo[c], make([]int16, missing)...)
	}
	s.produced += missing
	length := framesToDur(missing)
	s.statsMu.Lock()
	s.stats.Lost += length
	if n := len(s.gaps); n > 0 && s.gaps[n-1].At+s.gaps[n-1].Length == at && s.gaps[n-1].Cause == cause {
		s.gaps[n-1].Length += length
	} else {
		s.gaps = append(s.gaps, hw.Gap{At: at, Length: length, Cause: cause})
	}
	s.statsMu.Unlock()
	if cause != "device lost" {
		s.log.Warn("audio gap filled with silence", "cause", cause, "at", at, "length", length)
	}
}

// reconnect waits one block, pads the silence, and tries to reopen the
// device every Retry.
func (s *Source) reconnect() error {
	s.opt.Sleep(s.opt.Block)
	now := s.opt.Now()
	if now-s.lastTry >= s.opt.Retry {
		s.lastTry = now
		st, err := s.open()
		if err == nil {
			if err = s.attach(st); err != nil {
				err = errors.Join(err, st.Close())
			}
		}
		if err != nil {
			s.log.Debug("sound card still missing", "err", err)
		} else {
			s.lost, s.checkGap = false, "device lost"
			s.statsMu.Lock()
			s.stats.Reconnects++
			s.statsMu.Unlock()
			s.log.Info("sound card back; recording resumes", "device", s.opt.Device)
			if s.opt.OnAlarm != nil {
				s.opt.OnAlarm(nil)
			}
			return nil
		}
	}
	s.padTo(now, "device lost")
	return nil
}

// ALSAName reports whether device names an ALSA PCM that Open captures
// from directly through alsa-lib, and that PCM's name: "hw:…" and
// "plughw:…" names are taken as they are ("hw:CARD=Loopback,DEV=1": a
// card by its id, which stays the same when the card comes back at
// another index), and "alsa:NAME" opens any other ALSA PCM NAME (a
// `pcm.NAME` of the ALSA configuration). Other names are PortAudio's.
func ALSAName(device string) (string, bool) {
	switch {
	case strings.HasPrefix(device, "alsa:") && len(device) > len("alsa:"):
		return device[len("alsa:"):], true
	case strings.HasPrefix(device, "hw:") && len(device) > len("hw:"),
		strings.HasPrefix(device, "plughw:") && len(device) > len("plughw:"):
		return device, true
	}
	return "", false
}

// PCM returns the ALSA PCM the card is captured from when Open took the
// alsa-lib path (an ALSA name, or the stable name of a PortAudio hardware
// device: hw:CARD=id,DEV=n or plughw:…), and "" when it is captured
// through PortAudio (or the Source came from NewSource), where an
// unplugged card does not come back (doc.go).
// A card named by its USB port reports the PCM of its latest open, which
// changes when it comes back under another id.
func (s *Source) PCM() string {
	if s.pcm == nil {
		return ""
	}
	if p := s.pcm.Load(); p != nil {
		return *p
	}
	return ""
}

// pcmName holds the name PCM reports, set by an opener on another
// goroutine than PCM's readers.
func pcmName(name string) *atomic.Pointer[string] {
	p := new(atomic.Pointer[string])
	if name != "" {
		p.Store(&name)
	}
	return p
}

// paHWIndex reads the card and device numbers PortAudio's ALSA host API
// puts at the end of a hardware device's name ("USB Audio: - (hw:1,0)").
func paHWIndex(name string) (card, dev int, ok bool) {
	i := strings.LastIndex(name, "(hw:")
	if i < 0 || !strings.HasSuffix(name, ")") {
		return 0, 0, false
	}
	c, d, found := strings.Cut(name[i+len("(hw:"):len(name)-1], ",")
	if !found {
		return 0, 0, false
	}
	card, err1 := strconv.Atoi(c)
	dev, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || card < 0 || dev < 0 {
		return 0, 0, false
	}
	return card, dev, true
}
