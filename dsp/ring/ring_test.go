package ring_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/dsptest"
	"github.com/linetap/linetap/dsp/ring"
	"github.com/linetap/linetap/dsp/tone"
)

const tolerance = 50 * time.Millisecond // issue 3: cadence within ±50 ms

func samples(d time.Duration) int64 { return int64(d * dsp.Rate / time.Second) }

func dur(n int64) time.Duration { return time.Duration(n) * time.Second / dsp.Rate }

// cadence synthesizes cycles of a ring cadence as a tap sees it: each on
// period is ringing voltage for exactly that long (tone.AppendRing is given
// on + RingTail, since it switches the voltage off RingTail early and lets
// the discharge fill the rest), each off period silence, over a low noise
// floor.
func cadence(freq dsp.Hz, pattern []time.Duration, cycles int, rng *rand.Rand) []int16 {
	var x []int16
	x = append(x, make([]int16, samples(300*time.Millisecond))...)
	for range cycles {
		for i, d := range pattern {
			if i%2 == 0 {
				x = tone.AppendRing(x, freq, d+tone.RingTail)
			} else {
				x = append(x, make([]int16, samples(d-tone.RingTail))...)
			}
		}
	}
	for i := range x {
		x[i] = sat(int(x[i]) + int(rng.NormFloat64()*30)) // about −57 dBm0 of line noise
	}
	return x
}

func sat(v int) int16 { return int16(max(-32768, min(32767, v))) }

// detect runs a fresh Detector over x in blocks of block samples.
func detect(x []int16, block int) []ring.Event {
	d := ring.NewDetector()
	var ev []ring.Event
	for i := 0; i < len(x); i += block {
		ev = d.Process(x[i:min(len(x), i+block)], int64(i), ev)
	}
	return d.Flush(ev)
}

// TestCadences measures every ring cadence of DOMAIN.md §1: each burst's
// start, length and the silence after it within ±50 ms.
func TestCadences(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		country string
		freq    dsp.Hz
		pattern []time.Duration
	}{
		{"US", 20, []time.Duration{2000 * ms, 4000 * ms}},
		{"UK", 25, []time.Duration{400 * ms, 200 * ms, 400 * ms, 2000 * ms}},
		{"AU", 25, []time.Duration{400 * ms, 200 * ms, 400 * ms, 2000 * ms}},
		{"DE", 25, []time.Duration{1000 * ms, 4000 * ms}},
		{"FR", 50, []time.Duration{1500 * ms, 3500 * ms}},
		{"SE", 25, []time.Duration{1000 * ms, 5000 * ms}}, // DOMAIN.md gives no frequency: 25 Hz as DE
		{"JP", 16, []time.Duration{1000 * ms, 2000 * ms}},
		{"JP-15Hz", 15, []time.Duration{1000 * ms, 2000 * ms}}, // DOMAIN.md §1: 15–25 Hz
	}
	for _, c := range cases {
		t.Run(c.country, func(t *testing.T) {
			const cycles = 3
			rng := rand.New(rand.NewPCG(1, uint64(c.freq)))
			x := cadence(c.freq, c.pattern, cycles, rng)
			ev := detect(x, 160)
			want := cycles * len(c.pattern) / 2
			if len(ev) != want {
				t.Fatalf("%d bursts %v, want %d", len(ev), ev, want)
			}
			at := samples(300 * time.Millisecond)
			for i, e := range ev {
				on := c.pattern[(2*i)%len(c.pattern)]
				off := c.pattern[(2*i+1)%len(c.pattern)]
				if d := dur(e.Start - at); d < -tolerance || d > tolerance {
					t.Errorf("burst %d starts %v from where it was sent", i, d)
				}
				if d := dur(e.End-e.Start) - on; d < -tolerance || d > tolerance {
					t.Errorf("burst %d lasts %v, want %v ± %v", i, dur(e.End-e.Start), on, tolerance)
				}
				if i+1 < len(ev) {
					if d := dur(ev[i+1].Start-e.End) - off; d < -tolerance || d > tolerance {
						t.Errorf("silence after burst %d lasts %v, want %v ± %v", i, dur(ev[i+1].Start-e.End), off, tolerance)
					}
				}
				t.Logf("burst %d: start %+v, length %v (sent %v)", i, dur(e.Start-at), dur(e.End-e.Start), on)
				at += samples(on + off)
			}
		})
	}
}

