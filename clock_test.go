package linetap_test

import (
	"context"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

// Until the wall clock is valid, calls get provisional times; when it is
// set, the calls in progress are re-stamped and flagged, and later calls
// are stamped right.
func TestClockFixedWhenSet(t *testing.T) {
	r := newRun(t, 1, 30*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 1), ev(0, hw.OnHook, 3), // over before the clock is set
		ev(0, hw.OffHook, 8), ev(0, hw.OnHook, 15), // the clock is set at 10 s
		ev(0, hw.OffHook, 20), ev(0, hw.OnHook, 25),
	}, nil)
	bad := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	good := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	checks := 0
	valid := false
	// The engine asks once per 20 ms block from the first; the good clock
	// reads the true time of the block it is asked in.
	clockValid := func() bool {
		checks++
		valid = valid || checks > 500
		return valid
	}
	now := func() time.Time {
		if !valid {
			return bad
		}
		return good.Add(time.Duration(checks-1) * 20 * time.Millisecond)
	}
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store, Now: now, ClockValid: clockValid})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := r.store.all()
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	for i, want := range []struct {
		start, end time.Time
		fixed      bool
	}{
		{bad.Add(time.Second), bad.Add(3 * time.Second), false},
		{good.Add(8 * time.Second), good.Add(15 * time.Second), true},
		{good.Add(20 * time.Second), good.Add(25 * time.Second), false},
	} {
		c := calls[i]
		if !c.Start.Equal(want.start) || !c.End.Equal(want.end) || c.ClockFixed != want.fixed {
			t.Errorf("call %d: %v..%v fixed %v, want %v..%v fixed %v", i, c.Start, c.End, c.ClockFixed, want.start, want.end, want.fixed)
		}
		// The pre-roll's 2 s moved with the call (the first call's is
		// cut by the start of the stream).
		if i > 0 && !c.AudioStart.Equal(c.Start.Add(-2*time.Second)) {
			t.Errorf("call %d: audio from %v, start %v", i, c.AudioStart, c.Start)
		}
	}
}
