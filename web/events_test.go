package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web"
)

// watch is how long a test waits for something that must happen before it
// declares a hang; it bounds failures, never measures speed.
const watch = 10 * time.Second

// sseEvent is one parsed Server-Sent Event, or a comment.
type sseEvent struct {
	name, data, comment string
}

// sseReader parses a text/event-stream body (WHATWG HTML, Server-sent
// events: fields end at a newline, events at a blank line).
type sseReader struct{ r *bufio.Reader }

func (s *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data += line[len("data: "):]
		}
	}
}

// nextLines skips comments and retry fields and decodes a "lines" event.
func (s *sseReader) nextLines(t *testing.T) []linetap.LineStatus {
	t.Helper()
	for {
		ev, err := s.next()
		if err != nil {
			t.Fatalf("reading event stream: %v", err)
		}
		if ev.name == "" {
			continue
		}
		if ev.name != "lines" {
			t.Fatalf("event %q, want lines", ev.name)
		}
		var snap []linetap.LineStatus
		if err := json.Unmarshal([]byte(ev.data), &snap); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		return snap
	}
}

// streamServer serves srv.Handler and reports each return of the events
// handler on the returned channel.
func streamServer(t *testing.T, srv *web.Server) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	returned := make(chan struct{}, 8)
	h := srv.APIHandler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == "/api/v1/events" {
			returned <- struct{}{}
		}
	}))
	t.Cleanup(ts.Close)
	return ts, returned
}

func openStream(t *testing.T, ctx context.Context, url string) (*http.Response, *sseReader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET events: %v", err)
	}
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, Content-Type %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
	return r, &sseReader{r: bufio.NewReader(r.Body)}
}

func waitReturn(t *testing.T, returned <-chan struct{}, why string) {
	t.Helper()
	select {
	case <-returned:
	case <-time.After(watch):
		t.Fatalf("events handler still running %v after %s", watch, why)
	}
}

func TestEventsDeliverSnapshotsAndStopOnDisconnect(t *testing.T) {
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, sampleCalls(), live, nil)
	ts, returned := streamServer(t, srv)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, sse := openStream(t, ctx, ts.URL)
	defer r.Body.Close()

	first := sse.nextLines(t)
	if len(first) != 2 || first[1].State != linetap.LineConnected || first[1].LevelDBm0 != -23.5 {
		t.Fatalf("first snapshot %+v, want the current Lines()", first)
	}
	<-live.subscribed
	next := sampleLines()
	next[0].State = linetap.LineRinging
	next[0].CallerID = linetap.CallerID{NumberAbsence: "P"}
	live.publish(next)
	got := sse.nextLines(t)
	if got[0].State != linetap.LineRinging || got[0].CallerID.NumberAbsence != "P" {
		t.Fatalf("second snapshot %+v, want line 0 ringing, private", got)
	}

	cancel() // the client goes away
	waitReturn(t, returned, "the client disconnected")
	if n := live.active(); n != 0 {
		t.Errorf("%d subscriptions still open after the client left", n)
	}
}

func TestEventsHeartbeat(t *testing.T) {
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, sampleCalls(), live, func(o *web.Options) { o.Heartbeat = 20 * time.Millisecond })
	ts, returned := streamServer(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	r, sse := openStream(t, ctx, ts.URL)
	defer r.Body.Close()
	sse.nextLines(t)
	for {
		ev, err := sse.next()
		if err != nil {
			t.Fatalf("no heartbeat before %v", err)
		}
		if ev.comment == "heartbeat" && ev.name == "" && ev.data == "" {
			break
		}
	}
	cancel()
	waitReturn(t, returned, "the client disconnected")
}

func TestEventsEndWhenEngineStops(t *testing.T) {
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, sampleCalls(), live, nil)
	ts, returned := streamServer(t, srv)
	r, sse := openStream(t, context.Background(), ts.URL)
	defer r.Body.Close()
	sse.nextLines(t)
	<-live.subscribed
	live.closeAll()
	waitReturn(t, returned, "the subscription closed")
	if _, err := io.ReadAll(r.Body); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
}

func TestEventsEndWithRequestContext(t *testing.T) {
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, sampleCalls(), live, nil)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/events", nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		srv.APIHandler().ServeHTTP(rec, req)
		close(done)
	}()
	<-live.subscribed
	cancel()
	select {
	case <-done:
	case <-time.After(watch):
		t.Fatal("handler did not return after its context ended")
	}
	if !strings.Contains(rec.Body.String(), "event: lines\ndata: [") {
		t.Errorf("body %q lacks the first snapshot", rec.Body.String())
	}
	if live.active() != 0 {
		t.Errorf("subscription left open")
	}
}

func TestCloseEndsStreams(t *testing.T) {
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, sampleCalls(), live, nil)
	ts, returned := streamServer(t, srv)
	var bodies []io.Closer
	for range 3 {
		r, sse := openStream(t, context.Background(), ts.URL)
		bodies = append(bodies, r.Body)
		sse.nextLines(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), watch)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range 3 {
		waitReturn(t, returned, "Close")
	}
	for _, b := range bodies {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
	if live.active() != 0 {
		t.Errorf("%d subscriptions open after Close", live.active())
	}
	r := get(t, srv.APIHandler(), "/api/v1/events")
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("events after Close: status %d, want 503", r.StatusCode)
	}
	if r := get(t, srv.APIHandler(), "/api/v1/lines"); r.StatusCode != 200 {
		t.Errorf("lines after Close: status %d, want 200", r.StatusCode)
	}
	if err := srv.Close(ctx); !errors.Is(err, web.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
}

// BenchmarkEventsSnapshot measures encoding and sending one snapshot of 8
// lines to one client.
func BenchmarkEventsSnapshot(b *testing.B) {
	lines := make([]linetap.LineStatus, 8)
	for i := range lines {
		lines[i] = linetap.LineStatus{Line: i, Name: "Line", State: linetap.LineConnected, LevelDBm0: -20, Dialled: "5551234"}
	}
	live := newFakeLive(lines...)
	srv := newServer(b, sampleCalls(), live, nil)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/events", nil)
	pr, pw := io.Pipe()
	w := &pipeWriter{h: http.Header{}, w: pw}
	done := make(chan struct{})
	go func() {
		srv.APIHandler().ServeHTTP(w, req)
		close(done)
	}()
	sse := &sseReader{r: bufio.NewReader(pr)}
	if _, err := sse.next(); err != nil { // the first snapshot
		b.Fatal(err)
	}
	<-live.subscribed
	for b.Loop() {
		live.publish(lines)
		if _, err := sse.next(); err != nil {
			b.Fatal(err)
		}
	}
	cancel()
	_ = pr.Close()
	<-done
}

type pipeWriter struct {
	h http.Header
	w *io.PipeWriter
}

func (p *pipeWriter) Header() http.Header         { return p.h }
func (p *pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p *pipeWriter) WriteHeader(int)             {}
func (p *pipeWriter) Flush()                      {}
