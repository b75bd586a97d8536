//go:build !linux

package monoclock

import "time"

var origin = time.Now()

// Now is the process's monotonic clock since its start.
func Now() time.Duration { return time.Since(origin) }
