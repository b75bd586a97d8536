package tone_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

const msec = time.Millisecond

// sitSignal is lead silence, s with gap between its segments, then a
// second of silence; it returns the samples and where s begins.
func sitSignal(s tone.SIT, lead, gap time.Duration) ([]int16, int64) {
	x := make([]int16, tone.Samples(lead))
	start := int64(len(x))
	for i := range s.Freqs {
		x = tone.AppendTone(x, []dsp.Hz{s.Freqs[i]}, s.LevelDBm0, s.Durations[i])
		if i < 2 {
			x = append(x, make([]int16, tone.Samples(gap))...)
		}
	}
	return append(x, make([]int16, dsp.Rate)...), start
}

func TestSIT(t *testing.T) {
	d3 := func(a, b, c int) [3]time.Duration {
		return [3]time.Duration{time.Duration(a) * msec, time.Duration(b) * msec, time.Duration(c) * msec}
	}
	tests := []struct {
		name string
		sit  tone.SIT
		gap  time.Duration
	}{
		{"E.180", tone.StandardSIT, 0},
		{"E.180 30 ms gaps", tone.StandardSIT, 30 * msec},
		{"North America", tone.NorthAmericanSIT, 0},
		{"NA low freqs short", tone.SIT{Freqs: [3]dsp.Hz{913.8, 1370.6, 1776.7}, Durations: d3(274, 274, 380), LevelDBm0: -24}, 0},
		{"NA high freqs", tone.SIT{Freqs: [3]dsp.Hz{985.2, 1428.5, 1776.7}, Durations: d3(380, 380, 274), LevelDBm0: -24}, 0},
		{"-50 Hz", tone.SIT{Freqs: [3]dsp.Hz{900, 1350, 1750}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 10 * msec},
		{"+50 Hz", tone.SIT{Freqs: [3]dsp.Hz{1000, 1450, 1850}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 0},
		{"260 ms", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(260, 260, 260), LevelDBm0: -24}, 0},
		{"400 ms", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(400, 400, 400), LevelDBm0: -24}, 0},
		{"quiet", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(330, 330, 330), LevelDBm0: -36}, 0},
		{"loud", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(330, 330, 330), LevelDBm0: -6}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, start := sitSignal(tc.sit, 230*msec, tc.gap)
			for _, block := range []int{1, 80, 333} {
				ev := progressEvents(x, block)
				if len(ev) != 1 || ev[0].Kind != tone.ProgressSIT {
					t.Fatalf("block %d: events %v, want one SIT", block, ev)
				}
				if math.Abs(float64(ev[0].Start-start)) > 0.02*dsp.Rate {
					t.Errorf("Start %d, want %d ± 20 ms", ev[0].Start, start)
				}
				var total time.Duration
				for _, d := range tc.sit.Durations {
					total += d
				}
				end := start + int64(tone.Samples(total+2*tc.gap))
				if ev[0].Pos < end || ev[0].Pos > end+int64(tone.Samples(60*msec)) {
					t.Errorf("Pos %d, want within 60 ms after the third segment ends at %d", ev[0].Pos, end)
				}
			}
		})
	}
}

func TestSITReject(t *testing.T) {
	d3 := func(a, b, c int) [3]time.Duration {
		return [3]time.Duration{time.Duration(a) * msec, time.Duration(b) * msec, time.Duration(c) * msec}
	}
	tests := []struct {
		name string
		sit  tone.SIT
		gap  time.Duration
	}{
		{"descending", tone.SIT{Freqs: [3]dsp.Hz{1800, 1400, 950}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 0},
		{"150 ms segments", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(150, 150, 150), LevelDBm0: -24}, 0},
		{"500 ms segments", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(500, 500, 500), LevelDBm0: -24}, 0},
		{"100 ms gaps", tone.StandardSIT, 100 * msec},
		{"-100 Hz", tone.SIT{Freqs: [3]dsp.Hz{850, 1300, 1700}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 0},
		{"too quiet", tone.SIT{Freqs: tone.StandardSIT.Freqs, Durations: d3(330, 330, 330), LevelDBm0: -50}, 0},
		{"one tone", tone.SIT{Freqs: [3]dsp.Hz{950, 950, 950}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 0},
		{"two segments", tone.SIT{Freqs: [3]dsp.Hz{950, 1400, 0}, Durations: d3(330, 330, 330), LevelDBm0: -24}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, _ := sitSignal(tc.sit, 100*msec, tc.gap)
			if ev := progressEvents(x, 80); len(ev) != 0 {
				t.Errorf("events %v", ev)
			}
		})
	}
}

// TestSITRepeated: a SIT, an announcement, the SIT again: one event each.
func TestSITRepeated(t *testing.T) {
	x := tone.StandardSIT.Append(nil)
	x = append(x, voice(3*time.Second, 3)...)
	x = tone.StandardSIT.Append(x)
	x = append(x, make([]int16, 800)...)
	ev := progressEvents(x, 160)
	if len(ev) != 2 || ev[0].Kind != tone.ProgressSIT || ev[1].Kind != tone.ProgressSIT {
		t.Fatalf("events %v, want two SIT", ev)
	}
}

