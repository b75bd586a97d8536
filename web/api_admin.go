package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// newUser is the body of POST /api/v1/users.
type newUser struct {
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Password string    `json:"password"`
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.auth.Users())
}

func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request) {
	var req newUser
	if !s.readJSON(w, r, &req) {
		return
	}
	if err := s.auth.AddUser(principal(r), source(r), req.Name, req.Role, req.Password); err != nil {
		s.authFailed(w, err)
		return
	}
	u, err := s.auth.User(req.Name)
	if err != nil {
		s.authFailed(w, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleChangeUser(w http.ResponseWriter, r *http.Request) {
	var req auth.UserChange
	if !s.readJSON(w, r, &req) {
		return
	}
	name := r.PathValue("name")
	if err := s.auth.ChangeUser(principal(r), source(r), name, req); err != nil {
		s.authFailed(w, err)
		return
	}
	if req.Password != nil {
		s.auth.Unlock(name)
	}
	u, err := s.auth.User(name)
	if err != nil {
		s.authFailed(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if p := principal(r); p.User == name && p.Token == "" {
		s.writeError(w, http.StatusConflict, "you cannot delete yourself")
		return
	}
	if err := s.auth.DeleteUser(principal(r), source(r), name); err != nil {
		s.authFailed(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// newToken is the body of POST /api/v1/tokens.
type newToken struct {
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
}

// TokenCreated is the answer to POST /api/v1/tokens: the secret is shown
// this once.
type TokenCreated struct {
	auth.Token
	Secret string `json:"token"`
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.auth.Tokens())
}

func (s *Server) handleAddToken(w http.ResponseWriter, r *http.Request) {
	var req newToken
	if !s.readJSON(w, r, &req) {
		return
	}
	p := principal(r)
	if p == localPrincipal {
		s.writeError(w, http.StatusBadRequest, "API tokens act as a user: create them logged in as one")
		return
	}
	t, secret, err := s.auth.CreateToken(p, source(r), req.Name, req.Role)
	if err != nil {
		s.authFailed(w, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, TokenCreated{Token: t, Secret: secret})
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.RevokeToken(principal(r), source(r), r.PathValue("id")); err != nil {
		s.writeError(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AuditPage is the body of GET /api/v1/audit.
type AuditPage struct {
	Entries []storage.AuditEntry `json:"entries"`
	// Next is the after of the next page; 0 when this is the last.
	Next  uint64      `json:"next,omitempty"`
	Chain ChainStatus `json:"chain"`
}

// ChainStatus is the audit log's hash-chain check.
type ChainStatus struct {
	OK      bool            `json:"ok"`
	Entries int             `json:"entries"`
	Breaks  []storage.Break `json:"breaks,omitempty"`
}

// auditScan bounds how many entries one filtered audit request reads.
const auditScan = 20000

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var after uint64
	limit := 100
	var who, action string
	for k, vals := range v {
		if len(vals) != 1 {
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: given %d times", k, len(vals)))
			return
		}
		val := vals[0]
		switch k {
		case "after":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				s.writeError(w, http.StatusBadRequest, fmt.Sprintf("after: %q is not an audit sequence number", val))
				return
			}
			after = n
		case "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1000 {
				s.writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: %q is not a whole number from 1 to 1000", val))
				return
			}
			limit = n
		case "who":
			who = val
		case "action":
			action = val
		default:
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q (known: after, limit, who, action)", k))
			return
		}
	}
	page := AuditPage{Entries: []storage.AuditEntry{}}
	scanned := 0
	for len(page.Entries) < limit && scanned < auditScan {
		batch, err := s.archive.AuditLog(after, 500)
		if err != nil {
			s.storeFailed(w, "audit log", err)
			return
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			after = e.Seq
			scanned++
			if (who == "" || strings.Contains(strings.ToLower(e.Who), strings.ToLower(who))) && (action == "" || e.Action == action) {
				page.Entries = append(page.Entries, e)
				if len(page.Entries) == limit {
					page.Next = e.Seq
					break
				}
			}
		}
	}
	if scanned >= auditScan && len(page.Entries) < limit {
		page.Next = after
	}
	rep, err := s.archive.VerifyAudit()
	page.Chain = ChainStatus{OK: err == nil && rep.OK(), Entries: rep.Audit, Breaks: rep.Breaks}
	if err != nil && len(rep.Breaks) == 0 {
		s.log.Error("web: verifying the audit log", "err", err)
	}
	s.writeJSON(w, http.StatusOK, page)
}

// DeviceSettings are the device-wide settings an admin changes in the UI.
type DeviceSettings struct {
	Webhook    WebhookSettings `json:"webhook"`
	QACriteria []string        `json:"qa_criteria"`
}

// WebhookSettings say where call-end notifications go. The secret is
// never sent back: GET shows only whether one is set.
type WebhookSettings struct {
	URL       string `json:"url"`
	Secret    string `json:"secret,omitempty"`
	SecretSet bool   `json:"secret_set,omitempty"`
}

// DefaultQACriteria are the QA criteria until an admin sets others.
var DefaultQACriteria = []string{"greeting", "identification", "resolution", "courtesy", "compliance"}

// bucketSettings and keyDevice keep the DeviceSettings.
const (
	bucketSettings = "settings"
	keyDevice      = "device"
)

func (s *Server) deviceSettings() (DeviceSettings, error) { return LoadDeviceSettings(s.archive) }

// LoadDeviceSettings reads the device settings from kv (the defaults when
// none are stored).
func LoadDeviceSettings(kv auth.KV) (DeviceSettings, error) {
	d := DeviceSettings{QACriteria: DefaultQACriteria}
	b, err := kv.KVGet(bucketSettings, keyDevice)
	if err != nil || b == nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("web: stored device settings unreadable: %w", err)
	}
	return d, nil
}

// Settings is the body of GET /api/v1/settings.
type Settings struct {
	Lines  any             `json:"lines,omitempty"`
	Device *DeviceSettings `json:"device,omitempty"`
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Can(auth.LinesSetup) && !p.Can(auth.SettingsManage) {
		s.writeError(w, http.StatusForbidden, "forbidden: needs lines.setup or settings.manage")
		return
	}
	var out Settings
	if p.Can(auth.LinesSetup) && s.engine != nil {
		out.Lines = s.engine.LineSettings()
	}
	if p.Can(auth.SettingsManage) {
		d, err := s.deviceSettings()
		if err != nil {
			s.storeFailed(w, "settings", err)
			return
		}
		d.Webhook.SecretSet = d.Webhook.Secret != ""
		d.Webhook.Secret = ""
		out.Device = &d
	}
	s.writeJSON(w, http.StatusOK, out)
}

// checkDevice validates d, naming the field that is wrong.
func checkDevice(d *DeviceSettings) error {
	if d.Webhook.URL != "" {
		u, err := url.Parse(d.Webhook.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(d.Webhook.URL) > 2000 {
			return fmt.Errorf("webhook.url: %q is not an http or https URL", d.Webhook.URL)
		}
		if d.Webhook.Secret == "" {
			return fmt.Errorf("webhook.secret: required with a URL (it signs every notification)")
		}
	}
	if len(d.Webhook.Secret) > 256 {
		return fmt.Errorf("webhook.secret: longer than 256 bytes")
	}
	if len(d.QACriteria) == 0 || len(d.QACriteria) > 20 {
		return fmt.Errorf("qa_criteria: 1–20 criteria")
	}
	for i, c := range d.QACriteria {
		if c == "" || len(c) > 64 || !utf8.ValidString(c) || slices.Contains(d.QACriteria[:i], c) {
			return fmt.Errorf("qa_criteria[%d]: %q is empty, longer than 64 bytes or repeated", i, c)
		}
	}
	return nil
}

func (s *Server) handleDeviceSettings(w http.ResponseWriter, r *http.Request) {
	var req DeviceSettings
	if !s.readJSON(w, r, &req) {
		return
	}
	old, err := s.deviceSettings()
	if err != nil {
		s.storeFailed(w, "settings", err)
		return
	}
	if req.Webhook.Secret == "" && req.Webhook.URL != "" && req.Webhook.URL == old.Webhook.URL {
		req.Webhook.Secret = old.Webhook.Secret // unchanged: the UI never has it
	}
	req.Webhook.SecretSet = false
	if err := checkDevice(&req); err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	b, _ := json.Marshal(req) // strings only
	if err := s.audit(r, "settings", 0, fmt.Sprintf("device: webhook %q, QA criteria %s", req.Webhook.URL, strings.Join(req.QACriteria, ", "))); err != nil {
		s.storeFailed(w, "audit", err)
		return
	}
	if err := s.archive.KVPut(bucketSettings, keyDevice, b); err != nil {
		s.storeFailed(w, "settings", err)
		return
	}
	if s.onDevice != nil {
		s.onDevice(req)
	}
	req.Webhook.SecretSet = req.Webhook.Secret != ""
	req.Webhook.Secret = ""
	s.writeJSON(w, http.StatusOK, req)
}
