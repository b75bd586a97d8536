package linetap

import (
	"sync"
)

// liveHub hands the engine's line status to readers on other goroutines
// without allocating on the engine's side: the engine copies into a fixed
// slice under a lock and pokes subscribers; each subscriber's own goroutine
// makes the copy it sends.
type liveHub struct {
	mu   sync.Mutex
	cur  []LineStatus
	diag []diagState // the lines' diagnostics, copied with cur
	// The lines' names and numbers as last set: SetLine shows them at
	// once, before the line takes its other settings.
	names, numbers []string
	fill           func([]LineStatus)
	subs           map[*liveSub]struct{}
	closed         bool
	wg             sync.WaitGroup
}

type liveSub struct {
	poke chan struct{}
	out  chan []LineStatus
	stop chan struct{}
	once sync.Once
}

func (h *liveHub) init(fill func([]LineStatus), lines []LineConfig) {
	h.fill = fill
	h.subs = map[*liveSub]struct{}{}
	for _, l := range lines {
		h.names = append(h.names, l.Name)
		h.numbers = append(h.numbers, l.Number)
	}
}

// rename shows a line's new name and number at once.
func (h *liveHub) rename(i int, name, number string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.names[i], h.numbers[i] = name, number
	h.cur[i].Name, h.cur[i].Number = name, number
	for s := range h.subs {
		select {
		case s.poke <- struct{}{}:
		default:
		}
	}
}

// publish copies the engine's state and wakes subscribers.
func (h *liveHub) publish() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fill(h.cur)
	for s := range h.subs {
		select {
		case s.poke <- struct{}{}:
		default:
		}
	}
}

func (h *liveHub) snapshot() []LineStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LineStatus(nil), h.cur...)
}

func (h *liveHub) close() {
	h.mu.Lock()
	h.closed = true
	for s := range h.subs {
		s.once.Do(func() { close(s.stop) })
		delete(h.subs, s)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// Lines returns the status of every line now.
func (e *Engine) Lines() []LineStatus { return e.live.snapshot() }

// Subscribe returns a channel of line snapshots, sent on every state change
// and at most five times a second while levels move. A slow reader misses
// snapshots; it never holds up recording. The channel is closed after
// cancel or when the engine stops.
func (e *Engine) Subscribe() (<-chan []LineStatus, func()) {
	h := &e.live
	s := &liveSub{poke: make(chan struct{}, 1), out: make(chan []LineStatus, 1), stop: make(chan struct{})}
	cancel := func() { s.once.Do(func() { close(s.stop) }) }
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(s.out)
		return s.out, func() {}
	}
	h.subs[s] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	s.poke <- struct{}{} // the first snapshot at once
	go func() {
		defer h.wg.Done()
		defer close(s.out)
		defer func() {
			h.mu.Lock()
			delete(h.subs, s)
			h.mu.Unlock()
		}()
		for {
			select {
			case <-s.stop:
				return
			case <-s.poke:
			}
			snap := h.snapshot()
			select {
			case s.out <- snap:
			case <-s.stop:
				return
			}
		}
	}()
	return s.out, cancel
}

// snapshotLocked fills dst (one entry per line) from the engine's lines.
// It runs on the engine's goroutine with the hub locked.
func (e *Engine) snapshotLocked(dst []LineStatus) {
	for i, l := range e.lines {
		st := &dst[i]
		*st = LineStatus{Line: i, Name: e.live.names[i], Number: e.live.numbers[i], State: l.state, LevelDBm0: l.meter.DBm0()}
		if l.cfg.Disabled {
			st.State = "disabled"
		}
		if e.anchor {
			st.Since = e.wallAt(l.since)
		}
		d := &e.live.diag[i]
		*d = l.diag
		d.floor = l.floorDBm0
		if d.floor >= 100 {
			d.floor = -100 // no audio yet
		}
		if c := l.cur; c != nil {
			st.CallID = c.rec.ID
			st.Direction = c.rec.Direction
			st.CallerID = c.rec.CallerID
			st.Dialled = c.rec.Dialled
		}
	}
}
