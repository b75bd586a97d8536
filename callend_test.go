package linetap_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

// hookLog collects what the call-end hook was given.
type hookLog struct {
	mu    sync.Mutex
	calls []linetap.Call
}

func (h *hookLog) add(c linetap.Call) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, c)
}

func TestOnCallEndReportsEveryCallOnceAfterCommit(t *testing.T) {
	script := []hw.LineEvent{
		ev(0, hw.OffHook, 1), ev(0, hw.OnHook, 4), // outbound
		ev(0, hw.OffHook, 4.5), ev(0, hw.OnHook, 9), // back to back, in the post-roll
		ev(1, hw.RingOn, 2), ev(1, hw.RingOff, 4), ev(1, hw.OffHook, 5), ev(1, hw.OnHook, 15), // inbound
		ev(1, hw.RingOn, 17), ev(1, hw.RingOff, 19), // unanswered
		ev(0, hw.OffHook, 28), // still in progress when the recorder stops
	}
	for _, tc := range []struct {
		name   string
		failAt func(int) bool
	}{
		{"store healthy", func(int) bool { return false }},
		{"store refuses commits for a while", func(n int) bool { return n >= 8 && n < 14 || n == 20 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(t, 2, 32*rate, script, nil)
			fs := &flakyStore{memStore: r.store, failAt: tc.failAt}
			var h hookLog
			e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: fs,
				Now: func() time.Time { return epoch }, OnCallEnd: func(c linetap.Call) {
					// The record is already in the store when the hook runs.
					stored, ok := r.store.get(c.ID)
					if !ok || !reflect.DeepEqual(stored, c) {
						t.Errorf("call %d reached the hook before its record was committed", c.ID)
					}
					h.add(c)
				}})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tc.name != "store healthy" && fs.refused == 0 {
				t.Fatal("no commit failed: the case tests nothing")
			}
			stored := r.store.all()
			if len(stored) != 5 {
				t.Fatalf("%d calls stored, want 5", len(stored))
			}
			seen := map[uint64]int{}
			for _, c := range h.calls {
				seen[c.ID]++
			}
			if len(h.calls) != len(stored) {
				t.Errorf("hook called %d times for %d calls", len(h.calls), len(stored))
			}
			for _, c := range stored {
				if seen[c.ID] != 1 {
					t.Errorf("call %d reached the hook %d times, want once", c.ID, seen[c.ID])
				}
			}
			for _, c := range h.calls {
				if c.State != linetap.StateComplete || c.End.IsZero() {
					t.Errorf("hook got call %d in state %q, end %v: not final", c.ID, c.State, c.End)
				}
				s, _ := r.store.get(c.ID)
				if !reflect.DeepEqual(s, c) {
					t.Errorf("hook got\n %+v\nstore has\n %+v", c, s)
				}
			}
			if last := h.calls[len(h.calls)-1]; last.EndReason != linetap.EndShutdown {
				t.Errorf("last call reported ended by %q, want shutdown", last.EndReason)
			}
		})
	}
}
