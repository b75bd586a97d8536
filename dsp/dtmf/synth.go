package dtmf

import (
	"fmt"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// ITU-T Q.23 §2: the low (row) and high (column) frequency groups.
var (
	rowHz = [4]dsp.Hz{697, 770, 852, 941}
	colHz = [4]dsp.Hz{1209, 1336, 1477, 1633}
)

// keypad is the ITU-T Q.23 keypad: keypad[row][col].
var keypad = [4][4]byte{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// Digits is every DTMF digit, in keypad order.
const Digits = "123A456B789C*0#D"

// Tones returns the low-group and high-group frequencies of digit, or an
// error naming a digit that is not DTMF.
func Tones(digit byte) (low, high dsp.Hz, err error) {
	for r := range keypad {
		for c := range keypad[r] {
			if keypad[r][c] == digit {
				return rowHz[r], colHz[c], nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%w %q", ErrDigit, digit)
}

// AppendDigits appends DTMF for digits: each key on long, then off of
// silence, each of its two tones at levelDBm0 (no twist). An unknown digit
// is an error naming it, and nothing is appended.
func AppendDigits(dst []int16, digits string, on, off time.Duration, levelDBm0 float64) ([]int16, error) {
	for i := 0; i < len(digits); i++ {
		if _, _, err := Tones(digits[i]); err != nil {
			return dst, fmt.Errorf("dtmf: digits[%d]: %w", i, err)
		}
	}
	if on <= 0 || off < 0 {
		return dst, fmt.Errorf("%w: on %v, off %v", ErrDuration, on, off)
	}
	quiet := tone.Samples(off)
	for i := 0; i < len(digits); i++ {
		lo, hi, _ := Tones(digits[i])
		dst = tone.AppendTone(dst, []dsp.Hz{lo, hi}, levelDBm0, on)
		for range quiet {
			dst = append(dst, 0)
		}
	}
	return dst, nil
}
