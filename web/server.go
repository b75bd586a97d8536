package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/linetap/linetap"
)

// Errors returned by the package.
var (
	// ErrOptions is returned by New for Options it cannot work with; the
	// message names the field.
	ErrOptions = errors.New("web: bad options")
	// ErrBadParameter is returned by ParseCallQuery for a query parameter
	// that is unknown, repeated or malformed; the message names it. The API
	// answers it with 400.
	ErrBadParameter = errors.New("web: bad parameter")
	// ErrClosed is returned by Close when called twice.
	ErrClosed = errors.New("web: server closed")
)

// Calls is where recorded calls come from (storage.Store satisfies it).
type Calls interface {
	// Calls returns the calls q selects, newest first.
	Calls(q linetap.CallQuery) ([]linetap.Call, error)
	// Call returns one call; for a missing call it returns an error
	// wrapping Options.NotFound, which the API answers with 404.
	Call(id uint64) (linetap.Call, error)
	// PCM returns the call's audio as 8 kHz mono samples.
	PCM(id uint64) ([]int16, error)
}

// Live is the engine's live view.
type Live interface {
	// Lines returns a snapshot of every line.
	Lines() []linetap.LineStatus
	// Subscribe returns snapshots of every line, sent on each state change
	// and at most every 200 ms while levels move; a slow reader misses
	// intermediate snapshots, never blocks the engine. The function stops
	// the subscription; the channel may be closed when the engine stops.
	Subscribe() (<-chan []linetap.LineStatus, func())
}

// Defaults used for zero Options fields.
const (
	// DefaultHeartbeat is how often an idle event stream sends a comment,
	// so that proxies and browsers do not time it out.
	DefaultHeartbeat = 15 * time.Second
	// DefaultAudioCacheBytes bounds the encoded WAVs kept for seeking:
	// about an hour of audio at 16 kB/s.
	DefaultAudioCacheBytes = 64 << 20
)

// Options are the dependencies and settings of a Server.
type Options struct {
	// Calls is where recorded calls come from. Required.
	Calls Calls
	// Live is the engine's live view. Required.
	Live Live
	// NotFound is the sentinel meaning "no such call"
	// (storage.ErrNotFound). Required.
	NotFound error
	// Logger receives errors of the dependencies; nil discards them.
	Logger *slog.Logger
	// Version is shown in the UI and sent in the X-Linetap-Version header.
	Version string
	// Heartbeat is the interval of event-stream comments; 0 means
	// DefaultHeartbeat.
	Heartbeat time.Duration
	// AudioCacheBytes bounds the memory held by encoded WAVs; 0 means
	// DefaultAudioCacheBytes, a negative value disables the cache.
	AudioCacheBytes int64
}

// Server serves the UI and the API. Its methods are safe for concurrent use.
type Server struct {
	calls     Calls
	live      Live
	notFound  error
	log       *slog.Logger
	version   string
	heartbeat time.Duration
	wavs      *wavCache

	api http.Handler
	all http.Handler

	mu      sync.Mutex
	closed  bool
	done    chan struct{} // closed by Close: event streams end
	streams sync.WaitGroup
}

// New returns a Server for opt, or an error wrapping ErrOptions that names
// the missing field.
func New(opt Options) (*Server, error) {
	switch {
	case opt.Calls == nil:
		return nil, fmt.Errorf("%w: Calls is nil", ErrOptions)
	case opt.Live == nil:
		return nil, fmt.Errorf("%w: Live is nil", ErrOptions)
	case opt.NotFound == nil:
		return nil, fmt.Errorf("%w: NotFound is nil (pass storage.ErrNotFound)", ErrOptions)
	case opt.Heartbeat < 0:
		return nil, fmt.Errorf("%w: Heartbeat %v is negative", ErrOptions, opt.Heartbeat)
	}
	s := &Server{
		calls:     opt.Calls,
		live:      opt.Live,
		notFound:  opt.NotFound,
		log:       opt.Logger,
		version:   opt.Version,
		heartbeat: opt.Heartbeat,
		done:      make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.heartbeat == 0 {
		s.heartbeat = DefaultHeartbeat
	}
	budget := opt.AudioCacheBytes
	if budget == 0 {
		budget = DefaultAudioCacheBytes
	}
	s.wavs = newWAVCache(budget)

	api := http.NewServeMux()
	s.routeAPI(api)
	s.api = s.secure(api)

	all := http.NewServeMux()
	s.routeAPI(all)
	ui, err := s.uiHandler()
	if err != nil {
		return nil, err
	}
	all.Handle("/", ui)
	s.all = s.secure(all)
	return s, nil
}

// routeAPI registers the API endpoints on mux.
func (s *Server) routeAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /api/v1/info", s.handleInfo)
	mux.HandleFunc("GET /api/v1/lines", s.handleLines)
	mux.HandleFunc("GET /api/v1/calls", s.handleCalls)
	mux.HandleFunc("GET /api/v1/calls/{id}", s.handleCall)
	mux.HandleFunc("GET /api/v1/calls/{id}/audio", s.handleAudio)
	mux.HandleFunc("GET /api/v1/events", s.handleEvents)
	mux.HandleFunc("GET /api/", s.handleNoRoute)
}

// Handler returns the handler of the UI and the API.
func (s *Server) Handler() http.Handler { return s.all }

// APIHandler returns the handler of the API alone, for the unix socket the
// CLI uses.
func (s *Server) APIHandler() http.Handler { return s.api }

// Close ends every open event stream and waits, until ctx is done, for
// their handlers to return. Call it before http.Server.Shutdown. New event
// streams are refused with 503 afterwards; other endpoints keep working.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()

	waited := make(chan struct{})
	go func() {
		s.streams.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("web: close: event streams still open: %w", ctx.Err())
	}
}

// contentSecurityPolicy allows only this origin: no inline script or style,
// no framing (CSP Level 3, frame-ancestors), no foreign form targets.
const contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure sets the security headers every response carries.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.version != "" {
			h.Set("X-Linetap-Version", s.version)
		}
		next.ServeHTTP(w, r)
	})
}
