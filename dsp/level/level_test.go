package level_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/dsptest"
	"github.com/linetap/linetap/dsp/level"
	"github.com/linetap/linetap/dsp/tone"
)

func TestMeterLevel(t *testing.T) {
	tests := []struct {
		name  string
		freqs []dsp.Hz
		level float64
		want  float64
	}{
		{"-10 dBm0 sine", []dsp.Hz{1004}, -10, -10},
		{"-40 dBm0 sine", []dsp.Hz{1004}, -40, -40},
		{"full scale", []dsp.Hz{1004}, dsp.FullScaleDBm0, dsp.FullScaleDBm0},
		{"two tones add 3 dB", []dsp.Hz{350, 440}, -13, -10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := level.NewMeter(100 * time.Millisecond)
			m.Process(tone.AppendTone(nil, tc.freqs, tc.level, time.Second))
			if got := m.DBm0(); math.Abs(got-tc.want) > 0.1 {
				t.Errorf("DBm0 = %.2f, want %.2f", got, tc.want)
			}
		})
	}
}

func TestMeterWindow(t *testing.T) {
	m := level.NewMeter(50 * time.Millisecond)
	if got := m.DBm0(); got != -100 {
		t.Fatalf("empty meter reads %v", got)
	}
	loud := tone.AppendTone(nil, []dsp.Hz{1000}, -6, 200*time.Millisecond)
	m.Process(loud)
	m.Process(make([]int16, 200)) // 25 ms of silence: half the window
	if got := m.DBm0(); math.Abs(got-(-9)) > 0.2 {
		t.Errorf("half-silent window reads %.2f, want −9", got)
	}
	m.Process(make([]int16, 200))
	if got := m.DBm0(); got != -100 {
		t.Errorf("silent window reads %.2f, want −100", got)
	}
	if p := m.Peak(); math.Abs(float64(p)-dsp.Peak(-6)) > 1 {
		t.Errorf("Peak = %d, want %.0f (held since Reset)", p, dsp.Peak(-6))
	}
}

func TestMeterClipped(t *testing.T) {
	m := level.NewMeter(time.Second)
	m.Process([]int16{0, 32767, 32766, -32768, -32767, 32767})
	if got := m.Clipped(); got != 3 {
		t.Errorf("Clipped = %d, want 3", got)
	}
	if got := m.Peak(); got != 32767 {
		t.Errorf("Peak = %d", got)
	}
	m.Reset()
	if m.Clipped() != 0 || m.Peak() != 0 || m.DBm0() != -100 {
		t.Errorf("after Reset: %d %d %v", m.Clipped(), m.Peak(), m.DBm0())
	}
	// A zero window still measures one sample.
	z := level.NewMeter(0)
	z.Process([]int16{0, 0, 100})
	if got, want := z.DBm0(), dsp.DBm0(100); got != want {
		t.Errorf("one-sample meter = %v, want %v", got, want)
	}
}

func TestVAD(t *testing.T) {
	const ms = time.Millisecond
	speech := tone.AppendTone(nil, []dsp.Hz{300, 700, 1500}, -25, 300*ms)
	quiet := tone.AppendTone(nil, []dsp.Hz{1000}, -55, 10*ms)
	tests := []struct {
		name   string
		blocks [][]int16
		want   []bool
	}{
		{"silence", [][]int16{make([]int16, 8000)}, []bool{false}},
		{"quiet noise floor", [][]int16{repeat(quiet, 100)}, []bool{false}},
		{"speech", [][]int16{speech}, []bool{true}},
		{"10 ms click is not speech", [][]int16{speech[:80], make([]int16, 800)}, []bool{false, false}},
		{"20 ms is", [][]int16{speech[:160]}, []bool{true}},
		{"hangover holds", [][]int16{speech, make([]int16, tone.Samples(490*ms))}, []bool{true, true}},
		{"hangover ends", [][]int16{speech, make([]int16, tone.Samples(500*ms))}, []bool{true, false}},
		{"speech resumes in hangover", [][]int16{speech, make([]int16, 3000), speech[:80], make([]int16, 3000)}, []bool{true, true, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := level.NewVAD(-40, 500*ms)
			for i, b := range tc.blocks {
				if got := v.Process(b); got != tc.want[i] {
					t.Fatalf("block %d: active = %v, want %v", i, got, tc.want[i])
				}
				if v.Active() != tc.want[i] {
					t.Fatalf("Active() disagrees with Process")
				}
			}
			v.Reset()
			if v.Active() {
				t.Fatal("active after Reset")
			}
		})
	}
}

