package linetap_test

import (
	"context"
	"io"
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/g711"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/storage"
)

const simOrigin = 1000 * time.Hour

// simTruth replays a bank built like the recorder's and returns every
// channel's audio and every line event: what the lines really carried.
func simTruth(t testing.TB, sc *sim.Scenario, opt sim.Options) ([][]int16, []hw.LineEvent) {
	t.Helper()
	b, err := sim.New(sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	ch := b.Format().Channels
	audio := make([][]int16, ch)
	var events []hw.LineEvent
	buf := make([]int16, 997*ch)
	for {
		n, _, err := b.Read(buf)
		for i := 0; i < n; i++ {
			for c := 0; c < ch; c++ {
				audio[c] = append(audio[c], buf[i*ch+c])
			}
		}
	drain:
		for {
			select {
			case e := <-b.Events():
				events = append(events, e)
			default:
				break drain
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return audio, events
}

// posOf is the sample position at which the engine places an event.
func posOf(e hw.LineEvent) int64 {
	return int64(e.Time-simOrigin) * rate / int64(time.Second)
}

func wallOf(pos int64) time.Time { return epoch.Add(time.Duration(pos) * time.Second / rate) }

// findEvent returns the first event of kind on line at or after from.
func findEvent(t *testing.T, evs []hw.LineEvent, line int, kind hw.EventKind, from int64) int64 {
	t.Helper()
	for _, e := range evs {
		if e.Line == line && e.Kind == kind && posOf(e) >= from {
			return posOf(e)
		}
	}
	t.Fatalf("no %v on line %d after %d", kind, line, from)
	return 0
}

// TestEndToEnd records the e2e scenario through the simulated line bank,
// the engine and the bbolt store, and checks every stored field and every
// stored sample against what the simulated line carried.
func TestEndToEnd(t *testing.T) {
	f, err := os.Open("testdata/sim/e2e.scn")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	opt := sim.Options{Lines: 2, Seed: 42, Origin: simOrigin}
	truth, events := simTruth(t, sc, opt)
	plan := sc.Calls()

	bank, err := sim.New(sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := linetap.DefaultConfig()
	cfg.Lines = []linetap.LineConfig{linetap.DefaultLine(0), linetap.DefaultLine(1)}
	e, err := linetap.New(linetap.Options{Config: cfg, Source: bank, Sensor: bank, Store: st,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls, err := st.Calls(linetap.CallQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls stored, want 2: %+v", len(calls), calls)
	}
	in, out := calls[1], calls[0] // newest first

	// The inbound call: from the first ring to the near end's on-hook after
	// the far end left.
	ring := findEvent(t, events, 0, hw.RingOn, 0)
	offHook := findEvent(t, events, 0, hw.OffHook, ring)
	onHook := findEvent(t, events, 0, hw.OnHook, offHook)
	want := linetap.Call{
		ID: in.ID, Line: 0, LineName: "Line 1", Direction: linetap.Inbound,
		State: linetap.StateComplete, EndReason: linetap.EndFarHangUp, Trigger: linetap.TriggerHook,
		Start: wallOf(ring), Answer: wallOf(offHook), End: wallOf(onHook),
		Duration: wallOf(onHook).Sub(wallOf(ring)),
		CallerID: linetap.CallerID{Number: "0123456789", Name: "ALICE", DateTime: plan[0].CallerID.DateTime,
			Standard: "bell202-mdmf"},
		AudioStart: wallOf(max(ring-2*rate, 0)), Rate: rate, Samples: onHook + rate - max(ring-2*rate, 0),
		Codec: "pcmu", SHA256: in.SHA256,
	}
	if plan[0].CallerID.DateTime != "03141592" {
		t.Fatalf("scenario date %q", plan[0].CallerID.DateTime)
	}
	checkRecord(t, in, want)

	// The outbound call: off-hook, 5551234 dialled, answered by the far
	// end's voice (no polarity reversal on this line), near-end hang-up.
	offHook2 := findEvent(t, events, 0, hw.OffHook, onHook)
	onHook2 := findEvent(t, events, 0, hw.OnHook, offHook2)
	// An analog line without polarity reversal says nothing at the answer:
	// the first sign is the far end's voice. Find its onset in the line's
	// audio: the first 10 ms after the answer louder than −40 dBm0.
	voice := int64(plan[1].Answer / (time.Second / rate))
	for ; voice < int64(len(truth[0])); voice += rate / 100 {
		var e float64
		for _, s := range truth[0][voice : voice+rate/100] {
			e += float64(s) * float64(s)
		}
		if dsp.DBm0(math.Sqrt(e/(rate/100))) > -40 {
			break
		}
	}
	if d := out.Answer.Sub(wallOf(voice)); d < -20*time.Millisecond || d > 40*time.Millisecond {
		t.Errorf("outbound answered at %v, %v from the far end's first word (want −20..40 ms)", out.Answer, d)
	}
	want = linetap.Call{
		ID: out.ID, Line: 0, LineName: "Line 1", Direction: linetap.Outbound,
		State: linetap.StateComplete, EndReason: linetap.EndNearHangUp, Trigger: linetap.TriggerHook,
		Start: wallOf(offHook2), Answer: out.Answer, End: wallOf(onHook2),
		Duration: wallOf(onHook2).Sub(wallOf(offHook2)), Dialled: "5551234",
		AudioStart: wallOf(offHook2 - 2*rate), Rate: rate, Samples: onHook2 + rate - (offHook2 - 2*rate),
		Codec: "pcmu", SHA256: out.SHA256,
	}
	checkRecord(t, out, want)

	// Every sample, from pre-roll to post-roll, is the line's audio after
	// the µ-law round trip: none lost, duplicated or shifted.
	for _, c := range []struct {
		rec      linetap.Call
		from, to int64
	}{{in, max(ring-2*rate, 0), onHook + rate}, {out, offHook2 - 2*rate, onHook2 + rate}} {
		pcm, err := st.PCM(c.rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		line := truth[0][c.from:c.to]
		if len(pcm) != len(line) {
			t.Fatalf("call %d: %d samples stored, line carried %d", c.rec.ID, len(pcm), len(line))
		}
		for i := range pcm {
			if w := g711.DecodeUlaw(g711.EncodeUlaw(line[i])); pcm[i] != w {
				t.Fatalf("call %d: sample %d = %d, want %d", c.rec.ID, i, pcm[i], w)
			}
		}
		if err := st.Verify(c.rec.ID); err != nil {
			t.Errorf("call %d: %v", c.rec.ID, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func checkRecord(t *testing.T, got, want linetap.Call) {
	t.Helper()
	if got.SHA256 == "" || len(got.SHA256) != 64 {
		t.Errorf("call %d: SHA256 %q", got.ID, got.SHA256)
	}
	for _, tm := range []*time.Time{&got.Start, &got.Answer, &got.End, &got.AudioStart} {
		*tm = tm.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("call %d:\n got  %+v\n want %+v", got.ID, got, want)
	}
}

// limited stops a source after a number of frames.
type limited struct {
	*sim.Bank
	left int64
}

func (l *limited) Read(buf []int16) (int, time.Duration, error) {
	if l.left <= 0 {
		return 0, 0, io.EOF
	}
	ch := l.Format().Channels
	if int64(len(buf)/ch) > l.left {
		buf = buf[:l.left*int64(ch)]
	}
	n, at, err := l.Bank.Read(buf)
	l.left -= int64(n)
	return n, at, err
}

// TestDefaultScenarioShowsACallWithin30s checks the promise of `make run`:
// within 30 s of starting, a call with caller ID has rung, been answered
// and ended, and an outbound call has dialled.
func TestDefaultScenarioShowsACallWithin30s(t *testing.T) {
	bank, err := sim.New(sim.DefaultScenario(), sim.Options{Lines: 4, Seed: 1, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	st := newMemStore(t)
	e, err := linetap.New(linetap.Options{Config: linetap.DefaultConfig(), Source: &limited{bank, 30 * rate},
		Sensor: bank, Store: st, Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var inbound, outbound bool
	for _, c := range st.all() {
		if c.Direction == linetap.Inbound && c.CallerID.Number != "" && !c.Answer.IsZero() &&
			c.EndReason != linetap.EndShutdown && c.End.Sub(epoch) < 30*time.Second {
			inbound = true
		}
		if c.Direction == linetap.Outbound && len(c.Dialled) >= 7 {
			outbound = true
		}
	}
	if !inbound || !outbound {
		t.Fatalf("in the first 30 s: inbound call with caller ID finished %v, outbound dialled %v; calls %+v", inbound, outbound, st.all())
	}
}
