package linetap

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// ListenQueue is how many blocks (20 ms each) a live listener may fall
// behind before the engine drops blocks for it.
const ListenQueue = 25

// listenHub hands one line's audio to live listeners. The engine checks n
// without locking, so a line nobody listens to costs one atomic load per
// block; with listeners it copies each block into a buffer of the
// listener's fixed pool and sends it without waiting.
type listenHub struct {
	n       atomic.Int32 // listeners
	mu      sync.Mutex
	inCall  bool
	stopped bool
	subs    []*listener
}

// listener is one Listen. Its pool has ListenQueue+2 buffers: when the
// engine fills buffer k+ListenQueue+2 the channel holds fewer than
// ListenQueue blocks, so the listener has received blocks k+1 and k+2 and
// is done with block k (the channel's ordering makes that visible to the
// race detector too).
type listener struct {
	out     chan []int16
	bufs    [ListenQueue + 2][]int16
	next    int
	closed  bool
	dropped int64
}

// Listen streams line's audio while it is in a call: 8 kHz samples, in the
// engine's blocks (BlockFrames each, the last may be shorter), as they are
// processed, after gain and after DTMF masking (on a mask_dtmf line the
// audio runs the mask's delay, about 0.1 s, behind, and a listener hears
// comfort noise where a key was pressed, as the recording does). A block
// is valid until the next receive from the channel: copy what is kept.
//
// The channel is closed when the call ends (not at an always-on line's
// split), when the engine stops, or after cancel; cancel may be called more
// than once. A listener that falls ListenQueue blocks behind misses blocks
// (counted in Stats.ListenDrops); it never holds up recording.
//
// Listen returns an error wrapping ErrNoLine for a bad index and
// ErrNotInCall when the line is idle or the engine has stopped.
func (e *Engine) Listen(line int) (<-chan []int16, func(), error) {
	if line < 0 || line >= len(e.lines) {
		return nil, nil, fmt.Errorf("linetap: listen: %w: line %d (the lines are 0..%d)", ErrNoLine, line, len(e.lines)-1)
	}
	h := &e.lines[line].listen
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.inCall || h.stopped {
		return nil, nil, fmt.Errorf("linetap: listen: line %d: %w", line, ErrNotInCall)
	}
	s := &listener{out: make(chan []int16, ListenQueue)}
	for i := range s.bufs {
		s.bufs[i] = make([]int16, BlockFrames)
	}
	h.subs = append(h.subs, s)
	h.n.Add(1)
	cancel := func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.drop(s)
	}
	return s.out, cancel, nil
}

// drop closes s and removes it; h.mu is held.
func (h *listenHub) drop(s *listener) {
	if s.closed {
		return
	}
	s.closed = true
	close(s.out)
	for i, o := range h.subs {
		if o == s {
			h.subs = append(h.subs[:i], h.subs[i+1:]...)
			break
		}
	}
	h.n.Store(int32(len(h.subs)))
}

// setInCall marks the line in or out of a call; leaving a call closes
// every listener.
func (h *listenHub) setInCall(in bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inCall = in
	if !in {
		h.closeAll()
	}
}

// stop closes every listener for good (the engine stopped).
func (h *listenHub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped, h.inCall = true, false
	h.closeAll()
}

func (h *listenHub) closeAll() {
	for _, s := range h.subs {
		s.closed = true
		close(s.out)
	}
	clear(h.subs)
	h.subs = h.subs[:0]
	h.n.Store(0)
}

// send copies x to every listener that has room and returns how many
// listeners missed it.
func (h *listenHub) send(x []int16) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var dropped int64
	for _, s := range h.subs {
		if len(s.out) >= ListenQueue {
			s.dropped++
			dropped++
			continue
		}
		b := s.bufs[s.next][:len(x)]
		s.next = (s.next + 1) % len(s.bufs)
		copy(b, x)
		s.out <- b // cannot block: only the engine sends, and there is room
	}
	return dropped
}

// feedListeners sends the audio of the block that ends at end to the
// line's listeners: the block as processed, or on a masked line the
// block's worth of audio that record has just released, masked.
func (l *line) feedListeners(end int64) {
	n := int64(len(l.x))
	to := end
	if l.mask != nil {
		to -= l.mask.delay
	}
	from := max(to-n, 0)
	if from >= to {
		return
	}
	y := l.lx[:to-from]
	r := int64(len(l.ring))
	for i := range y {
		y[i] = l.ring[(from+int64(i))%r]
	}
	if l.mask != nil {
		// The listener's comfort noise must not change the recording's.
		noise := l.mask.noise
		l.mask.apply(y, from)
		l.mask.noise = noise
	}
	if d := l.listen.send(y); d > 0 {
		e := l.e
		e.statsMu.Lock()
		e.stats.ListenDrops += d
		e.statsMu.Unlock()
	}
}
