//go:build !linux

package gpiocdev

import "time"

var origin = time.Now()

// MonotonicClock is the process's monotonic clock (CLOCK_MONOTONIC exists
// only on Linux, where the GPIO character device does).
type MonotonicClock struct{}

// Now is the time since the process started.
func (MonotonicClock) Now() time.Duration { return time.Since(origin) }

// After sends Now once d has passed.
func (c MonotonicClock) After(d time.Duration) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	time.AfterFunc(max(d, 0), func() { ch <- c.Now() })
	return ch
}