// TestLevels measures a 1 s burst of 20 Hz ringing at levels from barely
// above the threshold (a tap with an attenuator, no clipping) to the
// clipped output of tone.AppendRing, whose duration argument includes the
// RingTail of discharge after the voltage is removed.
func TestLevels(t *testing.T) {
	on := time.Second
	sine := func(a float64) []int16 {
		x := make([]int16, samples(on))
		for i := range x {
			x[i] = sat(int(math.Round(a * math.Sin(2*math.Pi*20*float64(i)/dsp.Rate))))
		}
		return x
	}
	cases := []struct {
		name string
		x    []int16
		want time.Duration
	}{
		{"12000 LSB sine", sine(12000), on},
		{"20000 LSB sine", sine(20000), on},
		{"clipped sine, 10× full scale", sine(327670), on},
		{"tone.AppendRing(1 s)", tone.AppendRing(nil, 20, on), on - tone.RingTail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := append(make([]int16, 800), c.x...)
			x = append(x, make([]int16, 4000)...)
			ev := detect(x, 160)
			if len(ev) != 1 {
				t.Fatalf("%v, want one burst", ev)
			}
			e := ev[0]
			if d := dur(e.Start - 800); d < -tolerance || d > tolerance {
				t.Errorf("starts %v from where it was sent", d)
			}
			if d := dur(e.End-e.Start) - c.want; d < -tolerance || d > tolerance {
				t.Errorf("lasts %v, want %v ± %v", dur(e.End-e.Start), c.want, tolerance)
			}
		})
	}
	// Below the threshold is not ringing (DOMAIN.md §1: the rule's level).
	if ev := detect(sine(9900), 160); len(ev) != 0 {
		t.Errorf("9900 LSB ringing: %v, want nothing", ev)
	}
}

// click appends a hook-switch transient as a tap sees it: a step of
// amplitude a that clips the ADC for the first few milliseconds and decays
// through the coupling capacitor with time constant tau, optionally with a
// damped oscillation (the transformer's leakage resonance) of freq.
func click(dst []int16, a float64, tau time.Duration, freq float64, d time.Duration) []int16 {
	n := samples(d)
	for i := range n {
		t := float64(i) / dsp.Rate
		v := a * math.Exp(-t/tau.Seconds())
		if freq > 0 {
			v *= math.Cos(2 * math.Pi * freq * t)
		}
		dst = append(dst, sat(int(math.Round(v))))
	}
	return dst
}

