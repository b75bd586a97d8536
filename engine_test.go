package linetap_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
)

var epoch = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

const rate = 8000

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// hiss is deterministic low-level noise, distinct on every channel and
// sample, so that a stored sample can only have come from one place.
func hiss(ch int, pos int64) int16 {
	x := uint64(pos)*0x9E3779B97F4A7C15 ^ uint64(ch+1)*0xC2B2AE3D27D4EB4F
	x ^= x >> 29
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 32
	return int16(int64(x%601) - 300)
}

type run struct {
	cfg    linetap.Config
	src    *hwtest.Source
	store  *memStore
	engine *linetap.Engine
}

func newRun(t *testing.T, lines int, frames int64, script []hw.LineEvent, sample func(int, int64) int16) *run {
	t.Helper()
	cfg := linetap.DefaultConfig()
	cfg.Lines = cfg.Lines[:0]
	for i := 0; i < lines; i++ {
		l := linetap.DefaultLine(i)
		l.Codec = "l16"
		cfg.Lines = append(cfg.Lines, l)
	}
	if sample == nil {
		sample = hiss
	}
	src := &hwtest.Source{Fmt: hw.Format{Channels: lines, Rate: rate}, Frames: frames, Sample: sample,
		Origin: 5 * time.Hour, Script: script}
	return &run{cfg: cfg, src: src, store: newMemStore(t)}
}

func (r *run) go_(t *testing.T) []linetap.Call {
	t.Helper()
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	r.engine = e
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r.store.all()
}

func ev(line int, k hw.EventKind, s float64) hw.LineEvent {
	return hw.LineEvent{Line: line, Kind: k, Time: sec(s)}
}

// checkAudio asserts that the call's audio is the source's, sample for
// sample, from fromSec for n samples.
func checkAudio(t *testing.T, r *run, c linetap.Call, ch int, fromSec float64, n int64) {
	t.Helper()
	pcm := r.store.pcm(t, c.ID)
	if int64(len(pcm)) != n || c.Samples != n {
		t.Fatalf("call %d: %d samples stored, record says %d, want %d", c.ID, len(pcm), c.Samples, n)
	}
	from := int64(fromSec * rate)
	for i, s := range pcm {
		if want := r.src.Sample(ch, from+int64(i)); s != want {
			t.Fatalf("call %d: sample %d is %d, want %d (source position %d)", c.ID, i, s, want, from+int64(i))
		}
	}
	if want := epoch.Add(sec(fromSec)); !c.AudioStart.Equal(want) {
		t.Errorf("call %d: AudioStart %v, want %v", c.ID, c.AudioStart, want)
	}
}

func TestInboundCallKeepsPreAndPostRoll(t *testing.T) {
	for _, late := range []int{0, 10, 60} { // events on time, 200 ms late, 1.2 s late
		t.Run(time.Duration(late*20*int(time.Millisecond)).String()+" late", func(t *testing.T) {
			r := newRun(t, 2, 25*rate, []hw.LineEvent{
				ev(1, hw.RingOn, 3), ev(1, hw.RingOff, 5), ev(1, hw.RingOn, 9),
				ev(1, hw.OffHook, 10), ev(1, hw.RingOff, 10.01), ev(1, hw.OnHook, 20),
			}, nil)
			r.src.Late = late
			calls := r.go_(t)
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1: %+v", len(calls), calls)
			}
			c := calls[0]
			if c.Line != 1 || c.Direction != linetap.Inbound || c.State != linetap.StateComplete ||
				c.EndReason != linetap.EndNearHangUp || c.Trigger != linetap.TriggerHook || c.Codec != "l16" {
				t.Errorf("record %+v", c)
			}
			if !c.Start.Equal(epoch.Add(3*time.Second)) || !c.Answer.Equal(epoch.Add(10*time.Second)) ||
				!c.End.Equal(epoch.Add(20*time.Second)) || c.Duration != 17*time.Second {
				t.Errorf("times start %v answer %v end %v duration %v", c.Start, c.Answer, c.End, c.Duration)
			}
			// Pre-roll 2 s before the first ring, post-roll 1 s after on-hook.
			checkAudio(t, r, c, 1, 1, 20*rate)
		})
	}
}

