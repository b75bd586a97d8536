package tone_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/dsptest"
	"github.com/linetap/linetap/dsp/tone"
)

func TestProgressNoAllocs(t *testing.T) {
	p, _ := tone.PlanFor("US")
	x := p.Busy.Append(nil, 5*time.Second)
	d := tone.NewProgressDetector()
	out := make([]tone.ProgressEvent, 0, 8)
	var pos int64
	allocs := testing.AllocsPerRun(5, func() {
		out = d.Process(x, pos, out[:0])
		pos += int64(len(x))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Process", allocs)
	}
}

func FuzzProgressDetector(f *testing.F) {
	p, _ := tone.PlanFor("DE")
	seed := p.Busy.Append(nil, 500*time.Millisecond)
	b := dsptest.Bytes(seed)
	f.Add(b, int64(0), uint16(160))
	f.Fuzz(func(t *testing.T, data []byte, pos int64, block uint16) {
		if pos < 0 || pos > 1<<50 {
			pos = 0
		}
		x := dsptest.Samples(data)
		bs := max(int(block), 1)
		d := tone.NewProgressDetector()
		var ev []tone.ProgressEvent
		for r := 0; r < 4; r++ { // the data four times over, to reach cadences
			for i := 0; i < len(x); i += bs {
				ev = d.Process(x[i:min(len(x), i+bs)], pos+int64(r*len(x)+i), ev)
			}
		}
		end := pos + int64(4*len(x))
		for _, e := range ev {
			if e.Kind == tone.ProgressNone || e.Kind > tone.ProgressSIT || e.Start < pos || e.Start >= e.Pos || e.Pos > end {
				t.Fatalf("bad event %+v for samples [%d, %d)", e, pos, end)
			}
		}
	})
}

func BenchmarkProgressDetector(b *testing.B) {
	p, _ := tone.PlanFor("US")
	for _, sig := range []struct {
		name string
		x    []int16
	}{
		{"busy", p.Busy.Append(nil, 10*time.Second)},
		{"dial", p.Dial.Append(nil, 10*time.Second)},
		{"sit", tone.StandardSIT.Append(make([]int16, dsp.Rate))},
		{"voice", voice(10*time.Second, 1)},
		{"silence", make([]int16, 10*dsp.Rate)},
	} {
		b.Run(sig.name, func(b *testing.B) {
			d := tone.NewProgressDetector()
			out := make([]tone.ProgressEvent, 0, 8)
			var pos int64
			cpu0 := dsptest.CPUTime()
			for b.Loop() {
				out = d.Process(sig.x, pos, out[:0])
				pos += int64(len(sig.x))
			}
			dsptest.ReportAudio(b, len(sig.x), cpu0)
		})
	}
}

func BenchmarkAppendTone(b *testing.B) {
	buf := make([]int16, 0, dsp.Rate)
	for b.Loop() {
		buf = tone.AppendTone(buf[:0], []dsp.Hz{350, 440}, -13, time.Second)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*dsp.Rate), "ns/sample")
}

func BenchmarkAppendRing(b *testing.B) {
	buf := make([]int16, 0, dsp.Rate)
	for b.Loop() {
		buf = tone.AppendRing(buf[:0], 20, time.Second)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*dsp.Rate), "ns/sample")
}

func ExampleProgressDetector() {
	plan, err := tone.PlanFor("DE")
	if err != nil {
		fmt.Println(err)
		return
	}
	x := plan.Busy.Append(nil, 5*time.Second)
	d := tone.NewProgressDetector()
	for _, e := range d.Process(x, 0, nil) {
		fmt.Printf("%v from %.2f s, recognised at %.2f s\n", e.Kind, float64(e.Start)/dsp.Rate, float64(e.Pos)/dsp.Rate)
	}
	// Output: busy from 0.01 s, recognised at 2.93 s
}

func ExampleCadence_Append() {
	plan, _ := tone.PlanFor("US")
	x := plan.Reorder.Append(nil, time.Second)
	fmt.Println(len(x), x[tone.Samples(300*time.Millisecond)]) // in the first pause
	// Output: 8000 0
}

func ExamplePlanFor() {
	_, err := tone.PlanFor("XX")
	fmt.Println(err)
	// Output: tone: unknown country "XX" (known: AU, DE, FR, JP, SE, UK, US)
}
