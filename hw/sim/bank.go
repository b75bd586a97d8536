package sim

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/internal/pace"
)

// Errors returned by the package, each wrapped with what exactly is wrong.
var (
	// ErrScenario is returned by ParseScenario and New for a scenario that
	// cannot be simulated; the message names the scenario line and field.
	ErrScenario = errors.New("sim: bad scenario")
	// ErrOptions is returned by New for Options out of range.
	ErrOptions = errors.New("sim: bad options")
	// ErrBuffer is returned by Read for a buffer that does not hold a whole
	// number of frames.
	ErrBuffer = errors.New("sim: buffer is not a whole number of frames")
)

// Options configures a Bank.
type Options struct {
	// Lines is the number of lines (channels); the scenario may use lines
	// 0..Lines-1.
	Lines int
	// Seed drives all randomness (speech, sensor latency, noise).
	Seed int64
	// Realtime paces Read to the wall clock; false runs as fast as possible.
	Realtime bool
	// Sleep is used for pacing when Realtime (nil = time.Sleep). An injected
	// Sleep is trusted to sleep exactly as long as asked: the Bank then
	// keeps time by adding up what it asked for, so a test sees exactly
	// the audio's duration requested.
	Sleep func(time.Duration)
	// Loop repeats the scenario forever (the default scenario loops).
	Loop bool
	// Origin is the monotonic timestamp of sample 0.
	Origin time.Duration
	// Overrun, when non-zero with Realtime on the wall clock, is the
	// capture buffer of the simulated sound card: a reader that falls more
	// than this behind loses the audio beyond it, as from a real card, and
	// the loss is reported by Gaps (cause "overrun"). Zero: never.
	Overrun time.Duration
}

// Event-sensor latencies, in ms, drawn per event from the seed: an
// optocoupler ring detector integrates a few cycles of the ring voltage
// before it reports ring, and holds over about a cycle after it stops; a
// loop-current sense reacts within a few ms.
var latency = [...][2]float64{
	evRingOn:   {20, 60},
	evRingOff:  {30, 80},
	evOffHook:  {2, 12},
	evOnHook:   {2, 12},
	evReversal: {2, 12},
}

var kinds = [...]hw.EventKind{
	evRingOn: hw.RingOn, evRingOff: hw.RingOff, evOffHook: hw.OffHook,
	evOnHook: hw.OnHook, evReversal: hw.PolarityReversal,
}

const (
	eventBuffer = 4096    // the Events channel's buffer
	maxOverflow = 1 << 16 // events held for a consumer that does not drain
)

// Bank is a bank of simulated phone lines playing a scenario. It implements
// hw.AudioSource and hw.LineSensor; Read and Close may be called from
// different goroutines.
type Bank struct {
	sc     *Scenario
	opt    Options
	seed   uint64
	format hw.Format
	length int64 // samples per pass
	events []timedEvent
	noise  float64 // RMS of the noise floor, LSB

	mu       sync.Mutex // serialises Read and Close's teardown
	pos      int64      // samples delivered
	evPass   int64
	evNext   int
	lines    []lineState
	scratch  []float64
	ch       chan hw.LineEvent
	overflow []hw.LineEvent
	dropped  int64
	gaps     []hw.Gap // overruns not yet taken by Gaps
	muteFrom int64    // [muteFrom, muteTo): samples lost to an overrun, delivered silent
	muteTo   int64
	pace     pace.Pacer

	closeOnce sync.Once
	done      chan struct{}
}

var (
	_ hw.AudioSource = (*Bank)(nil)
	_ hw.LineSensor  = (*Bank)(nil)
)

// timedEvent is a sensor event at a sample offset of the pass.
type timedEvent struct {
	at   int64
	line int
	kind hw.EventKind
}

// lineState is the rendering state of one line.
type lineState struct {
	segs    []segment
	pass    int64
	cur     int     // first segment that may still play
	buf     []int16 // the rendered ring or cadence segment
	bufSeg  int     // index of the segment in buf, -1 for none
	conv    conversation
	convSeg int // index of the talk segment conv plays, -1 for none
	noise   rng
}