// TestNoRingFromTransients feeds hook clicks, hook flashes, pulse dialling
// and loud tones: none of them is ringing.
func TestNoRingFromTransients(t *testing.T) {
	ms := time.Millisecond
	gap := func(x []int16, d time.Duration) []int16 { return append(x, make([]int16, samples(d))...) }
	cases := map[string]func() []int16{
		"off-hook click": func() []int16 {
			return gap(click(gap(nil, 100*ms), 200000, 8*ms, 0, 200*ms), 500*ms)
		},
		"on-hook click, negative": func() []int16 {
			return gap(click(gap(nil, 100*ms), -300000, 30*ms, 0, 300*ms), 500*ms)
		},
		"click with 20 Hz ring-down": func() []int16 {
			return click(nil, 200000, 25*ms, 20, time.Second)
		},
		"click with 40 Hz ring-down": func() []int16 {
			return click(nil, 120000, 30*ms, 40, time.Second)
		},
		"hook flash (break and make 300 ms apart)": func() []int16 {
			x := click(gap(nil, 100*ms), 200000, 10*ms, 0, 300*ms)
			return gap(click(x, -200000, 10*ms, 0, 300*ms), 300*ms)
		},
		"pulse dialling 0 at 10 pps (60/40 ms)": func() []int16 {
			var x []int16
			for range 10 {
				x = click(x, 100000, 5*ms, 0, 60*ms)  // break
				x = click(x, -100000, 5*ms, 0, 40*ms) // make
			}
			return gap(x, 500*ms)
		},
		"clicks 30 ms apart, four of them": func() []int16 {
			var x []int16
			for i := range 4 {
				x = click(x, float64(1-2*(i%2))*100000, 3*ms, 0, 30*ms)
			}
			return gap(x, 500*ms)
		},
		"full-scale 1 kHz tone": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{1000}, 3, time.Second)
		},
		"loud 120 Hz hum, clipped": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{120}, 10, time.Second)
		},
		"UK dial tone 350+450 Hz at −13 dBm0": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{350, 450}, -13, 2*time.Second)
		},
		"two tones 100 Hz apart at 0 dBm0": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{400, 500}, 0, 2*time.Second)
		},
		"two tones 30 Hz apart at −3 dBm0": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{300, 330}, -3, 2*time.Second)
		},
		"clipped low-pitched voice, 60–150 Hz": func() []int16 {
			// Harmonics shaped by two formants (600, 1700 Hz), the pitch
			// gliding from 60 to 150 Hz, driven three times past full scale.
			n := samples(4 * time.Second)
			x := make([]int16, n)
			var ph float64
			for i := range x {
				t := float64(i) / dsp.Rate
				ph += 2 * math.Pi * (60 + 90*t/4) / dsp.Rate
				var v float64
				for h := 1; h <= 40; h++ {
					fh := float64(h) * (60 + 90*t/4)
					g := math.Exp(-math.Pow((fh-600)/200, 2)) + 0.5*math.Exp(-math.Pow((fh-1700)/300, 2)) + 0.1/float64(h)
					v += g * math.Sin(float64(h)*ph)
				}
				x[i] = sat(int(40000 * v))
			}
			return x
		},
		"DTMF at 0 dBm0": func() []int16 {
			return tone.AppendTone(nil, []dsp.Hz{941, 1336}, 0, time.Second)
		},
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			x := gen()
			beyond := 0
			for _, v := range x {
				if v > ring.Threshold || v < -ring.Threshold {
					beyond++
				}
			}
			if beyond == 0 {
				t.Fatalf("never beyond ±%d: the case tests nothing", ring.Threshold)
			}
			d := ring.NewDetector()
			var ev []ring.Event
			for i := 0; i < len(x); i += 80 {
				ev = d.Process(x[i:min(len(x), i+80)], int64(i), ev)
				if d.Ringing() {
					t.Fatalf("ringing at sample %d", i)
				}
			}
			if ev = d.Flush(ev); len(ev) != 0 {
				t.Fatalf("rings %v from a transient", ev)
			}
		})
	}
}

// TestRunRule checks the counting rule on square-wave peaks: five
// alternating peaks are not ringing, six lasting 64 ms are.
func TestRunRule(t *testing.T) {
	burst := func(peaks int, half time.Duration) []int16 {
		x := make([]int16, 800)
		h := samples(half)
		for i := range peaks {
			v := int16(20000)
			if i%2 == 1 {
				v = -20000
			}
			for range h {
				x = append(x, v)
			}
		}
		return append(x, make([]int16, 2000)...)
	}
	cases := []struct {
		peaks int
		half  time.Duration
		want  int
	}{
		{5, 25 * time.Millisecond, 0},  // "more than 5"
		{6, 25 * time.Millisecond, 1},  // 125 ms ≥ debounce
		{6, 10 * time.Millisecond, 0},  // 50 ms < 64 ms debounce
		{8, 10 * time.Millisecond, 1},  // 70 ms
		{20, 9 * time.Millisecond, 0},  // 55 Hz: peaks too close
		{20, 51 * time.Millisecond, 0}, // under 10 Hz: too far apart
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d×%v", c.peaks, c.half), func(t *testing.T) {
			x := burst(c.peaks, c.half)
			ev := detect(x, 7)
			if len(ev) != c.want {
				t.Fatalf("%v, want %d bursts", ev, c.want)
			}
			if c.want == 1 {
				e := ev[0]
				if e.Start != 800 || e.End != 800+int64(c.peaks)*samples(c.half) {
					t.Fatalf("%+v, want [800, %d)", e, 800+int64(c.peaks)*samples(c.half))
				}
			}
		})
	}
}

