package g711_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/linetap/linetap/dsp/g711"
)

// TestTables checks codes at the segment edges of G.711 Table 2a (µ-law,
// 14-bit values) and Table 1a (A-law, 13-bit values), fed as 16-bit samples.
func TestTables(t *testing.T) {
	tests := []struct {
		name   string
		enc    func(int16) byte
		dec    func(byte) int16
		sample int16
		code   byte
		value  int16 // decoder output for code
	}{
		// µ-law: 14-bit value v is sample v<<2; decoder output is ×4.
		{"ulaw zero", g711.EncodeUlaw, g711.DecodeUlaw, 0, 0xFF, 0},
		{"ulaw 1", g711.EncodeUlaw, g711.DecodeUlaw, 1 << 2, 0xFE, 2 << 2},
		{"ulaw seg0 top", g711.EncodeUlaw, g711.DecodeUlaw, 30 << 2, 0xF0, 30 << 2},
		{"ulaw seg1 start", g711.EncodeUlaw, g711.DecodeUlaw, 31 << 2, 0xEF, 33 << 2},
		{"ulaw seg2 start", g711.EncodeUlaw, g711.DecodeUlaw, 95 << 2, 0xDF, 99 << 2},
		{"ulaw seg7 start", g711.EncodeUlaw, g711.DecodeUlaw, 4063 << 2, 0x8F, 4191 << 2},
		{"ulaw max", g711.EncodeUlaw, g711.DecodeUlaw, 32767, 0x80, 8031 << 2},
		{"ulaw -1 is negative zero", g711.EncodeUlaw, g711.DecodeUlaw, -1, 0x7F, 0},
		{"ulaw -2 (14-bit)", g711.EncodeUlaw, g711.DecodeUlaw, -2 << 2, 0x7E, -2 << 2},
		{"ulaw min", g711.EncodeUlaw, g711.DecodeUlaw, -32768, 0x00, -8031 << 2},
		// A-law: 13-bit value v is sample v<<3; decoder output is ×8.
		{"alaw zero", g711.EncodeAlaw, g711.DecodeAlaw, 0, 0xD5, 1 << 3},
		{"alaw seg0 top", g711.EncodeAlaw, g711.DecodeAlaw, 31 << 3, 0xDA, 31 << 3},
		{"alaw seg1 start", g711.EncodeAlaw, g711.DecodeAlaw, 32 << 3, 0xC5, 33 << 3},
		{"alaw seg2 start", g711.EncodeAlaw, g711.DecodeAlaw, 64 << 3, 0xF5, 66 << 3},
		{"alaw seg7 start", g711.EncodeAlaw, g711.DecodeAlaw, 2048 << 3, 0xA5, 2112 << 3},
		{"alaw max", g711.EncodeAlaw, g711.DecodeAlaw, 32767, 0xAA, 4032 << 3},
		{"alaw -1", g711.EncodeAlaw, g711.DecodeAlaw, -1, 0x55, -1 << 3},
		{"alaw min", g711.EncodeAlaw, g711.DecodeAlaw, -32768, 0x2A, -4032 << 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.enc(tc.sample); got != tc.code {
				t.Errorf("encode(%d) = %#02x, want %#02x", tc.sample, got, tc.code)
			}
			if got := tc.dec(tc.code); got != tc.value {
				t.Errorf("decode(%#02x) = %d, want %d", tc.code, got, tc.value)
			}
		})
	}
}

type law struct {
	name string
	enc  func(int16) byte
	dec  func(byte) int16
	// positive reports whether code is a positive value, and rank orders
	// codes of one sign by magnitude.
	rank func(byte) (positive bool, magnitude int)
}

var laws = []law{
	{"ulaw", g711.EncodeUlaw, g711.DecodeUlaw, func(b byte) (bool, int) { return b&0x80 != 0, int(^b & 0x7F) }},
	{"alaw", g711.EncodeAlaw, g711.DecodeAlaw, func(b byte) (bool, int) { return b&0x80 != 0, int((b ^ 0x55) & 0x7F) }},
}

