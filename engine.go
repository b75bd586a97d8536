package linetap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/hw"
)

// BlockFrames is the number of frames the engine reads at once (20 ms).
const BlockFrames = 160

// Options are the engine's collaborators.
type Options struct {
	Config Config
	Source hw.AudioSource
	// Sensor may be nil when no line has a hook trigger.
	Sensor hw.LineSensor
	Store  Store
	// Now gives the wall-clock time that anchors sample positions (nil =
	// time.Now). Tests inject a fixed clock.
	Now func() time.Time
	// ClockValid reports whether Now can be trusted yet (nil = always).
	// Until it does, calls are stamped from a provisional anchor; when it
	// turns true the anchor is re-taken, the calls in progress are
	// re-stamped and flagged ClockFixed, and the shift is logged.
	ClockValid func() bool
	Logger     *slog.Logger
	// OnCallEnd, when set, is called once per call with its final record
	// (State complete, End set) after the store has committed it. It runs
	// on the engine's writer goroutine: the callee must not block (queue
	// the work, as web/webhook's Notifier.CallEnded does), or commits, and
	// then recording, wait for it. A call whose final batch the store never
	// accepts is not reported.
	OnCallEnd func(Call)
	// OnSettings, when set, is called after SetLine changed a line, with
	// every line's settings, so that the daemon can keep them. It runs on
	// SetLine's goroutine.
	OnSettings func([]LineSettings)
	// Rejected tells a commit error that will never go away (the batch
	// breaks the store's rules) from one that may (a full disk): the
	// engine drops such a batch, with an alarm, instead of retrying it
	// forever. nil = errors.Is(err, ErrRejected).
	Rejected func(error) bool
	// MaxBacklog caps the encoded audio kept in memory while commits fail
	// (0 = DefaultMaxBacklog); beyond it the oldest is dropped.
	MaxBacklog int64
	// Voltmeter reads the lines' tip–ring voltage for Diagnostics and the
	// line-dead alarm (nil = the Sensor, if it is an hw.Voltmeter).
	Voltmeter hw.Voltmeter
}

// Engine records calls from an audio source and a line sensor.
type Engine struct {
	cfg    Config
	src    hw.AudioSource
	sensor hw.LineSensor
	store  Store
	now    func() time.Time
	log    *slog.Logger
	rate   int

	onCallEnd  func(Call)
	onSettings func([]LineSettings)
	isRejected func(error) bool
	maxBacklog int64
	committed  map[uint64]Call // the stored record of each unfinished call
	hasSensor  bool

	alarms alarmSet
	watch  alarmWatch

	setMu sync.Mutex
	want  []LineConfig // the lines' settings as last set (setMu)
	volts hw.Voltmeter

	lines []*line
	buf   []int16 // interleaved block

	// Time anchor: wall(pos) = wall0 + (pos−pos0)/rate, set at the first block.
	wall0      time.Time
	anchor     bool
	clockValid func() bool
	clockOK    bool          // wall0 came from a valid clock
	pos        int64         // position of the next block's first frame
	blockAt    time.Duration // capture time of the current block
	blockAtPos int64

	pending []placedEvent // sensor events not yet applied, by position
	gaps    []placedGap   // recent gaps of lost audio, for pre-rolls
	gapEnd  int64         // the end of the latest gap: a gap from there continues its outage
	placed  []placedEvent // scratch: this block's events, by position

	// Commit pipeline: the engine fills cur while the writer commits
	// flight; a batch that failed comes back and is carried into the next.
	cur        *batch
	free       *batch
	flight     *batch
	nextCommit int64
	writes     chan *batch
	written    chan *batch

	live     liveHub
	lastLive int64

	statsMu sync.Mutex
	stats   Stats
}

// Stats are counters for the system page and benchmarks.
type Stats struct {
	Frames     int64 // frames processed
	Calls      int64 // calls started
	Commits    int64 // batches committed
	CommitErrs int64 // commits that failed (their audio is kept and retried)
	Backlog    int64 // bytes of audio waiting after a commit that failed
	LateEvents int64 // sensor events older than the pre-roll buffer
	// Dropped is bytes of encoded audio dropped: batches the store
	// refused for good, and the oldest backlog beyond MaxBacklog.
	Dropped int64
	// ListenDrops counts blocks live listeners missed by falling behind.
	ListenDrops int64
}

type placedEvent struct {
	pos  int64
	line int
	kind eventKind
	// payload
	sensor hw.EventKind
	digit  byte
	end    int64 // digits: the first sample after the key press
	cid    CallerID
	cidErr error
}

