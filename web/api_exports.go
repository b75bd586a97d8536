package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/linetap/linetap/storage/export"
	"github.com/linetap/linetap/web/auth"
)

// Exports runs export jobs (export.Jobs satisfies it).
type Exports interface {
	Start(req export.JobRequest) (export.Job, error)
	Get(id string) (export.Job, bool)
	List() []export.Job
	Zip(id string) (string, error)
	USB() (export.Mount, bool, error)
}

func (s *Server) routeExports(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/exports", auth.CallsExport, s.handleExports)
	s.handle(mux, "POST /api/v1/exports", auth.CallsExport, s.handleStartExport)
	s.handle(mux, "GET /api/v1/exports/{id}", auth.CallsExport, s.handleExport)
	s.handle(mux, "GET /api/v1/exports/{id}/zip", auth.CallsExport, s.handleExportZip)
	s.handle(mux, "GET /api/v1/usb", auth.CallsExport, s.handleUSB)
}

func (s *Server) needExports(w http.ResponseWriter) bool {
	if s.exports == nil {
		s.writeError(w, http.StatusServiceUnavailable, "exports are not available here")
		return false
	}
	return true
}

func (s *Server) handleExports(w http.ResponseWriter, r *http.Request) {
	if !s.needExports(w) {
		return
	}
	jobs := s.exports.List()
	if jobs == nil {
		jobs = []export.Job{}
	}
	s.writeJSON(w, http.StatusOK, jobs)
}

// exportRequest is the body of POST /api/v1/exports.
type exportRequest struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Line   *int             `json:"line"`
	Number string           `json:"number"`
	Target export.JobTarget `json:"target"`
}

func (s *Server) handleStartExport(w http.ResponseWriter, r *http.Request) {
	if !s.needExports(w) {
		return
	}
	var req exportRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	var f export.Filter
	for _, p := range []struct {
		name, val string
		dst       *time.Time
	}{{"from", req.From, &f.From}, {"to", req.To, &f.To}} {
		if p.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.val)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %q is not an RFC 3339 time", p.name, p.val))
			return
		}
		*p.dst = t
	}
	if req.Line != nil && (*req.Line < 0 || *req.Line > MaxLine) {
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("line: %d is not a line index from 0 to %d", *req.Line, MaxLine))
		return
	}
	f.Line = req.Line
	if req.Number != "" {
		n, err := normalizeNumber(req.Number)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "number: "+err.Error())
			return
		}
		f.Number = n
	}
	// Only the two targets a browser may ask for: a directory on the
	// device is the CLI's business, so no path ever comes from a request.
	if req.Target != export.TargetUSB && req.Target != export.TargetZip {
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("target: %q is not usb or zip", req.Target))
		return
	}
	job, err := s.exports.Start(export.JobRequest{Filter: f, Target: req.Target, Who: principal(r).Who() + " from " + source(r)})
	switch {
	case errors.Is(err, export.ErrBusy):
		s.writeError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, export.ErrNoUSB):
		s.writeError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, export.ErrRequest):
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		s.log.Error("web: starting an export", "err", err)
		s.writeError(w, http.StatusInternalServerError, "internal error starting the export (see the log)")
		return
	}
	s.writeJSON(w, http.StatusAccepted, job)
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	if !s.needExports(w) {
		return
	}
	job, ok := s.exports.Get(r.PathValue("id"))
	if !ok {
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("export %q not found", r.PathValue("id")))
		return
	}
	s.writeJSON(w, http.StatusOK, job)
}

func (s *Server) handleExportZip(w http.ResponseWriter, r *http.Request) {
	if !s.needExports(w) {
		return
	}
	id := r.PathValue("id")
	job, ok := s.exports.Get(id)
	if !ok {
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("export %q not found", id))
		return
	}
	path, err := s.exports.Zip(id)
	if err != nil {
		s.writeError(w, http.StatusConflict, fmt.Sprintf("export %s (%s): %v", id, job.State, err))
		return
	}
	fh, err := os.Open(path)
	if err != nil {
		s.log.Error("web: opening an export zip", "err", err)
		s.writeError(w, http.StatusInternalServerError, "internal error reading the export (see the log)")
		return
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "internal error reading the export (see the log)")
		return
	}
	if err := s.audit(r, "download", 0, fmt.Sprintf("export %s zip", id)); err != nil {
		s.storeFailed(w, "audit", err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="linetap-export-`+id+`.zip"`)
	http.ServeContent(w, r, "", fi.ModTime(), fh)
}

// USBStatus is the body of GET /api/v1/usb.
type USBStatus struct {
	Present bool   `json:"present"`
	Path    string `json:"path,omitempty"`
	FSType  string `json:"fs_type,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (s *Server) handleUSB(w http.ResponseWriter, r *http.Request) {
	if !s.needExports(w) {
		return
	}
	m, ok, err := s.exports.USB()
	st := USBStatus{Present: ok}
	if ok {
		st.Path, st.FSType = m.Path, m.FSType
	}
	if err != nil && !errors.Is(err, export.ErrNoUSB) {
		st.Error = err.Error()
	}
	s.writeJSON(w, http.StatusOK, st)
}
