package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/gpiocdev"
)

// Edge is one edge of a watched input as the kernel timestamped it, on
// CLOCK_MONOTONIC.
type Edge struct {
	Line   int
	Role   gpiocdev.Role
	Active bool
	At     time.Duration
}

// recChip is a gpiocdev.Chip that records every edge it hands to the
// sensor: the edge timestamps linetapd's sensor would see.
type recChip struct {
	gpiocdev.Chip
	mu    sync.Mutex
	edges []Edge
}

// Watch implements gpiocdev.Chip; the input's line and role come from its
// offset in the scenario wiring (hook 2i, ring 2i+1).
func (c *recChip) Watch(offset int, in gpiocdev.Input, handler func(bool, time.Duration)) (gpiocdev.Watch, error) {
	line, role := offset/2, gpiocdev.Role(offset%2)
	return c.Chip.Watch(offset, in, func(active bool, at time.Duration) {
		c.mu.Lock()
		c.edges = append(c.edges, Edge{line, role, active, at})
		c.mu.Unlock()
		handler(active, at)
	})
}

// Expected is the line events a sensor must decode from the events as
// drive applies them: hook and ring events as they are, and with faults
// a HookFlash where Faults breaks the loop for a flash; contact bounce
// adds nothing. Kinds drive does not apply (polarity) are left out.
func Expected(events []hw.LineEvent, faults bool) []hw.LineEvent {
	var out []hw.LineEvent
	for _, e := range events {
		switch e.Kind {
		case hw.OffHook, hw.OnHook, hw.RingOn, hw.RingOff:
			out = append(out, e)
		}
	}
	if faults {
		for _, e := range Faults(events) {
			if e.Kind == hw.OnHook && isFlash(events, e) {
				out = append(out, hw.LineEvent{Line: e.Line, Kind: hw.HookFlash, Time: e.Time})
			}
		}
	}
	sortByLineTime(out)
	return out
}

// isFlash reports whether the on-hook e (from Faults) is a flash's break:
// one that no event of the scenario itself has.
func isFlash(events []hw.LineEvent, e hw.LineEvent) bool {
	for _, s := range events {
		if s.Line == e.Line && s.Kind == hw.OffHook && e.Time == s.Time+5*time.Second {
			return true
		}
	}
	return false
}

func sortByLineTime(ev []hw.LineEvent) {
	sort.SliceStable(ev, func(i, j int) bool {
		if ev[i].Line != ev[j].Line {
			return ev[i].Line < ev[j].Line
		}
		return ev[i].Time < ev[j].Time
	})
}

// CompareEvents requires got to hold want's events, line by line in the
// same order and of the same kinds, each dated within tol of the wanted
// time (got's times are relative to the same origin as want's). It returns
// the worst time difference.
func CompareEvents(want, got []hw.LineEvent, tol time.Duration) (time.Duration, error) {
	w := append([]hw.LineEvent{}, want...)
	g := append([]hw.LineEvent{}, got...)
	sortByLineTime(w)
	sortByLineTime(g)
	var worst time.Duration
	var bad []string
	for i := 0; i < max(len(w), len(g)); i++ {
		switch {
		case i >= len(g):
			bad = append(bad, fmt.Sprintf("missing line %d %s at %s", w[i].Line, w[i].Kind, seconds(w[i].Time)))
			continue
		case i >= len(w):
			bad = append(bad, fmt.Sprintf("extra line %d %s%s at %s", g[i].Line, g[i].Kind, digit(g[i]), seconds(g[i].Time)))
			continue
		}
		if w[i].Line != g[i].Line || w[i].Kind != g[i].Kind {
			bad = append(bad, fmt.Sprintf("event %d: line %d %s%s at %s, want line %d %s at %s", i,
				g[i].Line, g[i].Kind, digit(g[i]), seconds(g[i].Time), w[i].Line, w[i].Kind, seconds(w[i].Time)))
			break // the rest is shifted: one report is enough
		}
		d := g[i].Time - w[i].Time
		if d < 0 {
			d = -d
		}
		worst = max(worst, d)
		if d > tol {
			bad = append(bad, fmt.Sprintf("line %d %s at %s, %s off (limit %s)", g[i].Line, g[i].Kind, seconds(g[i].Time), seconds(d), seconds(tol)))
		}
	}
	if len(bad) > 0 {
		return worst, fmt.Errorf("driver: line events: %s", strings.Join(bad, "; "))
	}
	return worst, nil
}

