package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw/sim"
)

// TestOverrun: a reader that stalls for longer than the simulated card's
// buffer loses the audio beyond it, reported as a gap of that length, and
// the timestamps jump by it: recorded time never compresses.
func TestOverrun(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader("length 10s\n"))
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
	// the 20 ms block read before), and the next block's time is after it.
	if g[0].Length < 230*time.Millisecond {
		t.Errorf("gap of %v for a 300 ms stall", g[0].Length)
	}
	if got := at1 - at0; got < 20*time.Millisecond+g[0].Length {
		t.Errorf("next block at +%v, before the gap of %v ended", got, g[0].Length)
	}
	if g := b.Gaps(); len(g) != 0 {
		t.Errorf("Gaps reported twice: %+v", g)
	}
}
