// Package frames converts between sample frames and time for the hw
// backends, exactly and without overflow.
//
// # Caveats
//
// Only frames to time is here: the backends round time to frames
// differently (down, or to the nearest) on purpose.
package frames

import "time"

// Duration is the time n frames last at rate frames per second, exact to
// the nanosecond (rounded down) and without overflow for any count shorter
// than a few centuries: the whole seconds and the remainder are converted
// apart.
func Duration(n int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(n/r)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r)
}
