package periph

import (
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/internal/monoclock"
)

var _ hw.LineSensor = (*Sensor)(nil)

// Options configure a Sensor.
type Options struct {
	// Thresholds are the monitors' settings (zero = DefaultThresholds()).
	Thresholds Thresholds
	// Interval is the polling period (0 = 10 ms).
	Interval time.Duration
	// Now reads the monotonic clock of the audio (nil = CLOCK_MONOTONIC).
	Now func() time.Duration
	// Sleep waits (nil = time.Sleep).
	Sleep func(time.Duration)
	// OnAlarm is called when a line dies or comes back (nil = log only).
	OnAlarm func(Alarm)
	// Logger receives read errors and alarms (nil = discard).
	Logger *slog.Logger
}

// Sensor polls one Voltmeter per line; it is an hw.LineSensor.
type Sensor struct {
	meters []Voltmeter
	mons   []*Monitor
	opt    Options
	log    *slog.Logger
	events chan hw.LineEvent
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	lines []int // phone line of each meter

	mu    sync.Mutex
	volts []float64
}

var _ hw.Voltmeter = (*Sensor)(nil)

// LineVoltage is phone line's latest tip−ring reading (hw.Voltmeter); false
// when the line has no meter here or no reading yet.
func (s *Sensor) LineVoltage(line int) (float64, bool) {
	for i, l := range s.lines {
		if l == line {
			v := s.Voltage(i)
			return v, !math.IsNaN(v)
		}
	}
	return 0, false
}

// NewSensor starts polling; meters[i] is phone line lines[i].
func NewSensor(meters []Voltmeter, lines []int, opt Options) (*Sensor, error) {
	if len(meters) != len(lines) {
		return nil, fmt.Errorf("%w: %d voltmeters for %d lines", ErrConfig, len(meters), len(lines))
	}
	if opt.Thresholds == (Thresholds{}) {
		opt.Thresholds = DefaultThresholds()
	}
	if opt.Interval == 0 {
		opt.Interval = 10 * time.Millisecond
	}
	if opt.Interval < time.Millisecond || opt.Interval > opt.Thresholds.ReversalTime {
		return nil, fmt.Errorf("%w: interval %v out of range 1ms..%v", ErrConfig, opt.Interval, opt.Thresholds.ReversalTime)
	}
	if opt.Now == nil {
		opt.Now = monoclock.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = time.Sleep
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sensor{meters: meters, lines: append([]int(nil), lines...), opt: opt, log: opt.Logger,
		events: make(chan hw.LineEvent, 64), done: make(chan struct{}), volts: make([]float64, len(meters))}
	for _, l := range lines {
		m, err := NewMonitor(l, opt.Thresholds)
		if err != nil {
			return nil, err
		}
		s.mons = append(s.mons, m)
	}
	s.wg.Add(1)
	go s.run()
	return s, nil
}

// Events returns the decoded line events; closed after Close.
func (s *Sensor) Events() <-chan hw.LineEvent { return s.events }

// Voltage is line i's (index into the meters) latest tip−ring reading, for
// the technician; NaN before the first reading or after a read error.
func (s *Sensor) Voltage(i int) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.volts) {
		return math.NaN()
	}
	return s.volts[i]
}

// Close stops polling and closes the events channel.
func (s *Sensor) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.wg.Wait()
	})
	return nil
}

func (s *Sensor) run() {
	defer s.wg.Done()
	defer close(s.events)
	s.mu.Lock()
	for i := range s.volts {
		s.volts[i] = math.NaN()
	}
	s.mu.Unlock()
	failing := make([]bool, len(s.meters))
	var ev []hw.LineEvent
	var al []Alarm
	for {
		select {
		case <-s.done:
			return
		default:
		}
		for i, m := range s.meters {
			v, err := m.Volts()
			t := s.opt.Now()
			if err != nil {
				if !failing[i] {
					s.log.Error("line voltage unreadable", "line", s.mons[i].line, "err", err)
				}
				failing[i] = true
				s.mu.Lock()
				s.volts[i] = math.NaN()
				s.mu.Unlock()
				continue
			}
			failing[i] = false
			s.mu.Lock()
			s.volts[i] = v
			s.mu.Unlock()
			ev, al = s.mons[i].Sample(t, v, ev[:0], al[:0])
			for _, a := range al {
				if a.Dead {
					s.log.Error("ALARM: line dead (no battery voltage)", "line", a.Line)
				} else {
					s.log.Info("alarm cleared: line voltage back", "line", a.Line)
				}
				if s.opt.OnAlarm != nil {
					s.opt.OnAlarm(a)
				}
			}
			for _, e := range ev {
				select {
				case s.events <- e:
				case <-s.done:
					return
				}
			}
		}
		s.opt.Sleep(s.opt.Interval)
	}
}
