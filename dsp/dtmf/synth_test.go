package dtmf_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
)

func TestTones(t *testing.T) {
	tests := []struct {
		digit     byte
		low, high dsp.Hz
	}{
		{'1', 697, 1209}, {'5', 770, 1336}, {'9', 852, 1477}, {'D', 941, 1633},
		{'*', 941, 1209}, {'0', 941, 1336}, {'#', 941, 1477}, {'A', 697, 1633},
	}
	for _, tc := range tests {
		t.Run(string(tc.digit), func(t *testing.T) {
			lo, hi, err := dtmf.Tones(tc.digit)
			if err != nil || lo != tc.low || hi != tc.high {
				t.Fatalf("Tones(%q) = %v, %v, %v", tc.digit, lo, hi, err)
			}
		})
	}
	if _, _, err := dtmf.Tones('E'); !errors.Is(err, dtmf.ErrDigit) || !strings.Contains(err.Error(), `'E'`) {
		t.Fatalf("Tones('E') error = %v", err)
	}
}

func TestAppendDigits(t *testing.T) {
	x, err := dtmf.AppendDigits([]int16{5}, "1#", 50*time.Millisecond, 30*time.Millisecond, -10)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 1+2*(400+240) {
		t.Fatalf("len = %d, want %d", len(x), 1+2*(400+240))
	}
	if x[0] != 5 {
		t.Fatal("prefix overwritten")
	}
	for _, k := range []int{1 + 400, 1 + 640 + 400} {
		for i := k; i < k+240; i++ {
			if x[i] != 0 {
				t.Fatalf("pause sample %d = %d", i, x[i])
			}
		}
	}
	var peak int16
	for _, v := range x[1:401] {
		peak = max(peak, v, -v)
	}
	// Two tones at −10 dBm0 add to at most twice one tone's peak.
	if want := 2 * dsp.Peak(-10); float64(peak) > want+1 || float64(peak) < 0.9*want {
		t.Errorf("peak %d, want near %.0f", peak, want)
	}
}

func TestAppendDigitsErrors(t *testing.T) {
	tests := []struct {
		name    string
		digits  string
		on, off time.Duration
		want    error
		naming  string
	}{
		{"unknown digit", "12x4", 50 * time.Millisecond, 50 * time.Millisecond, dtmf.ErrDigit, `digits[2]: dtmf: not a DTMF digit 'x'`},
		{"lower case", "a", 50 * time.Millisecond, 50 * time.Millisecond, dtmf.ErrDigit, `'a'`},
		{"zero on", "1", 0, 50 * time.Millisecond, dtmf.ErrDuration, "on 0s"},
		{"negative off", "1", 50 * time.Millisecond, -time.Millisecond, dtmf.ErrDuration, "off -1ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := dtmf.AppendDigits(nil, tc.digits, tc.on, tc.off, -10)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.naming) {
				t.Fatalf("error = %v, want %v naming %q", err, tc.want, tc.naming)
			}
			if len(x) != 0 {
				t.Fatalf("appended %d samples on error", len(x))
			}
		})
	}
}
