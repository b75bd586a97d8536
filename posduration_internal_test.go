package linetap

import (
	"testing"
	"time"
)

// Sample positions convert to time exactly, also after the 13 days at
// 8 kHz where pos·1e9 would overflow int64.
func TestPosDurationDoesNotOverflow(t *testing.T) {
	for _, tc := range []struct {
		pos  int64
		rate int
		want time.Duration
	}{
		{0, 8000, 0},
		{1, 8000, 125 * time.Microsecond},
		{8000*3600 + 4000, 8000, time.Hour + 500*time.Millisecond},
		{8000 * 86400 * 400, 8000, 400 * 24 * time.Hour}, // 400 days
		{8000*86400*400 + 1, 8000, 400*24*time.Hour + 125*time.Microsecond},
	} {
		if got := posDuration(tc.pos, tc.rate); got != tc.want {
			t.Errorf("posDuration(%d, %d) = %v, want %v", tc.pos, tc.rate, got, tc.want)
		}
	}
}
