package frames_test

import (
	"testing"
	"time"

	"github.com/linetap/linetap/hw/internal/frames"
)

func TestDuration(t *testing.T) {
	year := int64(365 * 24 * 3600)
	tests := []struct {
		n    int64
		rate int
		want time.Duration
	}{
		{0, 8000, 0},
		{8000, 8000, time.Second},
		{1, 8000, 125 * time.Microsecond},
		{1, 44100, 22675 * time.Nanosecond}, // 22675.73 ns, rounded down
		{-8000, 8000, -time.Second},
		{200 * year * 48000, 48000, time.Duration(200*year) * time.Second}, // n·1e9 would overflow int64
	}
	for _, tc := range tests {
		if got := frames.Duration(tc.n, tc.rate); got != tc.want {
			t.Errorf("Duration(%d, %d) = %v, want %v", tc.n, tc.rate, got, tc.want)
		}
	}
}
