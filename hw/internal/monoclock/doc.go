// Package monoclock reads the clock every hw timestamp is on: Linux's
// CLOCK_MONOTONIC, the clock of the kernel's GPIO edge timestamps, so that
// audio capture times and line events from different backends compare.
//
// # Caveats
//
// Elsewhere than Linux it is the process's own monotonic clock, counted
// from its start: it compares only with itself.
package monoclock
