package callerid_test

import (
	"errors"
	"math"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/fsk"
)

func TestSynthLayout(t *testing.T) {
	sdmf := callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"}
	etsi := callerid.Message{Standard: callerid.ETSI, DateTime: "09301224", Number: "6095551212", Name: "X"}
	for _, c := range []struct {
		m           callerid.Message
		mark, space float64
	}{{sdmf, 1200, 2200}, {etsi, 1300, 2100}} {
		t.Run(string(c.m.Standard), func(t *testing.T) {
			raw, err := callerid.Encode(c.m)
			if err != nil {
				t.Fatal(err)
			}
			x, err := callerid.Synth(c.m, -12)
			if err != nil {
				t.Fatal(err)
			}
			bits := 300 + 180 + 10*len(raw) + 8
			if want := int(math.Ceil(float64(bits) * 20 / 3)); len(x) != want {
				t.Fatalf("%d samples, want %d for %d bits", len(x), want, bits)
			}
			if l := dsp.DBm0(rmsOf(x)); math.Abs(l+12) > 0.1 {
				t.Errorf("level %.2f dBm0, want -12", l)
			}
			// Seizure: 300 bits alternating from space; marks: 180 bits.
			spb := 20.0 / 3
			for k := 0; k < 480; k++ {
				lo, hi := int(math.Ceil(float64(k)*spb)), int(math.Ceil(float64(k+1)*spb))
				mark := power(x[lo:hi], c.mark) > power(x[lo:hi], c.space)
				want := k >= 300 || k%2 == 1
				if mark != want {
					t.Fatalf("bit %d: mark=%v, want %v", k, mark, want)
				}
			}
		})
	}
}

func TestSynthOptionsErrors(t *testing.T) {
	m := callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "1"}
	bad := []struct {
		name string
		o    callerid.Options
		want error
	}{
		{"stop bits", callerid.Options{LevelDBm0: -10, StopBits: 0}, callerid.ErrField},
		{"negative marks", callerid.Options{LevelDBm0: -10, StopBits: 1, MarkBits: -1}, callerid.ErrField},
		{"bad phys", callerid.Options{StopBits: 1, Phys: fsk.Params{Name: "x", Mark: 1, Space: 1, Baud: 1}}, nil},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			x, err := callerid.SynthOptions(m, c.o)
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("SynthOptions = %d samples, %v; want %v", len(x), err, c.want)
			}
		})
	}
	if _, err := callerid.Synth(callerid.Message{Standard: "dtmf"}, -10); !errors.Is(err, callerid.ErrStandard) {
		t.Errorf("unknown standard: %v", err)
	}
}

func rmsOf(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func power(x []int16, f float64) float64 {
	var re, im float64
	for n, v := range x {
		a := 2 * math.Pi * f * float64(n) / dsp.Rate
		re += float64(v) * math.Cos(a)
		im -= float64(v) * math.Sin(a)
	}
	return re*re + im*im
}