// TestBlocks checks that block size does not change the events.
func TestBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	x := cadence(25, []time.Duration{400 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 2 * time.Second}, 2, rng)
	ref := fmt.Sprint(detect(x, len(x)))
	for _, b := range []int{1, 3, 80, 160, 1000} {
		if got := fmt.Sprint(detect(x, b)); got != ref {
			t.Errorf("blocks of %d: %s, want %s", b, got, ref)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	x := tone.AppendRing(nil, 20, 2*time.Second)
	x = append(x, make([]int16, 4000)...)
	d := ring.NewDetector()
	out := make([]ring.Event, 0, 8)
	var pos int64
	allocs := testing.AllocsPerRun(20, func() {
		out = d.Process(x, pos, out[:0])
		pos += int64(len(x))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Process", allocs)
	}
}

func FuzzDetector(f *testing.F) {
	seed := tone.AppendRing(nil, 25, 300*time.Millisecond)
	b := dsptest.Bytes(seed)
	f.Add(b, int64(0), uint16(160))
	f.Add([]byte{0x10, 0x70, 0xf0, 0x8f}, int64(5), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, pos int64, block uint16) {
		if pos < 0 || pos > 1<<50 {
			pos = 0
		}
		x := dsptest.Samples(data)
		bs := max(int(block), 1)
		d := ring.NewDetector()
		var ev []ring.Event
		for r := range 3 {
			for i := 0; i < len(x); i += bs {
				ev = d.Process(x[i:min(len(x), i+bs)], pos+int64(r*len(x)+i), ev)
			}
		}
		ev = d.Flush(ev)
		end := pos + int64(3*len(x))
		for i, e := range ev {
			if e.Start < pos || e.End <= e.Start || e.Start >= end || e.End > end+samples(ring.MaxGap) {
				t.Fatalf("bad event %+v for samples [%d, %d)", e, pos, end)
			}
			if i > 0 && e.Start < ev[i-1].End-samples(ring.MaxGap) {
				t.Fatalf("event %+v overlaps %+v", e, ev[i-1])
			}
		}
	})
}

func BenchmarkDetector(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 5))
	x := cadence(20, []time.Duration{2 * time.Second, 4 * time.Second}, 2, rng)
	d := ring.NewDetector()
	out := make([]ring.Event, 0, 8)
	var pos int64
	for b.Loop() {
		out = d.Process(x, pos, out[:0])
		pos += int64(len(x))
	}
	perSample := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(x))
	b.ReportMetric(perSample, "ns/sample")
	b.ReportMetric(1e9/perSample/dsp.Rate, "channel-s/s")
}

// Example finds a US ring burst: 2 s of 20 Hz ringing voltage.
func Example() {
	x := tone.AppendRing(nil, 20, 2*time.Second+tone.RingTail)
	x = append(x, make([]int16, dsp.Rate)...)
	d := ring.NewDetector()
	for _, e := range d.Flush(d.Process(x, 0, nil)) {
		fmt.Printf("ring from %.2f s for %.1f s\n", float64(e.Start)/dsp.Rate, float64(e.End-e.Start)/dsp.Rate)
	}
	// Output: ring from 0.00 s for 2.0 s
}