func byPos(a, b placedEvent) int { return cmp.Compare(a.pos, b.pos) }

type eventKind uint8

const (
	evSensor eventKind = iota
	evDigit
	evCallerID
	evBusy
	evVoiceOn
	evVoiceOff
)

// New checks the configuration against the source and builds an engine.
func New(opt Options) (*Engine, error) {
	if err := opt.Config.Validate(); err != nil {
		return nil, err
	}
	if opt.Source == nil || opt.Store == nil {
		return nil, errors.New("linetap: New needs a Source and a Store")
	}
	f := opt.Source.Format()
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if f.Rate != dsp.Rate {
		return nil, fmt.Errorf("%w: source runs at %d Hz; the engine needs %d Hz", ErrFormat, f.Rate, dsp.Rate)
	}
	e := &Engine{
		cfg:        opt.Config,
		src:        opt.Source,
		sensor:     opt.Sensor,
		store:      opt.Store,
		now:        opt.Now,
		clockValid: opt.ClockValid,
		log:        opt.Logger,
		rate:       f.Rate,
		onCallEnd:  opt.OnCallEnd,
		onSettings: opt.OnSettings,
		isRejected: opt.Rejected,
		maxBacklog: cmp.Or(opt.MaxBacklog, DefaultMaxBacklog),
		committed:  map[uint64]Call{},
		hasSensor:  opt.Sensor != nil,
		want:       append([]LineConfig(nil), opt.Config.Lines...),
		volts:      opt.Voltmeter,
		buf:        make([]int16, BlockFrames*f.Channels),
		cur:        newBatch(len(opt.Config.Lines)),
		free:       newBatch(len(opt.Config.Lines)),
		writes:     make(chan *batch),
		written:    make(chan *batch, 1),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if vm, ok := opt.Sensor.(hw.Voltmeter); ok && e.volts == nil {
		e.volts = vm
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	for i, lc := range opt.Config.Lines {
		if lc.Channel >= f.Channels {
			return nil, &ConfigError{Field: fmt.Sprintf("lines[%d].channel", i),
				Msg: fmt.Sprintf("channel %d, but the audio source has %d channels (0..%d)", lc.Channel, f.Channels, f.Channels-1)}
		}
		if lc.Trigger == TriggerHook && opt.Sensor == nil && !lc.Disabled {
			return nil, &ConfigError{Field: fmt.Sprintf("lines[%d].trigger", i),
				Msg: "hook trigger, but no line sensor is configured (use vox or always)"}
		}
		l, err := newLine(e, i, lc)
		if err != nil {
			return nil, err
		}
		e.lines = append(e.lines, l)
	}
	e.nextCommit = e.samples(time.Duration(e.cfg.CommitInterval))
	e.watch.lostUntil, e.watch.droppedAt = -1, -1
	e.watch.gaps = make([]int64, 0, 64)
	e.live.init(e.snapshotLocked, opt.Config.Lines)
	e.live.cur = make([]LineStatus, len(e.lines))
	e.live.diag = make([]diagState, len(e.lines))
	e.live.publish()
	return e, nil
}

// batch is a Batch with the storage its chunks' data lives in, and the
// result of committing it.
type batch struct {
	Batch
	data []byte
	err  error
}

func newBatch(lines int) *batch {
	return &batch{Batch: Batch{Chunks: make([]Chunk, 0, 2*lines), Calls: make([]Call, 0, 2*lines)}}
}

func (b *batch) reset() {
	b.Batch.Reset()
	b.data = b.data[:0]
	b.err = nil
}

func (b *batch) empty() bool { return len(b.Chunks) == 0 && len(b.Calls) == 0 }

// carry appends the content of a newer batch to b, whose commit failed,
// so that both go to the store together, in order. A record in next
// replaces b's record of the same call: only the newest describes all
// the chunks.
func (b *batch) carry(next *batch) {
	for _, c := range next.Chunks {
		start := len(b.data)
		b.data = append(b.data, c.Data...)
		c.Data = b.data[start:len(b.data):len(b.data)]
		b.Chunks = append(b.Chunks, c)
	}
	// Chunks appended before a reallocation still point at the old array,
	// which holds the same bytes: nothing to fix up.
	for _, r := range next.Calls {
		i := slices.IndexFunc(b.Calls, func(o Call) bool { return o.ID == r.ID })
		if i >= 0 {
			b.Calls[i] = r
		} else {
			b.Calls = append(b.Calls, r)
		}
	}
}

// samples converts a duration to a sample count at the engine's rate.
func (e *Engine) samples(d time.Duration) int64 {
	return int64(d) * int64(e.rate) / int64(time.Second)
}

// fixClock re-anchors the wall clock once it is valid and re-stamps the
// calls in progress.
func (e *Engine) fixClock() {
	e.clockOK = true
	wall0 := e.now().Add(-posDuration(e.pos, e.rate))
	shift := wall0.Sub(e.wall0)
	e.wall0 = wall0
	var fixed []uint64
	for _, l := range e.lines {
		c := l.cur
		if c == nil {
			continue
		}
		for _, t := range []*time.Time{&c.rec.Start, &c.rec.AudioStart, &c.rec.Answer, &c.rec.End} {
			if !t.IsZero() {
				*t = t.Add(shift)
			}
		}
		c.rec.ClockFixed = true
		fixed = append(fixed, c.rec.ID)
	}
	e.log.Warn("wall clock set: call times re-stamped; calls that ended before keep provisional times",
		"shift", shift, "fixed", fixed)
}

// posDuration is the time of pos samples at rate, exact to the nanosecond
// and free of overflow for centuries (pos·1e9 alone overflows int64 after
// 13 days at 8 kHz).
func posDuration(pos int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(pos/r)*time.Second + time.Duration(pos%r)*time.Second/time.Duration(r)
}

// wallAt returns the wall-clock time of sample position pos.
func (e *Engine) wallAt(pos int64) time.Time {
	return e.wall0.Add(posDuration(pos, e.rate))
}

// Stats returns a copy of the engine's counters.
func (e *Engine) Stats() Stats {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	return e.stats
}

// Run records until ctx is cancelled or a finite source ends. Before it
// returns it finishes every call in progress (EndShutdown) and commits it,
// so nothing read from the source is lost. It closes the source and sensor.
func (e *Engine) Run(ctx context.Context) (err error) {
	var wg sync.WaitGroup
	defer wg.Wait()

	// The writer commits batches so that a slow disk never stalls capture
	// for longer than one batch.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range e.writes {
			b.err = e.store.Commit(&b.Batch)
			e.statsMu.Lock()
			if b.err != nil {
				e.stats.CommitErrs++
				e.stats.Backlog = int64(len(b.data))
			} else {
				e.stats.Commits++
				e.stats.Backlog = 0
			}
			e.statsMu.Unlock()
			if b.err != nil {
				e.log.Error("commit failed; the audio is kept in memory and retried",
					"err", b.err, "chunks", len(b.Chunks), "bytes", len(b.data))
			} else {
				e.callsEnded(&b.Batch)
			}
			e.written <- b
		}
	}()

	// Cancelling ctx closes the source, which unblocks Read.
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-stop:
		}
		if cerr := e.src.Close(); cerr != nil && !errors.Is(cerr, hw.ErrClosed) {
			e.log.Warn("closing audio source", "err", cerr)
		}
	}()

	defer func() {
		close(stop)
		e.shutdown()
		close(e.writes)
		if e.sensor != nil {
			if cerr := e.sensor.Close(); cerr != nil {
				e.log.Warn("closing line sensor", "err", cerr)
			}
		}
		e.live.close()
		for _, l := range e.lines {
			l.listen.stop()
		}
	}()

	ch := e.src.Format().Channels
	for {
		n, at, rerr := e.src.Read(e.buf)
		if n > 0 {
			e.block(e.buf[:n*ch], n, at)
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, hw.ErrClosed) {
				return nil
			}
			e.raise(AlarmSoundCard, -1, e.now(), fmt.Sprintf("reading the sound card failed: %v", rerr))
			return fmt.Errorf("linetap: reading audio: %w", rerr)
		}
	}
}

