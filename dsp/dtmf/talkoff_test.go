package dtmf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// voice is a speech-like test signal: a glottal pulse train (harmonics of
// f0 with a −12 dB/octave tilt) shaped by three formant resonances, with
// syllable-rate amplitude modulation.
type voice struct {
	f0, f0Swing float64    // mean pitch and its slow swing, Hz
	formants    [3]float64 // F1–F3, Hz
	glide       float64    // how far the formants move, fraction
	bandwidth   float64    // formant bandwidth, Hz
	levelDBm0   float64
	seed        uint64
}

// render returns d of the voice. Pitch and formant gains are updated
// every millisecond; the harmonics come from the Chebyshev recurrence
// sin((h+1)θ) = 2cosθ·sin(hθ) − sin((h−1)θ).
func (v voice) render(d time.Duration) []int16 {
	rng := rand.New(rand.NewPCG(v.seed, 7))
	n := tone.Samples(d)
	x := make([]int16, n)
	var phase, f0, norm float64
	var gains []float64
	amp := dsp.Peak(v.levelDBm0)
	vib := rng.Float64() * 2 * math.Pi
	for i := range n {
		t := float64(i) / dsp.Rate
		if i%8 == 0 {
			f0 = v.f0 + v.f0Swing*math.Sin(2*math.Pi*0.7*t+vib) + 2*math.Sin(2*math.Pi*5.5*t)
			gains, norm = gains[:0], 0
			for h := 1; float64(h)*f0 < 3400; h++ {
				fh := float64(h) * f0
				g := 1 / float64(h)
				for k, fk := range v.formants {
					fk *= 1 + v.glide*math.Sin(2*math.Pi*(0.3+0.2*float64(k))*t)
					g *= 3 / math.Sqrt(1+math.Pow((fh-fk)/(v.bandwidth/2), 2))
				}
				gains = append(gains, g)
				norm += g * g / 2
			}
		}
		phase += 2 * math.Pi * f0 / dsp.Rate
		c2 := 2 * math.Cos(phase)
		prev, cur := 0.0, math.Sin(phase)
		var s float64
		for _, g := range gains {
			s += g * cur
			prev, cur = cur, c2*cur-prev
		}
		env := 0.6 + 0.4*math.Sin(2*math.Pi*4*t)
		x[i] = sat(int(math.Round(amp * env * s / math.Sqrt(norm))))
	}
	return x
}

var voices = []voice{
	{110, 20, [3]float64{700, 1220, 2600}, 0.1, 80, -15, 1},  // /a/, male
	{220, 40, [3]float64{850, 1220, 2810}, 0.1, 100, -10, 2}, // /a/, female
	{120, 25, [3]float64{270, 2290, 3010}, 0.2, 60, -12, 3},  // /i/
	{100, 15, [3]float64{300, 870, 2240}, 0.2, 60, -20, 4},   // /u/
	{160, 30, [3]float64{530, 1840, 2480}, 0.3, 90, -5, 5},   // /ɛ/, loud
	// Steady pitch with formants on DTMF rows and columns: the hardest
	// case a vowel makes.
	{100, 0.5, [3]float64{700, 1200, 2500}, 0, 80, -10, 6},
	{116, 0.5, [3]float64{697, 1336, 2500}, 0, 80, -10, 7},
}

func TestTalkOffVoices(t *testing.T) {
	for i, v := range voices {
		t.Run(fmt.Sprintf("voice%d", i), func(t *testing.T) {
			x := v.render(20 * time.Second)
			if got := detect(x, 160); len(got) != 0 {
				t.Errorf("%d false digits in 20 s: %v", len(got), got)
			}
		})
	}
}

func TestTalkOffSweep(t *testing.T) {
	// A linear sweep 300–3400 Hz and back, at several speeds.
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			n := tone.Samples(d)
			x := make([]int16, 2*n)
			amp := dsp.Peak(-10)
			var ph float64
			for i := range x {
				p := float64(i) / float64(n)
				if p > 1 {
					p = 2 - p
				}
				ph += 2 * math.Pi * (300 + 3100*p) / dsp.Rate
				x[i] = int16(amp * math.Sin(ph))
			}
			if got := detect(x, 160); len(got) != 0 {
				t.Errorf("false digits: %v", got)
			}
		})
	}
}

func TestTalkOffProgressTones(t *testing.T) {
	for _, c := range tone.Countries() {
		p, err := tone.PlanFor(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, cad := range []tone.Cadence{p.Dial, p.Ringback, p.Busy, p.Reorder} {
			t.Run(c+"/"+cad.Name, func(t *testing.T) {
				x := cad.Append(nil, 10*time.Second)
				if got := detect(x, 160); len(got) != 0 {
					t.Errorf("false digits: %v", got)
				}
			})
		}
	}
}

func TestTalkOffNoise(t *testing.T) {
	for _, level := range []float64{-40, -20, -5} {
		t.Run(fmt.Sprint(level), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(-level), 9))
			sigma := dsp.Peak(level) / math.Sqrt2
			x := make([]int16, 30*dsp.Rate)
			for i := range x {
				x[i] = sat(int(math.Round(rng.NormFloat64() * sigma)))
			}
			if got := detect(x, 160); len(got) != 0 {
				t.Errorf("false digits: %v", got)
			}
		})
	}
}

