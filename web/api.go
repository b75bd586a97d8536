package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web/auth"
)

// errorBody is the JSON body of every API error.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON sends v as JSON with the given status. The body is encoded
// before the header is written, so that an encoding failure is a 500 and
// not a truncated 200.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		s.log.Error("web: encoding a response", "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal error encoding the response"}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("web: writing a response", "err", err)
	}
}

// writeError sends {"error": msg} with the given status.
func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	s.writeJSON(w, status, errorBody{Error: msg})
}

// callFailed answers an error from Calls: 404 for Options.NotFound, 500
// (with the details in the log only) for anything else.
func (s *Server) callFailed(w http.ResponseWriter, id uint64, err error) {
	if errors.Is(err, s.notFound) {
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("call %d not found", id))
		return
	}
	s.log.Error("web: reading calls", "call", id, "err", err)
	s.writeError(w, http.StatusInternalServerError, "internal error reading calls (see the log)")
}

// callID reads the {id} path wildcard, answering 400 itself when it is not
// a call ID.
func (s *Server) callID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	raw := r.PathValue("id")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		s.writeError(w, http.StatusBadRequest,
			fmt.Sprintf("id: %q is not a call ID (a whole number from 1)", raw))
		return 0, false
	}
	return id, true
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write([]byte("ok\n")); err != nil {
		s.log.Debug("web: writing a response", "err", err)
	}
}

// Info is the body of GET /api/v1/info.
type Info struct {
	// Version is Options.Version.
	Version string `json:"version"`
	// API is the API version, the number in the /api/v1 prefix.
	API int `json:"api"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, Info{Version: s.version, API: 1})
}

// noRoute answers what no API route matched: 405 with Allow when the path
// exists for other methods (RFC 9110 §15.5.6), 404 otherwise.
func (s *Server) noRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pat := mux.Handler(probe); pat != "/api/" && pat != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	}
}

func (s *Server) handleLines(w http.ResponseWriter, r *http.Request) {
	lines := maskLines(principal(r), s.live.Lines())
	if lines == nil {
		lines = []linetap.LineStatus{}
	}
	s.writeJSON(w, http.StatusOK, lines)
}

// maskLines returns snap as p may see it: without caller numbers, names
// and digits unless p holds calls.view (a technician never sees who calls).
// snap is not modified: it may be shared with other subscribers.
func maskLines(p auth.Principal, snap []linetap.LineStatus) []linetap.LineStatus {
	if p.Can(auth.CallsView) || snap == nil {
		return snap
	}
	out := make([]linetap.LineStatus, len(snap))
	for i, l := range snap {
		l.CallerID = linetap.CallerID{}
		l.Dialled = ""
		out[i] = l
	}
	return out
}
