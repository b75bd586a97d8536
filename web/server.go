package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
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

// Archive is the recording store (storage.Store satisfies it).
type Archive interface {
	// Search returns a page of the calls q selects.
	Search(q storage.Query) (storage.Page, error)
	// Info returns one call with its annotations; for a missing call an
	// error wrapping Options.NotFound, which the API answers with 404.
	Info(id uint64) (storage.CallInfo, error)
	// PCM returns the call's audio as 8 kHz mono samples.
	PCM(id uint64) ([]int16, error)
	// Annotate replaces a call's tags and notes, audited as done by who.
	Annotate(id uint64, a storage.Annotation, who string) error
	// SetKeep sets a call's keep flag (legal hold), audited.
	SetKeep(id uint64, keep bool, who string) error
	// Delete deletes calls (not those kept or recording), audited, and
	// returns the IDs it deleted.
	Delete(ids []uint64, who, why string) ([]uint64, error)
	// Verify checks one call's audio and metadata against its hashes.
	Verify(id uint64) error
	// Audit appends an entry to the hash-chained audit log.
	Audit(e storage.AuditEntry) (storage.AuditEntry, error)
	// AuditLog returns up to limit entries with Seq > after, oldest first.
	AuditLog(after uint64, limit int) ([]storage.AuditEntry, error)
	// VerifyAudit checks the audit log's hash chain.
	VerifyAudit() (storage.Report, error)
	// VerifyAll checks the whole store (every call's audio, the chain,
	// the audit log) and names every break.
	VerifyAll() (storage.Report, error)
	// Alarms returns the store's alarms (disk low, disk full, …).
	Alarms() []storage.Alarm
	// The KV buckets hold device settings and QA scores.
	auth.KV
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
	// Archive is the recording store. Required.
	Archive Archive
	// Auth decides who may do what. Required.
	Auth *auth.Service
	// Engine serves diagnostics, line settings and live listening; nil
	// (the CLI's offline server) answers those endpoints with 503.
	Engine Engine
	// Alarms returns the device's alarms (engine, store, hardware); nil
	// means none.
	Alarms func() []Alarm
	// System returns the system page's figures; nil leaves them zero.
	System func() System
	// OnDeviceSettings is called after an admin changed the device
	// settings (the daemon reconfigures the webhook).
	OnDeviceSettings func(DeviceSettings)
	// Metrics adds the daemon's own samples to /metrics.
	Metrics func(*Metrics)
	// Exports runs export jobs; nil answers the export endpoints with 503.
	Exports Exports
	// Cards reports the sound cards' capture figures for the technician;
	// nil means no sound card is in use (the simulated lines, a file).
	Cards Cards
	// SourceKind is the config's source.kind ("portaudio", "sim",
	// "wavfile"), which the technician's page names when no card is in
	// use.
	SourceKind string
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
	archive    Archive
	auth       *auth.Service
	engine     Engine
	alarms     func() []Alarm
	system     func() System
	onDevice   func(DeviceSettings)
	metrics    func(*Metrics)
	exports    Exports
	cards      Cards
	sourceKind string
	heavy      chan struct{}        // requests that decode or encode audio
	inflight   chan struct{}        // every API request
	played     map[string]time.Time // audited playbacks: who\x00call → when
	httpCounts httpCounts
	live       Live
	notFound   error
	log        *slog.Logger
	version    string
	heartbeat  time.Duration
	wavs       *wavCache

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
	case opt.Archive == nil:
		return nil, fmt.Errorf("%w: Archive is nil", ErrOptions)
	case opt.Auth == nil:
		return nil, fmt.Errorf("%w: Auth is nil", ErrOptions)
	case opt.Live == nil:
		return nil, fmt.Errorf("%w: Live is nil", ErrOptions)
	case opt.NotFound == nil:
		return nil, fmt.Errorf("%w: NotFound is nil (pass storage.ErrNotFound)", ErrOptions)
	case opt.Heartbeat < 0:
		return nil, fmt.Errorf("%w: Heartbeat %v is negative", ErrOptions, opt.Heartbeat)
	}
	s := &Server{
		archive:    opt.Archive,
		auth:       opt.Auth,
		engine:     opt.Engine,
		alarms:     opt.Alarms,
		system:     opt.System,
		onDevice:   opt.OnDeviceSettings,
		metrics:    opt.Metrics,
		exports:    opt.Exports,
		cards:      opt.Cards,
		sourceKind: opt.SourceKind,
		played:     map[string]time.Time{},
		heavy:      make(chan struct{}, MaxHeavyRequests),
		inflight:   make(chan struct{}, MaxRequests),
		live:       opt.Live,
		notFound:   opt.NotFound,
		log:        opt.Logger,
		version:    opt.Version,
		heartbeat:  opt.Heartbeat,
		done:       make(chan struct{}),
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
	s.api = s.secure(s.count(s.limit(trusted(api))))

	all := http.NewServeMux()
	s.routeAPI(all)
	ui, err := s.uiHandler()
	if err != nil {
		return nil, err
	}
	all.Handle("/", ui)
	s.all = s.secure(s.count(s.limit(s.authenticate(all))))
	return s, nil
}

