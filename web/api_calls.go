package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// PlayAuditInterval is how long one person's playback of one call counts
// as one audited access (seeking re-requests the audio many times).
const PlayAuditInterval = 10 * time.Minute

// auditAccess writes the audit entry of an audio access: every download,
// and playback once per principal and call per PlayAuditInterval.
func (s *Server) auditAccess(r *http.Request, id uint64, download bool) error {
	p := principal(r)
	action := "play"
	if download {
		action = "download"
	} else {
		key := fmt.Sprintf("%s\x00%d", p.Who(), id)
		now := time.Now()
		s.mu.Lock()
		last, seen := s.played[key]
		if seen && now.Sub(last) < PlayAuditInterval {
			s.mu.Unlock()
			return nil
		}
		s.played[key] = now
		if len(s.played) > 10000 {
			for k, t := range s.played {
				if now.Sub(t) >= PlayAuditInterval {
					delete(s.played, k)
				}
			}
		}
		s.mu.Unlock()
	}
	return s.audit(r, action, id, "")
}

// audit writes one audit entry for the request's principal and source.
func (s *Server) audit(r *http.Request, action string, call uint64, detail string) error {
	src := "from " + source(r)
	if detail != "" {
		detail += " "
	}
	_, err := s.archive.Audit(storage.AuditEntry{Who: principal(r).Who(), Action: action, Call: call, Detail: detail + src})
	return err
}

// storeFailed answers an error of the archive: 404 for a missing call,
// 400 for a refused argument, 409 for a conflict, 500 otherwise (details
// in the log only).
func (s *Server) storeFailed(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, s.notFound):
		s.writeError(w, http.StatusNotFound, what+": not found")
	case errors.Is(err, storage.ErrInvalid), errors.Is(err, storage.ErrBadCursor):
		s.writeError(w, http.StatusBadRequest, what+": "+strings.TrimPrefix(err.Error(), "storage: "))
	case errors.Is(err, storage.ErrReadOnly):
		s.writeError(w, http.StatusConflict, what+": the store is read-only")
	default:
		s.log.Error("web: store", "what", what, "err", err)
		s.writeError(w, http.StatusInternalServerError, "internal error in the store (see the log)")
	}
}

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSearch(r.URL.Query())
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	page, err := s.archive.Search(q)
	if err != nil {
		s.storeFailed(w, "search", err)
		return
	}
	if page.Calls == nil {
		page.Calls = []storage.CallInfo{}
	}
	s.writeJSON(w, http.StatusOK, page)
}

// QA is a quality-assurance score of a call: a mark of 0–5 per configured
// criterion and a comment, by a supervisor.
type QA struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment,omitempty"`
	By      string         `json:"by"`
	At      time.Time      `json:"at"`
}

// CallDetail is the body of GET /api/v1/calls/{id}.
type CallDetail struct {
	storage.CallInfo
	QA *QA `json:"qa,omitempty"`
	// QACriteria are the criteria a QA score may mark (the device
	// settings), so that a supervisor's form can offer them.
	QACriteria []string `json:"qa_criteria"`
}

// bucketQA keeps QA scores by call ID.
const bucketQA = "qa"

func (s *Server) detail(id uint64) (CallDetail, error) {
	info, err := s.archive.Info(id)
	if err != nil {
		return CallDetail{}, err
	}
	d := CallDetail{CallInfo: info}
	dev, err := s.deviceSettings()
	if err != nil {
		return d, err
	}
	d.QACriteria = dev.QACriteria
	b, err := s.archive.KVGet(bucketQA, strconv.FormatUint(id, 10))
	if err != nil {
		return d, err
	}
	if b != nil {
		var qa QA
		if err := json.Unmarshal(b, &qa); err != nil {
			return d, fmt.Errorf("web: QA of call %d unreadable: %w", id, err)
		}
		d.QA = &qa
	}
	return d, nil
}

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	s.writeDetail(w, id)
}

// writeDetail answers with call id as GET /api/v1/calls/{id} shows it.
func (s *Server) writeDetail(w http.ResponseWriter, id uint64) {
	d, err := s.detail(id)
	if err != nil {
		s.callFailed(w, id, err)
		return
	}
	s.writeJSON(w, http.StatusOK, d)
}

