package main

import (
	"encoding/binary"
	"fmt"
)

// Signal returns frames interleaved frames of a deterministic pseudo-random
// signal with channels channels, followed by pad frames of silence. Frame 0
// is never silent, so the start of the signal can be found in a capture.
func Signal(channels, frames, pad int, seed uint32) []int16 {
	s := make([]int16, (frames+pad)*channels)
	x := seed | 1
	for i := 0; i < frames*channels; i++ {
		x = x*1664525 + 1013904223 // Numerical Recipes LCG
		s[i] = int16(x >> 16)
	}
	for c := 0; c < channels && frames > 0; c++ {
		if s[c] == 0 {
			s[c] = 1
		}
	}
	return s
}

// Bytes encodes samples as S16_LE.
func Bytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// Samples decodes S16_LE; a trailing odd byte is an error.
func Samples(b []byte) ([]int16, error) {
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("driver: %d bytes is not a whole number of S16_LE samples", len(b))
	}
	s := make([]int16, len(b)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s, nil
}

// Find returns the frame offset at which capture holds want exactly, frame
// for frame and channel for channel, searching from the first frame. It
// returns ErrMismatch, with the best partial match, when no offset holds all
// of want.
func Find(capture, want []int16, channels int) (int, error) {
	if channels < 1 || len(want)%channels != 0 || len(capture)%channels != 0 {
		return 0, fmt.Errorf("driver: find: %d and %d samples are not whole frames of %d channels", len(capture), len(want), channels)
	}
	if len(want) == 0 {
		return 0, fmt.Errorf("driver: find: nothing to look for")
	}
	best, bestAt := 0, -1
	for off := 0; off+len(want) <= len(capture); off += channels {
		n := 0
		for n < len(want) && capture[off+n] == want[n] {
			n++
		}
		if n == len(want) {
			return off / channels, nil
		}
		if n > best {
			best, bestAt = n, off/channels
		}
	}
	return 0, fmt.Errorf("%w: %d of %d samples matched at best (frame %d of %d captured)",
		ErrMismatch, best, len(want), bestAt, len(capture)/channels)
}
