package multicard

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/internal/frames"
	"github.com/linetap/linetap/hw/internal/monoclock"
)

// Errors returned by this package.
var (
	// ErrOptions is wrapped by every refused option or card.
	ErrOptions = errors.New("multicard: bad options")
)

var (
	_ hw.AudioSource = (*Source)(nil)
	_ hw.GapReporter = (*Source)(nil)
)

// Defaults of Options.
const (
	// DefaultBlock is the frames a card is read in (20 ms at 8 kHz).
	DefaultBlock = 160
	// DefaultStall is how long a card may deliver nothing before its
	// channels get silence: hw/portaudio's StallTimeout, after which a
	// silent card is lost anyway.
	DefaultStall = 2 * time.Second
	// DefaultBuffer is each card's ring buffer: it rides out a card
	// stalled for DefaultStall while the others go on.
	DefaultBuffer = 4 * time.Second
	// DefaultTolerance is how far a card may stray from card 0 before it
	// is brought back, one frame per block.
	DefaultTolerance = 2 * time.Millisecond
	// DefaultJump is the misalignment taken up at once rather than frame
	// by frame.
	DefaultJump = 5 * time.Millisecond
	// DefaultSlipEvery is the least audio between two frames dropped or
	// repeated: 100 ms (10 frames a second, 1250 ppm) keeps each slip
	// alone in a modem burst (a 1200-baud UART resynchronises on every
	// start bit; a slip moves its sampling by 0.15 bit).
	DefaultSlipEvery = 100 * time.Millisecond
	// DefaultHold is how long a card back from an outage stays silent
	// (the outage's gap goes on) while its new stream's offset is
	// measured: half a second, after which the skew envelope starts
	// afresh, and 2 s of reads, so that the estimate holds only reads
	// from after the reopened stream's first half second (in the HIL the
	// loopback's timing changed when its player came back, 0.1 s after
	// the card, and a 500 ms hold let a 5.5 ms step through 1.7 s later).
	DefaultHold = 2500 * time.Millisecond
)

// GapCause is the cause of the silence put in for a card that delivered
// nothing for Options.Stall (hw/portaudio's cause for a card lost).
const GapCause = "device lost"

// jumpCause is the cause of silence put in for a card whose capture time
// jumped ahead of card 0's by more than Options.Jump.
const jumpCause = "clock drift"

// settleTime is how long after the start every correction is taken at
// once (the first estimates are few).
const settleTime = 2 * time.Second

// envelope window: the upper envelope of timestamp − arrival is the
// largest value in the last envBuckets·envBucket of arrivals.
const (
	envBuckets = 8
	envBucket  = time.Second
)

// Monotonic reads CLOCK_MONOTONIC, the clock of hw/portaudio's timestamps:
// the Options.Clock for sound cards.
func Monotonic() time.Duration { return monoclock.Now() }

// Options configure a Source.
type Options struct {
	// Block is the frames each card is read in (0 = DefaultBlock).
	Block int
	// Buffer is each card's ring buffer (0 = DefaultBuffer); it must hold
	// Stall and a few blocks.
	Buffer time.Duration
	// Stall is how long Read waits for a card (1..) that delivers nothing
	// before its channels get silence (0 = DefaultStall).
	Stall time.Duration
	// Tolerance is how far a card may stray from card 0 before a frame is
	// dropped or repeated (0 = DefaultTolerance).
	Tolerance time.Duration
	// Jump is the misalignment corrected at once (0 = DefaultJump).
	Jump time.Duration
	// SlipEvery is the least audio between two frames dropped or repeated
	// (0 = DefaultSlipEvery).
	SlipEvery time.Duration
	// Hold is how long a card that comes back after an outage stays
	// silent while its offset is measured again (0 = DefaultHold).
	Hold time.Duration
	// Clock, when set, is the monotonic clock of the cards' timestamps
	// (Monotonic for sound cards): each card's drift is measured against
	// it from when its blocks arrive. nil trusts the timestamps (files,
	// the simulator).
	Clock func() time.Duration
	// Logger receives stall and realignment messages (nil = discard).
	Logger *slog.Logger
}