func TestProgressOptions(t *testing.T) {
	for _, n := range []int{-1, 1, 9, 100} {
		if _, err := tone.NewProgressDetectorOptions(tone.ProgressOptions{BusyCycles: n}); !errors.Is(err, tone.ErrOptions) {
			t.Errorf("BusyCycles %d: err %v, want ErrOptions", n, err)
		}
	}
	for _, n := range []int{0, 2, 3, 4, 8} {
		if _, err := tone.NewProgressDetectorOptions(tone.ProgressOptions{BusyCycles: n}); err != nil {
			t.Errorf("BusyCycles %d: %v", n, err)
		}
	}
}

// progressWith runs a detector with options o over x in 80-sample blocks.
func progressWith(t *testing.T, o tone.ProgressOptions, x []int16) []tone.ProgressEvent {
	t.Helper()
	d, err := tone.NewProgressDetectorOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	var ev []tone.ProgressEvent
	for i := 0; i < len(x); i += 80 {
		ev = d.Process(x[i:min(len(x), i+80)], int64(i), ev)
	}
	return ev
}

// TestBusyTwoCycles: with BusyCycles 2 every plan's busy and reorder is
// recognised after two cycles; a cadence 10 % off nominal is left to the
// three-cycle rule.
func TestBusyTwoCycles(t *testing.T) {
	for _, c := range tone.Countries() {
		p, _ := tone.PlanFor(c)
		for _, k := range []struct {
			cad  tone.Cadence
			want tone.Progress
		}{{p.Busy, tone.ProgressBusy}, {p.Reorder, tone.ProgressReorder}} {
			name := c + "/" + k.cad.Name
			t.Run(name, func(t *testing.T) {
				want := k.want
				if a, ok := ambiguous[name]; ok {
					want = a
				}
				lead := 300 * msec
				x := make([]int16, tone.Samples(lead))
				x = k.cad.Append(x, 4*k.cad.Period())
				ev := progressWith(t, tone.ProgressOptions{BusyCycles: 2}, x)
				if len(ev) != 1 || ev[0].Kind != want {
					t.Fatalf("events %v, want one %v", ev, want)
				}
				start := int64(tone.Samples(lead))
				two := start + int64(tone.Samples(2*k.cad.Period()))
				if ev[0].Pos < two-int64(tone.Samples(k.cad.Pattern[len(k.cad.Pattern)-1]))-dsp.Rate/10 || ev[0].Pos > two+dsp.Rate/10 {
					t.Errorf("recognised at %.2f s, want at the start of the third burst, %.2f s", float64(ev[0].Pos)/dsp.Rate, float64(two)/dsp.Rate)
				}
			})
		}
	}
	// 10 % slow: two cycles are not enough, three (wide windows) are.
	p, _ := tone.PlanFor("US")
	slow := p.Busy
	slow.Pattern = []time.Duration{550 * msec, 550 * msec}
	x := slow.Append(nil, 5*slow.Period())
	ev := progressWith(t, tone.ProgressOptions{BusyCycles: 2}, x)
	if len(ev) != 1 || ev[0].Kind != tone.ProgressBusy || ev[0].Pos < int64(tone.Samples(3*slow.Period()))-dsp.Rate/2 {
		t.Errorf("10 %% slow busy: events %v, want busy after three cycles", ev)
	}
}

// TestBusyFalseAlarm runs both busy rules over speech-like signals and
// music-like ones (notes at plan frequencies, on/off at busy-like rates):
// no busy or reorder may be reported.
func TestBusyFalseAlarm(t *testing.T) {
	var signals []struct {
		name string
		x    []int16
	}
	add := func(name string, x []int16) {
		signals = append(signals, struct {
			name string
			x    []int16
		}{name, x})
	}
	for seed := range uint64(4) {
		add(fmt.Sprintf("voice%d", seed), voice(25*time.Second, 100+seed))
	}
	// A melody whose notes include 440, 480+620 chords and 425 Hz, each
	// 0.5 s, with other notes between: never two cycles of one set.
	var melody []int16
	notes := [][]dsp.Hz{{440}, {523.3}, {480, 620}, {659.3}, {425}, {392}, {440}, {349.2, 440}, {480, 620}, {587.3}}
	for r := 0; r < 6; r++ {
		for _, n := range notes {
			melody = tone.AppendTone(melody, n, -15, 500*msec)
		}
	}
	add("melody", melody)
	for _, o := range []tone.ProgressOptions{{BusyCycles: 2}, {BusyCycles: 3}} {
		for _, s := range signals {
			t.Run(fmt.Sprintf("%d/%s", o.BusyCycles, s.name), func(t *testing.T) {
				for _, e := range progressWith(t, o, s.x) {
					if e.Kind == tone.ProgressBusy || e.Kind == tone.ProgressReorder {
						t.Errorf("false %v at %.2f s", e.Kind, float64(e.Pos)/dsp.Rate)
					}
				}
			})
		}
	}
}