// block processes one block of n interleaved frames captured at time at.
func (e *Engine) block(buf []int16, n int, at time.Duration) {
	if !e.anchor {
		e.anchor = true
		e.wall0 = e.now()
		e.clockOK = e.clockValid == nil || e.clockValid()
		if !e.clockOK {
			e.log.Warn("wall clock not set yet (no NTP sync, no RTC): call times are provisional until it is")
		}
	} else if !e.clockOK && e.clockValid() {
		e.fixClock()
	}
	e.blockAt, e.blockAtPos = at, e.pos
	start, end := e.pos, e.pos+int64(n)

	// 1. Place the sensor events delivered so far, and mark the calls
	// that span audio the source lost.
	e.drainSensor()
	if gr, ok := e.src.(hw.GapReporter); ok {
		for _, g := range gr.Gaps() {
			e.markGap(g)
		}
	}

	// 2. Per line: audio into the pre-roll ring, detectors, events.
	ch := e.src.Format().Channels
	e.placed = e.placed[:0]
	for _, l := range e.lines {
		if l.pending.Load() && l.cur == nil && len(l.calls) == 0 {
			l.applySettings()
		}
		if l.cfg.Disabled {
			continue
		}
		l.take(buf, ch, n, start)
		e.placed = l.detect(start, e.placed)
	}
	// 3. Sensor events that fall before the end of this block.
	k := 0
	for k < len(e.pending) && e.pending[k].pos < end {
		k++
	}
	e.placed = append(e.placed, e.pending[:k]...)
	e.pending = append(e.pending[:0], e.pending[k:]...)
	slices.SortStableFunc(e.placed, byPos)

	// 4. The state machines, in sample order.
	changed := false
	for i := range e.placed {
		ev := &e.placed[i]
		if e.lines[ev.line].apply(ev) {
			changed = true
		}
	}
	for _, l := range e.lines {
		if l.cfg.Disabled {
			continue
		}
		if l.tick(end) {
			changed = true
		}
		l.record(end)
		if l.listen.n.Load() != 0 {
			l.feedListeners(end)
		}
	}
	e.pos = end
	e.checkAlarms(end)
	e.statsMu.Lock()
	e.stats.Frames += int64(n)
	e.statsMu.Unlock()

	// 5. Commit at least every CommitInterval of audio.
	if end >= e.nextCommit {
		e.commit(false)
		e.nextCommit = end + e.samples(time.Duration(e.cfg.CommitInterval))
	}
	if changed || end-e.lastLive >= int64(e.rate)/5 {
		e.lastLive = end
		e.live.publish()
	}
}

