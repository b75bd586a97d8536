package linetap_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

// rejectingStore refuses the commits refuse picks: for good (wrapping
// linetap.ErrRejected) when permanent, else like a full disk.
type rejectingStore struct {
	*memStore
	mu        sync.Mutex
	commits   int
	refuse    func(n int) bool
	permanent bool
	refused   int
}

func (s *rejectingStore) NewCallID() (uint64, error) { return s.memStore.NewCallID() }

func (s *rejectingStore) Commit(b *linetap.Batch) error {
	s.mu.Lock()
	s.commits++
	no := s.refuse(s.commits)
	if no {
		s.refused++
	}
	s.mu.Unlock()
	switch {
	case no && s.permanent:
		return fmt.Errorf("test store: %w: a rule broken", linetap.ErrRejected)
	case no:
		return errDiskFull
	}
	return s.memStore.Commit(b)
}

// checkPieces asserts that line ch's stored calls are pieces of one call
// in order: each piece's audio is the line's from its AudioStart, every
// piece but the last ends audio-dropped, the last ends with lastReason at
// endSec (its audio at endSec+1 s of post-roll), and together with what
// was dropped they cover the call from its pre-roll.
func checkPieces(t *testing.T, r *run, ch int, calls []linetap.Call, startSec, endSec float64, lastReason linetap.EndReason) {
	t.Helper()
	if len(calls) < 2 {
		t.Fatalf("line %d: %d calls, want the call cut in pieces", ch, len(calls))
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].AudioStart.Before(calls[j].AudioStart) })
	for i, c := range calls {
		from := c.AudioStart.Sub(epoch).Seconds()
		checkAudio(t, r, c, ch, from, c.Samples)
		if !c.Start.Equal(epoch.Add(sec(startSec))) {
			t.Errorf("piece %d starts %v, want the call's start", i, c.Start)
		}
		if i < len(calls)-1 {
			if c.State != linetap.StateInterrupted || c.EndReason != linetap.EndDropped ||
				!c.End.Equal(c.AudioStart.Add(c.AudioDuration())) {
				t.Errorf("piece %d: state %s, end %s at %v; want interrupted, audio-dropped, at the end of its audio",
					i, c.State, c.EndReason, c.End)
			}
			if next := calls[i+1].AudioStart; !next.After(c.End) {
				t.Errorf("piece %d ends %v, the next begins %v: no audio was dropped", i, c.End, next)
			}
		}
	}
	last := calls[len(calls)-1]
	if last.State != linetap.StateComplete || last.EndReason != lastReason || !last.End.Equal(epoch.Add(sec(endSec))) {
		t.Errorf("last piece: %+v", last)
	}
	if end := last.AudioStart.Add(last.AudioDuration()); !end.Equal(epoch.Add(sec(endSec + 1))) {
		t.Errorf("last piece's audio ends %v, want the post-roll's end", end)
	}
}

func TestRejectedBatchIsDroppedAndTheCallsGoOn(t *testing.T) {
	for _, custom := range []bool{false, true} {
		t.Run(fmt.Sprintf("custom predicate %v", custom), func(t *testing.T) {
			r := newRun(t, 2, 25*rate, []hw.LineEvent{
				ev(0, hw.OffHook, 1), ev(1, hw.OffHook, 2), ev(1, hw.OnHook, 12), ev(0, hw.OnHook, 20),
			}, nil)
			st := &rejectingStore{memStore: r.store, refuse: func(n int) bool { return n == 6 }, permanent: !custom}
			var ended []linetap.Call
			var mu sync.Mutex
			opt := linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: st,
				Now: func() time.Time { return epoch }, OnCallEnd: func(c linetap.Call) {
					mu.Lock()
					ended = append(ended, c)
					mu.Unlock()
				}}
			if custom {
				// The daemon's predicate: this store's "disk full" is for good.
				opt.Rejected = func(err error) bool { return err == errDiskFull }
			}
			e, err := linetap.New(opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if st.refused != 1 {
				t.Fatalf("%d commits refused", st.refused)
			}
			byLine := map[int][]linetap.Call{}
			for _, c := range r.store.all() {
				byLine[c.Line] = append(byLine[c.Line], c)
			}
			checkPieces(t, r, 0, byLine[0], 1, 20, linetap.EndNearHangUp)
			checkPieces(t, r, 1, byLine[1], 2, 12, linetap.EndNearHangUp)
			if len(ended) != len(r.store.all()) {
				t.Errorf("call-end hook got %d records for %d calls", len(ended), len(r.store.all()))
			}
			s := e.Stats()
			if s.Dropped <= 0 || s.CommitErrs != 1 {
				t.Errorf("stats %+v", s)
			}
			al := e.Alarms()
			if len(al) != 1 || al[0].Kind != linetap.AlarmStore || !al[0].Active {
				t.Errorf("alarms %+v", al)
			}
		})
	}
}