// TestAllCodes decodes every code: the outputs are monotonic in the code's
// magnitude and each re-encodes to itself (but µ-law's negative zero).
func TestAllCodes(t *testing.T) {
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			var pos, neg [128]int16
			for c := range 256 {
				b := byte(c)
				v := l.dec(b)
				p, m := l.rank(b)
				if p {
					pos[m] = v
				} else {
					neg[m] = v
				}
				want := b
				if l.name == "ulaw" && b == 0x7F {
					want = 0xFF // G.711 µ-law: two codes for zero
				}
				if got := l.enc(v); got != want {
					t.Errorf("encode(decode(%#02x) = %d) = %#02x", b, v, got)
				}
			}
			for m := 1; m < 128; m++ {
				if pos[m] <= pos[m-1] || neg[m] >= neg[m-1] {
					t.Errorf("not monotonic at magnitude %d: +%d after +%d, %d after %d", m, pos[m], pos[m-1], neg[m], neg[m-1])
				}
			}
		})
	}
}

// TestEverySample encodes all 65536 samples: decoded values never go down
// as the sample goes up, and the error stays within half the step of the
// segment (plus the bits G.711 drops).
func TestEverySample(t *testing.T) {
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			prev := l.dec(l.enc(math.MinInt16))
			for s := math.MinInt16; s <= math.MaxInt16; s++ {
				y := l.dec(l.enc(int16(s)))
				if y < prev {
					t.Fatalf("decode(encode(%d)) = %d < %d for the sample below", s, y, prev)
				}
				prev = y
				// Steps grow with the segment: at most 1/16 of the
				// magnitude, at least the resolution of 13/14 bits.
				e := math.Abs(float64(y) - float64(s))
				limit := math.Max(math.Abs(float64(s))/30, 16) + 8
				if math.Abs(float64(s)) > 32124 {
					limit += math.Abs(float64(s)) - 32124
				}
				if e > limit {
					t.Fatalf("sample %d decodes to %d: error %.0f > %.0f", s, y, e, limit)
				}
			}
		})
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(int16(0))
	f.Add(int16(-32768))
	f.Add(int16(1000))
	f.Fuzz(func(t *testing.T, s int16) {
		for _, l := range laws {
			c := l.enc(s)
			y := l.dec(c)
			if again := l.enc(y); again != c && !(l.name == "ulaw" && c == 0x7F) {
				t.Fatalf("%s: %d → %#02x → %d → %#02x", l.name, s, c, y, again)
			}
			if (s > 8 && y < 0) || (s < -8 && y > 0) {
				t.Fatalf("%s: %d decodes with the wrong sign: %d", l.name, s, y)
			}
		}
	})
}

func BenchmarkEncodeUlaw(b *testing.B) { benchEncode(b, g711.EncodeUlaw) }
func BenchmarkEncodeAlaw(b *testing.B) { benchEncode(b, g711.EncodeAlaw) }
func BenchmarkDecodeUlaw(b *testing.B) { benchDecode(b, g711.DecodeUlaw) }
func BenchmarkDecodeAlaw(b *testing.B) { benchDecode(b, g711.DecodeAlaw) }

var sink byte
var sink16 int16

func benchEncode(b *testing.B, enc func(int16) byte) {
	var x byte
	for i := 0; b.Loop(); i++ {
		x ^= enc(int16(i * 7919))
	}
	sink = x
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/sample")
}

func benchDecode(b *testing.B, dec func(byte) int16) {
	var x int16
	for i := 0; b.Loop(); i++ {
		x ^= dec(byte(i))
	}
	sink16 = x
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/sample")
}

func Example() {
	c := g711.EncodeUlaw(1000)
	a := g711.EncodeAlaw(1000)
	fmt.Printf("µ-law %#02x → %d, A-law %#02x → %d\n", c, g711.DecodeUlaw(c), a, g711.DecodeAlaw(a))
	// Output: µ-law 0xce → 988, A-law 0xfa → 1008
}
