package gpiocdev_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/gpiocdev"
)

const ms = time.Millisecond

type edge struct {
	role   gpiocdev.Role
	active bool
	at     time.Duration
}

// script builds edge sequences for line 0.
type script struct {
	edges []edge
	t     time.Duration
}

func (s *script) set(r gpiocdev.Role, active bool) {
	s.edges = append(s.edges, edge{r, active, s.t})
}

func (s *script) wait(d time.Duration) { s.t += d }

// bounce adds n contact bounces of 1 ms each before settling on active.
func (s *script) bounce(r gpiocdev.Role, active bool, n int) {
	for i := 0; i < n; i++ {
		s.set(r, active)
		s.wait(ms / 2)
		s.set(r, !active)
		s.wait(ms / 2)
	}
	s.set(r, active)
}

// dial adds a decadic digit: n breaks at pps with the given break ratio
// (percent), then an inter-digit pause; it returns the time of the first
// break.
func (s *script) dial(digit byte, pps, breakPct int, pause time.Duration, bounces int) time.Duration {
	n := int(digit - '0')
	if n == 0 {
		n = 10
	}
	period := time.Second / time.Duration(pps)
	brk := period * time.Duration(breakPct) / 100
	first := s.t
	for i := 0; i < n; i++ {
		s.bounce(gpiocdev.RoleHook, false, bounces)
		s.wait(brk - time.Duration(bounces)*ms)
		s.bounce(gpiocdev.RoleHook, true, bounces)
		s.wait(period - brk - time.Duration(bounces)*ms)
	}
	s.wait(pause)
	return first
}

// ring adds ring-detector pulses at twice freq for on, then waits off.
func (s *script) ring(freq float64, on, off time.Duration) {
	step := time.Duration(float64(time.Second) / (2 * freq))
	end := s.t + on
	for s.t < end {
		s.set(gpiocdev.RoleRing, true)
		s.wait(step / 3)
		s.set(gpiocdev.RoleRing, false)
		s.wait(step - step/3)
	}
	s.wait(off)
}

// replay feeds the edges as a Sensor would, advancing to each deadline
// that falls before the next edge, then to until.
func replay(t *testing.T, d *gpiocdev.Decoder, edges []edge, until time.Duration) []hw.LineEvent {
	t.Helper()
	var out []hw.LineEvent
	advanceTo := func(lim time.Duration) {
		for {
			dl, ok := d.Deadline()
			if !ok || dl > lim {
				return
			}
			out = d.Advance(dl, out)
		}
	}
	for _, e := range edges {
		advanceTo(e.at)
		var err error
		if out, err = d.Edge(0, e.role, e.active, e.at, out); err != nil {
			t.Fatal(err)
		}
	}
	advanceTo(until)
	return d.Advance(until, out)
}

