package sim_test

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
)

const origin = 5000 * time.Second

// run holds everything a Bank produced.
type run struct {
	lines  [][]int16 // per line
	frames []int16   // interleaved
	events []hw.LineEvent
}

// readAll reads b to EOF (or max frames) in blocks of block frames,
// checking the event contract after every Read: every event in the block
// has arrived, none later than the block.
func readAll(t testing.TB, b *sim.Bank, block, max int) run {
	t.Helper()
	ch := b.Format().Channels
	buf := make([]int16, block*ch)
	var r run
	r.lines = make([][]int16, ch)
	pos := 0
	for pos < max {
		n, at, err := b.Read(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := origin + time.Duration(pos)*time.Second/dsp.Rate; at != want {
			t.Fatalf("block at frame %d stamped %v, want %v", pos, at, want)
		}
		end := at + time.Duration(n)*time.Second/dsp.Rate
	drain:
		for {
			select {
			case e := <-b.Events():
				if e.Time >= end {
					t.Fatalf("event %+v delivered with the block ending %v", e, end)
				}
				if (e.Time-origin)%(time.Second/dsp.Rate) != 0 {
					t.Fatalf("event %+v not on a sample", e)
				}
				r.events = append(r.events, e)
			default:
				break drain
			}
		}
		r.frames = append(r.frames, buf[:n*ch]...)
		for i := range n * ch {
			r.lines[i%ch] = append(r.lines[i%ch], buf[i])
		}
		pos += n
	}
	return r
}

func loadScenario(t testing.TB, name string) *sim.Scenario {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "sim", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc, err := sim.ParseScenario(f)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func newBank(t testing.TB, sc *sim.Scenario, opt sim.Options) *sim.Bank {
	t.Helper()
	if opt.Origin == 0 {
		opt.Origin = origin
	}
	b, err := sim.New(sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// sampleOf converts an event time to a sample index.
func sampleOf(d time.Duration) int { return int((d - origin) / (time.Second / dsp.Rate)) }

// levelDBm0 is the level of s.
func levelDBm0(s []int16) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	return dsp.DBm0(math.Sqrt(sum / float64(max(len(s), 1))))
}

// frameLevels returns the level of each frame of n samples.
func frameLevels(s []int16, n int) []float64 {
	var out []float64
	for i := 0; i+n <= len(s); i += n {
		out = append(out, levelDBm0(s[i:i+n]))
	}
	return out
}
