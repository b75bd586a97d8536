package webhook

import (
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", -1},
		{"0", 0},
		{"120", 2 * time.Minute},
		{"86400", MaxBackoff}, // a day: capped
		{"-5", -1},
		{"soon", -1},
		{"Sun, 22 Nov 2026 09:00:30 GMT", 30 * time.Second}, // RFC 9110 §5.6.7 IMF-fixdate
		{"Sun, 22 Nov 2026 08:00:00 GMT", 0},                // in the past: now
		{"Sunday, 22-Nov-26 09:01:00 GMT", time.Minute},     // obsolete RFC 850 form
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := retryAfter(tc.in, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzRetryAfter: any header value gives −1 or a wait within 0..MaxBackoff.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "99999999999999999999", "Sun, 22 Nov 2026 09:00:30 GMT", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := retryAfter(s, now)
		if d != -1 && (d < 0 || d > MaxBackoff) {
			t.Fatalf("retryAfter(%q) = %v", s, d)
		}
	})
}
