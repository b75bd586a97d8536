package periph

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/linetap/linetap/hw"
)

// Errors returned by this package.
var (
	// ErrConfig is wrapped by every refused setting.
	ErrConfig = errors.New("periph: bad configuration")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("periph: closed")
)

// Thresholds are a Monitor's settings; DefaultThresholds gives DOMAIN.md's.
type Thresholds struct {
	// OnHookVolts and OffHookVolts are the starting estimates of the two
	// line voltages, before any has been measured.
	OnHookVolts, OffHookVolts float64
	// HookTime is how long a hook change must last.
	HookTime time.Duration
	// ReversalTime is how long a polarity change must last.
	ReversalTime time.Duration
	// DeadVolts and DeadTime: |V| below DeadVolts for DeadTime is a dead line.
	DeadVolts float64
	DeadTime  time.Duration
	// RingSwing is the ringing swing: a jump of half of it between two
	// samples is a ring jump, and three alternating jumps each within
	// RingWindow of the last are ringing.
	RingSwing  float64
	RingWindow time.Duration
	// RingHold is how long after the last swing a ring ends.
	RingHold time.Duration
	// Track is the weight of a new sample in the level estimates (0..1).
	Track float64
}

// DefaultThresholds returns the figures of DOMAIN.md §1.
func DefaultThresholds() Thresholds {
	return Thresholds{
		OnHookVolts:  48, // on-hook 42–56 V
		OffHookVolts: 9,  // off-hook 6–12 V
		HookTime:     50 * time.Millisecond,
		ReversalTime: 64 * time.Millisecond, // DAHDI polarity debounce
		DeadVolts:    3,                     // battery lost: < 3 V for 64 ms
		DeadTime:     64 * time.Millisecond,
		RingSwing:    60, // 40–105 Vrms ringing: ≥ 113 V peak to peak
		RingWindow:   100 * time.Millisecond,
		RingHold:     300 * time.Millisecond,
		Track:        0.02,
	}
}

// Validate checks the settings.
func (t Thresholds) Validate() error {
	switch {
	case t.OffHookVolts <= t.DeadVolts || t.OnHookVolts <= t.OffHookVolts:
		return fmt.Errorf("%w: want dead %v V < off-hook %v V < on-hook %v V", ErrConfig, t.DeadVolts, t.OffHookVolts, t.OnHookVolts)
	case t.HookTime < 0 || t.ReversalTime < 0 || t.DeadTime < 0 || t.RingHold < 0 || t.RingWindow <= 0:
		return fmt.Errorf("%w: negative or zero period", ErrConfig)
	case t.RingSwing <= 0:
		return fmt.Errorf("%w: ring swing %v V not positive", ErrConfig, t.RingSwing)
	case t.Track <= 0 || t.Track > 1:
		return fmt.Errorf("%w: track %v out of range (0, 1]", ErrConfig, t.Track)
	}
	return nil
}

// Alarm is a change of a line's alarm state.
type Alarm struct {
	// Line is the phone line.
	Line int
	// Dead is true when the line lost its battery, false when it is back.
	Dead bool
	// Time is when it changed.
	Time time.Duration
}

// Monitor decodes one line's voltage samples.
type Monitor struct {
	line int
	th   Thresholds

	started  bool
	offHook  bool
	negative bool // polarity: tip−ring below zero
	onV      float64
	offV     float64

	hookSince, revSince, deadSince time.Duration
	hookPend, revPend, deadPend    bool
	dead                           bool

	prev      float64
	haveLast  bool
	jumps     int // alternating big jumps in a row
	lastUp    bool
	firstJump time.Duration
	lastJump  time.Duration
	ringing   bool
	lastSwing time.Duration
	last      float64
}

// NewMonitor returns a monitor for phone line line.
func NewMonitor(line int, th Thresholds) (*Monitor, error) {
	if err := th.Validate(); err != nil {
		return nil, err
	}
	return &Monitor{line: line, th: th, onV: th.OnHookVolts, offV: th.OffHookVolts}, nil
}

// Threshold is the current hook threshold in volts (the midpoint of the
// on- and off-hook estimates).
func (m *Monitor) Threshold() float64 { return (m.onV + m.offV) / 2 }