// CardStats are one card's counters.
type CardStats struct {
	// Frames counts the frames read from the card.
	Frames int64
	// Dropped counts the card's frames skipped to stay aligned (a card
	// ahead of card 0, or frames delivered late for time already
	// recorded).
	Dropped int64
	// Inserted counts the frames put in to stay aligned: repeated frames
	// and silence (a card behind card 0, a late start, a stall).
	Inserted int64
	// Skew is the card's clock error measured against Options.Clock: how
	// far its timestamps run ahead of the clock (0 without a clock).
	Skew time.Duration
	// SkewKnown says Skew is measured: false without Options.Clock, before
	// the card's first block, and while its skew is measured afresh after
	// an outage.
	SkewKnown bool
	// Stalled says the card delivered nothing for Options.Stall and its
	// channels are silent.
	Stalled bool
}

// Source is the combined hw.AudioSource.
type Source struct {
	opt       Options
	log       *slog.Logger
	cards     []*card
	ch        int
	rate      int
	tol       int64 // frames
	jump      int64 // frames
	slipEvery int64 // frames
	settle    int64 // frames
	hold      int64 // frames
	notify    chan struct{}
	closed    chan struct{}
	once      sync.Once
	wg        sync.WaitGroup
	timer     *time.Timer

	readMu sync.Mutex // one Read at a time
	mu     sync.Mutex // the cards' rings and state
	out    int64      // output frames delivered
	// measured says card 0's block being output went into its skew.
	measured bool
	// mResyncAt is card 0's first frame after its latest gap (−1: none).
	mResyncAt int64

	gmu  sync.Mutex
	gaps []outGap
}

// card is one source and its ring buffer.
type card struct {
	idx   int
	src   hw.AudioSource
	gr    hw.GapReporter
	ch    int
	first int
	chans []int // combined channel numbers, shared by its gaps

	// owned by the reader goroutine
	scratch []int16

	// guarded by Source.mu
	ring      []int16
	capF      int64
	w, r      int64 // frames written, consumed (card frame indices)
	stamps    []stamp
	env       envelope
	last      []int16 // the last frame output, for repeats
	lastReal  time.Time
	started   bool // a frame of it was output
	stalled   bool
	fixing    int   // bringing it back within tolerance, frame by frame: +1 dropping, −1 repeating
	slipAt    int64 // output position of the last frame dropped or repeated
	resyncAt  int64 // after a gap: hold from this frame on (−1: no)
	holdUntil int64 // back from an outage: silent until this output position (−1: no)
	holdFresh int64 // output position at which its envelope starts afresh (−1: done)
	mresync   bool  // card 0 had a gap: absorb its new offset after it (Source.mResyncAt)
	adj       int64 // frames: card 0's offsets after its outages, absorbed
	done      bool
	err       error
	pending   []cardGap
	space     chan struct{}
	stats     CardStats
}

// stamp is the capture time of a block's first frame, and the card's
// measured skew when it arrived.
type stamp struct {
	idx  int64
	at   time.Duration
	skew time.Duration
	// measured says the block's arrival went into the skew (it carried
	// no gap).
	measured bool
}

// cardGap is a gap a card reported, in its own frames.
type cardGap struct {
	k, n  int64
	cause string
}

// outGap is a gap on the combined timeline.
type outGap struct {
	pos, n int64
	at     time.Duration
	cause  string
	card   int
}

// New combines cards; card i's channels follow card i−1's. It takes
// ownership of the cards: Close closes them, and so does a failed New.
func New(cards []hw.AudioSource, opt Options) (*Source, error) {
	s, err := newSource(cards, opt)
	if err != nil {
		var errs []error
		for _, c := range cards {
			if c != nil {
				errs = append(errs, c.Close())
			}
		}
		return nil, errors.Join(append([]error{err}, errs...)...)
	}
	for _, c := range s.cards {
		s.wg.Add(1)
		go s.reader(c)
	}
	return s, nil
}

