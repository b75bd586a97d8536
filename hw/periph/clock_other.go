//go:build !linux

package periph

import "time"

var origin = time.Now()

// monotonic is the process's monotonic clock.
func monotonic() time.Duration { return time.Since(origin) }
