package callerid_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/callerid"
)

var clipCases = []struct {
	m      callerid.Message
	f      callerid.DTMFFormat
	digits string
}{
	{callerid.Message{Number: "0851234567"}, callerid.DTMFFormatAC, "A0851234567C"},
	{callerid.Message{Number: "0851234567", Redirecting: "0701112233"}, callerid.DTMFFormatAC, "A0851234567D0701112233C"},
	{callerid.Message{NumberAbsence: "O"}, callerid.DTMFFormatAC, "B00C"},
	{callerid.Message{NumberAbsence: "P"}, callerid.DTMFFormatAC, "B10C"},
	{callerid.Message{Number: "33123456"}, callerid.DTMFFormatDK, "A33123456#"},
	{callerid.Message{NumberAbsence: "P"}, callerid.DTMFFormatDK, "D1#"},
	{callerid.Message{NumberAbsence: "O"}, callerid.DTMFFormatDK, "D3#"},
	{callerid.Message{Number: "0223456789"}, callerid.DTMFFormatDC, "D0223456789C"},
	{callerid.Message{Number: "123456789012345"}, callerid.DTMFFormatDC, "D123456789012345C"},
}

func TestDTMFCodec(t *testing.T) {
	for _, c := range clipCases {
		c.m.Standard = callerid.DTMFCLIP
		t.Run(c.digits, func(t *testing.T) {
			s, err := callerid.EncodeDTMF(c.m, c.f)
			if err != nil || s != c.digits {
				t.Fatalf("EncodeDTMF = %q, %v; want %q", s, err, c.digits)
			}
			got, err := callerid.DecodeDTMF(s)
			if err != nil {
				t.Fatal(err)
			}
			if got.Standard != callerid.DTMFCLIP || got.Number != c.m.Number || got.NumberAbsence != c.m.NumberAbsence ||
				got.Redirecting != c.m.Redirecting || string(got.Raw) != s {
				t.Errorf("DecodeDTMF = %+v, want %+v", got, c.m)
			}
		})
	}
	// Other spellings the decoder reads.
	for _, c := range []struct{ digits, number, absence string }{
		{"D2#", "", "O"},   // Denmark: international, number unavailable
		{"AB10C", "", "P"}, // an empty A field before the code
		{"A5551234C", "5551234", ""},
	} {
		t.Run(c.digits, func(t *testing.T) {
			got, err := callerid.DecodeDTMF(c.digits)
			if err != nil || got.Number != c.number || got.NumberAbsence != c.absence {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestDecodeDTMFErrors(t *testing.T) {
	for _, s := range []string{"", "A", "AC", "A123", "123C", "C123A", "A12*3C", "D4#", "D12#", "A#", "B01C", "B1C", "B100C",
		"DC", "D12D3C", "B10", "A12D C", "AD12C", "A1D2B10C", "#12#", "A123BC", "D1C#", "A12345B00C", strings.Repeat("1", 50), "A" + strings.Repeat("1", 21) + "C"} {
		t.Run(s, func(t *testing.T) {
			m, err := callerid.DecodeDTMF(s)
			if !errors.Is(err, callerid.ErrSyntax) {
				t.Fatalf("DecodeDTMF(%q) = %+v, %v; want ErrSyntax", s, m, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("error %q does not quote the digits", err)
			}
		})
	}
}

func TestEncodeDTMFErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		m    callerid.Message
		f    callerid.DTMFFormat
		want error
	}{
		{"not dtmf", callerid.Message{Standard: callerid.ETSI, Number: "1"}, 0, callerid.ErrStandard},
		{"letters", callerid.Message{Number: "12A"}, 0, callerid.ErrField},
		{"too long", callerid.Message{Number: strings.Repeat("1", 21)}, 0, callerid.ErrField},
		{"empty", callerid.Message{}, 0, callerid.ErrField},
		{"both", callerid.Message{Number: "1", NumberAbsence: "P"}, 0, callerid.ErrConflict},
		{"name", callerid.Message{Number: "1", Name: "X"}, 0, callerid.ErrField},
		{"DC absence", callerid.Message{NumberAbsence: "P"}, callerid.DTMFFormatDC, callerid.ErrField},
		{"DK redirect", callerid.Message{Number: "1", Redirecting: "2"}, callerid.DTMFFormatDK, callerid.ErrField},
		{"absence code", callerid.Message{NumberAbsence: "X"}, 0, callerid.ErrField},
		{"format", callerid.Message{Number: "1"}, 9, callerid.ErrStandard},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.m.Standard == "" {
				c.m.Standard = callerid.DTMFCLIP
			}
			if s, err := callerid.EncodeDTMF(c.m, c.f); !errors.Is(err, c.want) {
				t.Errorf("EncodeDTMF = %q, %v; want %v", s, err, c.want)
			}
		})
	}
}

func TestReceiverDTMFCLIP(t *testing.T) {
	// DOMAIN.md §3: −4 to −28 dBm, tones ≥ 50 ms detected; 70 ms tone and
	// 70 ms pause nominal.
	for _, c := range clipCases {
		c.m.Standard = callerid.DTMFCLIP
		for _, level := range []float64{-4, -16, -28} {
			for _, on := range []time.Duration{50 * time.Millisecond, 70 * time.Millisecond} {
				for _, off := range []time.Duration{50 * time.Millisecond, 70 * time.Millisecond, 200 * time.Millisecond} {
					t.Run(fmt.Sprintf("%s/%gdBm0/%v-%v", c.digits, level, on, off), func(t *testing.T) {
						o := callerid.DefaultOptions(level)
						o.DTMF, o.ToneOn, o.ToneOff = c.f, on, off
						x, err := callerid.SynthOptions(c.m, o)
						if err != nil {
							t.Fatal(err)
						}
						got := receive(x)
						if len(got) != 1 || got[0].Err != nil || got[0].Standard != callerid.DTMFCLIP ||
							got[0].Number != c.m.Number || got[0].NumberAbsence != c.m.NumberAbsence ||
							got[0].Redirecting != c.m.Redirecting || string(got[0].Raw) != c.digits {
							t.Fatalf("got %+v", got)
						}
						if d := got[0].Start - lead; d < -40 || d > 40 {
							t.Errorf("starts at %d, sent at %d", got[0].Start, lead)
						}
					})
				}
			}
		}
	}
}

func TestReceiverDTMFCLIPNoise(t *testing.T) {
	// At the middle and the bottom of the level range (the tone gate's
	// band test must still open on the noisy tones).
	m := callerid.Message{Standard: callerid.DTMFCLIP, Number: "0851234567"}
	for _, level := range []float64{-20, -28} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%gdBm0/%d", level, seed), func(t *testing.T) {
				x, _ := callerid.Synth(m, level)
				in := cat16(make([]int16, lead), x, make([]int16, 800))
				addNoise(in, level, 15, seed) // DOMAIN.md §2: 15 dB SNR per tone
				r := callerid.NewReceiver()
				got := r.Flush(r.Process(in, 0, nil))
				if len(got) != 1 || got[0].Err != nil || got[0].Number != m.Number {
					t.Fatalf("got %+v", got)
				}
			})
		}
	}
}