func newSource(cards []hw.AudioSource, opt Options) (*Source, error) {
	opt.Block = cmp.Or(opt.Block, DefaultBlock)
	opt.Buffer = cmp.Or(opt.Buffer, DefaultBuffer)
	opt.Stall = cmp.Or(opt.Stall, DefaultStall)
	opt.Tolerance = cmp.Or(opt.Tolerance, DefaultTolerance)
	opt.Jump = cmp.Or(opt.Jump, DefaultJump)
	opt.SlipEvery = cmp.Or(opt.SlipEvery, DefaultSlipEvery)
	opt.Hold = cmp.Or(opt.Hold, DefaultHold)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case len(cards) == 0:
		return nil, fmt.Errorf("%w: no cards", ErrOptions)
	case opt.Block < 1 || opt.Block > 8192:
		return nil, fmt.Errorf("%w: block of %d frames out of range 1..8192", ErrOptions, opt.Block)
	case opt.Stall < 0:
		return nil, fmt.Errorf("%w: stall %v negative", ErrOptions, opt.Stall)
	case opt.Tolerance < 0 || opt.Jump < opt.Tolerance:
		return nil, fmt.Errorf("%w: tolerance %v and jump %v: want 0 ≤ tolerance ≤ jump", ErrOptions, opt.Tolerance, opt.Jump)
	}
	s := &Source{opt: opt, log: opt.Logger, notify: make(chan struct{}, 1), closed: make(chan struct{})}
	for i, src := range cards {
		if src == nil {
			return nil, fmt.Errorf("%w: card %d is nil", ErrOptions, i)
		}
		f := src.Format()
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("%w: card %d: %w", ErrOptions, i, err)
		}
		if i == 0 {
			s.rate = f.Rate
		} else if f.Rate != s.rate {
			return nil, fmt.Errorf("%w: card %d runs at %d Hz and card 0 at %d Hz (resample every card to one rate)", ErrOptions, i, f.Rate, s.rate)
		}
		c := &card{idx: i, src: src, ch: f.Channels, first: s.ch, space: make(chan struct{}, 1)}
		c.gr, _ = src.(hw.GapReporter)
		for k := range f.Channels {
			c.chans = append(c.chans, s.ch+k)
		}
		s.ch += f.Channels
		s.cards = append(s.cards, c)
	}
	if s.ch > 64 {
		return nil, fmt.Errorf("%w: %d channels in all; at most 64", ErrOptions, s.ch)
	}
	capF := s.frames(opt.Buffer)
	if capF < 4*int64(opt.Block) || capF < s.frames(opt.Stall)+2*int64(opt.Block) {
		return nil, fmt.Errorf("%w: buffer %v too small for the stall %v and 4 blocks of %d frames", ErrOptions, opt.Buffer, opt.Stall, opt.Block)
	}
	now := time.Now()
	for _, c := range s.cards {
		c.capF = capF
		c.ring = make([]int16, capF*int64(c.ch))
		c.scratch = make([]int16, opt.Block*c.ch)
		c.last = make([]int16, c.ch)
		c.stamps = make([]stamp, 0, capF/int64(opt.Block)+4)
		c.pending = make([]cardGap, 0, 8)
		c.slipAt = -1 << 62
		c.resyncAt, c.holdUntil, c.holdFresh = -1, -1, -1
		c.lastReal = now
	}
	s.tol = s.frames(opt.Tolerance)
	s.jump = max(s.frames(opt.Jump), s.tol+1)
	s.slipEvery = s.frames(opt.SlipEvery)
	s.settle = s.frames(settleTime)
	s.hold = s.frames(opt.Hold)
	s.mResyncAt = -1
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	return s, nil
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// frames converts a duration to frames at the cards' rate, rounded to
// the nearest, without overflow for centuries.
func (s *Source) frames(d time.Duration) int64 {
	if d < 0 {
		return -s.frames(-d)
	}
	r := int64(s.rate)
	sec, rem := int64(d/time.Second), int64(d%time.Second)
	return sec*r + (rem*r+int64(time.Second)/2)/int64(time.Second)
}

// dur converts frames to time.
func (s *Source) dur(n int64) time.Duration { return frames.Duration(n, s.rate) }

// Format reports the combined channels at the cards' rate.
func (s *Source) Format() hw.Format { return hw.Format{Channels: s.ch, Rate: s.rate} }

// First returns the combined channel of card i's channel 0 (−1 for a card
// that does not exist).
func (s *Source) First(i int) int {
	if i < 0 || i >= len(s.cards) {
		return -1
	}
	return s.cards[i].first
}

// Stats returns each card's counters.
func (s *Source) Stats() []CardStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CardStats, len(s.cards))
	for i, c := range s.cards {
		out[i] = c.stats
		out[i].Stalled = c.stalled
		if v, ok := c.env.value(); ok {
			out[i].Skew, out[i].SkewKnown = v, true
		}
	}
	return out
}

