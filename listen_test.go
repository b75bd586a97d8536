package linetap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
)

// pausable stops reading at a frame position until the test resumes it,
// so that a test can act on an engine with a call in progress; while a
// lock-step listener is attached, every Read waits until the listener has
// taken the block before.
type pausable struct {
	*hwtest.Source
	read    int64
	pauseAt int64
	paused  chan struct{}
	resume  chan struct{}
	step    chan struct{} // a token per block the listener took; nil: free running
	gone    chan struct{} // closed when the listener's channel closed
}

func newPausable(src *hwtest.Source, at int64) *pausable {
	return &pausable{Source: src, pauseAt: at, paused: make(chan struct{}), resume: make(chan struct{})}
}

func (p *pausable) Read(buf []int16) (int, time.Duration, error) {
	if p.pauseAt > 0 && p.read >= p.pauseAt {
		p.pauseAt = 0
		p.paused <- struct{}{}
		<-p.resume
	} else if p.step != nil {
		select {
		case <-p.step:
		case <-p.gone:
			p.step = nil
		}
	}
	n, at, err := p.Source.Read(buf)
	p.read += int64(n)
	return n, at, err
}

// start runs the engine until the source pauses.
func startPaused(t *testing.T, r *run, p *pausable) (*linetap.Engine, chan error) {
	t.Helper()
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: p, Sensor: p, Store: r.store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(context.Background()) }()
	<-p.paused
	return e, done
}

// drain collects a lock-step listener's blocks until its channel closes.
func drain(ch <-chan []int16, p *pausable) []int16 {
	var got []int16
	for b := range ch {
		got = append(got, b...)
		p.step <- struct{}{}
	}
	close(p.gone)
	return got
}

func TestListenStreamsTheCallInProgress(t *testing.T) {
	r := newRun(t, 2, 20*rate, []hw.LineEvent{ev(1, hw.OffHook, 1), ev(1, hw.OnHook, 10)}, nil)
	p := newPausable(r.src, 3*rate)
	e, done := startPaused(t, r, p)

	for _, tc := range []struct {
		line int
		want error
	}{{0, linetap.ErrNotInCall}, {2, linetap.ErrNoLine}, {-1, linetap.ErrNoLine}} {
		if _, _, err := e.Listen(tc.line); !errors.Is(err, tc.want) {
			t.Errorf("Listen(%d) = %v, want %v", tc.line, err, tc.want)
		}
	}
	ch, cancel, err := e.Listen(1)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	p.step, p.gone = make(chan struct{}), make(chan struct{})
	p.resume <- struct{}{}
	got := drain(ch, p) // closed at the on-hook
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// From where the listener joined to the on-hook, sample for sample.
	if want := 7 * rate; len(got) != want {
		t.Fatalf("listener got %d samples, want %d (3 s to the on-hook at 10 s)", len(got), want)
	}
	for i, s := range got {
		if w := hiss(1, 3*rate+int64(i)); s != w {
			t.Fatalf("listener sample %d = %d, want %d", i, s, w)
		}
	}
	if d := e.Stats().ListenDrops; d != 0 {
		t.Errorf("%d blocks dropped for a listener in lock step", d)
	}
	if _, _, err := e.Listen(1); !errors.Is(err, linetap.ErrNotInCall) {
		t.Errorf("Listen after the engine stopped = %v, want ErrNotInCall", err)
	}
	cancel() // a second cancel is harmless
}

func TestListenerDoesNotHearMaskedDigits(t *testing.T) {
	keys, err := dtmf.AppendDigits(nil, "4111111111111111", 80*time.Millisecond, 80*time.Millisecond, -6)
	if err != nil {
		t.Fatal(err)
	}
	at := int64(6 * rate)
	sample := func(ch int, pos int64) int16 {
		s := int32(hiss(ch, pos))
		if pos >= at && pos < at+int64(len(keys)) {
			s += int32(keys[pos-at])
		}
		return int16(max(-32768, min(32767, s)))
	}
	r := newRun(t, 1, 20*rate, []hw.LineEvent{ev(0, hw.OffHook, 1), ev(0, hw.OnHook, 12)}, sample)
	r.cfg.Lines[0].MaskDTMF = true
	p := newPausable(r.src, 3*rate)
	e, done := startPaused(t, r, p)
	ch, cancel, err := e.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	p.step, p.gone = make(chan struct{}), make(chan struct{})
	p.resume <- struct{}{}
	got := drain(ch, p)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The tones were in the line's audio, so a detector would find them.
	d := dtmf.NewDetector()
	if found := d.Flush(d.Process(keys, 0, nil)); len(found) != 16 {
		t.Fatalf("the keyed tones themselves give %d digits", len(found))
	}
	d = dtmf.NewDetector()
	if found := d.Flush(d.Process(got, 0, nil)); len(found) != 0 {
		t.Errorf("digits recoverable from what the listener heard: %v", found)
	}
	// Where no key was pressed the listener hears the line itself (a
	// mask's delay behind): find the alignment in the first block.
	lag := int64(-1)
	for l := int64(0); l < rate/2 && lag < 0; l++ {
		ok := true
		for i := 0; i < linetap.BlockFrames; i++ {
			if got[i] != hiss(0, 3*rate-l+int64(i)) {
				ok = false
				break
			}
		}
		if ok {
			lag = l
		}
	}
	if lag < 0 {
		t.Fatal("the listener's first block is not the line's audio")
	}
	if len(got) < int(9*rate) {
		t.Fatalf("listener got %d samples", len(got))
	}
	for i, s := range got {
		pos := 3*rate - lag + int64(i)
		inKeys := pos >= at-rate/10 && pos < at+int64(len(keys))+rate/10
		if !inKeys && s != hiss(0, pos) {
			t.Fatalf("listener sample at %d = %d, want the line's %d", pos, s, hiss(0, pos))
		}
	}
}

func TestSlowListenerDropsBlocksAndRecordingGoesOn(t *testing.T) {
	r := newRun(t, 1, 20*rate, []hw.LineEvent{ev(0, hw.OffHook, 1), ev(0, hw.OnHook, 15)}, nil)
	p := newPausable(r.src, 3*rate)
	e, done := startPaused(t, r, p)
	ch, cancel, err := e.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	p.resume <- struct{}{}
	// Nobody reads until the recorder has finished.
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := 0
	for range ch {
		n++
	}
	cancel()
	if n != linetap.ListenQueue {
		t.Errorf("listener holds %d blocks, want the queue's %d", n, linetap.ListenQueue)
	}
	if want := int64(12*rate/linetap.BlockFrames - linetap.ListenQueue); e.Stats().ListenDrops != want {
		t.Errorf("ListenDrops %d, want %d", e.Stats().ListenDrops, want)
	}
	calls := r.store.all()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	checkAudio(t, r, calls[0], 0, 0, 16*rate)
}
