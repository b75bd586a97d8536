package portaudio

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// waitForBlock is internal (the cgo stream's read); tested here with a
// scripted avail and a virtual clock.
func TestWaitForBlock(t *testing.T) {
	gone := errors.New("Unanticipated host error")
	tests := []struct {
		name   string
		script []int // frames available at each poll; -1 = gone, -2 = overflow
		want   error
		text   string
		polls  int
	}{
		{"ready at once", []int{160}, nil, "", 1},
		{"fills up", []int{0, 80, 159, 200}, nil, "", 4},
		{"card disconnected", []int{40, -1}, gone, "portaudio: read: Unanticipated host error", 2},
		{"overflow reported", []int{0, -2}, ErrOverflow, "", 2},
		{"never fills", []int{10}, ErrStalled, "no audio for 2s (10 of 160 frames)", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var clock time.Duration
			polls := 0
			avail := func() (int, error) {
				i := min(polls, len(tc.script)-1)
				polls++
				switch tc.script[i] {
				case -1:
					return 0, gone
				case -2:
					return 0, ErrOverflow
				}
				return tc.script[i], nil
			}
			err := waitForBlock(avail, 160, 8000, func() time.Duration { return clock }, func(d time.Duration) {
				if d < time.Millisecond || d > 20*time.Millisecond {
					t.Errorf("slept %v for a 20 ms block", d)
				}
				clock += d
			})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.text != "" && !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q, want it to contain %q", err, tc.text)
			}
			if tc.polls > 0 && polls != tc.polls {
				t.Errorf("%d polls, want %d", polls, tc.polls)
			}
		})
	}
}