// reader reads card c into its ring until the card ends or Close.
func (s *Source) reader(c *card) {
	defer s.wg.Done()
	for {
		n, at, err := c.src.Read(c.scratch)
		var arrival time.Duration
		if s.opt.Clock != nil {
			arrival = s.opt.Clock()
		}
		var gaps []hw.Gap
		if c.gr != nil {
			gaps = c.gr.Gaps()
		}
		if err != nil && n == 0 && errors.Is(err, hw.ErrClosed) {
			select {
			case <-s.closed:
				return
			default:
			}
		}
		s.mu.Lock()
		for c.capF-(c.w-c.r) < int64(n) {
			s.mu.Unlock()
			select {
			case <-c.space:
			case <-s.closed:
				return
			}
			s.mu.Lock()
		}
		if n > 0 {
			// A block with a gap is (partly) silence its source made up to
			// the clock: it says nothing of the card's crystal.
			s.store(c, c.scratch[:n*c.ch], n, at, arrival, len(gaps) == 0)
		}
		if slices.ContainsFunc(gaps, func(g hw.Gap) bool { return g.Cause == GapCause }) {
			// After an outage the card (a new stream) may sit a few ms
			// from where it was: from the end of the outage it is measured
			// again (align). An outage of card 0 moves every card's target.
			end := c.w
			for _, g := range gaps {
				if g.Cause == GapCause {
					end = max(end, c.w-int64(n)+s.frames(g.At+g.Length-at))
				}
			}
			if c.idx == 0 {
				s.mResyncAt = end
				for _, o := range s.cards {
					o.mresync = true
				}
			} else {
				c.resyncAt = end
			}
		}
		for _, g := range gaps {
			k := c.w - int64(n) + s.frames(g.At-at)
			if ln := s.frames(g.Length); ln > 0 {
				c.pending = append(c.pending, cardGap{k: k, n: ln, cause: g.Cause})
			}
		}
		if err != nil {
			c.done, c.err = true, err
		}
		s.mu.Unlock()
		s.signal()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, hw.ErrClosed) {
				s.log.Error("sound card read failed; its lines are silent from now on", "card", c.idx, "err", err)
			}
			return
		}
	}
}

// signal wakes a Read waiting for data.
func (s *Source) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// store appends n frames captured at at to c's ring, and with measure
// their arrival to its skew envelope (s.mu held).
func (s *Source) store(c *card, buf []int16, n int, at, arrival time.Duration, measure bool) {
	i := (c.w % c.capF) * int64(c.ch)
	k := copy(c.ring[i:], buf)
	copy(c.ring, buf[k:])
	if len(c.stamps) == cap(c.stamps) { // cannot happen with whole blocks; keep the newest
		c.stamps = append(c.stamps[:0], c.stamps[1:]...)
	}
	var skew time.Duration
	if s.opt.Clock != nil {
		if measure {
			c.env.add(arrival, at+s.dur(int64(n))-arrival)
		}
		skew, _ = c.env.value()
	}
	c.stamps = append(c.stamps, stamp{idx: c.w, at: at, skew: skew, measured: measure})
	c.w += int64(n)
	c.stats.Frames += int64(n)
	c.lastReal = time.Now()
}

// stampFor is the stamp of c's block that holds frame k, or its oldest
// (s.mu held; c has a stamp).
func (c *card) stampFor(k int64) stamp {
	for j := len(c.stamps) - 1; j >= 0; j-- {
		if c.stamps[j].idx <= k {
			return c.stamps[j]
		}
	}
	return c.stamps[0]
}

// timeOf is the capture time of c's frame k by its timestamps, and the
// card's skew then (s.mu held; c has a stamp).
func (s *Source) timeOf(c *card, k int64) (time.Duration, time.Duration) {
	st := c.stampFor(k)
	return st.at + s.dur(k-st.idx), st.skew
}

// frameAt is c's frame captured at time t on the clock, by its
// timestamps less its skew around c.r (s.mu held; c has a stamp).
func (s *Source) frameAt(c *card, t time.Duration) int64 {
	st := c.stampFor(c.r)
	return st.idx + s.frames(t+st.skew-st.at)
}

// prune forgets the stamps of blocks consumed, keeping the one that
// covers c.r.
func (c *card) prune() {
	k := 0
	for k+1 < len(c.stamps) && c.stamps[k+1].idx <= c.r {
		k++
	}
	if k > 0 {
		c.stamps = append(c.stamps[:0], c.stamps[k:]...)
	}
}