// routeAPI registers the API endpoints on mux.
func (s *Server) routeAPI(mux *http.ServeMux) {
	// Every API route, with what it needs: docs/api.md is this table in prose.
	routes := []struct {
		pattern string
		perm    auth.Permission
		h       http.HandlerFunc
	}{
		{"GET /healthz", Public, s.handleHealth},
		{"GET /api/v1/info", Public, s.handleInfo},
		{"POST /api/v1/login", Public, s.handleLogin},
		{"POST /api/v1/setup", Public, s.handleSetup},
		{"POST /api/v1/logout", LoggedIn, s.handleLogout},
		{"GET /api/v1/me", LoggedIn, s.handleMe},
		{"POST /api/v1/me/password", LoggedIn, s.handleMyPassword},

		{"GET /api/v1/lines", auth.LinesView, s.handleLines},
		{"GET /api/v1/events", auth.LinesView, s.handleEvents},

		{"GET /api/v1/calls", auth.CallsView, s.handleCalls},
		{"GET /api/v1/calls/{id}", auth.CallsView, s.handleCall},
		{"PATCH /api/v1/calls/{id}", LoggedIn, s.handlePatchCall}, // checks calls.annotate / calls.keep per field
		{"PUT /api/v1/calls/{id}/qa", auth.CallsAnnotate, s.handleQA},
		{"DELETE /api/v1/calls/{id}", auth.CallsDelete, s.handleDeleteCall},
		{"POST /api/v1/calls/{id}/verify", auth.CallsVerify, s.handleVerifyCall},
		{"GET /api/v1/calls/{id}/audio", auth.CallsPlay, s.handleAudio},
		{"GET /api/v1/calls/{id}/waveform", auth.CallsPlay, s.handleWaveform},

		{"GET /api/v1/audit", auth.AuditView, s.handleAudit},
		{"POST /api/v1/verify", auth.CallsVerify, s.handleVerifyAll},

		{"GET /api/v1/users", auth.UsersManage, s.handleUsers},
		{"POST /api/v1/users", auth.UsersManage, s.handleAddUser},
		{"PATCH /api/v1/users/{name}", auth.UsersManage, s.handleChangeUser},
		{"DELETE /api/v1/users/{name}", auth.UsersManage, s.handleDeleteUser},
		{"GET /api/v1/tokens", auth.UsersManage, s.handleTokens},
		{"POST /api/v1/tokens", auth.UsersManage, s.handleAddToken},
		{"DELETE /api/v1/tokens/{id}", auth.UsersManage, s.handleRevokeToken},

		{"GET /api/v1/system", auth.SystemView, s.handleSystem},
		{"GET /metrics", auth.SystemView, s.handleMetrics},
		{"GET /api/v1/settings", LoggedIn, s.handleSettings}, // lines.setup or settings.manage
		{"PUT /api/v1/settings/device", auth.SettingsManage, s.handleDeviceSettings},
	}
	for _, rt := range routes {
		h := rt.h
		if heavyRoute[rt.pattern] {
			h = s.bounded(s.heavy, h)
		}
		s.handle(mux, rt.pattern, rt.perm, h)
	}
	s.routeEngine(mux)
	mux.HandleFunc("/api/", s.noRoute(mux))
}

// Concurrency bounds. Recording must never starve: the engine is one
// goroutine among those that are runnable, so the API keeps their number
// small and makes the rest wait (2 cores on the board, 4 on a Pi 4).
const (
	// MaxRequests bounds the API requests served at once (event streams
	// and live listening excepted: they mostly wait).
	MaxRequests = 16
	// MaxHeavyRequests bounds those that decode or encode a call's audio.
	MaxHeavyRequests = 2
)

// heavyRoute marks the routes that decode a whole call.
var heavyRoute = map[string]bool{
	"GET /api/v1/calls/{id}/audio":    true,
	"GET /api/v1/calls/{id}/waveform": true,
	"POST /api/v1/calls/{id}/verify":  true,
}

// bounded runs h once it holds a slot of sem, or answers 503 when the
// client gives up first.
func (s *Server) bounded(sem chan struct{}, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			h(w, r)
		case <-r.Context().Done():
			s.writeError(w, http.StatusServiceUnavailable, "busy: the request was given up while waiting")
		}
	}
}

// limit holds every API request but the long-lived streams to
// MaxRequests at once.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/events" || strings.HasSuffix(r.URL.Path, "/listen") {
			next.ServeHTTP(w, r)
			return
		}
		s.bounded(s.inflight, next.ServeHTTP)(w, r)
	})
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
		if r.TLS != nil {
			// RFC 6797: browsers that met the recorder over HTTPS never
			// try plain HTTP to it again.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if s.version != "" {
			h.Set("X-Linetap-Version", s.version)
		}
		next.ServeHTTP(w, r)
	})
}