func repeat(x []int16, n int) []int16 {
	var out []int16
	for range n {
		out = append(out, x...)
	}
	return out
}

func TestNoAllocs(t *testing.T) {
	x := tone.AppendTone(nil, []dsp.Hz{1000}, -10, 20*time.Millisecond)
	m := level.NewMeter(time.Second)
	v := level.NewVAD(-40, time.Second)
	if a := testing.AllocsPerRun(100, func() { m.Process(x); _ = m.DBm0() }); a != 0 {
		t.Errorf("Meter: %v allocations", a)
	}
	if a := testing.AllocsPerRun(100, func() { v.Process(x) }); a != 0 {
		t.Errorf("VAD: %v allocations", a)
	}
}

func TestVADThreshold(t *testing.T) {
	// A frame is loud when its level is at least the threshold; 0.2 dB
	// either side of it decides.
	for _, tc := range []struct {
		threshold, level float64
		want             bool
	}{{-40, -39.8, true}, {-40, -40.2, false}, {-20, -19.8, true}, {-20, -20.2, false}, {-100, -120, true}, {-120, -200, true}} {
		t.Run(fmt.Sprintf("%v/%v", tc.threshold, tc.level), func(t *testing.T) {
			v := level.NewVAD(tc.threshold, 0)
			var x []int16
			if tc.level > -100 {
				// 1 kHz: whole cycles in every 10 ms frame.
				x = tone.AppendTone(nil, []dsp.Hz{1000}, tc.level, 100*time.Millisecond)
			} else {
				x = make([]int16, 800)
			}
			if got := v.Process(x); got != tc.want {
				t.Errorf("active = %v, want %v", got, tc.want)
			}
		})
	}
}

func BenchmarkMeter(b *testing.B) {
	x := tone.AppendTone(nil, []dsp.Hz{1000}, -10, time.Second)
	m := level.NewMeter(time.Second)
	cpu0 := dsptest.CPUTime()
	for b.Loop() {
		m.Process(x)
	}
	dsptest.ReportAudio(b, len(x), cpu0)
}

func BenchmarkVAD(b *testing.B) {
	x := tone.AppendTone(nil, []dsp.Hz{1000}, -10, time.Second)
	v := level.NewVAD(-40, time.Second)
	cpu0 := dsptest.CPUTime()
	for b.Loop() {
		v.Process(x)
	}
	dsptest.ReportAudio(b, len(x), cpu0)
}

func ExampleMeter() {
	m := level.NewMeter(100 * time.Millisecond)
	m.Process(tone.AppendTone(nil, []dsp.Hz{1004}, -10, time.Second))
	fmt.Printf("%.1f dBm0, peak %d, %d clipped\n", m.DBm0(), m.Peak(), m.Clipped())
	// Output: -10.0 dBm0, peak 7218, 0 clipped
}

func ExampleVAD() {
	v := level.NewVAD(-40, 300*time.Millisecond)
	talk := tone.AppendTone(nil, []dsp.Hz{500, 1500}, -20, 200*time.Millisecond)
	fmt.Println(v.Process(talk), v.Process(make([]int16, 1600)), v.Process(make([]int16, 1600)))
	// Output: true true false
}
