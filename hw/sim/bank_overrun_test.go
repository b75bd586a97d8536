package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
)

// TestOverrun: a reader that stalls for longer than the simulated card's
// buffer loses the audio beyond it: it reads silence of the same length,
// reported as a gap (hw.Gap), and time never compresses.
func TestOverrun(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader("length 30s\noutbound line=0 at=0s digits=5 talk=9s\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.New(sc, sim.Options{Lines: 1, Realtime: true, Overrun: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	buf := make([]int16, 160)
	_, at0, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if g := b.Gaps(); len(g) != 0 {
		t.Fatalf("gaps while keeping pace: %+v", g)
	}
	time.Sleep(300 * time.Millisecond) // a stall of 300 ms against a 50 ms buffer
	_, at1, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	g := b.Gaps()
	if len(g) != 1 || g[0].Cause != "overrun" {
		t.Fatalf("gaps %+v, want one overrun", g)
	}
	// The loss is at least the stall beyond the buffer (300 − 50 ms, less
	// the 20 ms block read before); it begins at the block read now, which
	// follows the one before without a jump.
	if g[0].Length < 230*time.Millisecond {
		t.Errorf("gap of %v for a 300 ms stall", g[0].Length)
	}
	if at1-at0 != 20*time.Millisecond || g[0].At != at1 {
		t.Errorf("blocks at %v and %v, gap at %v", at0, at1, g[0].At)
	}
	// The reader catching up reads silence to the gap's end, then audio.
	for pos := at1; pos < g[0].At+g[0].Length; pos += 20 * time.Millisecond {
		for i, v := range buf {
			at := pos + time.Duration(i)*time.Second/8000
			if v != 0 && at < g[0].At+g[0].Length {
				t.Fatalf("audio at %v inside the gap [%v, %v)", at, g[0].At, g[0].At+g[0].Length)
			}
		}
		if _, _, err := b.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	// Reading takes time too, so more may be lost while catching up (on a
	// busy machine); but never the same audio twice, and a block outside
	// every gap has the line's sound (it is off-hook and dialling).
	gaps := []hw.Gap{g[0]}
	inGap := func(from, to time.Duration) bool {
		for _, x := range gaps {
			if from < x.At+x.Length && x.At < to {
				return true
			}
		}
		return false
	}
	for range 100 {
		for _, g2 := range b.Gaps() {
			if last := gaps[len(gaps)-1]; g2.At < last.At+last.Length {
				t.Errorf("gap %+v overlaps %+v", g2, last)
			}
			gaps = append(gaps, g2)
		}
		_, at, err := b.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, g2 := range b.Gaps() {
			gaps = append(gaps, g2)
		}
		if inGap(at, at+20*time.Millisecond) {
			continue
		}
		for _, v := range buf {
			if v != 0 {
				return
			}
		}
		t.Fatalf("no audio in the block at %v, outside every gap %+v", at, gaps)
	}
	t.Fatalf("2 s of blocks after the stall all lost: gaps %+v", gaps)
}