func digit(e hw.LineEvent) string {
	if e.Kind == hw.PulseDigit {
		return fmt.Sprintf(" %q", e.Digit)
	}
	return ""
}

// EventTolerance is how far a decoded event may be from the time drive
// applied it: ring events are dated at a detector pulse, up to 40 ms from
// the start or end of the burst (a pulse every 20 ms), plus the write's
// latency under TCG.
const EventTolerance = 150 * time.Millisecond

// gpioRun is the GPIO half of the scenario without linetapd: the driver
// itself runs hw/gpiocdev's Sensor (OpenChip, the character device's
// kernel timestamps, the Decoder) over the bank while it works the inputs
// as the scenario says, and compares the decoded events with Expected. The
// hook edges are logged with their kernel timestamps.
func gpioRun(r *Result, o scenarioOptions, log io.Writer) {
	rendered, events, err := o.lineEvents()
	if err != nil {
		r.add("inputs", "", err)
		return
	}
	chipName, err := readTrim(filepath.Join(o.Bank, "chip_name"))
	if err != nil {
		r.add("inputs", "", fmt.Errorf("driver: bank %s is not live: %w", o.Bank, err))
		return
	}
	detail, err := gpioEdges(o.Bank, 4) // see scenarioRun
	r.add("gpio warm-up", detail, err)
	if err != nil {
		return
	}
	c, err := gpiocdev.OpenChip(o.Label)
	if err != nil {
		r.add("open chip", "", err)
		return
	}
	rc := &recChip{Chip: c}
	var wiring []gpiocdev.Wiring
	for i := 0; i < o.Lines; i++ {
		wiring = append(wiring, gpiocdev.Wiring{Line: i,
			Hook: &gpiocdev.Input{Chip: o.Label, Offset: 2 * i},
			Ring: &gpiocdev.Input{Chip: o.Label, Offset: 2*i + 1}})
	}
	s, err := gpiocdev.New(map[string]gpiocdev.Chip{o.Label: rc}, wiring, gpiocdev.Options{})
	if err != nil {
		r.add("sensor", "", err)
		return
	}
	var got []hw.LineEvent
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range s.Events() {
			got = append(got, e)
		}
	}()
	m0 := gpiocdev.MonotonicClock{}.Now()
	t0 := time.Now()
	rep, derr := drive(chipName, t0, events, o.Lines)
	// Decisions wait for FlashMax (1 s) and the sensor's latency.
	time.Sleep(1500 * time.Millisecond)
	cerr := s.Close()
	<-done
	r.add("drive", rep.String(), firstErr(derr, cerr, rep.check()))
	for i := range got {
		got[i].Time -= m0
	}
	rc.mu.Lock()
	logEdges(log, rc.edges, m0)
	rc.mu.Unlock()
	want := Expected(rendered, o.Faults)
	worst, err := CompareEvents(want, got, EventTolerance)
	r.add("decoded line events", fmt.Sprintf("%d events equal the scenario's, worst %s off", len(got), seconds(worst)), err)
}

// logEdges writes the hook edges (ring pulses are too many) with their
// kernel timestamps relative to m0, and the time since the previous edge
// of the same input.
func logEdges(w io.Writer, edges []Edge, m0 time.Duration) {
	last := map[int]time.Duration{}
	for _, e := range edges {
		if e.Role != gpiocdev.RoleHook {
			continue
		}
		lvl := "break"
		if e.Active {
			lvl = "make"
		}
		since := "-"
		if p, ok := last[e.Line]; ok {
			since = fmt.Sprintf("+%.1fms", float64(e.At-p)/1e6)
		}
		last[e.Line] = e.At
		fmt.Fprintf(w, "hil: edge line %d hook %-5s at %9.4f s %s\n", e.Line, lvl, (e.At - m0).Seconds(), since)
	}
}
