package fsk_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/fsk"
)

// toneHz estimates the frequency of x by counting sign changes.
func toneHz(x []int16) float64 {
	n := 0
	for i := 1; i < len(x); i++ {
		if (x[i-1] < 0) != (x[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 * dsp.Rate / float64(len(x))
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func TestModulatorTonesAndLevel(t *testing.T) {
	for _, p := range []fsk.Params{fsk.Bell202, fsk.V23} {
		for _, level := range []float64{-4, -20, -36} {
			for _, bit := range []int{0, 1} {
				want := float64(p.Mark)
				if bit == 0 {
					want = float64(p.Space)
				}
				t.Run(fmt.Sprintf("%s/%gdBm0/bit%d", p.Name, level, bit), func(t *testing.T) {
					x := fsk.NewModulator(p, level).AppendBits(nil, bit, 1200) // one second
					if len(x) != dsp.Rate {
						t.Fatalf("1200 bits at 1200 baud gave %d samples, want %d", len(x), dsp.Rate)
					}
					if f := toneHz(x); math.Abs(f-want) > 2 {
						t.Errorf("tone %.1f Hz, want %.0f", f, want)
					}
					if l := dsp.DBm0(rms(x)); math.Abs(l-level) > 0.1 {
						t.Errorf("level %.2f dBm0, want %g", l, level)
					}
				})
			}
		}
	}
}

func TestModulatorFractionalTiming(t *testing.T) {
	m := fsk.NewModulator(fsk.Bell202, -10)
	var x []int16
	for k := 1; k <= 30; k++ {
		x = m.AppendBits(x, k&1, 1)
		// Bit k ends at k·20/3 samples; every sample before it is out.
		want := int(math.Ceil(float64(k) * 20 / 3))
		if len(x) != want {
			t.Fatalf("after %d bits: %d samples, want %d", k, len(x), want)
		}
	}
}

func TestModulatorPhaseContinuous(t *testing.T) {
	// A phase jump would show as a step larger than the steepest slope of
	// the faster tone: amp·ω per sample.
	for _, p := range []fsk.Params{fsk.Bell202, fsk.V23} {
		t.Run(p.Name, func(t *testing.T) {
			m := fsk.NewModulator(p, 0)
			x := m.AppendBytes(nil, []byte{0x55, 0x00, 0xFF, 0x0F, 0xA3}, 1)
			x = m.AppendBits(x, 0, 3)
			x = m.AppendBits(x, 1, 2)
			limit := dsp.Peak(0)*2*math.Pi*float64(p.Space)/dsp.Rate + 2
			for i := 1; i < len(x); i++ {
				if d := math.Abs(float64(x[i]) - float64(x[i-1])); d > limit {
					t.Fatalf("step of %.0f LSB at sample %d exceeds %.0f", d, i, limit)
				}
			}
		})
	}
}

func TestModulatorByteLayout(t *testing.T) {
	// 0x0F LSB first with start and one stop bit: 0 1111 0000 1.
	p := fsk.Bell202
	x := fsk.NewModulator(p, -10).AppendBytes(nil, []byte{0x0F}, 1)
	spb := p.SamplesPerBit()
	want := []int{0, 1, 1, 1, 1, 0, 0, 0, 0, 1}
	if len(x) != int(math.Ceil(10*spb)) {
		t.Fatalf("%d samples for 10 bits", len(x))
	}
	for k, bit := range want {
		// Compare the span of bit k against a pure tone by zero crossings
		// over the bits of equal value around it.
		lo, hi := int(math.Ceil(float64(k)*spb)), int(math.Ceil(float64(k+1)*spb))
		energyMark, energySpace := goertzel(x[lo:hi], float64(p.Mark)), goertzel(x[lo:hi], float64(p.Space))
		got := 0
		if energyMark > energySpace {
			got = 1
		}
		if got != bit {
			t.Errorf("bit %d: mark %.3g space %.3g, want %d", k, energyMark, energySpace, bit)
		}
	}
}

func goertzel(x []int16, f float64) float64 {
	var re, im float64
	for n, v := range x {
		a := 2 * math.Pi * f * float64(n) / dsp.Rate
		re += float64(v) * math.Cos(a)
		im -= float64(v) * math.Sin(a)
	}
	return re*re + im*im
}

func TestModulatorInvalidParams(t *testing.T) {
	for _, p := range []fsk.Params{
		{Name: "zero"},
		{Name: "same", Mark: 1200, Space: 1200, Baud: 1200},
		{Name: "nyquist", Mark: 1200, Space: 4000, Baud: 1200},
		{Name: "fast", Mark: 1200, Space: 2200, Baud: 5000},
	} {
		t.Run(p.Name, func(t *testing.T) {
			if err := p.Validate(); !errors.Is(err, fsk.ErrParams) {
				t.Fatalf("Validate = %v, want ErrParams", err)
			}
			if x := fsk.NewModulator(p, -10).AppendBits(nil, 1, 10); len(x) != 0 {
				t.Errorf("emitted %d samples", len(x))
			}
		})
	}
}

func TestModulatorAllocs(t *testing.T) {
	m := fsk.NewModulator(fsk.Bell202, -10)
	buf := make([]int16, 0, 4096)
	if a := testing.AllocsPerRun(100, func() { _ = m.AppendBytes(buf[:0], []byte("0930122460955512"), 1) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}

func BenchmarkModulator(b *testing.B) {
	m := fsk.NewModulator(fsk.Bell202, -10)
	buf := make([]int16, 0, 8192)
	data := make([]byte, 100)
	n := 0
	for b.Loop() {
		buf = m.AppendBytes(buf[:0], data, 1)
		n += len(buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/sample")
}

func TestModulatorTwist(t *testing.T) {
	for _, twist := range []float64{-6, 0, 10} {
		m := fsk.NewModulator(fsk.V23, -20)
		m.SetTwist(twist)
		mark := m.AppendBits(nil, 1, 120)
		space := m.AppendBits(nil, 0, 120)
		if d := 20*math.Log10(rms(space)/rms(mark)) - twist; math.Abs(d) > 0.1 {
			t.Errorf("twist %+g dB: space is %+.2f dB off", twist, d)
		}
		if l := dsp.DBm0(rms(mark)); math.Abs(l+20) > 0.1 {
			t.Errorf("twist %+g dB: mark at %.2f dBm0, want -20", twist, l)
		}
	}
}