// markGap records a gap of lost audio in every call whose audio spans it,
// on the lines whose channel the gap concerns (hw.Gap.Channels: one
// card's, from hw/multicard; nil: every line).
func (e *Engine) markGap(g hw.Gap) {
	pos := e.blockAtPos + e.samples(g.At-e.blockAt)
	n := e.samples(g.Length)
	if pos > 0 && pos == e.gapEnd { // the same outage, reported block by block
		e.log.Debug("audio lost at capture; filled with silence", "cause", g.Cause, "length", g.Length, "channels", g.Channels)
	} else {
		e.log.Warn("audio lost at capture; filled with silence", "cause", g.Cause, "length", g.Length, "channels", g.Channels)
	}
	e.gapEnd = pos + n
	gap := placedGap{pos: pos, samples: n, cause: g.Cause, chans: g.Channels}
	e.noteGap(gap)
	for _, l := range e.lines {
		if !gap.covers(l.cfg.Channel) {
			continue
		}
		for _, c := range l.calls {
			c.addGap(gap)
		}
	}
	// Kept for calls that start later with this gap in their pre-roll.
	keep := e.pos - int64(len(e.lines[0].ring))
	e.gaps = slices.DeleteFunc(e.gaps, func(g placedGap) bool { return g.pos+g.samples < keep })
	e.gaps = append(e.gaps, gap)
}

type placedGap struct {
	pos, samples int64
	cause        string
	chans        []int // the channels that lost the audio (nil: all)
}

// covers reports whether the gap concerns the line on channel ch.
func (g placedGap) covers(ch int) bool {
	return hw.Gap{Channels: g.chans}.Covers(ch)
}

// addGap records g in the call if the call's audio spans it.
func (c *activeCall) addGap(g placedGap) {
	if g.pos+g.samples > c.from && (c.to < 0 || g.pos < c.to) {
		off := max(g.pos-c.from, 0)
		n := g.pos + g.samples - c.from - off
		// A source that reports a long outage block by block gives one gap
		// per block: they are one stretch of lost audio.
		if k := len(c.rec.Gaps) - 1; k >= 0 && c.rec.Gaps[k].Cause == g.cause && c.rec.Gaps[k].Offset+c.rec.Gaps[k].Samples == off {
			c.rec.Gaps[k].Samples += n
		} else {
			c.rec.Gaps = append(c.rec.Gaps, AudioGap{Offset: off, Samples: n, Cause: g.cause})
		}
		c.clipGaps()
		c.dirty = true
	}
}

