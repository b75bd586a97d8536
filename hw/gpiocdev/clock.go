package gpiocdev

import (
	"time"

	"github.com/linetap/linetap/hw/internal/monoclock"
)

// MonotonicClock is CLOCK_MONOTONIC, the clock of GPIO edge timestamps and
// of hw/portaudio's capture times (elsewhere than Linux, the process's
// monotonic clock).
type MonotonicClock struct{}

// Now reads the clock.
func (MonotonicClock) Now() time.Duration { return monoclock.Now() }

// After sends Now once d has passed.
func (c MonotonicClock) After(d time.Duration) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	time.AfterFunc(max(d, 0), func() { ch <- c.Now() })
	return ch
}