// callPatch is the body of PATCH /api/v1/calls/{id}.
type callPatch struct {
	Notes *string   `json:"notes"`
	Tags  *[]string `json:"tags"`
	Keep  *bool     `json:"keep"`
}

func (s *Server) handlePatchCall(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	var req callPatch
	if !s.readJSON(w, r, &req) {
		return
	}
	p := principal(r)
	if req.Notes == nil && req.Tags == nil && req.Keep == nil {
		s.writeError(w, http.StatusBadRequest, "body: give notes, tags or keep")
		return
	}
	if (req.Notes != nil || req.Tags != nil) && !p.Can(auth.CallsAnnotate) {
		s.writeError(w, http.StatusForbidden, "forbidden: notes and tags need "+string(auth.CallsAnnotate))
		return
	}
	if req.Keep != nil && !p.Can(auth.CallsKeep) {
		s.writeError(w, http.StatusForbidden, "forbidden: keep needs "+string(auth.CallsKeep))
		return
	}
	info, err := s.archive.Info(id)
	if err != nil {
		s.callFailed(w, id, err)
		return
	}
	if req.Notes != nil || req.Tags != nil {
		a := storage.Annotation{Notes: info.Notes, Tags: info.Tags}
		if req.Notes != nil {
			if !utf8.ValidString(*req.Notes) || len(*req.Notes) > storage.MaxNotesLen {
				s.writeError(w, http.StatusBadRequest, fmt.Sprintf("notes: at most %d bytes of UTF-8", storage.MaxNotesLen))
				return
			}
			a.Notes = *req.Notes
		}
		if req.Tags != nil {
			a.Tags = *req.Tags
		}
		if err := s.archive.Annotate(id, a, p.Who()); err != nil {
			s.storeFailed(w, fmt.Sprintf("call %d", id), err)
			return
		}
	}
	if req.Keep != nil {
		if err := s.archive.SetKeep(id, *req.Keep, p.Who()); err != nil {
			s.storeFailed(w, fmt.Sprintf("call %d", id), err)
			return
		}
	}
	s.writeDetail(w, id)
}

// qaRequest is the body of PUT /api/v1/calls/{id}/qa.
type qaRequest struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
}

// MaxQAComment bounds a QA comment.
const MaxQAComment = 2000

func (s *Server) handleQA(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	var req qaRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	dev, err := s.deviceSettings()
	if err != nil {
		s.storeFailed(w, "settings", err)
		return
	}
	if len(req.Scores) == 0 {
		s.writeError(w, http.StatusBadRequest, "scores: at least one criterion is required")
		return
	}
	for k, v := range req.Scores {
		if !slices.Contains(dev.QACriteria, k) {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("scores: %q is not a configured criterion (%s)", k, strings.Join(dev.QACriteria, ", ")))
			return
		}
		if v < 0 || v > 5 {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("scores: %s: %d is not 0–5", k, v))
			return
		}
	}
	if !utf8.ValidString(req.Comment) || len(req.Comment) > MaxQAComment {
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("comment: at most %d bytes of UTF-8", MaxQAComment))
		return
	}
	if _, err := s.archive.Info(id); err != nil {
		s.callFailed(w, id, err)
		return
	}
	qa := QA{Scores: req.Scores, Comment: req.Comment, By: principal(r).Who(), At: time.Now().UTC()}
	b, _ := json.Marshal(qa) // strings and ints
	if err := s.audit(r, "qa", id, fmt.Sprintf("scores %v", req.Scores)); err != nil {
		s.storeFailed(w, "audit", err)
		return
	}
	if err := s.archive.KVPut(bucketQA, strconv.FormatUint(id, 10), b); err != nil {
		s.storeFailed(w, "qa", err)
		return
	}
	s.writeDetail(w, id)
}

type deleteRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDeleteCall(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	var req deleteRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" || len(req.Reason) > 500 {
		s.writeError(w, http.StatusBadRequest, "reason: 1–500 bytes saying why the call is deleted (it goes into the audit log)")
		return
	}
	info, err := s.archive.Info(id)
	if err != nil {
		s.callFailed(w, id, err)
		return
	}
	switch {
	case info.Keep:
		s.writeError(w, http.StatusConflict, fmt.Sprintf("call %d is kept (legal hold): clear the keep flag first", id))
		return
	case info.State == linetap.StateRecording:
		s.writeError(w, http.StatusConflict, fmt.Sprintf("call %d is still recording", id))
		return
	}
	deleted, err := s.archive.Delete([]uint64{id}, principal(r).Who(), req.Reason+" (from "+source(r)+")")
	if err != nil {
		s.storeFailed(w, fmt.Sprintf("call %d", id), err)
		return
	}
	if !slices.Contains(deleted, id) {
		s.writeError(w, http.StatusConflict, fmt.Sprintf("call %d was not deleted (kept or recording)", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// VerifyResult is the body of POST /api/v1/calls/{id}/verify.
type VerifyResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func (s *Server) handleVerifyCall(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	if _, err := s.archive.Info(id); err != nil {
		s.callFailed(w, id, err)
		return
	}
	res := VerifyResult{OK: true}
	if err := s.archive.Verify(id); err != nil {
		if errors.Is(err, s.notFound) {
			s.callFailed(w, id, err)
			return
		}
		res = VerifyResult{Error: err.Error()}
	}
	if err := s.audit(r, "verify", id, fmt.Sprintf("ok=%t", res.OK)); err != nil {
		s.storeFailed(w, "audit", err)
		return
	}
	s.writeJSON(w, http.StatusOK, res)
}

// Waveform is the body of GET /api/v1/calls/{id}/waveform: the minimum and
// maximum sample of each of len(Peaks) equal stretches of the call.
type Waveform struct {
	Rate    int        `json:"rate"`
	Samples int        `json:"samples"`
	Peaks   [][2]int16 `json:"peaks"`
}

// Waveform resolution bounds.
const (
	DefaultWaveformPoints = 1000
	MaxWaveformPoints     = 4000
)

// Peaks returns the [min, max] of each of n equal stretches of pcm (fewer
// when pcm has fewer than n samples).
func Peaks(pcm []int16, n int) [][2]int16 {
	n = min(n, len(pcm))
	out := make([][2]int16, n)
	for i := range n {
		lo, hi := len(pcm)*i/n, len(pcm)*(i+1)/n
		mn, mx := int16(math.MaxInt16), int16(math.MinInt16)
		for _, v := range pcm[lo:hi] {
			mn, mx = min(mn, v), max(mx, v)
		}
		out[i] = [2]int16{mn, mx}
	}
	return out
}

func (s *Server) handleWaveform(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	n := DefaultWaveformPoints
	for k, v := range r.URL.Query() {
		if k != "points" || len(v) != 1 {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown or repeated parameter %q (known: points)", k))
			return
		}
		p, err := strconv.Atoi(v[0])
		if err != nil || p < 1 || p > MaxWaveformPoints {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("points: %q is not a whole number from 1 to %d", v[0], MaxWaveformPoints))
			return
		}
		n = p
	}
	pcm, err := s.archive.PCM(id) // a missing call: 404, as PCM says NotFound
	if err != nil {
		s.callFailed(w, id, err)
		return
	}
	s.writeJSON(w, http.StatusOK, Waveform{Rate: 8000, Samples: len(pcm), Peaks: Peaks(pcm, n)})
}

// handleVerifyAll checks the whole store, as `linetap verify` does with
// the daemon running: 200 with the report whether or not something broke
// (the report names every break); 500 only when the check could not run.
func (s *Server) handleVerifyAll(w http.ResponseWriter, r *http.Request) {
	rep, err := s.archive.VerifyAll()
	if err != nil && len(rep.Breaks) == 0 {
		s.storeFailed(w, "verify", err)
		return
	}
	if rep.Breaks == nil {
		rep.Breaks = []storage.Break{}
	}
	if err := s.audit(r, "verify", 0, fmt.Sprintf("whole store: %d calls, %d breaks", rep.Calls, len(rep.Breaks))); err != nil {
		s.storeFailed(w, "audit", err)
		return
	}
	s.writeJSON(w, http.StatusOK, rep)
}
