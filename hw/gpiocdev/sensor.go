package gpiocdev

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
)

var _ hw.LineSensor = (*Sensor)(nil)

// Options configure a Sensor.
type Options struct {
	// Timing is the decoder's periods (zero value = DefaultTiming()).
	Timing Timing
	// Clock runs the timers (nil = MonotonicClock{}).
	Clock Clock
	// Logger receives warnings (nil = discard).
	Logger *slog.Logger
	// Latency is how late an edge may reach the sensor after its kernel
	// timestamp (a busy board): decisions that wait for the absence of an
	// edge (debounce, end of a digit, ring-off, on-hook) are taken only
	// once the clock is that much past them (0 = 50 ms; negative = none).
	Latency time.Duration
}

type edgeMsg struct {
	line   int
	role   Role
	active bool
	at     time.Duration
}

// Sensor watches the hook, ring and polarity inputs of a bank of lines and
// delivers decoded line events. It owns the chips it is given.
type Sensor struct {
	chips   map[string]Chip
	watches []Watch
	dec     *Decoder
	clock   Clock
	lat     time.Duration
	log     *slog.Logger
	edges   chan edgeMsg
	events  chan hw.LineEvent
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// New watches every input of the wiring on the chips (keyed by the name
// Input.Chip uses) and starts decoding. The chips are closed by Close, or
// by New if it fails.
func New(chips map[string]Chip, wiring []Wiring, opt Options) (_ *Sensor, err error) {
	if opt.Timing == (Timing{}) {
		opt.Timing = DefaultTiming()
	}
	if opt.Clock == nil {
		opt.Clock = MonotonicClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case opt.Latency == 0:
		opt.Latency = 50 * time.Millisecond
	case opt.Latency < 0:
		opt.Latency = 0
	}
	s := &Sensor{
		lat:    opt.Latency,
		chips:  chips,
		clock:  opt.Clock,
		log:    opt.Logger,
		edges:  make(chan edgeMsg, 1024),
		events: make(chan hw.LineEvent, 256),
		done:   make(chan struct{}),
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.release())
		}
	}()
	if s.dec, err = NewDecoder(wiring, opt.Timing); err != nil {
		return nil, err
	}
	used := map[string]string{}
	var start []hw.LineEvent
	for i, w := range wiring {
		for r, in := range []*Input{w.Hook, w.Ring, w.Reversal} {
			if in == nil {
				continue
			}
			field := fmt.Sprintf("wiring[%d].%v", i, Role(r))
			c, ok := chips[in.Chip]
			if !ok {
				return nil, fmt.Errorf("%w: %s: chip %q not opened", ErrConfig, field, in.Chip)
			}
			if !in.Bias.Valid() {
				return nil, fmt.Errorf("%w: %s: bias %q unknown", ErrConfig, field, in.Bias)
			}
			key := fmt.Sprintf("%s/%d", in.Chip, in.Offset)
			if other, dup := used[key]; dup {
				return nil, fmt.Errorf("%w: %s: line %d of chip %q used twice (also %s)", ErrConfig, field, in.Offset, in.Chip, other)
			}
			used[key] = field
			line, role := w.Line, Role(r)
			wt, err := c.Watch(in.Offset, *in, func(active bool, at time.Duration) {
				select {
				case s.edges <- edgeMsg{line, role, active, at}:
				case <-s.done:
				}
			})
			if err != nil {
				return nil, fmt.Errorf("%s: chip %q line %d: %w", field, in.Chip, in.Offset, err)
			}
			s.watches = append(s.watches, wt)
			active, err := wt.Active()
			if err != nil {
				return nil, fmt.Errorf("%s: chip %q line %d: read: %w", field, in.Chip, in.Offset, err)
			}
			if start, err = s.dec.Start(line, role, active, s.clock.Now(), start); err != nil {
				return nil, err
			}
		}
	}
	s.wg.Add(1)
	go s.run(start)
	return s, nil
}

// Events returns the decoded events; the channel is closed after Close.
func (s *Sensor) Events() <-chan hw.LineEvent { return s.events }

// Close stops watching, releases the lines and chips, and closes the
// events channel. Events not yet received are dropped.
func (s *Sensor) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.release()
		s.wg.Wait()
	})
	return err
}

func (s *Sensor) release() error {
	var errs []error
	for _, w := range s.watches {
		errs = append(errs, w.Close())
	}
	s.watches = nil
	names := make([]string, 0, len(s.chips))
	for n := range s.chips {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.chips[n].Close(); err != nil {
			errs = append(errs, fmt.Errorf("chip %q: %w", n, err))
		}
	}
	s.chips = nil
	return errors.Join(errs...)
}

func (s *Sensor) run(pending []hw.LineEvent) {
	defer s.wg.Done()
	defer close(s.events)
	var out []hw.LineEvent
	for {
		for _, ev := range pending {
			select {
			case s.events <- ev:
			case <-s.done:
				return
			}
		}
		pending = pending[:0]
		var timer <-chan time.Duration
		if dl, ok := s.dec.Deadline(); ok {
			timer = s.clock.After(dl + s.lat - s.clock.Now())
		}
		select {
		case <-s.done:
			return
		case e := <-s.edges:
			var err error
			out, err = s.dec.Edge(e.line, e.role, e.active, e.at, out[:0])
			if err != nil {
				s.log.Warn("gpio edge", "line", e.line, "err", err)
			}
		case now := <-timer:
			// Edges already queued happened before the timer fired:
			// they go first, or a break could be judged before the
			// make that ended it.
			out = out[:0]
			for drained := false; !drained; {
				select {
				case e := <-s.edges:
					var err error
					if out, err = s.dec.Edge(e.line, e.role, e.active, e.at, out); err != nil {
						s.log.Warn("gpio edge", "line", e.line, "err", err)
					}
				default:
					drained = true
				}
			}
			out = s.dec.Advance(now-s.lat, out)
		}
		pending = append(pending, out...)
	}
}
