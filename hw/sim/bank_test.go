package sim_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
)

func TestDeterminism(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	opt := sim.Options{Lines: 2, Seed: 42}
	a := readAll(t, newBank(t, sc, opt), 160, 1<<30)
	b := readAll(t, newBank(t, sc, opt), 997, 1<<30) // block sizes must not matter
	if len(a.frames) != len(b.frames) || !slices.Equal(a.frames, b.frames) {
		t.Fatal("same scenario and options, different samples")
	}
	if !slices.Equal(a.events, b.events) {
		t.Fatalf("same scenario and options, different events:\n%v\n%v", a.events, b.events)
	}
	if want := int(sc.Duration() / (time.Second / dsp.Rate)); len(a.lines[0]) != want {
		t.Fatalf("read %d frames, want Duration %v = %d", len(a.lines[0]), sc.Duration(), want)
	}

	opt.Seed = 43
	c := readAll(t, newBank(t, sc, opt), 160, 1<<30)
	talk := sc.Calls()[0]
	from, to := int(talk.Answer/time.Second*dsp.Rate)+8000, int(talk.Answer/time.Second*dsp.Rate)+8000*15
	diff := 0
	for i := from; i < to; i++ {
		if a.lines[0][i] != c.lines[0][i] {
			diff++
		}
	}
	if diff < (to-from)/2 {
		t.Fatalf("another seed changed only %d of %d speech samples", diff, to-from)
	}
	// The scenario's timing does not depend on the seed: same event kinds
	// in the same order, within the sensor's latency.
	if len(c.events) != len(a.events) {
		t.Fatalf("seed changed the number of events: %d vs %d", len(c.events), len(a.events))
	}
	for i := range a.events {
		if a.events[i].Kind != c.events[i].Kind || (a.events[i].Time-c.events[i].Time).Abs() > 60*time.Millisecond {
			t.Fatalf("event %d: %+v vs %+v", i, a.events[i], c.events[i])
		}
	}
}

func TestE2EScenario(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	calls := sc.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	in, out := calls[0], calls[1]
	if in.Outbound || in.CallerID.Standard != callerid.Bell202MDMF || in.CallerID.Number != "0123456789" ||
		in.CallerID.Name != "ALICE" || in.Rings != 2 || !in.Answered || in.Talk != 20*time.Second || !in.FarHangUp {
		t.Fatalf("inbound call %+v", in)
	}
	if !out.Outbound || out.Line != 0 || out.Digits != "5551234" || !out.Answered {
		t.Fatalf("outbound call %+v", out)
	}
	r := readAll(t, newBank(t, sc, sim.Options{Lines: 1, Seed: 7}), 256, 1<<30)
	var kinds []string
	for _, e := range r.events {
		kinds = append(kinds, e.Kind.String())
	}
	want := "ring-on ring-off ring-on ring-off off-hook on-hook off-hook on-hook"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
}

