package gpiocdev

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by this package.
var (
	// ErrConfig is wrapped by every refused wiring or timing.
	ErrConfig = errors.New("gpiocdev: bad configuration")
	// ErrNoChip is returned by OpenChip when no chip has the name or label.
	ErrNoChip = errors.New("gpiocdev: no such GPIO chip")
)

// Bias is the internal pull of an input.
type Bias string

// The biases an input may ask for; BiasAsIs leaves the line as it is.
const (
	BiasAsIs     Bias = ""
	BiasPullUp   Bias = "pull-up"
	BiasPullDown Bias = "pull-down"
	BiasDisabled Bias = "disabled"
)

// Valid reports whether b is one of the known biases.
func (b Bias) Valid() bool {
	switch b {
	case BiasAsIs, BiasPullUp, BiasPullDown, BiasDisabled:
		return true
	}
	return false
}

// Input is one GPIO input line.
type Input struct {
	// Chip names the GPIO chip by name or label; it is a key of the map
	// given to New.
	Chip string
	// Offset is the line's offset on the chip.
	Offset int
	// ActiveLow inverts the line: active when the pin is low.
	ActiveLow bool
	// Bias is the internal pull.
	Bias Bias
	// Debounce overrides the role's default debounce period (0 = default).
	Debounce time.Duration
}

// Wiring is the sense inputs of one phone line; a nil input is not wired.
type Wiring struct {
	// Line is the phone line's index, as in the config.
	Line int
	// Hook is active while loop current flows (off-hook).
	Hook *Input
	// Ring pulses while the line rings.
	Ring *Input
	// Reversal is active while the line's polarity is reversed.
	Reversal *Input
}

// Role is what an input senses.
type Role uint8

// The roles of a line's inputs.
const (
	RoleHook Role = iota
	RoleRing
	RoleReversal
	numRoles
)

// String names the role as in the config ("hook", "ring", "reversal").
func (r Role) String() string {
	switch r {
	case RoleHook:
		return "hook"
	case RoleRing:
		return "ring"
	case RoleReversal:
		return "reversal"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Timing holds the decoder's periods; DefaultTiming gives sensible ones.
type Timing struct {
	// HookDebounce is how long the hook input must hold a new level; it
	// must be shorter than a dial pulse's make (33 ms at 10 pps).
	HookDebounce time.Duration
	// RingDebounce is the ring input's debounce (usually 0: the pulses are
	// the signal).
	RingDebounce time.Duration
	// ReversalDebounce is the polarity input's debounce.
	ReversalDebounce time.Duration
	// PulseMinBreak is the shortest break that is a dial pulse; a shorter
	// one (longer than the debounce) is ignored as a glitch.
	PulseMinBreak time.Duration
	// PulseMaxBreak is the longest break that is a dial pulse.
	PulseMaxBreak time.Duration
	// DigitGap is the shortest make that ends a dialled digit; the loop
	// must also have been made this long (after off-hook, a flash or a
	// glitch) before the first pulse of a digit, or the break is ignored.
	DigitGap time.Duration
	// FlashMin and FlashMax bound a hook flash; a longer break is on-hook.
	FlashMin, FlashMax time.Duration
	// RingGap is the longest pause between ring-detector pulses in one
	// ring burst.
	RingGap time.Duration
	// RingMinPulses is how many pulses start a ring.
	RingMinPulses int
}

// DefaultTiming returns the periods for 8–12 pps dials with make/break
// ratios from 33/67 to 40/60, and 15–50 Hz ringing.
func DefaultTiming() Timing {
	return Timing{
		HookDebounce: 10 * time.Millisecond,
		// DAHDI: polarity reversal debounce 64 ms (DOMAIN.md §1).
		ReversalDebounce: 64 * time.Millisecond,
		// 12 pps with a 60 % break: 50 ms, less margin for the kernel's
		// timestamps; a stretched contact bounce is shorter.
		PulseMinBreak: 40 * time.Millisecond,
		// 8 pps with a 67 % break: 84 ms; 10 pps: 60–67 ms.
		PulseMaxBreak: 120 * time.Millisecond,
		// 8 pps with a 33 % make: 41 ms; inter-digit pauses are ≥ 200 ms.
		DigitGap: 150 * time.Millisecond,
		// DOMAIN.md §1: hook flash ≥ 300 ms.
		FlashMin: 300 * time.Millisecond,
		FlashMax: time.Second,
		// A half-wave detector on 15 Hz ringing pulses every 67 ms.
		RingGap:       100 * time.Millisecond,
		RingMinPulses: 4,
	}
}

// Validate checks that the periods are in order.
func (t Timing) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: timing: "+f, append([]any{ErrConfig}, a...)...) }
	switch {
	case t.HookDebounce < 0 || t.RingDebounce < 0 || t.ReversalDebounce < 0:
		return bad("negative debounce")
	case t.HookDebounce >= 30*time.Millisecond:
		return bad("hook debounce %v would swallow dial pulses (want < 30ms)", t.HookDebounce)
	case t.PulseMinBreak < t.HookDebounce:
		return bad("pulse_min_break %v below the hook debounce %v", t.PulseMinBreak, t.HookDebounce)
	case t.PulseMaxBreak <= t.PulseMinBreak:
		return bad("pulse_max_break %v not above pulse_min_break %v", t.PulseMaxBreak, t.PulseMinBreak)
	case t.DigitGap <= t.HookDebounce:
		return bad("digit_gap %v not above the hook debounce %v", t.DigitGap, t.HookDebounce)
	case t.FlashMin <= t.PulseMaxBreak:
		return bad("flash_min %v not above pulse_max_break %v", t.FlashMin, t.PulseMaxBreak)
	case t.FlashMax < t.FlashMin:
		return bad("flash_max %v below flash_min %v", t.FlashMax, t.FlashMin)
	case t.RingGap <= 0:
		return bad("ring_gap %v not positive", t.RingGap)
	case t.RingMinPulses < 1:
		return bad("ring_min_pulses %d below 1", t.RingMinPulses)
	}
	return nil
}

// Chip is the part of a GPIO chip a Sensor uses. Implementations: OpenChip
// (the kernel's character device) and gpiocdevtest.Chip.
type Chip interface {
	// Watch requests offset as an input with edge detection on both edges,
	// configured as in, and calls handler for each edge with the line's new
	// logical level (active-low applied) and the edge's timestamp on
	// CLOCK_MONOTONIC. Handler calls for one chip are sequential.
	Watch(offset int, in Input, handler func(active bool, at time.Duration)) (Watch, error)
	// Close releases the chip and every line watched on it.
	Close() error
}

// Watch is one watched input.
type Watch interface {
	// Active reads the line's current logical level.
	Active() (bool, error)
	// Close stops watching and releases the line.
	Close() error
}

// Clock is the monotonic clock the Sensor's timers run on; it must be the
// clock of the edge timestamps. MonotonicClock is the real one.
type Clock interface {
	// Now is the current time.
	Now() time.Duration
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Duration
}