func TestUnansweredCall(t *testing.T) {
	r := newRun(t, 1, 30*rate, []hw.LineEvent{
		ev(0, hw.RingOn, 1), ev(0, hw.RingOff, 3), ev(0, hw.RingOn, 7), ev(0, hw.RingOff, 9),
	}, nil)
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.EndReason != linetap.EndUnanswered || !c.Answer.IsZero() || !c.End.Equal(epoch.Add(9*time.Second)) {
		t.Errorf("record %+v", c)
	}
	// Pre-roll is cut at the start of the stream; the audio runs on until
	// the ringing was known to have stopped (6.5 s after the last ring).
	checkAudio(t, r, c, 0, 0, 15.5*rate)
}

func TestOutboundAnsweredByPolarityReversal(t *testing.T) {
	r := newRun(t, 1, 20*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 4), ev(0, hw.PolarityReversal, 9.5), ev(0, hw.OnHook, 15),
	}, nil)
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Direction != linetap.Outbound || !c.Answer.Equal(epoch.Add(9500*time.Millisecond)) || c.EndReason != linetap.EndNearHangUp {
		t.Errorf("record %+v", c)
	}
	checkAudio(t, r, c, 0, 2, 14*rate)
}

func TestShutdownFinishesTheCallInProgress(t *testing.T) {
	// The stream ends (the recorder stops) in the middle of a call, and
	// in the middle of a block.
	r := newRun(t, 1, 12*rate+37, []hw.LineEvent{ev(0, hw.OffHook, 4)}, nil)
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.State != linetap.StateComplete || c.EndReason != linetap.EndShutdown {
		t.Errorf("record %+v", c)
	}
	checkAudio(t, r, c, 0, 2, 10*rate+37)
}

func TestCallsBackToBackDoNotLoseAudio(t *testing.T) {
	// The second call starts inside the first one's post-roll: both keep
	// their full pre- and post-roll, overlapping.
	r := newRun(t, 1, 20*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 3), ev(0, hw.OnHook, 6), ev(0, hw.OffHook, 6.5), ev(0, hw.OnHook, 12),
	}, nil)
	calls := r.go_(t)
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	checkAudio(t, r, calls[0], 0, 1, 6*rate)
	checkAudio(t, r, calls[1], 0, 4.5, 8.5*rate)
}

func TestLineEventsForUnknownLinesAreIgnored(t *testing.T) {
	r := newRun(t, 1, 5*rate, []hw.LineEvent{ev(3, hw.OffHook, 1), ev(-1, hw.OffHook, 1)}, nil)
	if calls := r.go_(t); len(calls) != 0 {
		t.Fatalf("%d calls, want none", len(calls))
	}
}

func TestVOXRecordsVoiceWithHangover(t *testing.T) {
	loud := func(ch int, pos int64) int16 {
		if pos >= 5*rate && pos < 10*rate {
			return hiss(ch, pos) * 20 // about −16 dBm0
		}
		return hiss(ch, pos) / 10 // about −56 dBm0, under the threshold
	}
	r := newRun(t, 1, 30*rate, nil, loud)
	r.cfg.Lines[0].Trigger = linetap.TriggerVOX
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Direction != linetap.Unknown || c.EndReason != linetap.EndSilence {
		t.Errorf("record %+v", c)
	}
	// The call starts within a block of the voice and ends within a block
	// of its end; the audio runs from the pre-roll to the end of the
	// hangover, when the end became known.
	start := c.Start.Sub(epoch)
	end := c.End.Sub(epoch)
	if start < 5*time.Second-20*time.Millisecond || start > 5*time.Second+40*time.Millisecond {
		t.Errorf("VOX start at %v, want ≈ 5s", start)
	}
	if end < 10*time.Second-40*time.Millisecond || end > 10*time.Second+40*time.Millisecond {
		t.Errorf("VOX end at %v, want ≈ 10s", end)
	}
	from := c.AudioStart.Sub(epoch).Seconds()
	checkAudio(t, r, c, 0, from, int64((end.Seconds()+4-from)*rate+0.5))
}