// New builds a Bank that plays sc with opt.
func New(sc *Scenario, opt Options) (*Bank, error) {
	if sc == nil {
		return nil, fmt.Errorf("%w: nil scenario", ErrScenario)
	}
	if sc.err != nil {
		return nil, sc.err
	}
	if opt.Lines < 1 || opt.Lines > MaxLines {
		return nil, fmt.Errorf("%w: Lines %d out of range 1..%d", ErrOptions, opt.Lines, MaxLines)
	}
	if opt.Origin < 0 {
		return nil, fmt.Errorf("%w: negative Origin %v", ErrOptions, opt.Origin)
	}
	b := &Bank{
		sc:     sc,
		opt:    opt,
		seed:   mix(uint64(opt.Seed), 0x5117),
		format: hw.Format{Channels: opt.Lines, Rate: dsp.Rate},
		length: sc.length,
		noise:  dsp.Peak(sc.noiseDBm0) / math.Sqrt2,
		lines:  make([]lineState, opt.Lines),
		ch:     make(chan hw.LineEvent, eventBuffer),
		done:   make(chan struct{}),
	}
	b.pace = pace.Pacer{Sleep: opt.Sleep, Done: b.done}
	for l := range b.lines {
		b.lines[l] = lineState{pass: -1, bufSeg: -1, convSeg: -1, noise: rng{s: mix(b.seed, 0x401, uint64(l))}}
	}
	for i, c := range sc.calls {
		if c.Line >= opt.Lines {
			if sc.trimLines {
				continue
			}
			return nil, fmt.Errorf("%w: line %d: line=%d, but the bank has %d lines (Options.Lines)",
				ErrScenario, c.Source, c.Line, opt.Lines)
		}
		ls := &b.lines[c.Line]
		ls.segs = append(ls.segs, c.segs...)
		for j, e := range c.events {
			r := rng{s: mix(b.seed, 0xE7, uint64(i), uint64(j))}
			lat := latency[e.kind]
			d := time.Duration(r.between(lat[0], lat[1]) * float64(time.Millisecond))
			b.events = append(b.events, timedEvent{at: e.at + durationToSamples(d), line: c.Line, kind: kinds[e.kind]})
		}
	}
	for l := range b.lines {
		slices.SortStableFunc(b.lines[l].segs, func(x, y segment) int { return cmp64(x.start, y.start) })
	}
	slices.SortStableFunc(b.events, func(x, y timedEvent) int {
		if c := cmp64(x.at, y.at); c != 0 {
			return c
		}
		return x.line - y.line
	})
	return b, nil
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Format reports Options.Lines channels at dsp.Rate.
func (b *Bank) Format() hw.Format { return b.format }

// Duration is the length of one pass of the scenario; without Loop, Read
// delivers exactly this much audio and then io.EOF.
func (b *Bank) Duration() time.Duration { return samplesToDuration(b.length) }

// Events returns the channel on which line events are delivered. Every
// event whose Time falls in a block is sent before Read returns the block.
// The channel is closed by Close.
func (b *Bank) Events() <-chan hw.LineEvent { return b.ch }

// Dropped reports how many events were discarded because nobody drained
// the Events channel (more than 65536 events behind).
func (b *Bank) Dropped() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Gaps returns the overruns since the last call (hw.GapReporter).
func (b *Bank) Gaps() []hw.Gap {
	b.mu.Lock()
	defer b.mu.Unlock()
	g := b.gaps
	b.gaps = nil
	return g
}

var _ hw.GapReporter = (*Bank)(nil)

// Read fills buf with interleaved frames of every line and returns the
// number of frames and the timestamp of the first. Without Loop it returns
// a short count at the end of the scenario and then 0, io.EOF; after Close,
// ErrClosed.
func (b *Bank) Read(buf []int16) (int, time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	at := b.opt.Origin + samplesToDuration(b.pos)
	if b.closed() {
		return 0, at, hw.ErrClosed
	}
	ch := b.format.Channels
	if len(buf)%ch != 0 {
		return 0, at, fmt.Errorf("%w: %d samples for %d channels", ErrBuffer, len(buf), ch)
	}
	n := int64(len(buf) / ch)
	if !b.opt.Loop {
		if rest := b.length - b.pos; n > rest {
			n = rest
		}
		if n == 0 && len(buf) > 0 {
			return 0, at, io.EOF
		}
	}
	if n == 0 {
		return 0, at, nil
	}
	b.flushOverflow()
	if b.opt.Realtime && b.opt.Overrun > 0 {
		// The card's buffer filled: the audio from here on, as far as the
		// reader is behind beyond the buffer, is lost and delivered as
		// silence of the same length (hw.Gap), so time never compresses.
		if lag := b.pace.Lag(samplesToDuration(b.pos)); lag > b.opt.Overrun {
			end := b.pos + int64(lag-b.opt.Overrun)*dsp.Rate/int64(time.Second)
			if from := max(b.pos, b.muteTo); end > from {
				if k := len(b.gaps) - 1; k >= 0 && from == b.muteTo {
					b.gaps[k].Length += samplesToDuration(end - from) // one loss, still growing
				} else {
					b.gaps = append(b.gaps, hw.Gap{At: b.opt.Origin + samplesToDuration(from), Length: samplesToDuration(end - from), Cause: "overrun"})
				}
				if from > b.muteTo {
					b.muteFrom = from
				}
				b.muteTo = end
			}
		}
	}
	for done := int64(0); done < n; {
		pass, off := (b.pos+done)/b.length, (b.pos+done)%b.length
		k := min(n-done, b.length-off)
		b.render(buf[done*int64(ch):(done+k)*int64(ch)], pass, off, off+k)
		done += k
	}
	if a, e := max(b.pos, b.muteFrom), min(b.pos+n, b.muteTo); a < e {
		clear(buf[(a-b.pos)*int64(ch) : (e-b.pos)*int64(ch)])
	}
	b.deliver(b.pos + n)
	b.pos += n
	if b.opt.Realtime && !b.pace.Wait(samplesToDuration(b.pos)) {
		return 0, at, hw.ErrClosed
	}
	return int(n), at, nil
}

// render writes samples [a, e) of pass into buf, interleaved.
func (b *Bank) render(buf []int16, pass, a, e int64) {
	n := int(e - a)
	if cap(b.scratch) < n {
		b.scratch = make([]float64, n)
	}
	tmp := b.scratch[:n]
	ch := b.format.Channels
	for l := range b.lines {
		ls := &b.lines[l]
		if ls.pass != pass {
			ls.pass, ls.cur, ls.bufSeg, ls.convSeg = pass, 0, -1, -1
		}
		for i := range tmp {
			tmp[i] = ls.noise.gauss() * b.noise
		}
		for k := ls.cur; k < len(ls.segs) && ls.segs[k].start < e; k++ {
			s := &ls.segs[k]
			if s.end <= a {
				if k == ls.cur {
					ls.cur++
				}
				continue
			}
			lo, hi := max(a, s.start), min(e, s.end)
			out := tmp[lo-a : hi-a]
			switch s.kind {
			case segPCM:
				addPCM(out, s.pcm, lo-s.start)
			case segClick:
				addPCM(out, clickPCM[:], lo-s.start)
			case segRing, segCadence:
				if ls.bufSeg != k {
					d := samplesToDuration(s.end - s.start)
					if s.kind == segRing {
						ls.buf = tone.AppendRing(ls.buf[:0], s.freq, d)
					} else {
						ls.buf = s.cadence.Append(ls.buf[:0], d)
					}
					ls.bufSeg = k
				}
				addPCM(out, ls.buf, lo-s.start)
			case segTalk:
				if ls.convSeg != k {
					ls.conv.reset(mix(b.seed, 0x7A1C, uint64(pass), uint64(s.call)), s.near, s.far, s.nearFirst)
					ls.convSeg = k
				}
				for i := range out {
					out[i] += ls.conv.next()
				}
			}
		}
		for i, x := range tmp {
			buf[i*ch+l] = clip(x)
		}
	}
}

func addPCM(out []float64, pcm []int16, from int64) {
	if from >= int64(len(pcm)) {
		return
	}
	pcm = pcm[from:]
	for i := range out {
		if i >= len(pcm) {
			return
		}
		out[i] += float64(pcm[i])
	}
}

// deliver sends every event before sample end (absolute).
func (b *Bank) deliver(end int64) {
	for {
		if b.evNext == len(b.events) {
			b.evPass++
			b.evNext = 0
			if !b.opt.Loop || len(b.events) == 0 {
				b.evNext = len(b.events)
				b.evPass--
				return
			}
		}
		e := b.events[b.evNext]
		abs := b.evPass*b.length + e.at
		if abs >= end {
			return
		}
		b.send(hw.LineEvent{Line: e.line, Kind: e.kind, Time: b.opt.Origin + samplesToDuration(abs)})
		b.evNext++
	}
}

func (b *Bank) send(e hw.LineEvent) {
	if len(b.overflow) == 0 {
		select {
		case b.ch <- e:
			return
		default:
		}
	}
	if len(b.overflow) < maxOverflow {
		b.overflow = append(b.overflow, e)
	} else {
		b.dropped++
	}
}

// flushOverflow moves held events into the channel as far as it has room.
func (b *Bank) flushOverflow() {
	k := 0
	for k < len(b.overflow) {
		select {
		case b.ch <- b.overflow[k]:
			k++
			continue
		default:
		}
		break
	}
	if k > 0 {
		b.overflow = append(b.overflow[:0], b.overflow[k:]...)
	}
}

// Close stops the bank: a Read that is pacing returns ErrClosed, later
// Reads return ErrClosed, and the Events channel is closed.
func (b *Bank) Close() error {
	b.closeOnce.Do(func() {
		close(b.done)
		b.mu.Lock()
		defer b.mu.Unlock()
		close(b.ch)
	})
	return nil
}

func (b *Bank) closed() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// clickPCM is the transient a hook switch or a polarity reversal puts on
// the line: a step through the tap's coupling, ringing down in a few ms.
var clickPCM = func() [64]int16 {
	var c [64]int16
	for i := range c {
		t := float64(i) / fs
		c[i] = int16(3000 * math.Exp(-t/0.0015) * math.Cos(2*math.Pi*1100*t))
	}
	return c
}()
