package dtmf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/tone"
)

const ms = time.Millisecond

// key is one key press to synthesise: digit, tone frequency error (as a
// fraction), row level and twist, on time, then silence.
type key struct {
	digit   byte
	freqErr float64
	levelDB float64 // low-group tone level, dBm0
	twistDB float64 // high-group level minus low-group level
	on, off time.Duration
}

// render synthesises keys, starting with lead of silence, and returns the
// samples and the true events.
func render(t testing.TB, lead time.Duration, keys []key) ([]int16, []dtmf.Event) {
	t.Helper()
	x := make([]int16, tone.Samples(lead))
	var want []dtmf.Event
	for _, k := range keys {
		lo, hi, err := dtmf.Tones(k.digit)
		if err != nil {
			t.Fatal(err)
		}
		lo *= dsp.Hz(1 + k.freqErr)
		hi *= dsp.Hz(1 + k.freqErr)
		a := tone.AppendTone(nil, []dsp.Hz{lo}, k.levelDB, k.on)
		b := tone.AppendTone(nil, []dsp.Hz{hi}, k.levelDB+k.twistDB, k.on)
		start := int64(len(x))
		for i := range a {
			x = append(x, sat(int(a[i])+int(b[i])))
		}
		want = append(want, dtmf.Event{Digit: k.digit, Start: start, End: int64(len(x))})
		x = append(x, make([]int16, tone.Samples(k.off))...)
	}
	return x, want
}

func sat(v int) int16 { return int16(max(-32768, min(32767, v))) }

// detect runs a fresh Detector over x in blocks of block samples.
func detect(x []int16, block int) []dtmf.Event {
	d := dtmf.NewDetector()
	var ev []dtmf.Event
	for i := 0; i < len(x); i += block {
		j := min(len(x), i+block)
		ev = d.Process(x[i:j], int64(i), ev)
	}
	return d.Flush(ev)
}

// tolerance is how far Start and End may be from the truth: 10 ms.
const tolerance = 80

func check(t *testing.T, got, want []dtmf.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Digit != w.Digit || abs64(g.Start-w.Start) > tolerance || abs64(g.End-w.End) > tolerance {
			t.Errorf("event %d = %c [%d, %d), want %c [%d, %d)", i, g.Digit, g.Start, g.End, w.Digit, w.Start, w.End)
		}
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestDetectAllDigits(t *testing.T) {
	for _, level := range []float64{-4, -10, -20, -30} {
		for _, fe := range []float64{-0.015, 0, 0.015} {
			for _, twist := range []float64{-8, 0, 4} {
				name := fmt.Sprintf("%vdBm0/%+.1f%%/twist%+v", level, fe*100, twist)
				t.Run(name, func(t *testing.T) {
					var keys []key
					for i := 0; i < len(dtmf.Digits); i++ {
						keys = append(keys, key{dtmf.Digits[i], fe, level, twist, 40 * ms, 40 * ms})
					}
					x, want := render(t, 13*ms, keys)
					check(t, detect(x, 160), want)
				})
			}
		}
	}
}

func TestRejectFrequency(t *testing.T) {
	// Q.24: tones off by ±3.5 % or more must not be detected.
	for _, fe := range []float64{-0.035, 0.035, -0.05, 0.05, -0.07, 0.07} {
		for i := 0; i < len(dtmf.Digits); i++ {
			digit := dtmf.Digits[i]
			t.Run(fmt.Sprintf("%c/%+.1f%%", digit, fe*100), func(t *testing.T) {
				x, _ := render(t, 0, []key{{digit, fe, -10, 0, 100 * ms, 100 * ms}})
				if got := detect(x, 80); len(got) != 0 {
					t.Errorf("detected %v", got)
				}
			})
		}
	}
	// The classic failure: 697 Hz at −3.5 % with a good column tone.
	x := tone.AppendTone(nil, []dsp.Hz{697 * 0.965}, -10, 200*ms)
	y := tone.AppendTone(nil, []dsp.Hz{1209}, -10, 200*ms)
	for i := range x {
		x[i] = sat(int(x[i]) + int(y[i]))
	}
	if got := detect(x, 80); len(got) != 0 {
		t.Errorf("697 Hz −3.5 %% + 1209 Hz detected as %v", got)
	}
}

func TestRejectShort(t *testing.T) {
	for _, on := range []time.Duration{5 * ms, 10 * ms, 15 * ms, 19 * ms} {
		for _, fe := range []float64{-0.015, 0, 0.015} {
			t.Run(fmt.Sprintf("%v/%+.1f%%", on, fe*100), func(t *testing.T) {
				var keys []key
				for i := 0; i < len(dtmf.Digits); i++ {
					keys = append(keys, key{dtmf.Digits[i], fe, -10, 0, on, 60 * ms})
				}
				x, _ := render(t, 0, keys)
				if got := detect(x, 80); len(got) != 0 {
					t.Errorf("detected %v", got)
				}
			})
		}
	}
}

func TestRepeatedDigits(t *testing.T) {
	keys := []key{
		{'5', 0, -10, 0, 40 * ms, 40 * ms},
		{'5', 0, -10, 0, 40 * ms, 40 * ms},
		{'5', 0, -10, 0, 40 * ms, 40 * ms},
		{'#', 0, -20, 0, 60 * ms, 40 * ms},
		{'#', 0, -20, 0, 500 * ms, 100 * ms},
	}
	x, want := render(t, 0, keys)
	for _, block := range []int{1, 37, 160, 8000} {
		t.Run(fmt.Sprint(block), func(t *testing.T) { check(t, detect(x, block), want) })
	}
}

func TestBridgeDropout(t *testing.T) {
	for _, gap := range []time.Duration{2 * ms, 5 * ms, 10 * ms} {
		t.Run(gap.String(), func(t *testing.T) {
			x, want := render(t, 0, []key{{'8', 0, -15, 0, 200 * ms, 100 * ms}})
			at := tone.Samples(90 * ms)
			clear(x[at : at+tone.Samples(gap)])
			check(t, detect(x, 160), want)
		})
	}
}

func TestFlush(t *testing.T) {
	x, want := render(t, 20*ms, []key{{'D', 0, -10, 0, 100 * ms, 0}})
	d := dtmf.NewDetector()
	if ev := d.Process(x, 1000, nil); len(ev) != 0 {
		t.Fatalf("reported %v while the key is held", ev)
	}
	ev := d.Flush(nil)
	want[0].Start += 1000
	want[0].End += 1000
	check(t, ev, want)
	if ev := d.Flush(nil); len(ev) != 0 {
		t.Fatalf("second Flush reported %v", ev)
	}
	d.Process(x[:400], 0, nil)
	d.Reset()
	if ev := d.Flush(nil); len(ev) != 0 {
		t.Fatalf("Flush after Reset reported %v", ev)
	}
}

func TestNoise(t *testing.T) {
	// DOMAIN.md §2: decode with white noise at 15 dB SNR per tone.
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []key
	for i := 0; i < len(dtmf.Digits); i++ {
		keys = append(keys, key{dtmf.Digits[i], 0, -20, 0, 50 * ms, 50 * ms})
	}
	x, want := render(t, 0, keys)
	sigma := dsp.Peak(-20-15) / math.Sqrt2
	for i := range x {
		x[i] = sat(int(x[i]) + int(math.Round(rng.NormFloat64()*sigma)))
	}
	check(t, detect(x, 160), want)
}
