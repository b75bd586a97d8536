package resample_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/resample"
)

var rates = []int{8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000}

// sine returns d seconds of a sine at f hertz, amplitude a, sampled at rate.
func sine(rate int, f, a, d float64) []int16 {
	n := int(d * float64(rate))
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(math.Round(a * math.Sin(2*math.Pi*f*float64(i)/float64(rate))))
	}
	return x
}

// convert runs x through a fresh Resampler in blocks of block samples.
func convert(t testing.TB, rate int, x []int16, block int) []int16 {
	t.Helper()
	r, err := resample.New(rate)
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	for i := 0; i < len(x); i += block {
		out = r.Process(x[i:min(len(x), i+block)], out)
	}
	return r.Flush(out)
}

// gainDB returns the output's RMS over its middle relative to a sine of
// amplitude a, in dB. For a sine of known output frequency f (0 if not
// known) the middle is cut to whole periods, so that the RMS is exact.
func gainDB(y []int16, a, f float64) float64 {
	mid := y[len(y)/5 : len(y)-len(y)/5]
	if f > 0 {
		periods := math.Floor(float64(len(mid)) * f / dsp.Rate)
		mid = mid[:int(math.Round(periods*dsp.Rate/f))]
	}
	var s float64
	for _, v := range mid {
		s += float64(v) * float64(v)
	}
	rms := math.Sqrt(s / float64(len(mid)))
	return 20 * math.Log10(math.Max(rms, 1e-9)/(a/math.Sqrt2))
}

// TestResponse measures the passband ripple to 3.4 kHz and the stopband
// attenuation from 4 kHz up to the input's Nyquist frequency on sines.
func TestResponse(t *testing.T) {
	const a = 16000.0
	const maxRipple = 0.01 // dB, as the package documentation promises
	const minStop = 60.0   // dB
	for _, rate := range rates[1:] {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			r, err := resample.New(rate)
			if err != nil {
				t.Fatal(err)
			}
			through := func(x []int16) []int16 { return r.Flush(r.Process(x, nil)) } // Flush resets r
			worstPass := 0.0
			// Every 100 Hz to 3.4 kHz, and the DTMF, FSK and alert tones.
			pass := []float64{697, 770, 852, 941, 1209, 1336, 1477, 1633, 1200, 1300, 2100, 2200, 2130, 2750}
			for f := 100.0; f <= 3400; f += 100 {
				pass = append(pass, f)
			}
			for _, f := range pass {
				g := gainDB(through(sine(rate, f, a, 0.25)), a, f)
				if math.Abs(g) > maxRipple {
					t.Errorf("%v Hz: gain %.3f dB, want within ±%v dB", f, g, maxRipple)
				}
				worstPass = math.Max(worstPass, math.Abs(g))
			}
			worstStop := math.Inf(-1)
			// Every 125 Hz from 4 to 12 kHz, where the 8 kHz filter's
			// stopband ripples are ~140 Hz apart, then every 500 Hz to the
			// input's Nyquist frequency (the first of two stages, whose
			// ripples are over 1 kHz apart).
			var stops []float64
			for f := 4000.0; f < float64(rate)/2; {
				stops = append(stops, f)
				if f < 12000 {
					f += 125
				} else {
					f += 500
				}
			}
			for _, f := range stops {
				if f >= float64(rate)/2 {
					continue
				}
				g := gainDB(through(sine(rate, f, a, 0.25)), a, 0)
				if g > -minStop {
					t.Errorf("%v Hz: gain %.1f dB, want at most −%v dB", f, g, minStop)
				}
				worstStop = math.Max(worstStop, g)
			}
			t.Logf("%d Hz: passband ripple ±%.4f dB (to 3.4 kHz), stopband ≤ %.1f dB (from 4 kHz)", rate, worstPass, worstStop)
		})
	}
}

// TestLengthAndAlignment checks that N input samples give ⌈N·8000/rate⌉
// output samples, and that a tone burst starting at 250 ms comes out
// starting at sample 2000.
func TestLengthAndAlignment(t *testing.T) {
	for _, rate := range append(rates, 192000, resample.MaxRate) {
		for _, n := range []int{0, 1, 7, rate/3 + 1, rate} {
			x := make([]int16, n)
			got := len(convert(t, rate, x, 100))
			want := int((int64(n)*dsp.Rate + int64(rate) - 1) / int64(rate)) // int64: n·8000 passes 2³¹ on 32-bit ARM
			if got != want {
				t.Errorf("%d Hz, %d samples: %d out, want %d", rate, n, got, want)
			}
		}
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			x := make([]int16, rate/4)
			x = append(x, sine(rate, 1000, 10000, 0.25)...)
			for i := range x[rate/4:] { // a cosine burst: full amplitude at once
				x[rate/4+i] = int16(10000 * math.Cos(2*math.Pi*1000*float64(i)/float64(rate)))
			}
			y := convert(t, rate, x, 333)
			// The first output above half amplitude is the onset, within
			// one output sample (the filter smears the step over ~1 ms).
			on := -1
			for i, v := range y {
				if v > 5000 || v < -5000 {
					on = i
					break
				}
			}
			if on < 1999 || on > 2001 {
				t.Errorf("burst at input time 250 ms comes out at sample %d, want 2000 ± 1", on)
			}
		})
	}
}

