package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/linetap/linetap"
)

// eventWriteTimeout is how long one event may take to reach a client
// before the stream is dropped.
const eventWriteTimeout = 10 * time.Second

// retryMillis is the reconnection delay the stream asks browsers for
// (WHATWG HTML, Server-sent events: the "retry" field).
const retryMillis = 2000

// stream writes Server-Sent Events to one client.
type stream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
}

// send writes buf to the client, flushes it and empties buf. The write
// deadline is pushed forward first, so a client that stops reading is
// dropped instead of holding the handler.
func (st *stream) send() error {
	if err := st.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)); err != nil &&
		!errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := st.w.Write(st.buf.Bytes()); err != nil {
		return err
	}
	st.buf.Reset()
	return st.rc.Flush()
}

// lines queues a "lines" event carrying snap as JSON. A JSON text has no
// raw newline, so one data line carries it (WHATWG HTML, Server-sent
// events: a newline would start a new field).
func (st *stream) lines(snap []linetap.LineStatus) error {
	if snap == nil {
		snap = []linetap.LineStatus{}
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("web: encoding lines: %w", err)
	}
	st.buf.WriteString("event: lines\ndata: ")
	st.buf.Write(b)
	st.buf.WriteString("\n\n")
	return nil
}

// openStream registers a long-lived response that Close must end and wait
// for; during shutdown it answers 503 itself and returns false.
func (s *Server) openStream(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.writeError(w, http.StatusServiceUnavailable, "server is shutting down")
		return false
	}
	s.streams.Add(1)
	return true
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if !s.openStream(w) {
		return
	}
	defer s.streams.Done()

	snaps, stop := s.live.Subscribe()
	defer stop()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // ask reverse proxies not to buffer
	w.WriteHeader(http.StatusOK)

	st := &stream{w: w, rc: http.NewResponseController(w)}
	fmt.Fprintf(&st.buf, "retry: %d\n\n", retryMillis)
	// The current state first, so a page is complete without waiting for
	// the next change.
	p := principal(r)
	if err := st.lines(maskLines(p, s.live.Lines())); err != nil {
		s.log.Error("web: event stream", "err", err)
		return
	}
	if err := st.send(); err != nil {
		s.log.Debug("web: event stream ended", "err", err)
		return
	}

	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case snap, ok := <-snaps:
			if !ok {
				return // the engine stopped; the browser reconnects
			}
			if err := st.lines(maskLines(p, snap)); err != nil {
				s.log.Error("web: event stream", "err", err)
				return
			}
			beat.Reset(s.heartbeat)
		case <-beat.C:
			// A comment line keeps proxies and clients from timing out.
			st.buf.WriteString(": heartbeat\n\n")
		}
		if err := st.send(); err != nil {
			s.log.Debug("web: event stream ended", "err", err)
			return
		}
	}
}
