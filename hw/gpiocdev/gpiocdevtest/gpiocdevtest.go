// Package gpiocdevtest provides fakes of gpiocdev.Chip and gpiocdev.Clock,
// so that the sensor's logic is tested without a kernel: a test sets input
// levels with the timestamps it wants and moves the clock by hand.
//
// # Caveats
//
// Chip.Set calls the watcher's handler synchronously, so it blocks while
// the sensor's edge queue is full.
package gpiocdevtest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/linetap/linetap/hw/gpiocdev"
)

// Errors returned by the fakes.
var (
	// ErrBusy is returned by Watch for a line already watched.
	ErrBusy = errors.New("gpiocdevtest: line busy")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("gpiocdevtest: closed")
)

var (
	_ gpiocdev.Chip  = (*Chip)(nil)
	_ gpiocdev.Clock = (*Clock)(nil)
)

// Chip is a fake GPIO chip with Lines input lines, all inactive at first.
type Chip struct {
	// Lines is the number of lines (offsets 0..Lines-1).
	Lines int

	mu      sync.Mutex
	levels  map[int]bool
	watches map[int]*watch
	closed  bool
}

type watch struct {
	c       *Chip
	offset  int
	in      gpiocdev.Input
	handler func(bool, time.Duration)
}

// Watch implements gpiocdev.Chip.
func (c *Chip) Watch(offset int, in gpiocdev.Input, handler func(bool, time.Duration)) (gpiocdev.Watch, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if offset < 0 || offset >= c.Lines {
		return nil, fmt.Errorf("gpiocdevtest: offset %d out of range 0..%d", offset, c.Lines-1)
	}
	if c.watches == nil {
		c.watches = map[int]*watch{}
	}
	if _, busy := c.watches[offset]; busy {
		return nil, fmt.Errorf("%w: %d", ErrBusy, offset)
	}
	w := &watch{c: c, offset: offset, in: in, handler: handler}
	c.watches[offset] = w
	return w, nil
}

// Set changes a line's logical level at time at and, if it changed and the
// line is watched, calls the handler as the kernel would.
func (c *Chip) Set(offset int, active bool, at time.Duration) {
	c.mu.Lock()
	if c.levels == nil {
		c.levels = map[int]bool{}
	}
	changed := c.levels[offset] != active
	c.levels[offset] = active
	w := c.watches[offset]
	c.mu.Unlock()
	if changed && w != nil {
		w.handler(active, at)
	}
}

// Watched returns the watched offsets and their requested configuration.
func (c *Chip) Watched() map[int]gpiocdev.Input {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[int]gpiocdev.Input{}
	for o, w := range c.watches {
		m[o] = w.in
	}
	return m
}

// Closed reports whether Close was called.
func (c *Chip) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close implements gpiocdev.Chip.
func (c *Chip) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	c.watches = nil
	return nil
}

func (w *watch) Active() (bool, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.closed {
		return false, ErrClosed
	}
	return w.c.levels[w.offset], nil
}

func (w *watch) Close() error {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.watches[w.offset] == w {
		delete(w.c.watches, w.offset)
	}
	return nil
}

// Clock is a manual clock: time moves only when Advance or Set is called.
type Clock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []timer
}

type timer struct {
	at time.Duration
	ch chan time.Duration
}

// Now implements gpiocdev.Clock.
func (c *Clock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements gpiocdev.Clock; a timer already due fires at once.
func (c *Clock) After(d time.Duration) <-chan time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Duration, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, timer{c.now + d, ch})
	return ch
}

// Set moves the clock to t (never backwards) and fires the timers due.
func (c *Clock) Set(t time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t > c.now {
		c.now = t
	}
	sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].at < c.timers[j].at })
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at <= c.now {
			tm.ch <- c.now
		} else {
			keep = append(keep, tm)
		}
	}
	c.timers = keep
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now() + d) }
