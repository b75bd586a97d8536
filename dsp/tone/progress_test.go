package tone_test

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

// progressEvents runs a fresh detector over x in blocks.
func progressEvents(x []int16, block int) []tone.ProgressEvent {
	d := tone.NewProgressDetector()
	var ev []tone.ProgressEvent
	for i := 0; i < len(x); i += block {
		ev = d.Process(x[i:min(len(x), i+block)], int64(i), ev)
	}
	return ev
}

// ambiguous lists the cadences that are another's in some plan (see
// doc.go): what they are reported as.
var ambiguous = map[string]tone.Progress{
	"FR/reorder": tone.ProgressBusy,
	"JP/reorder": tone.ProgressBusy,
	"AU/reorder": tone.ProgressBusy,
}

func TestProgressPlans(t *testing.T) {
	const lead = 300 * time.Millisecond
	for _, c := range tone.Countries() {
		p, err := tone.PlanFor(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct {
			cad  tone.Cadence
			want tone.Progress
		}{
			{p.Dial, tone.ProgressDial},
			{p.Ringback, tone.ProgressRingback},
			{p.Busy, tone.ProgressBusy},
			{p.Reorder, tone.ProgressReorder},
		} {
			name := c + "/" + k.cad.Name
			t.Run(name, func(t *testing.T) {
				want := k.want
				if a, ok := ambiguous[name]; ok {
					want = a
				}
				d := 4*k.cad.Period() + 500*time.Millisecond
				if k.cad.Continuous() {
					d = 3 * time.Second
				}
				x := make([]int16, tone.Samples(lead))
				x = k.cad.Append(x, d)
				x = append(x, make([]int16, 8000)...)
				ev := progressEvents(x, 160)
				if len(ev) != 1 || ev[0].Kind != want {
					t.Fatalf("events %v, want one %v", ev, want)
				}
				start := int64(tone.Samples(lead))
				if math.Abs(float64(ev[0].Start-start)) > 0.03*dsp.Rate {
					t.Errorf("Start = %d, want %d ± 30 ms", ev[0].Start, start)
				}
				// Recognised after the cycles it needs, not before.
				needs := k.cad.Period()
				switch want {
				case tone.ProgressDial:
					needs = time.Second
				case tone.ProgressBusy, tone.ProgressReorder:
					needs *= 3
				}
				if ev[0].Pos < start+int64(tone.Samples(needs))-dsp.Rate/5 {
					t.Errorf("recognised at %d, before %v of tone", ev[0].Pos, needs)
				}
			})
		}
	}
}

// TestProgressSequence: ringback, then answer (speech), then busy when
// the far end hangs up; US and DE.
func TestProgressSequence(t *testing.T) {
	for _, c := range []string{"US", "DE"} {
		t.Run(c, func(t *testing.T) {
			p, _ := tone.PlanFor(c)
			x := p.Ringback.Append(nil, 2*p.Ringback.Period())
			x = append(x, voice(4*time.Second, 1)...)
			busyAt := len(x)
			x = p.Busy.Append(x, 5*time.Second)
			ev := progressEvents(x, 80)
			if len(ev) != 2 || ev[0].Kind != tone.ProgressRingback || ev[1].Kind != tone.ProgressBusy {
				t.Fatalf("events %v, want ringback then busy", ev)
			}
			if ev[1].Start < int64(busyAt) || ev[1].Start > int64(busyAt)+dsp.Rate/20 {
				t.Errorf("busy Start %d, want %d", ev[1].Start, busyAt)
			}
		})
	}
}

// TestProgressQuiet feeds signals that are no call-progress tone.
func TestProgressQuiet(t *testing.T) {
	digits, err := dtmf.AppendDigits(nil, "0123456789*#ABCD0123456789", 100*time.Millisecond, 100*time.Millisecond, -10)
	if err != nil {
		t.Fatal(err)
	}
	slowDigits, _ := dtmf.AppendDigits(nil, "5555555", 500*time.Millisecond, 500*time.Millisecond, -10)
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]int16, 20*dsp.Rate)
	for i := range noise {
		noise[i] = int16(rng.NormFloat64() * 2000)
	}
	tests := []struct {
		name string
		x    []int16
	}{
		{"dtmf", digits},
		{"dtmf at busy cadence", slowDigits},
		{"noise", noise},
		{"silence", make([]int16, 10*dsp.Rate)},
		{"1 kHz steady", tone.AppendTone(nil, []dsp.Hz{1000}, -10, 5*time.Second)},
	}
	for seed := range uint64(6) {
		tests = append(tests, struct {
			name string
			x    []int16
		}{fmt.Sprintf("voice%d", seed), voice(30*time.Second, seed)})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tone.NewProgressDetector()
			var ev []tone.ProgressEvent
			toneFor := 0
			for i := 0; i < len(tc.x); i += 80 {
				ev = d.Process(tc.x[i:min(len(tc.x), i+80)], int64(i), ev)
				if d.Tone() {
					toneFor++
				}
			}
			if len(ev) != 0 {
				t.Errorf("events %v", ev)
			}
			if tc.name != "1 kHz steady" && toneFor*80 > len(tc.x)/20 {
				t.Errorf("Tone() true %d%% of the time", toneFor*80*100/len(tc.x))
			}
		})
	}
}

// voice is a speech-like signal: harmonics of a wandering pitch (80–300
// Hz) through moving formants, in syllables of 100–400 ms with pauses.
func voice(d time.Duration, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 11))
	n := tone.Samples(d)
	x := make([]int16, 0, n)
	for len(x) < n {
		syl := tone.Samples(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		f0 := 80 + 220*rng.Float64()
		f1, f2 := 300+600*rng.Float64(), 900+1600*rng.Float64()
		amp := dsp.Peak(-30 + 25*rng.Float64())
		var ph float64
		for i := 0; i < syl && len(x) < n; i++ {
			f := f0 * (1 + 0.1*float64(i)/float64(syl))
			ph += 2 * math.Pi * f / dsp.Rate
			var s, norm float64
			for h := 1; float64(h)*f < 3400; h++ {
				fh := float64(h) * f
				g := 1/(1+math.Pow((fh-f1)/80, 2)) + 0.7/(1+math.Pow((fh-f2)/100, 2)) + 0.02
				s += g * math.Sin(float64(h)*ph)
				norm += g * g / 2
			}
			env := math.Sin(math.Pi * float64(i) / float64(syl))
			x = append(x, int16(amp*env*s/math.Sqrt(norm)))
		}
		pause := tone.Samples(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		for i := 0; i < pause && len(x) < n; i++ {
			x = append(x, 0)
		}
	}
	return x
}

func TestProgressString(t *testing.T) {
	for p, want := range map[tone.Progress]string{
		tone.ProgressNone: "none", tone.ProgressDial: "dial", tone.ProgressRingback: "ringback",
		tone.ProgressBusy: "busy", tone.ProgressReorder: "reorder", 9: "progress(9)",
	} {
		if got := p.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", p, got, want)
		}
	}
}
