package gpiocdev

import (
	"fmt"
	"sort"
	"time"

	"github.com/linetap/linetap/hw"
)

// debouncer holds one input's level until it has been stable long enough.
// A change is dated at its first edge, even if the contact bounced back
// and forth before settling.
type debouncer struct {
	wired     bool
	period    time.Duration
	stable    bool          // the level last committed
	pending   bool          // a change to !stable is waiting
	since     time.Duration // the pending change's date (its first edge)
	last      time.Duration // the latest edge, from which stability counts
	cancelled bool          // a pending change bounced back at last
}

// edge feeds a raw level; it returns the change that matured before t, if
// any, before taking the new level into account.
func (d *debouncer) edge(active bool, t time.Duration) (changed bool, at time.Duration) {
	if d.pending && t-d.last >= d.period {
		d.stable, d.pending = !d.stable, false
		changed, at = true, d.since
	}
	if d.period == 0 {
		if active != d.stable {
			d.stable = active
			return true, t
		}
		return changed, at
	}
	switch {
	case active == d.stable:
		if d.pending {
			d.pending, d.cancelled, d.last = false, true, t
		}
	case !d.pending:
		if !d.cancelled || t-d.last >= d.period {
			d.since = t // a fresh change; else a bounce keeps its first edge
		}
		d.pending, d.cancelled, d.last = true, false, t
	}
	return changed, at
}

// advance commits a pending change that has matured by now.
func (d *debouncer) advance(now time.Duration) (bool, time.Duration) {
	if d.pending && now-d.last >= d.period {
		d.stable, d.pending = !d.stable, false
		return true, d.since
	}
	return false, 0
}

func (d *debouncer) deadline() (time.Duration, bool) {
	return d.last + d.period, d.pending
}

// lineState is one phone line's decoding state.
type lineState struct {
	line int
	in   [numRoles]debouncer

	// hook
	offHook    bool // reported state
	breaking   bool
	breakStart time.Duration
	pulses     int
	digitStart time.Duration
	lastMake   time.Duration // end of the last dial pulse
	made       time.Duration // when the loop was last made (off-hook, any break's end)

	// ring
	ringing  bool
	rings    int
	ringFrom time.Duration
	ringLast time.Duration

	// held are decided events that must wait for an earlier pending
	// decision, so that a line's events leave in time order.
	held []hw.LineEvent
}

// horizon is the earliest time a pending decision of the line could date
// an event at; events before it are final.
func (ls *lineState) horizon() (time.Duration, bool) {
	var h time.Duration
	found := false
	take := func(t time.Duration) {
		if !found || t < h {
			h, found = t, true
		}
	}
	for r := range ls.in {
		if ls.in[r].pending {
			take(ls.in[r].since)
		}
	}
	if ls.pulses > 0 {
		take(ls.digitStart)
	}
	if ls.breaking {
		take(ls.breakStart)
	}
	if ls.rings > 0 {
		if ls.ringing {
			take(ls.ringLast)
		} else {
			take(ls.ringFrom)
		}
	}
	return h, found
}

// release moves the line's final events to out, in time order.
func (ls *lineState) release(out []hw.LineEvent) []hw.LineEvent {
	if len(ls.held) == 0 {
		return out
	}
	sortEvents(ls.held)
	h, pending := ls.horizon()
	n := 0
	for n < len(ls.held) && (!pending || ls.held[n].Time < h) {
		n++
	}
	out = append(out, ls.held[:n]...)
	ls.held = append(ls.held[:0], ls.held[n:]...)
	return out
}

// Decoder turns debounced input levels into line events. It is not safe for
// concurrent use; a Sensor serialises it.
type Decoder struct {
	t     Timing
	lines []lineState
	index map[int]int // phone line → lines index
}