// TestRingEvents checks that ring-on and ring-off bracket the clipped
// bursts, late by the sensor's latency.
func TestRingEvents(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader(`
inbound line=0 at=0s country=US rings=3 answer=no
inbound line=1 at=1s country=UK rings=2 answer=no
inbound line=2 at=2s country=DE cid=etsi-v23 number=123 rings=2 answer=no
`))
	if err != nil {
		t.Fatal(err)
	}
	r := readAll(t, newBank(t, sc, sim.Options{Lines: 3, Seed: 1}), 160, 1<<30)
	const ms = dsp.Rate / 1000
	for line := range 3 {
		var on []int
		var spans [][2]int
		for _, e := range r.events {
			if e.Line != line {
				continue
			}
			switch e.Kind {
			case hw.RingOn:
				on = append(on, sampleOf(e.Time))
			case hw.RingOff:
				spans = append(spans, [2]int{on[len(on)-1], sampleOf(e.Time)})
			default:
				t.Fatalf("unexpected %+v", e)
			}
		}
		if len(spans) == 0 || len(spans) != len(on) {
			t.Fatalf("line %d: %d ring-on, %d ring-off", line, len(on), len(spans))
		}
		s := r.lines[line]
		for _, sp := range spans {
			// The burst starts 20–60 ms before ring-on, and is clipped.
			first := -1
			for i := max(sp[0]-80*ms, 0); i < sp[1]; i++ {
				if abs(s[i]) >= 32000 {
					first = i
					break
				}
			}
			if first < 0 || sp[0]-first < 15*ms || sp[0]-first > 65*ms {
				t.Errorf("line %d: ring-on at %d, first clipped sample at %d", line, sp[0], first)
			}
			last := -1
			for i := sp[1]; i > sp[0]; i-- {
				if abs(s[i]) >= 32000 {
					last = i
					break
				}
			}
			// The ringing voltage stops tone.RingTail before the burst
			// ends; ring-off follows the burst's end by 30–80 ms.
			if lag := sp[1] - last; last < 0 || lag < 100*ms || lag > 200*ms {
				t.Errorf("line %d: ring-off at %d, last clipped sample at %d", line, sp[1], last)
			}
		}
		// Outside every bracket (widened by the latency) the line is
		// never clipped.
		for i, x := range s {
			if abs(x) < 32000 {
				continue
			}
			inside := false
			for _, sp := range spans {
				if i >= sp[0]-65*ms && i <= sp[1] {
					inside = true
				}
			}
			if !inside {
				t.Fatalf("line %d: clipped sample %d outside every ring", line, i)
			}
		}
	}
	// Caller ID sits between the first and second ring of line 2, at a
	// speech-like level, not clipped.
	var ons, offs []int
	for _, e := range r.events {
		if e.Line == 2 && e.Kind == hw.RingOn {
			ons = append(ons, sampleOf(e.Time))
		}
		if e.Line == 2 && e.Kind == hw.RingOff {
			offs = append(offs, sampleOf(e.Time))
		}
	}
	gap := r.lines[2][offs[0]+450*ms : ons[1]-100*ms]
	if l := levelDBm0(gap); l < -25 || l > -10 {
		t.Fatalf("caller ID gap level %.1f dBm0", l)
	}
}

func abs(x int16) int {
	if x < 0 {
		return -int(x)
	}
	return int(x)
}

// TestHookAndSpeech checks that speech comes only between off-hook and
// on-hook, that the line is quiet otherwise, and that the busy tone follows
// the talk of a far-end hang-up.
func TestHookAndSpeech(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	r := readAll(t, newBank(t, sc, sim.Options{Lines: 1, Seed: 3}), 160, 1<<30)
	var hook [][2]int
	for _, e := range r.events {
		switch e.Kind {
		case hw.OffHook:
			hook = append(hook, [2]int{sampleOf(e.Time), 0})
		case hw.OnHook:
			hook[len(hook)-1][1] = sampleOf(e.Time)
		}
	}
	if len(hook) != 2 {
		t.Fatalf("hook spans %v", hook)
	}
	calls := sc.Calls()
	s := r.lines[0]
	const frame = dsp.Rate / 50 // 20 ms
	lv := frameLevels(s, frame)
	in := calls[0]
	ans := int(in.Answer / (time.Second / dsp.Rate))
	if hook[0][0] < ans || hook[0][0] > ans+15*dsp.Rate/1000 {
		t.Fatalf("off-hook event at %d, answer at %d", hook[0][0], ans)
	}
	// Between the caller ID and the answer, and after the last on-hook:
	// the noise floor only.
	for _, span := range [][2]int{{ans - dsp.Rate/2, ans - frame}, {hook[1][1] + dsp.Rate/10, len(s)}} {
		for f := span[0] / frame; f < span[1]/frame && f < len(lv); f++ {
			if lv[f] > -55 {
				t.Fatalf("frame at %d ms is %.1f dBm0 on an idle line", f*20, lv[f])
			}
		}
	}
	// During the talk: speech, at the near and far levels.
	talk := lv[hook[0][0]/frame+1 : (hook[0][0]+int(in.Talk/(time.Second/dsp.Rate)))/frame]
	var near, far, quiet int
	for _, l := range talk {
		switch {
		case l > -15 && l < -3: // only the near voice (−12 dBm0) gets here
			near++
		case l > -26 && l < -17: // mostly the far voice (−20 dBm0)
			far++
		case l < -50:
			quiet++
		}
	}
	n := len(talk)
	if near < n/12 || far < n/12 || quiet < n/20 {
		t.Fatalf("talk frames: %d near-level, %d far-level, %d pauses of %d", near, far, quiet, n)
	}
	// Busy tone: US 480+620 Hz, −24 dBm0 per tone, 0.5 s on / 0.5 s off,
	// in the seconds before the near end's on-hook.
	busy := s[hook[0][1]-3*dsp.Rate : hook[0][1]]
	bl := frameLevels(busy, frame)
	loud, silent := 0, 0
	for _, l := range bl {
		if l > -25 && l < -17 {
			loud++
		}
		if l < -50 {
			silent++
		}
	}
	if loud < len(bl)/3 || silent < len(bl)/3 {
		t.Fatalf("busy tone: %d loud and %d silent frames of %d: %v", loud, silent, len(bl), bl)
	}
}

