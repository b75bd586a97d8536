package callerid_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/hw/sim"
)

func alerts(x []int16) []callerid.Alert {
	d := callerid.NewAlertDetector()
	in := cat16(make([]int16, lead), x, make([]int16, 800))
	return d.Flush(d.Process(in, 0, nil))
}

func TestAlertDetector(t *testing.T) {
	// Bellcore CAS: ±0.5 %, −14 to −32 dBm, 75–85 ms; BT: ±1.1 %, 88–110 ms.
	for _, ms := range []float64{75, 80, 85, 88, 100, 110} {
		for _, level := range []float64{-14, -32} {
			for _, off := range []float64{-0.011, -0.005, 0, 0.005, 0.011} {
				for _, twist := range []float64{-6, 0, 6} {
					name := fmt.Sprintf("%gms/%gdBm0/%+g%%/twist%+g", ms, level, off*100, twist)
					t.Run(name, func(t *testing.T) {
						// Each tone stays within −14…−32 dBm0: twist lowers one
						// tone at the top of the range, raises one at the bottom.
						l1, l2 := level-max(0, twist), level+min(0, twist)
						if level < -20 {
							l1, l2 = level+max(0, -twist), level+max(0, twist)
						}
						x := tones2(ms/1000, 2130*(1+off), l1, 2750*(1+off), l2)
						got := alerts(x)
						if len(got) != 1 {
							t.Fatalf("%d alerts: %+v", len(got), got)
						}
						a := got[0]
						if d := a.Start - lead; d < -12 || d > 12 {
							t.Errorf("start %d, sent %d", a.Start, lead)
						}
						if d := a.Duration() - time.Duration(ms*float64(time.Millisecond)); d < -2*time.Millisecond || d > 2*time.Millisecond {
							t.Errorf("duration %v, sent %gms", a.Duration(), ms)
						}
						if math.Abs(float64(a.LowHz)-2130*(1+off)) > 5 || math.Abs(float64(a.HighHz)-2750*(1+off)) > 5 {
							t.Errorf("measured %v Hz, %v Hz", a.LowHz, a.HighHz)
						}
						if math.Abs(a.LowDBm0-l1) > 1 || math.Abs(a.HighDBm0-l2) > 1 {
							t.Errorf("levels %.1f, %.1f dBm0", a.LowDBm0, a.HighDBm0)
						}
					})
				}
			}
		}
	}
}

// tones2 is two sines of their own levels.
func tones2(dur, f1, l1, f2, l2 float64) []int16 {
	a, b := tones(dur, l1, f1), tones(dur, l2, f2)
	for i := range a {
		a[i] = sat(float64(a[i]) + float64(b[i]))
	}
	return a
}

func TestAlertDetectorRejects(t *testing.T) {
	voice := func(seed int64, level float64, secs int) []int16 {
		v := sim.NewVoice(seed, level)
		return v.Append(nil, time.Duration(secs)*time.Second)
	}
	fskx, _ := callerid.Synth(messages[9], -10)
	for _, c := range []struct {
		name string
		x    []int16
	}{
		{"30ms", tones(0.03, -20, 2130, 2750)},
		{"45ms", tones(0.045, -20, 2130, 2750)},
		{"300ms", tones(0.3, -20, 2130, 2750)},
		{"2130 alone", tones(0.08, -20, 2130)},
		{"2750 alone", tones(0.08, -20, 2750)},
		{"3% off", tones(0.08, -20, 2130*1.03, 2750*1.03)},
		{"-3% off", tones(0.08, -20, 2130*0.97, 2750*0.97)},
		{"-46dBm0", tones(0.08, -46, 2130, 2750)},
		{"twist 14dB", tones2(0.08, 2130, -14, 2750, -28)},
		{"fsk", fskx},
		{"dtmf", dtmf(-10)},
		{"voice -10", voice(1, -10, 20)}, {"voice -20", voice(2, -20, 20)}, {"voice -30", voice(3, -30, 20)},
		{"speech", speech(-15, 5)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := alerts(c.x); len(got) != 0 {
				t.Errorf("%d alerts: %+v", len(got), got)
			}
		})
	}
}

func TestAlertDetectorAllocs(t *testing.T) {
	x := callerid.AppendAlert(speech(-15, 4), 80*time.Millisecond, -20)
	d := callerid.NewAlertDetector()
	out := make([]callerid.Alert, 0, 4)
	if a := testing.AllocsPerRun(3, func() { d.Reset(); out = d.Flush(d.Process(x, 0, out[:0])) }); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
	if len(out) != 1 {
		t.Errorf("%d alerts, want 1", len(out))
	}
}
