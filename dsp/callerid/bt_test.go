package callerid_test

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/fsk"
)

// tones returns dur seconds of the sum of sines at freqs, each at levelDBm0.
func tones(dur, levelDBm0 float64, freqs ...float64) []int16 {
	x := make([]int16, int(math.Round(dur*dsp.Rate)))
	a := dsp.Peak(levelDBm0)
	for n := range x {
		var v float64
		for _, f := range freqs {
			v += a * math.Sin(2*math.Pi*f*float64(n)/dsp.Rate)
		}
		x[n] = sat(v)
	}
	return x
}

func cat16(parts ...[]int16) []int16 {
	var x []int16
	for _, p := range parts {
		x = append(x, p...)
	}
	return x
}

var btCall = callerid.Message{Standard: callerid.BT, DateTime: "11220305", Number: "02079460000", Name: "JONES A"}

func TestReceiverBT(t *testing.T) {
	// BT SIN227: V.23, 96–315 seizure bits, ≥ 55 marks, 1–10 stop bits,
	// after an idle-state tone alert or a short ring burst.
	alert := cat16(tones(0.1, -20, 2130, 2750), make([]int16, 800)) // DT-AS 100 ms, then 100 ms quiet
	burst := cat16(ringing(25)[:2400], make([]int16, 4000))         // 300 ms of ring, 500 ms quiet
	for _, pre := range []struct {
		name string
		x    []int16
	}{{"alone", nil}, {"tone-alert", alert}, {"ring-burst", burst}} {
		for _, seizure := range []int{96, 200, 315} {
			for _, marks := range []int{55, 80, 120} {
				for _, stop := range []int{1, 10} {
					for _, level := range []float64{-4, -40} {
						for _, carrier := range []float64{-0.015, 0.015} {
							name := fmt.Sprintf("%s/seizure%d/marks%d/stop%d/%gdBm0/carrier%+g%%", pre.name, seizure, marks, stop, level, carrier*100)
							t.Run(name, func(t *testing.T) {
								o := callerid.DefaultOptionsFor(callerid.BT, level)
								o.SeizureBits, o.MarkBits, o.StopBits = seizure, marks, stop
								o.Phys = fsk.V23
								o.Phys.Mark *= dsp.Hz(1 + carrier)
								o.Phys.Space *= dsp.Hz(1 + carrier)
								x, err := callerid.SynthOptions(btCall, o)
								if err != nil {
									t.Fatal(err)
								}
								got := receive(cat16(pre.x, x))
								if len(got) != 1 || got[0].Err != nil || got[0].Standard != callerid.BT ||
									got[0].Number != btCall.Number || got[0].Name != btCall.Name || got[0].DateTime != btCall.DateTime {
									t.Fatalf("got %+v", got)
								}
								if g := got[0]; g.MarkBits < marks-10 || g.MarkBits > marks+1 || g.SeizureBits > seizure || g.SeizureBits < 50 {
									t.Errorf("preamble heard as %d seizure, %d marks; sent %d, %d", g.SeizureBits, g.MarkBits, seizure, marks)
								}
							})
						}
					}
				}
			}
		}
	}
}

func TestReceiverTellsBTFromETSI(t *testing.T) {
	m := btCall
	m.Standard = callerid.ETSI
	for _, c := range []struct {
		seizure, marks int
		want           callerid.Standard
	}{
		{300, 180, callerid.ETSI}, // EN 300 659-1: 300 seizure, 180 ± 25 marks
		{300, 155, callerid.ETSI},
		{300, 205, callerid.ETSI},
		{96, 55, callerid.BT}, // SIN227: 96–315 seizure, ≥ 55 marks
		{315, 60, callerid.BT},
		{120, 180, callerid.ETSI}, // BT with ETSI's marks: not told apart
	} {
		t.Run(fmt.Sprintf("%d-%d", c.seizure, c.marks), func(t *testing.T) {
			o := callerid.DefaultOptions(-20)
			o.SeizureBits, o.MarkBits = c.seizure, c.marks
			x, err := callerid.SynthOptions(m, o)
			if err != nil {
				t.Fatal(err)
			}
			got := receive(x)
			if len(got) != 1 || got[0].Err != nil || got[0].Standard != c.want || got[0].Number != m.Number {
				t.Fatalf("got %+v, want one good %s message", got, c.want)
			}
		})
	}
}

func FuzzReceiverBT(f *testing.F) {
	// Any bytes sent with BT's preamble: what the Receiver returns is the
	// message Decode makes of them, as bt, or a damaged message, never
	// other data.
	raw, _ := callerid.Encode(btCall)
	f.Add(raw, uint8(1))
	f.Add([]byte{0x80, 0x03, 0x02, 0x01, 0x31, 0x49}, uint8(10))
	f.Add([]byte{0x80, 0x05, 0x02, 0x01}, uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, stop uint8) {
		if len(raw) == 0 || len(raw) > 64 {
			return
		}
		o := callerid.DefaultOptionsFor(callerid.BT, -15)
		o.StopBits = int(stop%10) + 1 // SIN227: 1–10 stop bits
		x, err := callerid.SynthRaw(raw, callerid.BT, o)
		if err != nil {
			t.Fatal(err)
		}
		got := receive(x)
		want, werr := callerid.Decode(raw, "v23")
		for _, m := range got {
			if m.Err != nil {
				if m.Number != "" || m.Params != nil || m.Name != "" {
					t.Fatalf("damaged message with data: %+v", m)
				}
				continue
			}
			if werr != nil || m.Standard != callerid.BT || !bytes.Equal(m.Raw, raw) || m.Number != want.Number || m.Name != want.Name {
				t.Fatalf("sent % X (Decode: %v), received %+v", raw, werr, m)
			}
		}
		if werr == nil && (len(got) != 1 || got[0].Err != nil) {
			t.Fatalf("good message % X received as %+v", raw, got)
		}
	})
}