// NewDecoder returns a decoder for the wiring, with every input starting
// inactive (on-hook, not ringing, normal polarity) until Start says
// otherwise.
func NewDecoder(wiring []Wiring, t Timing) (*Decoder, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	d := &Decoder{t: t, index: map[int]int{}}
	for i, w := range wiring {
		if w.Line < 0 {
			return nil, fmt.Errorf("%w: wiring[%d]: line %d negative", ErrConfig, i, w.Line)
		}
		if j, dup := d.index[w.Line]; dup {
			return nil, fmt.Errorf("%w: wiring[%d]: line %d wired twice (also wiring[%d])", ErrConfig, i, w.Line, j)
		}
		d.index[w.Line] = i
		ls := lineState{line: w.Line}
		for r, in := range []*Input{w.Hook, w.Ring, w.Reversal} {
			if in == nil {
				continue
			}
			if in.Debounce < 0 {
				return nil, fmt.Errorf("%w: wiring[%d].%v: debounce %v negative", ErrConfig, i, Role(r), in.Debounce)
			}
			p := [...]time.Duration{t.HookDebounce, t.RingDebounce, t.ReversalDebounce}[r]
			if in.Debounce > 0 {
				p = in.Debounce
			}
			ls.in[r] = debouncer{wired: true, period: p}
		}
		d.lines = append(d.lines, ls)
	}
	return d, nil
}

func (d *Decoder) state(line int, r Role) (*lineState, error) {
	i, ok := d.index[line]
	if !ok || r >= numRoles || !d.lines[i].in[r].wired {
		return nil, fmt.Errorf("%w: line %d has no %v input", ErrConfig, line, r)
	}
	return &d.lines[i], nil
}

// Start sets an input's level as read when watching began, at time now:
// a line found off-hook is reported OffHook, one found ringing is not
// (a ring needs pulses).
func (d *Decoder) Start(line int, r Role, active bool, now time.Duration, out []hw.LineEvent) ([]hw.LineEvent, error) {
	ls, err := d.state(line, r)
	if err != nil {
		return out, err
	}
	ls.in[r].stable, ls.in[r].pending = active, false
	if r == RoleHook && active && !ls.offHook {
		ls.offHook, ls.made = true, now
		out = append(out, hw.LineEvent{Line: line, Kind: hw.OffHook, Time: now})
	}
	return out, nil
}

// Edge feeds one edge of an input (its new logical level and timestamp) and
// appends the events it settles. Edges of one input must come in time
// order; an edge older than one already fed is dated as the newer.
func (d *Decoder) Edge(line int, r Role, active bool, at time.Duration, out []hw.LineEvent) ([]hw.LineEvent, error) {
	ls, err := d.state(line, r)
	if err != nil {
		return out, err
	}
	// Everything else on this line that is due before the edge comes first.
	ls.held = d.advanceLine(ls, at, ls.held)
	if changed, t := ls.in[r].edge(active, at); changed {
		ls.held = d.apply(ls, r, ls.in[r].stable, t, ls.held)
	}
	return ls.release(out), nil
}

// Advance settles every decision due by now and appends the events.
func (d *Decoder) Advance(now time.Duration, out []hw.LineEvent) []hw.LineEvent {
	for i := range d.lines {
		ls := &d.lines[i]
		ls.held = d.advanceLine(ls, now, ls.held)
		out = ls.release(out)
	}
	return out
}

// Deadline reports the earliest time at which Advance would settle
// something, and whether there is one.
func (d *Decoder) Deadline() (time.Duration, bool) {
	var best time.Duration
	found := false
	take := func(t time.Duration) {
		if !found || t < best {
			best, found = t, true
		}
	}
	for i := range d.lines {
		ls := &d.lines[i]
		for r := range ls.in {
			if t, ok := ls.in[r].deadline(); ok {
				take(t)
			}
		}
		if ls.breaking {
			if ls.pulses > 0 {
				take(ls.breakStart + d.t.PulseMaxBreak + 1)
			}
			take(ls.breakStart + d.t.FlashMax + 1)
		} else if ls.pulses > 0 {
			take(ls.lastMake + d.t.DigitGap)
		}
		if ls.rings > 0 {
			take(ls.ringLast + d.t.RingGap + 1)
		}
	}
	return best, found
}