// TestBlocks checks that the block size does not change the output.
func TestBlocks(t *testing.T) {
	for _, rate := range []int{11025, 44100, 48000} {
		x := sine(rate, 1234, 20000, 0.3)
		for i := range x { // and some noise-like content
			x[i] += int16((i*7919)%2001 - 1000)
		}
		ref := convert(t, rate, x, len(x))
		for _, b := range []int{1, 2, 3, 160, 441, 1000} {
			got := convert(t, rate, x, b)
			if len(got) != len(ref) {
				t.Fatalf("%d Hz, blocks of %d: %d samples, want %d", rate, b, len(got), len(ref))
			}
			for i := range got {
				if got[i] != ref[i] {
					t.Fatalf("%d Hz, blocks of %d: sample %d is %d, want %d", rate, b, i, got[i], ref[i])
				}
			}
		}
	}
}

func TestPassthrough(t *testing.T) {
	x := []int16{1, -2, 32767, -32768, 0}
	got := convert(t, 8000, x, 2)
	if fmt.Sprint(got) != fmt.Sprint(x) {
		t.Fatalf("8 kHz: %v, want %v", got, x)
	}
}

func TestRateErrors(t *testing.T) {
	for _, rate := range []int{-1, 0, 4000, 7999, 44057, 384001, math.MaxInt} {
		_, err := resample.New(rate)
		if !errors.Is(err, resample.ErrRate) {
			t.Errorf("New(%d): %v, want ErrRate", rate, err)
		}
	}
}

func TestReset(t *testing.T) {
	x := sine(48000, 700, 9000, 0.1)
	r, _ := resample.New(48000)
	a := r.Flush(r.Process(x, nil))
	b := r.Flush(r.Process(x, nil)) // Flush resets
	r.Process(x[:1000], nil)
	r.Reset()
	c := r.Flush(r.Process(x, nil))
	if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) != fmt.Sprint(c) {
		t.Fatal("a reused Resampler gives a different output")
	}
}

func TestClone(t *testing.T) {
	x := sine(44100, 900, 12000, 0.2)
	r, _ := resample.New(44100)
	r.Process(x[:500], nil) // the clone must not inherit this
	c := r.Clone()
	a := c.Flush(c.Process(x, nil))
	b := convert(t, 44100, x, 64)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("a clone converts differently from a new Resampler")
	}
	r.Process(x, nil) // nor share its state
	if d := c.Flush(c.Process(x, nil)); fmt.Sprint(d) != fmt.Sprint(b) {
		t.Fatal("a clone shares state with its original")
	}
}

func TestNoAllocs(t *testing.T) {
	for _, rate := range []int{8000, 44100, 48000} {
		r, _ := resample.New(rate)
		x := sine(rate, 440, 8000, 0.02)
		out := make([]int16, 0, r.MaxOut(len(x)))
		allocs := testing.AllocsPerRun(50, func() {
			out = r.Process(x, out[:0])
		})
		if allocs != 0 {
			t.Errorf("%d Hz: %v allocations per block", rate, allocs)
		}
	}
}

func BenchmarkResampler(b *testing.B) {
	for _, rate := range []int{16000, 44100, 48000, 96000} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			r, _ := resample.New(rate)
			x := sine(rate, 440, 8000, 1)
			out := make([]int16, 0, r.MaxOut(len(x)))
			for b.Loop() {
				out = r.Process(x, out[:0])
			}
			sec := b.Elapsed().Seconds() / float64(b.N) // per second of audio
			b.ReportMetric(sec*1e9/dsp.Rate, "ns/out-sample")
			b.ReportMetric(1/sec, "channel-s/s")
		})
	}
}

// Example converts a 48 kHz block stream to 8 kHz.
func Example() {
	r, err := resample.New(48000)
	if err != nil {
		panic(err)
	}
	in := make([]int16, 960) // 20 ms at 48 kHz, as a sound card delivers it
	out := make([]int16, 0, r.MaxOut(len(in)))
	var total int
	for range 50 { // one second
		out = r.Process(in, out[:0])
		total += len(out)
	}
	total += len(r.Flush(out[:0]))
	fmt.Println(total, "samples at", dsp.Rate, "Hz")
	// Output: 8000 samples at 8000 Hz
}