func TestEOFAndLoop(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader("length 5s\ninbound line=0 at=0s rings=1 pickup=0s talk=1s\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBank(t, sc, sim.Options{Lines: 1})
	buf := make([]int16, 7000)
	total := 0
	for {
		n, _, err := b.Read(buf)
		if errors.Is(err, io.EOF) {
			if n != 0 {
				t.Fatalf("EOF with %d frames", n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 5*dsp.Rate {
		t.Fatalf("read %d frames, want 5 s", total)
	}
	if _, _, err := b.Read(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after EOF: %v", err)
	}

	loop := newBank(t, sc, sim.Options{Lines: 1, Loop: true})
	r := readAll(t, loop, 1000, 3*5*dsp.Rate)
	if len(r.events) != 3*4 {
		t.Fatalf("3 passes, %d events", len(r.events))
	}
	for i := 4; i < len(r.events); i++ {
		prev, e := r.events[i-4], r.events[i]
		if e.Kind != prev.Kind || e.Time-prev.Time != 5*time.Second {
			t.Fatalf("pass events differ: %+v after %+v", e, prev)
		}
	}
	// The conversations differ from pass to pass.
	p0, p1 := r.lines[0][2*dsp.Rate:3*dsp.Rate], r.lines[0][7*dsp.Rate:8*dsp.Rate]
	if slices.Equal(p0, p1) {
		t.Fatal("two passes of a loop play the same speech")
	}
}

func TestRealtimePacing(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	var slept []time.Duration
	b := newBank(t, sc, sim.Options{Lines: 1, Realtime: true, Sleep: func(d time.Duration) { slept = append(slept, d) }})
	buf := make([]int16, 800) // 100 ms
	for range 10 {
		if _, _, err := b.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if len(slept) != 10 {
		t.Fatalf("%d sleeps for 10 blocks", len(slept))
	}
	for _, d := range slept {
		if d != 100*time.Millisecond {
			t.Fatalf("slept %v per 100 ms block", slept)
		}
	}
}

func TestCloseDuringRead(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	b, err := sim.New(sc, sim.Options{Lines: 1, Realtime: true, Sleep: func(time.Duration) {
		entered <- struct{}{}
		<-release
	}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _, readErr = b.Read(make([]int16, 800))
	}()
	<-entered
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !errors.Is(readErr, hw.ErrClosed) {
		t.Fatalf("Read blocked in Sleep returned %v after Close", readErr)
	}
	if _, _, err := b.Read(make([]int16, 8)); !errors.Is(err, hw.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	for range b.Events() {
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRealClockClose(t *testing.T) {
	sc := loadScenario(t, "e2e.scn")
	b, err := sim.New(sc, sim.Options{Lines: 1, Realtime: true})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := b.Read(make([]int16, 10*dsp.Rate)) // a 10 s block
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, hw.ErrClosed) {
		t.Fatalf("Read = %v, want ErrClosed", err)
	}
}

func TestNewErrors(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader("# x\n\ninbound line=0 at=0s rings=1 answer=no\ninbound line=3 at=0s rings=1 answer=no\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opt  sim.Options
		want string
		is   error
	}{
		{sim.Options{Lines: 0}, "Lines 0", sim.ErrOptions},
		{sim.Options{Lines: 65}, "Lines 65", sim.ErrOptions},
		{sim.Options{Lines: 1, Origin: -1}, "Origin", sim.ErrOptions},
		{sim.Options{Lines: 3}, "line 4: line=3", sim.ErrScenario},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := sim.New(sc, tc.opt)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v naming %q", err, tc.is, tc.want)
			}
		})
	}
	if _, err := sim.New(nil, sim.Options{Lines: 1}); !errors.Is(err, sim.ErrScenario) {
		t.Fatalf("nil scenario: %v", err)
	}
	b := newBank(t, sc, sim.Options{Lines: 4})
	if _, _, err := b.Read(make([]int16, 5)); !errors.Is(err, sim.ErrBuffer) {
		t.Fatalf("5 samples on 4 lines: %v", err)
	}
	if f := b.Format(); f != (hw.Format{Channels: 4, Rate: 8000}) {
		t.Fatalf("Format %+v", f)
	}
}

func TestDefaultScenario(t *testing.T) {
	sc := sim.DefaultScenario()
	if sc.Lines() != 4 {
		t.Fatalf("default scenario uses %d lines", sc.Lines())
	}
	calls := sc.Calls()
	// Within 30 s: an inbound call with caller ID rang, was answered,
	// talked and hung up; an outbound call dialled.
	var early, dialled bool
	countries, standards := map[string]bool{}, map[callerid.Standard]bool{}
	var unanswered, private, far, near int
	for _, c := range calls {
		if !c.Outbound && c.CallerID.Standard != "" && c.Answered && c.Talk >= 5*time.Second && c.End <= 30*time.Second {
			early = true
		}
		if c.Outbound && c.At+c.DialTone+time.Duration(len(c.Digits))*(c.ToneOn+c.ToneOff) < 30*time.Second {
			dialled = true
		}
		countries[c.Country] = true
		if c.CallerID.Standard != "" {
			standards[c.CallerID.Standard] = true
		}
		if !c.Answered {
			unanswered++
		}
		if c.CallerID.NumberAbsence == "P" {
			private++
		}
		if c.Answered && c.FarHangUp {
			far++
		} else if c.Answered {
			near++
		}
	}
	if !early || !dialled {
		t.Fatalf("first 30 s: inbound with caller ID done %v, outbound dialled %v", early, dialled)
	}
	if len(countries) < 3 || len(standards) != 3 || unanswered < 2 || private < 1 || far < 2 || near < 2 {
		t.Fatalf("not varied: countries %v, standards %v, %d unanswered, %d private, %d far and %d near hang-ups",
			countries, standards, unanswered, private, far, near)
	}
	// The sensor agrees within the first 30 s.
	r := readAll(t, newBank(t, sc, sim.Options{Lines: 4, Seed: 1, Loop: true}), 160, 30*dsp.Rate)
	var seen []string
	for _, e := range r.events {
		seen = append(seen, fmt.Sprintf("%d %s", e.Line, e.Kind))
	}
	for _, w := range []string{"0 ring-on", "0 off-hook", "0 on-hook", "1 off-hook"} {
		if !slices.Contains(seen, w) {
			t.Fatalf("first 30 s: no %q in %v", w, seen)
		}
	}
	// Fewer lines: the calls of the missing lines are left out; more:
	// the extra lines are idle.
	for _, lines := range []int{1, 8} {
		b := newBank(t, sc, sim.Options{Lines: lines, Loop: true})
		r := readAll(t, b, 400, 12*dsp.Rate)
		for _, e := range r.events {
			if e.Line >= min(lines, 4) {
				t.Fatalf("%d lines: event %+v", lines, e)
			}
		}
	}
}

func TestSteadyStateAllocs(t *testing.T) {
	b := newBank(t, sim.DefaultScenario(), sim.Options{Lines: 4, Seed: 9, Loop: true})
	buf := make([]int16, 4*160)
	drain := func() {
		for {
			select {
			case <-b.Events():
			default:
				return
			}
		}
	}
	// One pass renders every segment once, so every buffer has grown.
	for range int(b.Duration()/(20*time.Millisecond)) + 1 {
		if _, _, err := b.Read(buf); err != nil {
			t.Fatal(err)
		}
		drain()
	}
	allocs := testing.AllocsPerRun(2000, func() { // 40 s of audio
		if _, _, err := b.Read(buf); err != nil {
			t.Fatal(err)
		}
		drain()
	})
	if allocs != 0 {
		t.Fatalf("Read allocates %.2f times per block in steady state", allocs)
	}
}

func BenchmarkRead(b *testing.B) {
	bank := newBank(b, sim.DefaultScenario(), sim.Options{Lines: 4, Seed: 1, Loop: true})
	buf := make([]int16, 4*160) // 20 ms
	frames := 0
	b.ReportAllocs()
	for b.Loop() {
		n, _, err := bank.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		frames += n
		for len(bank.Events()) > 0 {
			<-bank.Events()
		}
	}
	b.ReportMetric(float64(frames*4)/dsp.Rate/b.Elapsed().Seconds(), "channel-s/s")
}