func (d *Decoder) advanceLine(ls *lineState, now time.Duration, out []hw.LineEvent) []hw.LineEvent {
	for r := range ls.in {
		if changed, t := ls.in[r].advance(now); changed {
			out = d.apply(ls, Role(r), ls.in[r].stable, t, out)
		}
	}
	if ls.breaking {
		if ls.pulses > 0 && now-ls.breakStart > d.t.PulseMaxBreak {
			out = d.digit(ls, out)
		}
		if now-ls.breakStart > d.t.FlashMax {
			ls.breaking, ls.offHook = false, false
			out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.OnHook, Time: ls.breakStart})
		}
	} else if ls.pulses > 0 && now-ls.lastMake >= d.t.DigitGap {
		out = d.digit(ls, out)
	}
	if ls.rings > 0 && now-ls.ringLast > d.t.RingGap {
		if ls.ringing {
			out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.RingOff, Time: ls.ringLast})
		}
		ls.ringing, ls.rings = false, 0
	}
	return out
}

// digit reports the pulses counted so far as one digit.
func (d *Decoder) digit(ls *lineState, out []hw.LineEvent) []hw.LineEvent {
	n := ls.pulses
	ls.pulses = 0
	if n < 1 || n > 10 {
		return out // not a decadic digit: more than 10 pulses
	}
	// Decadic rule (ITU-T Q.1 style loop-disconnect): n pulses = n, 10 = 0.
	return append(out, hw.LineEvent{Line: ls.line, Kind: hw.PulseDigit, Time: ls.digitStart, Digit: byte('0' + n%10)})
}

// apply acts on a committed level change of one input at time t.
func (d *Decoder) apply(ls *lineState, r Role, active bool, t time.Duration, out []hw.LineEvent) []hw.LineEvent {
	switch r {
	case RoleHook:
		if !active { // loop broken
			if ls.offHook && !ls.breaking {
				ls.breaking, ls.breakStart = true, t
			}
			return out
		}
		if !ls.offHook {
			ls.offHook, ls.made = true, t
			return append(out, hw.LineEvent{Line: ls.line, Kind: hw.OffHook, Time: t})
		}
		if !ls.breaking {
			return out
		}
		ls.breaking = false
		brk := t - ls.breakStart
		madeBefore := ls.breakStart - ls.made
		ls.made = t
		switch {
		case brk < d.t.PulseMinBreak:
			// A break shorter than any dial's (a contact bounce
			// stretched past the debounce): nothing.
		case brk <= d.t.PulseMaxBreak && ls.pulses == 0 && madeBefore < d.t.DigitGap:
			// A dial pulse comes after an inter-digit pause, never
			// within DigitGap of off-hook or of another break.
		case brk <= d.t.PulseMaxBreak:
			if ls.pulses == 0 {
				ls.digitStart = ls.breakStart
			}
			ls.pulses++
			ls.lastMake = t
		case brk < d.t.FlashMin:
			ls.pulses = 0 // a glitch; a digit in progress was reported when the break outgrew a pulse
		default:
			out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.HookFlash, Time: ls.breakStart})
		}
	case RoleRing:
		if !active {
			return out
		}
		if ls.rings > 0 && t-ls.ringLast > d.t.RingGap {
			if ls.ringing {
				out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.RingOff, Time: ls.ringLast})
			}
			ls.ringing, ls.rings = false, 0
		}
		if ls.rings == 0 {
			ls.ringFrom = t
		}
		ls.rings++
		ls.ringLast = t
		if !ls.ringing && ls.rings >= d.t.RingMinPulses {
			ls.ringing = true
			out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.RingOn, Time: ls.ringFrom})
		}
	case RoleReversal:
		out = append(out, hw.LineEvent{Line: ls.line, Kind: hw.PolarityReversal, Time: t})
	}
	return out
}

func sortEvents(ev []hw.LineEvent) {
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Time < ev[j].Time })
}