// clipGaps trims the gaps to the call's audio once its end is known: a gap
// reported before the end may run past it.
func (c *activeCall) clipGaps() {
	if c.to < 0 {
		return
	}
	n := c.to - c.from
	c.rec.Gaps = slices.DeleteFunc(c.rec.Gaps, func(g AudioGap) bool { return g.Offset >= n })
	for i := range c.rec.Gaps {
		c.rec.Gaps[i].Samples = min(c.rec.Gaps[i].Samples, n-c.rec.Gaps[i].Offset)
	}
}

// drainSensor moves delivered sensor events into pending, placed on
// sample positions.
func (e *Engine) drainSensor() {
	if e.sensor == nil {
		return
	}
	evs := e.sensor.Events()
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				e.sensor = nil
				return
			}
			if ev.Line < 0 || ev.Line >= len(e.lines) {
				e.log.Warn("line event for an unconfigured line", "line", ev.Line, "kind", ev.Kind)
				continue
			}
			pos := e.blockAtPos + e.samples(ev.Time-e.blockAt)
			// The oldest trigger whose pre-roll is still in the ring once
			// the coming block is in it.
			if oldest := e.pos + BlockFrames - int64(len(e.lines[ev.Line].ring)) + e.samples(time.Duration(e.cfg.PreRoll)); pos < oldest {
				e.statsMu.Lock()
				e.stats.LateEvents++
				e.statsMu.Unlock()
				e.log.Warn("line event arrived too late; placed at the oldest buffered sample",
					"line", ev.Line, "kind", ev.Kind, "late", time.Duration(e.pos-pos)*time.Second/time.Duration(e.rate))
				pos = oldest
			}
			pe := placedEvent{pos: pos, line: ev.Line, kind: evSensor, sensor: ev.Kind, digit: ev.Digit}
			i := sort.Search(len(e.pending), func(i int) bool { return e.pending[i].pos > pos })
			e.pending = append(e.pending, placedEvent{})
			copy(e.pending[i+1:], e.pending[i:])
			e.pending[i] = pe
		default:
			return
		}
	}
}

// commit hands the current batch to the writer, after taking back the
// one in flight. With wait, it also waits for the store to have it, and
// retries a failed batch a few times (the recorder is stopping).
func (e *Engine) commit(wait bool) {
	for _, l := range e.lines {
		l.flush(e.cur)
	}
	tries := 1
	if wait {
		tries = 5
	}
	for try := 0; ; try++ {
		if e.flight != nil {
			done := <-e.written
			e.flight = nil
			switch {
			case done.err == nil:
				e.noteCommitted(done)
			case e.rejected(done.err):
				e.drop(done, false, fmt.Sprintf("the store refused the batch: %v", done.err))
			case int64(len(done.data)+len(e.cur.data)) > e.maxBacklog:
				e.drop(done, true, fmt.Sprintf("commits have failed until %d bytes of audio waited (the cap is %d): the oldest go (last error: %v)",
					len(done.data)+len(e.cur.data), e.maxBacklog, done.err))
			default:
				// Nothing of it is stored: send it again with what came after.
				done.carry(e.cur)
				e.cur.reset()
				e.cur, done = done, e.cur
			}
			e.free = done
			e.free.reset()
		}
		if !e.cur.empty() {
			e.writes <- e.cur
			e.flight, e.cur, e.free = e.cur, e.free, nil
		}
		if !wait || e.flight == nil || try+1 >= tries {
			break
		}
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
	}
	if wait && e.flight != nil {
		done := <-e.written
		e.flight = nil
		if done.err == nil {
			e.noteCommitted(done)
		} else {
			e.log.Error("audio lost: the store refused the last batch at shutdown",
				"err", done.err, "chunks", len(done.Chunks), "calls", len(done.Calls))
		}
		e.free = done
	}
}

// callsEnded passes the final records of a committed batch to the
// call-end hook. A call's final record is flushed once (the call is then
// forgotten), so each call reaches the hook once.
func (e *Engine) callsEnded(b *Batch) {
	if e.onCallEnd == nil {
		return
	}
	for i := range b.Calls {
		if c := b.Calls[i]; c.State != StateRecording && !c.End.IsZero() {
			e.onCallEnd(c)
		}
	}
}

// shutdown ends every call at the current position and commits.
func (e *Engine) shutdown() {
	for _, l := range e.lines {
		l.shutdown(e.pos)
	}
	e.commit(true)
}