func TestBacklogIsCapped(t *testing.T) {
	// A full disk for 12 s; 2 l16 lines make 32 kB a second; the cap is
	// 100 kB: the oldest backlog goes about every 3 s.
	r := newRun(t, 2, 40*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 1), ev(1, hw.OffHook, 2), ev(1, hw.OnHook, 30), ev(0, hw.OnHook, 35),
	}, nil)
	st := &rejectingStore{memStore: r.store, refuse: func(n int) bool { return n >= 5 && n < 17 }}
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: st,
		Now: func() time.Time { return epoch }, MaxBacklog: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	byLine := map[int][]linetap.Call{}
	for _, c := range r.store.all() {
		byLine[c.Line] = append(byLine[c.Line], c)
	}
	checkPieces(t, r, 0, byLine[0], 1, 35, linetap.EndNearHangUp)
	checkPieces(t, r, 1, byLine[1], 2, 30, linetap.EndNearHangUp)
	s := e.Stats()
	if s.Dropped < 100_000 || s.Backlog != 0 {
		t.Errorf("stats %+v", s)
	}
	if a := e.Alarms(); len(a) != 1 || a[0].Kind != linetap.AlarmStore {
		t.Errorf("alarms %+v", a)
	}
}

func TestCallWithoutIDKeepsItsShareOfTheBacklog(t *testing.T) {
	// The disk is full from the 2nd commit to the 12th (about 1 to 11 s),
	// and the store gives no call IDs meanwhile. Line 1's call keeps the
	// commits going; line 0's begins at 3 s, in the outage, and holds its
	// audio until it gets an ID: at most its share of the cap, 1 s of l16.
	r := newRun(t, 2, 25*rate, []hw.LineEvent{
		ev(1, hw.OffHook, 0.5), ev(0, hw.OffHook, 3), ev(0, hw.OnHook, 20), ev(1, hw.OnHook, 22),
	}, nil)
	fs := &flakyStore{memStore: r.store, failAt: func(n int) bool { return n >= 2 && n < 12 }}
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: fs,
		Now: func() time.Time { return epoch }, MaxBacklog: 64000})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var line0 []linetap.Call
	for _, c := range r.store.all() {
		if c.Line == 0 {
			line0 = append(line0, c)
		}
	}
	if len(line0) != 1 {
		t.Fatalf("line 0: %d calls, want 1", len(line0))
	}
	c := line0[0]
	from := c.AudioStart.Sub(epoch)
	// The ID came with the store, at about 11 s: the audio kept starts
	// about a second before.
	if from < 9*time.Second || from > 11*time.Second || c.State != linetap.StateComplete ||
		!c.Start.Equal(epoch.Add(3*time.Second)) {
		t.Errorf("line 0's call: audio from %v, %+v", from, c)
	}
	checkAudio(t, r, c, 0, from.Seconds(), int64((21*time.Second-from)*rate/time.Second))
	if s := e.Stats(); s.Dropped == 0 {
		t.Errorf("stats %+v: nothing dropped", s)
	}
	if a := e.Alarms(); len(a) != 1 || a[0].Kind != linetap.AlarmStore {
		t.Errorf("alarms %+v", a)
	}
}
