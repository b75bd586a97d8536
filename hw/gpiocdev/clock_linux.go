package gpiocdev

import (
	"time"

	"golang.org/x/sys/unix"
)

// MonotonicClock is CLOCK_MONOTONIC, the clock of GPIO edge timestamps and
// of hw/portaudio's capture times.
type MonotonicClock struct{}

// Now reads CLOCK_MONOTONIC.
func (MonotonicClock) Now() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0 // cannot fail for CLOCK_MONOTONIC on Linux
	}
	return time.Duration(ts.Nano())
}

// After sends CLOCK_MONOTONIC once d has passed.
func (c MonotonicClock) After(d time.Duration) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	time.AfterFunc(max(d, 0), func() { ch <- c.Now() })
	return ch
}