func TestReceiverDTMFCLIPShortTones(t *testing.T) {
	// Tones under 20 ms must be ignored: no message, not even a damaged one.
	m := callerid.Message{Standard: callerid.DTMFCLIP, Number: "0851234567"}
	for _, on := range []time.Duration{10 * time.Millisecond, 15 * time.Millisecond, 19 * time.Millisecond} {
		t.Run(on.String(), func(t *testing.T) {
			o := callerid.DefaultOptions(-10)
			o.ToneOn = on
			x, err := callerid.SynthOptions(m, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := receive(x); len(got) != 0 {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestReceiverDTMFCLIPDamage(t *testing.T) {
	for _, c := range []struct{ digits, want string }{
		{"A0851234567", "truncated"},  // no end digit
		{"A08512D34567D1C", "syntax"}, // two D fields
		{"B07C", "syntax"},            // unknown absence code
		{"D12#", "syntax"},            // unknown Danish code
		{"A0851234*567C", "syntax"},   // * inside
	} {
		t.Run(c.digits, func(t *testing.T) {
			x, err := callerid.SynthRaw([]byte(c.digits), callerid.DTMFCLIP, callerid.DefaultOptions(-12))
			if err != nil {
				t.Fatal(err)
			}
			got := receive(x)
			if len(got) != 1 || got[0].Err == nil || got[0].Number != "" || got[0].NumberAbsence != "" {
				t.Fatalf("got %+v, want one damaged message", got)
			}
			want := callerid.ErrSyntax
			if c.want == "truncated" {
				want = callerid.ErrTruncated
			}
			if !errors.Is(got[0].Err, want) || string(got[0].Raw) != c.digits {
				t.Errorf("Err %v, Raw %q", got[0].Err, got[0].Raw)
			}
		})
	}
	// A pause longer than a DTMF CLIP's splits it: the first half is cut
	// short, the second starts with no start digit and is ignored.
	a, _ := callerid.SynthRaw([]byte("A0851"), callerid.DTMFCLIP, callerid.DefaultOptions(-12))
	b, _ := callerid.SynthRaw([]byte("234567C"), callerid.DTMFCLIP, callerid.DefaultOptions(-12))
	got := receive(cat16(a, make([]int16, 4000), b))
	if len(got) != 1 || !errors.Is(got[0].Err, callerid.ErrTruncated) {
		t.Fatalf("got %+v", got)
	}
}

func TestReceiverDialledDigits(t *testing.T) {
	// Digits without a start digit (a phone dialling) are not caller ID.
	x, _ := callerid.SynthRaw([]byte("0123456789*#0123456789#"), callerid.DTMFCLIP, callerid.DefaultOptions(-10))
	if got := receive(x); len(got) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func FuzzDecodeDTMF(f *testing.F) {
	for _, c := range clipCases {
		f.Add(c.digits)
	}
	f.Add("AB10C")
	f.Add("D2#")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := callerid.DecodeDTMF(s)
		if err != nil {
			if m.Number != "" || m.NumberAbsence != "" || m.Raw != nil {
				t.Fatalf("error %v with data %+v", err, m)
			}
			return
		}
		if m.Number == "" && m.NumberAbsence == "" {
			t.Fatalf("%q decodes to nothing", s)
		}
		// Round trip: re-encoded in any variant that can carry it, the
		// message decodes to the same fields.
		for _, f := range []callerid.DTMFFormat{callerid.DTMFFormatAC, callerid.DTMFFormatDK, callerid.DTMFFormatDC} {
			d, err := callerid.EncodeDTMF(m, f)
			if err != nil {
				continue
			}
			back, err := callerid.DecodeDTMF(d)
			if err != nil || back.Number != m.Number || back.NumberAbsence != m.NumberAbsence || back.Redirecting != m.Redirecting {
				t.Fatalf("%q → %+v → %q (%v) → %+v, %v", s, m, d, f, back, err)
			}
		}
	})
}

func TestReceiverKeypadNeverData(t *testing.T) {
	// All sixteen keys in turn, four times: A, B and D start DTMF CLIP and
	// C and # end it, but nothing in between makes a message, so whatever
	// comes out is damaged, never data.
	x, _ := callerid.SynthRaw([]byte(strings.Repeat("147*2580369#ABCD", 4)), callerid.DTMFCLIP, callerid.DefaultOptions(-10))
	got := receive(x)
	if len(got) == 0 {
		t.Fatal("no damaged message from A…C and D…# spans")
	}
	for _, m := range got {
		if m.Err == nil || m.Number != "" || m.NumberAbsence != "" {
			t.Errorf("data from keypad digits: %+v", m)
		}
	}
}

func TestReceiverDTMFCLIPTwistAndOffset(t *testing.T) {
	// Q.24 limits the DTMF receiver must accept, on a DTMF CLIP: twist −8
	// to +4 dB, each tone ±1.5 % off nominal, at eight leads of silence
	// and with pauses that move each digit to another position against
	// the DTMF receiver's 5 ms sub-blocks.
	rows := map[byte]float64{'1': 697, '2': 697, '3': 697, 'A': 697, '4': 770, '5': 770, '6': 770, 'B': 770,
		'7': 852, '8': 852, '9': 852, 'C': 852, '*': 941, '0': 941, '#': 941, 'D': 941}
	cols := map[byte]float64{'1': 1209, '4': 1209, '7': 1209, '*': 1209, '2': 1336, '5': 1336, '8': 1336, '0': 1336,
		'3': 1477, '6': 1477, '9': 1477, '#': 1477, 'A': 1633, 'B': 1633, 'C': 1633, 'D': 1633}
	const digits = "A0851234567D0701112233C"
	for _, twist := range []float64{-8, -6, 0, 4} {
		for _, off := range []float64{-0.015, 0, 0.015} {
			t.Run(fmt.Sprintf("twist%+g/off%+g%%", twist, off*100), func(t *testing.T) {
				for lead := 0; lead < 40; lead += 5 {
					x := make([]int16, lead)
					for i := 0; i < len(digits); i++ {
						d := digits[i]
						// The louder tone at −10 dBm0.
						lo, hi := -10-max(0, twist), -10+min(0, twist)
						x = append(x, tones2(0.07, rows[d]*(1+off), lo, cols[d]*(1+off), hi)...)
						// 70 ms of pause and 0–39 samples more.
						x = append(x, make([]int16, 560+i*17%40)...)
					}
					got := receive(x)
					if len(got) != 1 || got[0].Err != nil || got[0].Number != "0851234567" || got[0].Redirecting != "0701112233" {
						t.Fatalf("lead %d: got %+v", lead, got)
					}
				}
			})
		}
	}
}