// TestTalkOffTriangleNote: a triangle-wave C4 has only odd harmonics,
// falling as 1/n², so its 3rd and 5th (785 and 1308 Hz) sit on row 2 and
// column 2 about 9 dB apart: a '5' at the edge of the twist limit, which
// the harmonic check must recognise as a comb (its fundamental and 7th
// harmonic are the neighbours).
func TestTalkOffTriangleNote(t *testing.T) {
	for _, f0 := range []float64{258, 261.63, 265} {
		t.Run(fmt.Sprint(f0), func(t *testing.T) {
			amp := dsp.Peak(-6)
			var x []int16
			for range 10 {
				x = append(x, make([]int16, 400)...)
				for i := range 960 { // 120 ms notes, as in an arpeggio
					var v float64
					sign := 1.0
					for n := 1; float64(n)*f0 < dsp.Rate/2; n += 2 {
						v += sign * math.Sin(2*math.Pi*float64(n)*f0*float64(i)/dsp.Rate) / float64(n*n)
						sign = -sign
					}
					x = append(x, sat(int(math.Round(amp*8/(math.Pi*math.Pi)*v))))
				}
			}
			if got := detect(x, 160); len(got) != 0 {
				t.Errorf("false digits: %v", got)
			}
		})
	}
}

// TestTalkOffVoiceOverNote: each test voice over a steady note 1 % off a
// row or column frequency (hold music under speech), at the voice's level
// and 6 dB under it, 4 s each (7.5 minutes in all): a harmonic passing the
// other group's frequency must not make a key press with the note. This
// is harder than the talk-off corpus (the voices hold their pitch and
// formants for seconds): 109 false digits before the single-tone comb
// checks and the twist-step rule, 4 with them, none since the farther
// tier of the two-sided comb check (comb.go).
func TestTalkOffVoiceOverNote(t *testing.T) {
	const voiceOverNoteBudget = 0
	total := 0
	speech := make([][]int16, len(voices))
	for i, v := range voices {
		speech[i] = v.render(4 * time.Second)
	}
	for _, f := range []dsp.Hz{697, 770, 852, 941, 1209, 1336, 1477, 1633} {
		for _, rel := range []float64{0, -6} {
			for i, v := range voices {
				x := append([]int16(nil), speech[i]...)
				addTone(x, []dsp.Hz{f * 1.01}, v.levelDBm0+rel)
				got := detect(x, 160)
				total += len(got)
				for _, e := range got {
					t.Logf("%v Hz at %+v dB, voice %d: %c at %.3f s", f, rel, i, e.Digit, float64(e.Start)/dsp.Rate)
				}
			}
		}
	}
	t.Logf("%d false digits in %d s", total, 8*2*len(voices)*4)
	if total > voiceOverNoteBudget {
		t.Errorf("%d false digits, budget %d", total, voiceOverNoteBudget)
	}
}

// TestTalkDown: every digit at −20 dBm0 per tone under each test voice
// at 10, 15 and 20 dB below each tone. The speech checks look for
// partials down to 24 dB under a tone, so a voice that loud costs key
// presses; it must never cost a wrong digit, and the share decoded must
// stay near what this receiver does: 87.5 %, 100 % and 100 % (88.4 %,
// 100 %, 100 % before the farther tier of the comb check).
func TestTalkDown(t *testing.T) {
	for _, tc := range []struct {
		under   float64 // dB the voice lies under each tone
		minRate float64
	}{{10, 0.85}, {15, 0.97}, {20, 1}} {
		t.Run(fmt.Sprint(tc.under), func(t *testing.T) {
			ok, wrong, n := 0, 0, 0
			for i, v := range voices {
				x, want := render(t, 0, allKeys(-20, 0, 60*ms, 60*ms))
				v.levelDBm0 = -20 - tc.under
				v.seed = uint64(100 * i)
				sp := v.render(time.Duration(len(x)) * time.Second / dsp.Rate)
				for j := range x {
					x[j] = sat(int(x[j]) + int(sp[j]))
				}
				o, w := score(detect(x, 160), want)
				ok, wrong = ok+o, wrong+w
				n += len(want)
			}
			rate := float64(ok) / float64(n)
			t.Logf("voice %v dB under each tone: %d of %d keys decoded (%.1f %%), %d wrong", tc.under, ok, n, 100*rate, wrong)
			if wrong != 0 {
				t.Errorf("%d wrong digits", wrong)
			}
			if rate < tc.minRate {
				t.Errorf("decoded %.1f %%, want at least %.0f %%", 100*rate, 100*tc.minRate)
			}
		})
	}
}