// Read fills buf with combined frames; see hw.AudioSource. It returns
// card 0's frames as they come (a short count when card 0 ends, then
// io.EOF) with card 0's capture time.
func (s *Source) Read(buf []int16) (int, time.Duration, error) {
	if len(buf)%s.ch != 0 {
		return 0, 0, fmt.Errorf("multicard: read buffer of %d samples is not a whole number of %d-channel frames", len(buf), s.ch)
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	want := int64(len(buf) / s.ch)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.cards[0]
	for m.w-m.r < want && !m.done {
		if !s.wait(time.Time{}) {
			return 0, 0, hw.ErrClosed
		}
	}
	select {
	case <-s.closed:
		return 0, 0, hw.ErrClosed
	default:
	}
	n := min(want, m.w-m.r)
	if n == 0 {
		if m.err != nil {
			return 0, 0, m.err
		}
		return 0, 0, io.EOF
	}
	p := s.out
	at, skew := s.timeOf(m, m.r)
	s.measured = m.stampFor(m.r).measured
	for _, c := range s.cards {
		if !s.fill(c, buf, n, p, at, at-skew) {
			return 0, 0, hw.ErrClosed
		}
	}
	s.out += n
	return int(n), at, nil
}

// wait releases s.mu until a card delivers, the deadline passes (zero:
// none) or Close; it reports false on Close.
func (s *Source) wait(deadline time.Time) bool {
	s.mu.Unlock()
	defer s.mu.Lock()
	if deadline.IsZero() {
		select {
		case <-s.notify:
			return true
		case <-s.closed:
			return false
		}
	}
	d := time.Until(deadline)
	if d <= 0 {
		return true
	}
	s.timer.Reset(d)
	defer s.timer.Stop()
	select {
	case <-s.notify:
		return true
	case <-s.timer.C:
		return true
	case <-s.closed:
		return false
	}
}

// fill writes card c's channels of the n output frames from position p
// (card 0 captured at at by its timestamps, at clock on the clock),
// aligning c to card 0; it reports false on Close (s.mu held).
func (s *Source) fill(c *card, buf []int16, n, p int64, at, clock time.Duration) bool {
	pos := int64(0)
	hold := false
	if c.idx > 0 {
		// Wait for the card's first block, or its stall.
		for len(c.stamps) == 0 && !c.done && time.Now().Before(c.lastReal.Add(s.opt.Stall)) {
			if !s.wait(c.lastReal.Add(s.opt.Stall)) {
				return false
			}
		}
		if len(c.stamps) > 0 {
			pos, hold = s.align(c, buf, n, p, at, clock)
		}
	}
	for pos < n {
		if avail := c.w - c.r; avail > 0 {
			k := min(avail, n-pos)
			if hold {
				s.silence(c, buf, pos, k)
				s.emitOwn(c, p+pos, k, GapCause, p, at)
				c.r += k
				s.dropGaps(c)
				pos += k
				continue
			}
			s.copyOut(c, buf, pos, k)
			s.emitRun(c, c.r, p+pos, k, p, at)
			c.r += k
			pos += k
			c.started = true
			if c.stalled {
				c.stalled = false
				s.log.Info("sound card delivers again", "card", c.idx)
			}
			continue
		}
		if c.done || c.stalled || c.idx == 0 {
			break
		}
		deadline := c.lastReal.Add(s.opt.Stall)
		if !time.Now().Before(deadline) {
			c.stalled = true
			s.log.Warn("sound card delivers nothing; its lines get silence", "card", c.idx, "for", s.opt.Stall)
			break
		}
		if !s.wait(deadline) {
			return false
		}
	}
	if pos < n {
		s.silence(c, buf, pos, n-pos)
		if c.idx > 0 {
			c.stats.Inserted += n - pos
		}
		if !errors.Is(c.err, io.EOF) {
			s.emitOwn(c, p+pos, n-pos, GapCause, p, at)
		}
	}
	c.prune()
	select {
	case c.space <- struct{}{}:
	default:
	}
	return true
}

// align brings card c to card 0's output position p (captured at at by
// card 0's timestamps, at clock on the clock) and returns how many of the
// block's frames it filled (silence or a repeat), and whether the card's
// frames of this block are to be held back (silence, "device lost").
func (s *Source) align(c *card, buf []int16, n, p int64, at, clock time.Duration) (int64, bool) {
	diff := s.frameAt(c, clock) - c.adj - c.r // > 0: c is ahead, its frames are older than needed
	// Card 0 back from an outage: its new stream's offset is measured for
	// Hold, meanwhile c is left as it is; then that offset is absorbed
	// (adj), so that c, which lost nothing, goes on without a step.
	if c.mresync && p >= s.mResyncAt {
		if p < s.mResyncAt+s.hold || !s.measured {
			c.fixing = 0
			return 0, false
		}
		c.adj += diff
		c.mresync = false
		s.log.Info("card 0 back: its new offset absorbed", "card", c.idx, "frames", diff)
		return 0, false
	}
	// While the estimates settle (the first settleTime of output) every
	// correction is taken at once: one step, not a run of slips.
	settling := p < s.settle
	// Back from an outage, a card is held silent (the outage goes on)
	// for Hold while its skew is measured anew, and aligned at once
	// meanwhile: the new stream's offset is taken up inside the gap.
	if c.resyncAt >= 0 && c.r+n > c.resyncAt {
		c.resyncAt, c.holdUntil, c.holdFresh = -1, p+s.hold, p+min(s.hold/5, s.frames(500*time.Millisecond))
	}
	if c.holdFresh >= 0 && p >= c.holdFresh {
		// The reopened stream's first reads, and the old stream's, out.
		c.holdFresh = -1
		c.env.restart()
	}
	holding := c.holdUntil >= 0 && p < c.holdUntil
	if c.holdUntil >= 0 && !holding {
		c.holdUntil = -1
	}
	if holding {
		settling = true
	}
	slip := p-c.slipAt >= s.slipEvery
	switch {
	case diff > 0 && (diff > s.jump || !c.started || c.stalled || settling && diff > s.tol):
		d := min(diff, c.w-c.r)
		if d > 0 {
			if c.started && !c.stalled {
				s.log.Info("sound card realigned: frames dropped", "card", c.idx, "frames", d)
			}
			c.r += d
			c.stats.Dropped += d
			s.dropGaps(c)
		}
		c.fixing = 0
	case diff < 0 && (-diff > s.jump || !c.started || settling && -diff > s.tol):
		d := min(-diff, n)
		s.silence(c, buf, 0, d)
		c.stats.Inserted += d
		if c.started {
			s.log.Info("sound card realigned: silence put in", "card", c.idx, "frames", d)
			switch {
			case holding:
				s.emitOwn(c, p, d, GapCause, p, at)
			case !settling:
				s.emitOwn(c, p, d, jumpCause, p, at)
			}
		}
		c.fixing = 0
		return d, holding
	case diff > 0 && (diff > s.tol || c.fixing > 0) && c.w > c.r:
		c.fixing = 1
		if slip {
			s.log.Debug("sound card ahead: a frame dropped", "card", c.idx, "frames", diff)
			c.r++
			c.stats.Dropped++
			c.slipAt = p
			if diff <= 1 {
				c.fixing = 0
			}
		}
	case diff < 0 && (-diff > s.tol || c.fixing < 0):
		c.fixing = -1
		if slip {
			s.log.Debug("sound card behind: a frame repeated", "card", c.idx, "frames", -diff)
			s.repeat(c, buf, 0)
			c.stats.Inserted++
			c.slipAt = p
			if diff >= -1 {
				c.fixing = 0
			}
			return 1, holding
		}
	default:
		c.fixing = 0
	}
	return 0, holding
}

// copyOut copies k frames of c from c.r into output frames pos.. of buf.
func (s *Source) copyOut(c *card, buf []int16, pos, k int64) {
	ch := int64(s.ch)
	for i := int64(0); i < k; i++ {
		src := ((c.r + i) % c.capF) * int64(c.ch)
		copy(buf[(pos+i)*ch+int64(c.first):(pos+i)*ch+int64(c.first+c.ch)], c.ring[src:src+int64(c.ch)])
	}
	src := ((c.r + k - 1) % c.capF) * int64(c.ch)
	copy(c.last, c.ring[src:src+int64(c.ch)])
}

// silence zeroes c's channels of output frames pos..pos+k.
func (s *Source) silence(c *card, buf []int16, pos, k int64) {
	ch := int64(s.ch)
	for i := pos; i < pos+k; i++ {
		clear(buf[i*ch+int64(c.first) : i*ch+int64(c.first+c.ch)])
	}
	clear(c.last)
}

// repeat writes c's last output frame into output frame pos.
func (s *Source) repeat(c *card, buf []int16, pos int64) {
	ch := int64(s.ch)
	copy(buf[pos*ch+int64(c.first):pos*ch+int64(c.first+c.ch)], c.last)
}

// dropGaps forgets c's reported gaps that end before c.r.
func (s *Source) dropGaps(c *card) {
	k := 0
	for _, g := range c.pending {
		if g.k+g.n > c.r {
			c.pending[k] = g
			k++
		}
	}
	c.pending = c.pending[:k]
}

// emitRun places the parts of c's reported gaps that fall in its frames
// k0..k0+m, output at q.., on the combined timeline.
func (s *Source) emitRun(c *card, k0, q, m, p int64, at time.Duration) {
	if len(c.pending) == 0 {
		return
	}
	for _, g := range c.pending {
		lo, hi := max(g.k, k0), min(g.k+g.n, k0+m)
		if lo < hi {
			s.emitOwn(c, q+lo-k0, hi-lo, g.cause, p, at)
		}
	}
	k := 0
	for _, g := range c.pending {
		if g.k+g.n > k0+m {
			c.pending[k] = g
			k++
		}
	}
	c.pending = c.pending[:k]
}

// emitOwn records a gap of c's channels at output frames q..q+k (output
// frame p was captured at at).
func (s *Source) emitOwn(c *card, q, k int64, cause string, p int64, at time.Duration) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	for j := len(s.gaps) - 1; j >= 0; j-- {
		g := &s.gaps[j]
		if g.card != c.idx {
			continue
		}
		if g.cause == cause && g.pos+g.n == q {
			g.n += k
			return
		}
		break
	}
	s.gaps = append(s.gaps, outGap{pos: q, n: k, at: at + s.dur(q-p), cause: cause, card: c.idx})
}

