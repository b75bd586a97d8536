package gpiocdev_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/gpiocdev"
	"github.com/linetap/linetap/hw/gpiocdev/gpiocdevtest"
)

func collect(t *testing.T, s *gpiocdev.Sensor, n int) []hw.LineEvent {
	t.Helper()
	var got []hw.LineEvent
	for len(got) < n {
		select {
		case e, ok := <-s.Events():
			if !ok {
				t.Fatalf("events closed after %s", format(got))
			}
			got = append(got, e)
		case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
			t.Fatalf("waited for %d events, got %s", n, format(got))
		}
	}
	return got
}

func TestSensorDecodesThroughChip(t *testing.T) {
	chip := &gpiocdevtest.Chip{Lines: 8}
	clock := &gpiocdevtest.Clock{}
	clock.Set(time.Second)
	chip.Set(5, true, 0) // line 1 is off-hook before the sensor starts
	s, err := gpiocdev.New(map[string]gpiocdev.Chip{"gpio-sim": chip}, []gpiocdev.Wiring{
		{Line: 0, Hook: &gpiocdev.Input{Chip: "gpio-sim", Offset: 2, ActiveLow: true, Bias: gpiocdev.BiasPullUp},
			Ring: &gpiocdev.Input{Chip: "gpio-sim", Offset: 3}},
		{Line: 1, Hook: &gpiocdev.Input{Chip: "gpio-sim", Offset: 5, Debounce: 5 * ms}},
	}, gpiocdev.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	w := chip.Watched()
	if len(w) != 3 || !w[2].ActiveLow || w[2].Bias != gpiocdev.BiasPullUp || w[5].Debounce != 5*ms {
		t.Errorf("watched %+v", w)
	}
	if got := format(collect(t, s, 1)); got != "off-hook@1s" {
		t.Errorf("start: %s", got)
	}
	// Line 0 rings (20 Hz: pulses every 25 ms), is answered and dials 3.
	at := 2 * time.Second
	for i := 0; i < 40; i++ {
		chip.Set(3, true, at)
		chip.Set(3, false, at+5*ms)
		at += 25 * ms
	}
	chip.Set(2, true, at+200*ms)
	at += time.Second
	for i := 0; i < 3; i++ {
		chip.Set(2, false, at)
		chip.Set(2, true, at+60*ms)
		at += 100 * ms
	}
	chip.Set(2, false, at+time.Second)
	clock.Set(at + 5*time.Second)
	got := format(collect(t, s, 5))
	want := "ring-on@2s ring-off@2.975s off-hook@3.2s 3@4s on-hook@5.3s"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-s.Events(); ok {
		t.Error("events not closed")
	}
	if !chip.Closed() {
		t.Error("chip left open")
	}
}

func TestSensorRefusesWiring(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wiring []gpiocdev.Wiring
		want   string
	}{
		{"unknown chip", []gpiocdev.Wiring{{Hook: &gpiocdev.Input{Chip: "gpiochip9"}}}, `wiring[0].hook: chip "gpiochip9" not opened`},
		{"line twice", []gpiocdev.Wiring{{Line: 0, Hook: &gpiocdev.Input{Chip: "c", Offset: 1}}, {Line: 1, Ring: &gpiocdev.Input{Chip: "c", Offset: 1}}},
			`wiring[1].ring: line 1 of chip "c" used twice (also wiring[0].hook)`},
		{"bad bias", []gpiocdev.Wiring{{Hook: &gpiocdev.Input{Chip: "c", Bias: "strong"}}}, `wiring[0].hook: bias "strong" unknown`},
		{"offset beyond chip", []gpiocdev.Wiring{{Hook: &gpiocdev.Input{Chip: "c", Offset: 9}}}, "wiring[0].hook: chip \"c\" line 9: gpiocdevtest: offset 9 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chip := &gpiocdevtest.Chip{Lines: 4}
			_, err := gpiocdev.New(map[string]gpiocdev.Chip{"c": chip}, tc.wiring, gpiocdev.Options{Clock: &gpiocdevtest.Clock{}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
			if !chip.Closed() {
				t.Error("chip left open after a failed New")
			}
		})
	}
}

func TestOpenChipMissing(t *testing.T) {
	_, err := gpiocdev.OpenChip("no-such-chip-label")
	if !errors.Is(err, gpiocdev.ErrNoChip) && !errors.Is(err, hw.ErrNotSupported) {
		t.Errorf("err %v", err)
	}
}

func BenchmarkDecoderDialling(b *testing.B) {
	d, err := gpiocdev.NewDecoder([]gpiocdev.Wiring{{Hook: &gpiocdev.Input{}}}, gpiocdev.DefaultTiming())
	if err != nil {
		b.Fatal(err)
	}
	out := make([]hw.LineEvent, 0, 16)
	var at time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		out, _ = d.Edge(0, gpiocdev.RoleHook, i%2 == 0, at, out[:0])
		at += 50 * ms
	}
}

// Edges that reach the sensor 150 ms after their kernel timestamps (a busy
// board) still make one ring, because decisions wait for Latency.
func TestSensorToleratesLateEdges(t *testing.T) {
	chip := &gpiocdevtest.Chip{Lines: 2}
	clock := &gpiocdevtest.Clock{}
	s, err := gpiocdev.New(map[string]gpiocdev.Chip{"c": chip},
		[]gpiocdev.Wiring{{Line: 0, Ring: &gpiocdev.Input{Chip: "c", Offset: 1}}},
		gpiocdev.Options{Clock: clock, Latency: 200 * ms})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Second
	for i := 0; i < 40; i++ { // 1 s of 20 Hz ringing, pulses every 50 ms
		clock.Set(at + 150*ms)
		chip.Set(1, true, at)
		chip.Set(1, false, at+5*ms)
		at += 50 * ms
	}
	clock.Set(at + 2*time.Second)
	got := format(collect(t, s, 2))
	if got != "ring-on@1s ring-off@2.95s" {
		t.Errorf("got %s", got)
	}
	select {
	case e := <-s.Events():
		t.Errorf("extra event %v@%v", e.Kind, e.Time)
	default:
	}
}
