package hw

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by backends.
var (
	// ErrClosed is returned by Read on a source that was closed, including a
	// Read that was blocked when Close was called.
	ErrClosed = errors.New("hw: closed")
	// ErrNotSupported is returned by backends that do not exist on this OS.
	ErrNotSupported = errors.New("hw: not supported on this platform")
)

// Format describes the frames an AudioSource delivers.
type Format struct {
	// Channels is the number of interleaved channels in a frame.
	Channels int
	// Rate is the sample rate in frames per second.
	Rate int
}

// Validate reports whether f is usable.
func (f Format) Validate() error {
	if f.Channels < 1 || f.Channels > 64 {
		return fmt.Errorf("hw: format: %d channels out of range 1..64", f.Channels)
	}
	if f.Rate < 4000 || f.Rate > 192000 {
		return fmt.Errorf("hw: format: rate %d Hz out of range 4000..192000", f.Rate)
	}
	return nil
}

// AudioSource is a multichannel capture device read in blocks, shaped like
// PortAudio's blocking input stream.
//
// Timestamps are durations on a monotonic clock shared with the LineSensor
// that accompanies the source (CLOCK_MONOTONIC on Linux, a virtual clock in
// the simulator), so that line events can be placed on sample positions.
type AudioSource interface {
	// Format reports the channel count and rate of the frames Read returns.
	Format() Format
	// Read fills buf with interleaved int16 frames; len(buf) must be a
	// multiple of Format().Channels. It blocks until buf is full and
	// returns the number of frames stored and the capture time of the
	// first of them. A finite source returns a short count for its last
	// block and then 0, io.EOF. After Close, Read returns ErrClosed.
	Read(buf []int16) (frames int, at time.Duration, err error)
	// Close stops capture and unblocks a pending Read.
	Close() error
}

// EventKind is what a line sensor saw.
type EventKind uint8

// The kinds of line event, as a DC sense circuit reports them.
const (
	RingOn EventKind = iota + 1
	RingOff
	OffHook
	OnHook
	PolarityReversal
	// HookFlash is a break in the loop long enough not to be a dial pulse
	// and too short to be a hang-up (a recall to the exchange).
	HookFlash
	// PulseDigit is a digit dialled by loop-disconnect pulses (a rotary
	// dial); LineEvent.Digit holds it and Time is its first break.
	PulseDigit
)

var kindNames = [...]string{"", "ring-on", "ring-off", "off-hook", "on-hook", "polarity-reversal", "hook-flash", "pulse-digit"}

// String returns the kind's name as used in logs and scenario files.
func (k EventKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// ParseEventKind is the inverse of EventKind.String.
func ParseEventKind(s string) (EventKind, error) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return EventKind(i), nil
		}
	}
	return 0, fmt.Errorf("hw: unknown line event kind %q", s)
}

// LineEvent is one change of a line's DC state, shaped like a GPIO edge
// event with a kernel timestamp.
type LineEvent struct {
	// Line is the index of the phone line (0-based, as in the config).
	Line int
	// Kind is what changed.
	Kind EventKind
	// Time is when it changed, on the clock of the AudioSource.
	Time time.Duration
	// Digit is the digit of a PulseDigit event ('0'..'9'), else 0.
	Digit byte
}

// Gap is a stretch of audio a source lost (an xrun, a card unplugged) and
// replaced by silence of the same length, so that recorded time never
// compresses.
type Gap struct {
	// At is the capture time of the first silent frame.
	At time.Duration
	// Length is how much audio was lost.
	Length time.Duration
	// Cause says why ("overrun", "device lost").
	Cause string
	// Channels are the channels of the frame that lost the audio (one
	// card's, from hw/multicard); nil means every channel. The slice may
	// be shared: do not modify it.
	Channels []int
}

// Covers reports whether the gap concerns channel ch.
func (g Gap) Covers(ch int) bool {
	if g.Channels == nil {
		return true
	}
	for _, c := range g.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// GapReporter is implemented by an AudioSource that can lose audio. Gaps
// returns the gaps filled since the previous call (in time order) and
// forgets them; the engine calls it after each Read to mark the calls that
// span them.
type GapReporter interface {
	Gaps() []Gap
}

// LineSensor reports DC line-state changes for a bank of lines.
type LineSensor interface {
	// Events returns the channel on which events are delivered, in time
	// order for each line. The channel is closed after Close.
	Events() <-chan LineEvent
	// Close stops the sensor.
	Close() error
}