func TestAlwaysSplitsIntoContiguousCalls(t *testing.T) {
	r := newRun(t, 1, 150*rate, nil, nil)
	r.cfg.Lines[0].Trigger = linetap.TriggerAlways
	r.cfg.Lines[0].MaxCall = linetap.Duration(time.Minute)
	calls := r.go_(t)
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	for i, want := range []struct {
		from, n float64
		reason  linetap.EndReason
	}{{0, 60, linetap.EndSplit}, {60, 60, linetap.EndSplit}, {120, 30, linetap.EndShutdown}} {
		if calls[i].EndReason != want.reason {
			t.Errorf("call %d ended by %q, want %q", i, calls[i].EndReason, want.reason)
		}
		checkAudio(t, r, calls[i], 0, want.from, int64(want.n*rate))
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	r := newRun(t, 1, 1<<40, []hw.LineEvent{ev(0, hw.OffHook, 1)}, nil)
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	// Let it record at least a few seconds of audio, then stop it.
	for e.Stats().Frames < 5*rate {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	calls := r.store.all()
	if len(calls) != 1 || calls[0].EndReason != linetap.EndShutdown || calls[0].State != linetap.StateComplete {
		t.Fatalf("calls %+v", calls)
	}
	frames := e.Stats().Frames
	checkAudio(t, r, calls[0], 0, 0, frames)
}

func TestNewRefusesAMismatchedSource(t *testing.T) {
	r := newRun(t, 2, rate, nil, nil)
	r.cfg.Lines[1].Channel = 5
	_, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store})
	if err == nil || err.Error() != "config: lines[1].channel: channel 5, but the audio source has 2 channels (0..1)" {
		t.Fatalf("err = %v", err)
	}
	r.src.Fmt.Rate = 16000
	r.cfg.Lines[1].Channel = 1
	if _, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store}); err == nil {
		t.Fatal("16 kHz source accepted")
	}
}

// flakyStore fails commits and ID requests while down is set, like a
// full disk, and counts what it refused.
type flakyStore struct {
	*memStore
	mu      sync.Mutex
	commits int
	failAt  func(commit int) bool
	refused int
}

var errDiskFull = errors.New("disk full")

// down reports whether the disk is full now, that is, whether the next
// commit will fail.
func (f *flakyStore) down() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failAt(f.commits + 1)
}

func (f *flakyStore) NewCallID() (uint64, error) {
	if f.down() {
		return 0, errDiskFull
	}
	return f.memStore.NewCallID()
}

func (f *flakyStore) Commit(b *linetap.Batch) error {
	f.mu.Lock()
	f.commits++
	fail := f.failAt(f.commits)
	if fail {
		f.refused++
	}
	f.mu.Unlock()
	if fail {
		return errDiskFull
	}
	return f.memStore.Commit(b)
}

func TestFailedCommitsLoseNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failAt func(int) bool
	}{
		{"one failure", func(n int) bool { return n == 4 }},
		{"a full disk for 10 s, across a call start", func(n int) bool { return n >= 2 && n < 12 }},
		{"every other commit", func(n int) bool { return n%2 == 0 && n < 30 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(t, 2, 40*rate, []hw.LineEvent{
				ev(0, hw.OffHook, 1), ev(1, hw.RingOn, 5), ev(1, hw.OffHook, 7), ev(0, hw.OnHook, 20), ev(1, hw.OnHook, 30),
			}, nil)
			fs := &flakyStore{memStore: r.store, failAt: tc.failAt}
			e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: fs,
				Now: func() time.Time { return epoch }})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if fs.refused == 0 {
				t.Fatal("no commit failed: the test tests nothing")
			}
			if st := e.Stats(); st.CommitErrs != int64(fs.refused) || st.Backlog != 0 {
				t.Errorf("stats %+v, %d refused", st, fs.refused)
			}
			calls := r.store.all()
			if len(calls) != 2 {
				t.Fatalf("%d calls, want 2: %+v", len(calls), calls)
			}
			for _, c := range calls {
				if c.State != linetap.StateComplete {
					t.Errorf("call %d state %s", c.ID, c.State)
				}
			}
			byLine := map[int]linetap.Call{calls[0].Line: calls[0], calls[1].Line: calls[1]}
			checkAudio(t, r, byLine[0], 0, 0, 21*rate)
			checkAudio(t, r, byLine[1], 1, 3, 28*rate)
		})
	}
}

func TestPulseDialledDigitsAndHookFlash(t *testing.T) {
	digit := func(s float64, d byte) hw.LineEvent {
		e := ev(0, hw.PulseDigit, s)
		e.Digit = d
		return e
	}
	r := newRun(t, 1, 30*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 1), digit(2, '5'), digit(3, '0'), digit(4, '9'),
		ev(0, hw.PolarityReversal, 8), ev(0, hw.HookFlash, 12), ev(0, hw.OnHook, 20),
	}, nil)
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1 (a hook flash does not end a call)", len(calls))
	}
	c := calls[0]
	if c.Dialled != "509" || c.Direction != linetap.Outbound || !c.End.Equal(epoch.Add(20*time.Second)) {
		t.Errorf("record %+v", c)
	}
}

func TestLostAudioIsMarkedInTheCall(t *testing.T) {
	r := newRun(t, 2, 20*rate, []hw.LineEvent{ev(0, hw.OffHook, 3), ev(0, hw.OnHook, 15)}, nil)
	r.src.GapScript = []hw.Gap{
		{At: sec(1), Length: 100 * time.Millisecond, Cause: "overrun"}, // before the call: in its pre-roll
		{At: sec(9.5), Length: 2 * time.Second, Cause: "device lost"},  // in the call
		{At: sec(18), Length: 50 * time.Millisecond, Cause: "overrun"}, // after it
	}
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	want := []linetap.AudioGap{
		{Offset: 0, Samples: 800, Cause: "overrun"},
		{Offset: 8.5 * rate, Samples: 2 * rate, Cause: "device lost"},
	}
	got := calls[0].Gaps
	if len(got) != len(want) {
		t.Fatalf("gaps %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("gap %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestOutageReportedBlockByBlock: a source that reports a long outage as
// one gap per block (a lost card) gives the call one gap, and a gap that
// runs past the call's end is cut at it.
func TestOutageReportedBlockByBlock(t *testing.T) {
	r := newRun(t, 1, 25*rate, []hw.LineEvent{ev(0, hw.OffHook, 3), ev(0, hw.OnHook, 14)}, nil)
	for at := sec(10); at < sec(17); at += 20 * time.Millisecond {
		r.src.GapScript = append(r.src.GapScript, hw.Gap{At: at, Length: 20 * time.Millisecond, Cause: "device lost"})
	}
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0]
	// The call's audio runs from 1 s (2 s pre-roll) to 15 s (1 s post-roll).
	want := []linetap.AudioGap{{Offset: 9 * rate, Samples: 5 * rate, Cause: "device lost"}}
	if len(c.Gaps) != 1 || c.Gaps[0] != want[0] {
		t.Fatalf("gaps %+v, want %+v", c.Gaps, want)
	}
	if end := c.Gaps[0].Offset + c.Gaps[0].Samples; end > c.Samples {
		t.Errorf("the gap ends at sample %d, after the call's %d", end, c.Samples)
	}
}