// Volts is the last sample.
func (m *Monitor) Volts() float64 { return m.last }

// OffHook reports the decoded hook state.
func (m *Monitor) OffHook() bool { return m.offHook }

// Dead reports whether the line is dead.
func (m *Monitor) Dead() bool { return m.dead }

// Sample feeds one reading (volts, tip−ring) taken at t and appends the
// events and alarm changes it settles.
func (m *Monitor) Sample(t time.Duration, v float64, ev []hw.LineEvent, al []Alarm) ([]hw.LineEvent, []Alarm) {
	m.last = v
	mag := math.Abs(v)
	if !m.started {
		m.started = true
		m.negative = v < 0
		m.offHook = mag > m.th.DeadVolts && mag < m.Threshold()
		if m.offHook {
			ev = append(ev, hw.LineEvent{Line: m.line, Kind: hw.OffHook, Time: t})
		}
	}
	// Ringing: the voltage jumps by half the ring swing or more, back and
	// forth, at least twice within the window (one jump alone is a
	// polarity reversal or a hook change).
	if m.haveLast {
		if d := v - m.prev; math.Abs(d) >= m.th.RingSwing/2 {
			up := d > 0
			if m.jumps > 0 && up != m.lastUp && t-m.lastJump <= m.th.RingWindow {
				m.jumps++
			} else if m.jumps == 0 || t-m.lastJump > m.th.RingWindow {
				m.jumps, m.firstJump = 1, t
			}
			m.lastUp, m.lastJump = up, t
			if m.jumps >= 3 {
				if !m.ringing {
					m.ringing = true
					ev = append(ev, hw.LineEvent{Line: m.line, Kind: hw.RingOn, Time: m.firstJump})
				}
				m.lastSwing = t
			} else if m.ringing {
				m.lastSwing = t
			}
		}
	}
	m.prev, m.haveLast = v, true
	if m.ringing {
		if t-m.lastSwing < m.th.RingHold {
			m.hookPend, m.revPend, m.deadPend = false, false, false
			return ev, al
		}
		m.ringing = false
		ev = append(ev, hw.LineEvent{Line: m.line, Kind: hw.RingOff, Time: m.lastSwing})
	}
	// Dead line.
	if mag < m.th.DeadVolts {
		if !m.deadPend {
			m.deadPend, m.deadSince = true, t
		}
		if !m.dead && t-m.deadSince >= m.th.DeadTime {
			m.dead = true
			al = append(al, Alarm{Line: m.line, Dead: true, Time: m.deadSince})
		}
		m.hookPend, m.revPend = false, false
		return ev, al
	}
	m.deadPend = false
	if m.dead {
		m.dead = false
		al = append(al, Alarm{Line: m.line, Dead: false, Time: t})
	}
	// Polarity.
	if neg := v < 0; neg != m.negative {
		if !m.revPend {
			m.revPend, m.revSince = true, t
		}
		if t-m.revSince >= m.th.ReversalTime {
			m.negative, m.revPend = neg, false
			ev = append(ev, hw.LineEvent{Line: m.line, Kind: hw.PolarityReversal, Time: m.revSince})
		}
	} else {
		m.revPend = false
	}
	// Hook, with hysteresis of a tenth of the on/off difference.
	hyst := (m.onV - m.offV) / 10
	want := m.offHook
	if m.offHook && mag > m.Threshold()+hyst {
		want = false
	} else if !m.offHook && mag < m.Threshold()-hyst {
		want = true
	}
	if want != m.offHook {
		if !m.hookPend {
			m.hookPend, m.hookSince = true, t
		}
		if t-m.hookSince >= m.th.HookTime {
			m.offHook, m.hookPend = want, false
			k := hw.OnHook
			if want {
				k = hw.OffHook
			}
			ev = append(ev, hw.LineEvent{Line: m.line, Kind: k, Time: m.hookSince})
		}
		return ev, al
	}
	m.hookPend = false
	// Track the level of the settled state: the threshold stays at the
	// midpoint of what this line really measures.
	if m.offHook {
		m.offV += (mag - m.offV) * m.th.Track
	} else {
		m.onV += (mag - m.onV) * m.th.Track
	}
	return ev, al
}