func newDecoder(t *testing.T) *gpiocdev.Decoder {
	t.Helper()
	d, err := gpiocdev.NewDecoder([]gpiocdev.Wiring{{
		Line: 0, Hook: &gpiocdev.Input{}, Ring: &gpiocdev.Input{Offset: 1}, Reversal: &gpiocdev.Input{Offset: 2},
	}}, gpiocdev.DefaultTiming())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func format(evs []hw.LineEvent) string {
	var b []string
	for _, e := range evs {
		s := fmt.Sprintf("%v@%v", e.Kind, e.Time)
		if e.Kind == hw.PulseDigit {
			s = fmt.Sprintf("%c@%v", e.Digit, e.Time)
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func TestPulseDialling(t *testing.T) {
	for _, tc := range []struct {
		name          string
		pps, breakPct int
		pause         time.Duration
		bounces       int
	}{
		{"10pps 67/33", 10, 67, 700 * ms, 0},
		{"10pps 60/40", 10, 60, 700 * ms, 0},
		{"10pps 60/40 bouncing contacts", 10, 60, 700 * ms, 3},
		{"10pps 67/33 short inter-digit pause", 10, 67, 200 * ms, 2},
		{"8pps 67/33", 8, 67, 500 * ms, 1},
		{"12pps 60/40", 12, 60, 400 * ms, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s script
			s.wait(time.Second)
			s.bounce(gpiocdev.RoleHook, true, tc.bounces)
			s.wait(2 * time.Second)
			want := []string{"off-hook@1s"}
			for _, dg := range []byte("2580") {
				at := s.dial(dg, tc.pps, tc.breakPct, tc.pause, tc.bounces)
				want = append(want, fmt.Sprintf("%c@%v", dg, at))
			}
			s.wait(3 * time.Second)
			got := format(replay(t, newDecoder(t), s.edges, s.t))
			if got != strings.Join(want, " ") {
				t.Errorf("got  %s\nwant %s", got, strings.Join(want, " "))
			}
		})
	}
}

func TestHookBreaks(t *testing.T) {
	for _, tc := range []struct {
		name string
		brk  time.Duration
		want string
	}{
		{"glitch 200ms ignored", 200 * ms, "off-hook@1s"},
		{"flash 300ms", 300 * ms, "off-hook@1s hook-flash@3.002s"},
		{"flash 600ms", 600 * ms, "off-hook@1s hook-flash@3.002s"},
		{"hang-up 1.2s", 1200 * ms, "off-hook@1s on-hook@3.002s off-hook@4.204s"},
		{"hang-up 30s", 30 * time.Second, "off-hook@1s on-hook@3.002s off-hook@33.004s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s script
			s.wait(time.Second)
			s.bounce(gpiocdev.RoleHook, true, 2)
			s.wait(2 * time.Second)
			s.bounce(gpiocdev.RoleHook, false, 2)
			s.wait(tc.brk)
			s.bounce(gpiocdev.RoleHook, true, 2)
			s.wait(5 * time.Second)
			if got := format(replay(t, newDecoder(t), s.edges, s.t)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestOnHookWaitsForFlashMax(t *testing.T) {
	d := newDecoder(t)
	var s script
	s.set(gpiocdev.RoleHook, true)
	s.wait(time.Second)
	s.set(gpiocdev.RoleHook, false)
	if got := format(replay(t, d, s.edges, 1900*ms)); got != "off-hook@0s" {
		t.Fatalf("before FlashMax: %s", got)
	}
	if got := format(d.Advance(2100*ms, nil)); got != "on-hook@1s" {
		t.Fatalf("after FlashMax: %s", got)
	}
}

func TestRingCadence(t *testing.T) {
	for _, tc := range []struct {
		name string
		freq float64
		// cadence as on/off pairs, repeated twice
		cadence []time.Duration
		rings   int
	}{
		{"US 20Hz 2/4", 20, []time.Duration{2 * time.Second, 4 * time.Second}, 2},
		{"UK 25Hz 0.4/0.2/0.4/2", 25, []time.Duration{400 * ms, 200 * ms, 400 * ms, 2 * time.Second}, 4},
		{"DE 25Hz 1/4", 25, []time.Duration{time.Second, 4 * time.Second}, 2},
		{"FR 50Hz 1.5/3.5", 50, []time.Duration{1500 * ms, 3500 * ms}, 2},
		{"JP 16Hz 1/2", 16, []time.Duration{time.Second, 2 * time.Second}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s script
			var ons []time.Duration
			for rep := 0; rep < 2; rep++ {
				for i := 0; i < len(tc.cadence); i += 2 {
					ons = append(ons, s.t)
					s.ring(tc.freq, tc.cadence[i], tc.cadence[i+1])
				}
			}
			evs := replay(t, newDecoder(t), s.edges, s.t)
			var gotOn []time.Duration
			for i, e := range evs {
				want := hw.RingOn
				if i%2 == 1 {
					want = hw.RingOff
				}
				if e.Kind != want {
					t.Fatalf("event %d: %v, want %v (%s)", i, e.Kind, want, format(evs))
				}
				if e.Kind == hw.RingOn {
					gotOn = append(gotOn, e.Time)
				} else if on := gotOn[len(gotOn)-1]; e.Time-on < 300*ms {
					t.Errorf("ring from %v ended at %v", on, e.Time)
				}
			}
			if fmt.Sprint(gotOn) != fmt.Sprint(ons) {
				t.Errorf("rings at %v, want %v", gotOn, ons)
			}
		})
	}
}

func TestRingIgnoresClicks(t *testing.T) {
	var s script
	for i := 0; i < 5; i++ { // isolated clicks, 3 pulses each
		for j := 0; j < 3; j++ {
			s.set(gpiocdev.RoleRing, true)
			s.wait(5 * ms)
			s.set(gpiocdev.RoleRing, false)
			s.wait(20 * ms)
		}
		s.wait(time.Second)
	}
	if got := replay(t, newDecoder(t), s.edges, s.t); len(got) != 0 {
		t.Errorf("clicks rang: %s", format(got))
	}
}

func TestPolarityReversal(t *testing.T) {
	var s script
	s.wait(time.Second)
	// DAHDI: 64 ms debounce — a 40 ms reversal is a glitch.
	s.set(gpiocdev.RoleReversal, true)
	s.wait(40 * ms)
	s.set(gpiocdev.RoleReversal, false)
	s.wait(time.Second)
	s.bounce(gpiocdev.RoleReversal, true, 3)
	at := s.t - 3*ms
	s.wait(2 * time.Second)
	s.set(gpiocdev.RoleReversal, false)
	back := s.t
	s.wait(time.Second)
	want := fmt.Sprintf("polarity-reversal@%v polarity-reversal@%v", at, back)
	if got := format(replay(t, newDecoder(t), s.edges, s.t)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestStartOffHook(t *testing.T) {
	d := newDecoder(t)
	out, err := d.Start(0, gpiocdev.RoleHook, true, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := format(out); got != "off-hook@5s" {
		t.Errorf("got %s", got)
	}
	if out, _ = d.Start(0, gpiocdev.RoleRing, true, 5*time.Second, nil); len(out) != 0 {
		t.Errorf("ring input found active reported %s", format(out))
	}
}

func TestDecoderErrors(t *testing.T) {
	in := &gpiocdev.Input{}
	bad := gpiocdev.DefaultTiming()
	bad.HookDebounce = 40 * ms
	shortPulse := gpiocdev.DefaultTiming()
	shortPulse.PulseMinBreak = 5 * ms
	longPulse := gpiocdev.DefaultTiming()
	longPulse.PulseMinBreak = 120 * ms
	for _, tc := range []struct {
		name   string
		wiring []gpiocdev.Wiring
		timing gpiocdev.Timing
		want   string
	}{
		{"duplicate line", []gpiocdev.Wiring{{Line: 1, Hook: in}, {Line: 1, Ring: in}}, gpiocdev.DefaultTiming(), "wiring[1]: line 1 wired twice (also wiring[0])"},
		{"negative line", []gpiocdev.Wiring{{Line: -1}}, gpiocdev.DefaultTiming(), "wiring[0]: line -1 negative"},
		{"negative debounce", []gpiocdev.Wiring{{Ring: &gpiocdev.Input{Debounce: -ms}}}, gpiocdev.DefaultTiming(), "wiring[0].ring: debounce -1ms negative"},
		{"slow hook debounce", nil, bad, "hook debounce 40ms would swallow dial pulses"},
		{"pulse shorter than the debounce", nil, shortPulse, "pulse_min_break 5ms below the hook debounce 10ms"},
		{"pulse range empty", nil, longPulse, "pulse_max_break 120ms not above pulse_min_break 120ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gpiocdev.NewDecoder(tc.wiring, tc.timing)
			if !errors.Is(err, gpiocdev.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	d, err := gpiocdev.NewDecoder([]gpiocdev.Wiring{{Line: 3, Hook: in}}, gpiocdev.DefaultTiming())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Edge(3, gpiocdev.RoleRing, true, 0, nil); err == nil || !strings.Contains(err.Error(), "line 3 has no ring input") {
		t.Errorf("unwired input: %v", err)
	}
	if _, err := d.Edge(4, gpiocdev.RoleHook, true, 0, nil); err == nil {
		t.Error("unknown line accepted")
	}
}

// Events of one line come out in time order whatever the interleaving.
func TestEventsInTimeOrder(t *testing.T) {
	var s script
	s.set(gpiocdev.RoleHook, true)
	s.wait(time.Second)
	s.dial('3', 10, 60, 0, 0)
	s.set(gpiocdev.RoleHook, false)
	s.wait(50 * ms)
	s.ring(20, 500*ms, 2*time.Second)
	evs := replay(t, newDecoder(t), s.edges, s.t)
	if !sort.SliceIsSorted(evs, func(i, j int) bool { return evs[i].Time < evs[j].Time }) {
		t.Errorf("out of order: %s", format(evs))
	}
	if got := format(evs); !strings.Contains(got, "3@1s") || !strings.Contains(got, "on-hook@1.3s") || !strings.Contains(got, "ring-on@1.35s") {
		t.Errorf("got %s", got)
	}
}

func TestDecoderAllocatesNothing(t *testing.T) {
	d := newDecoder(t)
	out := make([]hw.LineEvent, 0, 16)
	var at time.Duration
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		// Pulses and ring bursts: the steady per-edge path.
		out, _ = d.Edge(0, gpiocdev.RoleHook, i%2 == 0, at, out[:0])
		out, _ = d.Edge(0, gpiocdev.RoleRing, i%2 == 0, at, out[:0])
		out = d.Advance(at+ms, out[:0])
		at += 50 * ms
		i++
	}); n != 0 {
		t.Errorf("%v allocations per edge", n)
	}
}

// Hook edges as the kernel timestamped them in the HIL VM (hil/run.sh
// arm64 gpio, QEMU TCG on a loaded host) where the driver meant a 3 ms
// contact bounce at off-hook: the writes came late and stretched the
// bounce past the debounce. None of them is a dial pulse: the breaks are
// shorter than any dial's, or follow the off-hook by far less than a dial
// takes to wind.
func TestStretchedBounceIsNoDigit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edges []time.Duration // make, break, make, ... from the first make
		want  string
	}{
		{"line 3 at 20 s: 18.8 ms make, 12.7 ms break", []time.Duration{0, 18800 * time.Microsecond, 31500 * time.Microsecond}, "off-hook@1s"},
		{"line 1 at 3 s: 63.1 ms make, 124.3 ms break", []time.Duration{0, 63100 * time.Microsecond, 187400 * time.Microsecond}, "off-hook@1s"},
		{"pulse-length break 12 ms after off-hook", []time.Duration{0, 12 * ms, 77 * ms}, "off-hook@1s"},
		{"two short breaks", []time.Duration{0, 15 * ms, 30 * ms, 200 * ms, 230 * ms}, "off-hook@1s"},
		// The same break a dial's length after the off-hook is a '1'.
		{"control: a real 1 after 1 s", []time.Duration{0, time.Second, time.Second + 65*ms}, "off-hook@1s 1@2s"},
		{"control: a 12 pps pulse after 1 s", []time.Duration{0, time.Second, time.Second + 50*ms}, "off-hook@1s 1@2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var edges []edge
			for i, at := range tc.edges {
				edges = append(edges, edge{gpiocdev.RoleHook, i%2 == 0, time.Second + at})
			}
			if got := format(replay(t, newDecoder(t), edges, 10*time.Second)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