// Gaps returns the gaps placed since the last call, in the order their
// audio was delivered, each with the channels of the card it concerns.
func (s *Source) Gaps() []hw.Gap {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	if len(s.gaps) == 0 {
		return nil
	}
	out := make([]hw.Gap, len(s.gaps))
	for i, g := range s.gaps {
		out[i] = hw.Gap{At: g.at, Length: s.dur(g.n), Cause: g.cause, Channels: s.cards[g.card].chans}
	}
	s.gaps = s.gaps[:0]
	return out
}

// Close closes every card and waits for the readers; a Read in progress
// returns hw.ErrClosed.
func (s *Source) Close() error {
	var errs []error
	s.once.Do(func() {
		close(s.closed)
		for _, c := range s.cards {
			if err := c.src.Close(); err != nil && !errors.Is(err, hw.ErrClosed) {
				errs = append(errs, fmt.Errorf("multicard: card %d: %w", c.idx, err))
			}
		}
		s.wg.Wait()
	})
	return errors.Join(errs...)
}

// envelope is the upper envelope of a card's timestamp − arrival over the
// last envBuckets·envBucket of arrivals.
type envelope struct {
	b     [envBuckets]bucket
	last  int64
	ok    bool
	floor int64         // buckets below it are forgotten (restart)
	held  time.Duration // the last value, until a bucket is filled again
}

// restart forgets every arrival so far; value keeps its last result
// until a new one comes.
func (e *envelope) restart() {
	if v, ok := e.value(); ok {
		e.held = v
	}
	e.floor = e.last + 1
}

type bucket struct {
	i   int64
	max time.Duration
	ok  bool
}

func (e *envelope) add(t, v time.Duration) {
	i := int64(t / envBucket)
	if t < 0 {
		i--
	}
	b := &e.b[((i%envBuckets)+envBuckets)%envBuckets]
	if !b.ok || b.i != i {
		*b = bucket{i: i, max: v, ok: true}
	} else if v > b.max {
		b.max = v
	}
	if !e.ok || i > e.last {
		e.last = i
	}
	e.ok = true
}

func (e *envelope) value() (time.Duration, bool) {
	var v time.Duration
	found := false
	for _, b := range e.b {
		if b.ok && b.i >= e.floor && b.i > e.last-envBuckets && (!found || b.max > v) {
			v, found = b.max, true
		}
	}
	if !found && e.ok {
		return e.held, true
	}
	return v, found
}
