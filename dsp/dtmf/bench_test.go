package dtmf_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
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
	b := make([]byte, 2*len(seed))
	for i, s := range seed {
		b[2*i], b[2*i+1] = byte(s), byte(s>>8)
	}
	f.Add(b, int64(0), uint16(160))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80}, int64(12345), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, pos int64, block uint16) {
		if pos < 0 || pos > 1<<50 {
			pos = 0
		}
		x := make([]int16, len(data)/2)
		for i := range x {
			x[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		bs := max(int(block), 1)
		d := dtmf.NewDetector()
		var ev []dtmf.Event
		for i := 0; i < len(x); i += bs {
			ev = d.Process(x[i:min(len(x), i+bs)], pos+int64(i), ev)
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

func BenchmarkDetector(b *testing.B) {
	for _, sig := range []struct {
		name   string
		digits string
	}{{"digits", "0123456789*#ABCD"}, {"voice", ""}} {
		var x []int16
		if sig.digits != "" {
			x, _ = dtmf.AppendDigits(nil, sig.digits, 50*time.Millisecond, 50*time.Millisecond, -10)
		} else {
			x = voices[0].render(2 * time.Second)
		}
		b.Run(sig.name, func(b *testing.B) {
			d := dtmf.NewDetector()
			out := make([]dtmf.Event, 0, 32)
			var pos int64
			for b.Loop() {
				out = d.Process(x, pos, out[:0])
				pos += int64(len(x))
			}
			perSample := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(x))
			b.ReportMetric(perSample, "ns/sample")
			b.ReportMetric(1e9/perSample/dsp.Rate, "channel-s/s")
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
	// 4   0– 60 ms
	// 2 120–180 ms
	// # 240–300 ms
}
