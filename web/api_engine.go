package web

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web/auth"
)

// Engine is the recorder's side of the technician and live-listen pages
// (linetap.Engine satisfies it).
type Engine interface {
	// Listen streams a line's audio while it is in a call.
	Listen(line int) (<-chan []int16, func(), error)
	// Diagnostics returns every line's diagnostics, caller data unmasked.
	Diagnostics() []linetap.LineDiag
	// LineSettings returns every line's runtime settings.
	LineSettings() []linetap.LineSettings
	// SetLine replaces a line's runtime settings.
	SetLine(i int, s linetap.LineSettings) error
	// Stats returns the engine's counters.
	Stats() linetap.Stats
}

// Alarm is one alarm of the device, from the engine, the store or the
// hardware.
type Alarm struct {
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	Since   time.Time `json:"since"`
	Active  bool      `json:"active"`
}

// System is what the system page shows besides the version and uptime.
type System struct {
	ClockValid   bool     `json:"clock_valid"`
	UsedBytes    int64    `json:"used_bytes"`
	FreeBytes    int64    `json:"free_bytes"`
	Load1        float64  `json:"load1"`
	TemperatureC *float64 `json:"temperature_c"`
	Lines        int      `json:"lines"`
	DataDir      string   `json:"data_dir,omitempty"`
}

// SystemStatus is the body of GET /api/v1/system.
type SystemStatus struct {
	Version string  `json:"version"`
	Uptime  float64 `json:"uptime_s"`
	Go      string  `json:"go"`
	System
	Stats  *linetap.Stats `json:"stats,omitempty"`
	Alarms []Alarm        `json:"alarms"`
}

func (s *Server) routeEngine(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/diagnostics", auth.DiagView, s.handleDiagnostics)
	s.handle(mux, "GET /api/v1/alarms", auth.DiagView, s.handleAlarms)
	s.handle(mux, "PUT /api/v1/settings/lines/{line}", auth.LinesSetup, s.handleSetLine)
	s.handle(mux, "GET /api/v1/lines/{line}/listen", auth.LiveListen, s.handleListen)
	s.routeExports(mux)
	s.routeCards(mux)
}

// needEngine answers 503 when the server runs without an engine (the CLI's
// offline mode) and reports whether it may go on.
func (s *Server) needEngine(w http.ResponseWriter) bool {
	if s.engine == nil {
		s.writeError(w, http.StatusServiceUnavailable, "the recorder is not running")
		return false
	}
	return true
}

func (s *Server) handleDiagnostics(w http.ResponseWriter, r *http.Request) {
	if !s.needEngine(w) {
		return
	}
	d := s.engine.Diagnostics()
	if !principal(r).Can(auth.CallsView) {
		for i := range d {
			d[i] = d[i].Masked()
		}
	}
	if d == nil {
		d = []linetap.LineDiag{}
	}
	s.writeJSON(w, http.StatusOK, d)
}

func (s *Server) alarmList() []Alarm {
	if s.alarms == nil {
		return []Alarm{}
	}
	a := s.alarms()
	if a == nil {
		a = []Alarm{}
	}
	return a
}

func (s *Server) handleAlarms(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.alarmList())
}

// lineIndex reads the {line} path wildcard, answering 400 itself.
func (s *Server) lineIndex(w http.ResponseWriter, r *http.Request) (int, bool) {
	raw := r.PathValue("line")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > MaxLine {
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("line: %q is not a line index from 0 to %d", raw, MaxLine))
		return 0, false
	}
	return n, true
}

func (s *Server) handleSetLine(w http.ResponseWriter, r *http.Request) {
	if !s.needEngine(w) {
		return
	}
	n, ok := s.lineIndex(w, r)
	if !ok {
		return
	}
	var req linetap.LineSettings
	if !s.readJSON(w, r, &req) {
		return
	}
	all := s.engine.LineSettings()
	if n >= len(all) {
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("line %d: there are %d lines", n, len(all)))
		return
	}
	if err := s.engine.SetLine(n, req); err != nil {
		if errors.Is(err, linetap.ErrNoLine) {
			s.writeError(w, http.StatusNotFound, err.Error())
			return
		}
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	old := all[n]
	if err := s.audit(r, "settings", 0, fmt.Sprintf("line %d: %+v → %+v", n, old, req)); err != nil {
		s.log.Error("web: auditing a settings change", "err", err)
	}
	s.writeJSON(w, http.StatusOK, s.engine.LineSettings()[n])
}

// Live listening streams a WAV whose sizes say "unknown length" (the
// largest values; browsers play such a stream as it comes).
func wavStreamHeader() []byte {
	h := make([]byte, WAVHeaderBytes)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 0xFFFFFFFF)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavPCM)
	binary.LittleEndian.PutUint16(h[22:], wavChannels)
	binary.LittleEndian.PutUint32(h[24:], 8000)
	binary.LittleEndian.PutUint32(h[28:], 8000*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], wavBitDepth)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], 0xFFFFFFFF)
	return h
}

func (s *Server) handleListen(w http.ResponseWriter, r *http.Request) {
	if !s.needEngine(w) {
		return
	}
	n, ok := s.lineIndex(w, r)
	if !ok {
		return
	}
	if !s.openStream(w) {
		return
	}
	defer s.streams.Done()

	blocks, cancel, err := s.engine.Listen(n)
	switch {
	case errors.Is(err, linetap.ErrNoLine):
		s.writeError(w, http.StatusNotFound, err.Error())
		return
	case errors.Is(err, linetap.ErrNotInCall):
		s.writeError(w, http.StatusConflict, fmt.Sprintf("line %d is not in a call", n))
		return
	case err != nil:
		s.writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer cancel()
	if err := s.audit(r, "listen", 0, fmt.Sprintf("live listen to line %d", n)); err != nil {
		s.log.Error("web: auditing a live listen", "err", err)
		s.writeError(w, http.StatusInternalServerError, "the audit log cannot be written, so no audio is served (see the log)")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	buf := append(make([]byte, 0, 4096), wavStreamHeader()...)
	flush := func() bool {
		if err := rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write(buf); err != nil {
			return false
		}
		buf = buf[:0]
		return rc.Flush() == nil
	}
	if !flush() {
		return
	}
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case b, ok := <-blocks:
			if !ok {
				return // the call ended
			}
			for _, v := range b {
				buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
			}
			if !flush() {
				return
			}
		}
	}
}

var started = time.Now()

func (s *Server) handleSystem(w http.ResponseWriter, r *http.Request) {
	st := SystemStatus{Version: s.version, Uptime: time.Since(started).Seconds(), Go: runtime.Version(), Alarms: s.alarmList()}
	if s.system != nil {
		st.System = s.system()
	}
	if s.engine != nil {
		stats := s.engine.Stats()
		st.Stats = &stats
	}
	s.writeJSON(w, http.StatusOK, st)
}
func timeSinceStart() float64 { return time.Since(started).Seconds() }
