package dtmf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/internal/dsptest"
)

func TestDetectorNoAllocs(t *testing.T) {
	x, err := dtmf.AppendDigits(nil, "1234567890", 50*time.Millisecond, 50*time.Millisecond, -10)
	if err != nil {
		t.Fatal(err)
	}
	d := dtmf.NewDetector()
	out := make([]dtmf.Event, 0, 32)
	var pos int64
	allocs := testing.AllocsPerRun(10, func() {
		out = d.Process(x, pos, out[:0])
		pos += int64(len(x))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Process", allocs)
	}
}

func FuzzDetector(f *testing.F) {
	seed, _ := dtmf.AppendDigits(nil, "19#", 40*time.Millisecond, 40*time.Millisecond, -10)
	b := dsptest.Bytes(seed)
	f.Add(b, int64(0), uint16(160))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80}, int64(12345), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, pos int64, block uint16) {
		if pos < 0 || pos > 1<<50 {
			pos = 0
		}
		x := dsptest.Samples(data)
		bs := max(int(block), 1)
		d := dtmf.NewDetector()
		var ev []dtmf.Event
		for i := 0; i < len(x); i += bs {
			ev = d.Process(x[i:min(len(x), i+bs)], pos+int64(i), ev)
			if start, ok := d.Pending(); ok && (start < pos || start > pos+int64(i+bs)) {
				t.Fatalf("Pending start %d outside the samples fed [%d, %d)", start, pos, pos+int64(i+bs))
			}
		}
		ev = d.Flush(ev)
		end := pos + int64(len(x))
		prev := pos
		for _, e := range ev {
			if _, _, err := dtmf.Tones(e.Digit); err != nil {
				t.Fatalf("event %+v: %v", e, err)
			}
			if e.Start < prev || e.Start >= e.End || e.End > end {
				t.Fatalf("bad event %+v (previous ended %d) for samples [%d, %d)", e, prev, pos, end)
			}
			prev = e.End
		}
	})
}

// benchSignals are the inputs the detector benchmarks run on.
func benchSignals() []struct {
	name string
	x    []int16
} {
	digits, _ := dtmf.AppendDigits(nil, "0123456789*#ABCD", 50*time.Millisecond, 50*time.Millisecond, -10)
	rng := rand.New(rand.NewPCG(1, 1))
	noise := make([]int16, 2*dsp.Rate)
	for i := range noise {
		noise[i] = int16(rng.NormFloat64() * dsp.Peak(-45) / math.Sqrt2)
	}
	return []struct {
		name string
		x    []int16
	}{
		{"digits", digits},
		// A steady vowel with formants on DTMF rows and columns: the
		// worst case for the spectral gate.
		{"voice", voices[0].render(2 * time.Second)},
		{"silence", make([]int16, 2*dsp.Rate)},
		{"noise-45dBm0", noise},
	}
}

func BenchmarkDetector(b *testing.B) {
	for _, sig := range benchSignals() {
		b.Run(sig.name, func(b *testing.B) {
			d := dtmf.NewDetector()
			out := make([]dtmf.Event, 0, 32)
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

func BenchmarkAppendDigits(b *testing.B) {
	buf := make([]int16, 0, 16*800)
	for b.Loop() {
		buf, _ = dtmf.AppendDigits(buf[:0], "0123456789*#ABCD", 50*time.Millisecond, 50*time.Millisecond, -10)
	}
}

func Example() {
	x, err := dtmf.AppendDigits(nil, "42#", 60*time.Millisecond, 60*time.Millisecond, -12)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := dtmf.NewDetector()
	events := d.Process(x, 0, nil)
	events = d.Flush(events)
	for _, e := range events {
		fmt.Printf("%c %3d–%3d ms\n", e.Digit, e.Start/8, e.End/8)
	}
	// Output:
	// 4   0– 59 ms
	// 2 119–179 ms
	// # 239–299 ms
}
