package linetap_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/sim"
)

// TestOtherCallerIDStandards records BT, NTT and DTMF caller ID from the
// simulator: the engine's receiver recognises each without configuration.
func TestOtherCallerIDStandards(t *testing.T) {
	f, err := os.Open("testdata/sim/other-cid.scn")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	bank, err := sim.New(sc, sim.Options{Lines: 3, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	st := newMemStore(t)
	e, err := linetap.New(linetap.Options{Config: configFor(3), Source: bank, Sensor: bank, Store: st,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[int]linetap.CallerID{
		0: {Number: "02079460999", Name: "BT TEST", Standard: "bt"},
		1: {Number: "0312345678", Standard: "ntt"},
		2: {Number: "087654321", Standard: "dtmf-clip"},
	}
	calls := st.all()
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	for _, c := range calls {
		got := c.CallerID
		got.DateTime = ""
		if got != want[c.Line] {
			t.Errorf("line %d: caller ID %+v, want %+v", c.Line, c.CallerID, want[c.Line])
		}
	}
}
