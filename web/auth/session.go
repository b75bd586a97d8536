package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// LastSeenStep bounds how often a session's last-seen time is written to
// the KV (each KVPut is an fsync on the real store): it is written when it
// has moved by LastSeenStep or by a tenth of the idle timeout, whichever
// is less. The stored time therefore lags the real one by less than that
// step, and after a restart a session may end up to that step before its
// idle timeout would have ended it, never after.
const LastSeenStep = time.Minute

// sessionVersion is the version of the record in BucketSessions.
const sessionVersion = 1

// csrfBytes is the length of a CSRF token before base64url.
const csrfBytes = 32

// session is a Session as the Service keeps it.
type session struct {
	Session
	pass  string    // passPrint of the user's hash when the session opened
	saved time.Time // the last-seen time last written (or tried) to the KV
}

// sessionRecord is a session as stored in BucketSessions, keyed by the
// digest of its token; the token itself is never stored.
type sessionRecord struct {
	V        int       `json:"v"`
	User     string    `json:"user"`
	Role     Role      `json:"role"`
	CSRF     string    `json:"csrf"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
	Pass     string    `json:"pass"`
}

// passPrint is a short fingerprint of a stored password hash (not of the
// password): a stored session whose user has a new password, or was
// deleted and made again, no longer matches it.
func passPrint(hash string) string { return digest(hash)[:32] }

// lowerHex reports whether s is n lower-case hex digits.
func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// encodeSession returns the stored record of ss.
func encodeSession(ss *session) ([]byte, error) {
	return json.Marshal(sessionRecord{
		V: sessionVersion, User: ss.User, Role: ss.Role, CSRF: ss.CSRF,
		Created: ss.Created.UTC(), LastSeen: ss.LastSeen.UTC(), Pass: ss.pass,
	})
}

// decodeSession parses the record b stored under key. Every error wraps
// ErrBadSessionRecord and says what is wrong.
func decodeSession(key string, b []byte) (*session, error) {
	if !lowerHex(key, 64) {
		return nil, fmt.Errorf("%w: key %.16q is not a SHA-256 in hex", ErrBadSessionRecord, key)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadSessionRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r sessionRecord
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSessionRecord, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the record", ErrBadSessionRecord)
	}
	if r.V != sessionVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBadSessionRecord, r.V, sessionVersion)
	}
	if err := CheckName(r.User); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSessionRecord, err)
	}
	if _, err := ParseRole(string(r.Role)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSessionRecord, err)
	}
	if c, err := base64.RawURLEncoding.Strict().DecodeString(r.CSRF); err != nil || len(c) != csrfBytes {
		return nil, fmt.Errorf("%w: the CSRF token is not %d bytes in base64url", ErrBadSessionRecord, csrfBytes)
	}
	if r.Created.IsZero() || r.LastSeen.IsZero() {
		return nil, fmt.Errorf("%w: no login or last-seen time", ErrBadSessionRecord)
	}
	if !lowerHex(r.Pass, 32) {
		return nil, fmt.Errorf("%w: the password fingerprint is not 32 hex digits", ErrBadSessionRecord)
	}
	return &session{
		Session: Session{ID: key[:12], User: r.User, Role: r.Role, CSRF: r.CSRF, Created: r.Created, LastSeen: r.LastSeen},
		pass:    r.Pass,
		saved:   r.LastSeen,
	}, nil
}

// touchStep is how far a session's last-seen time moves before it is
// written again: LastSeenStep or a tenth of the idle timeout.
func (s *Service) touchStep() time.Duration { return min(LastSeenStep, s.idle/10) }

// saveSession writes ss under key. Call with s.mu held.
func (s *Service) saveSession(key string, ss *session) error {
	ss.saved = ss.LastSeen
	b, err := encodeSession(ss)
	if err == nil {
		err = s.kv.KVPut(BucketSessions, key, b)
	}
	if err != nil {
		return fmt.Errorf("auth: saving session %s: %w", ss.ID, err)
	}
	return nil
}

// dropSession ends the session key, in memory at once and in the KV. A
// record that cannot be deleted is logged and its error returned; at the
// next start it is judged again (its user, role and password must still
// match). Call with s.mu held.
func (s *Service) dropSession(key, why string) error {
	id := key[:12]
	if ss, ok := s.sessions[key]; ok {
		id = ss.ID
		delete(s.sessions, key)
	}
	if err := s.kv.KVDelete(BucketSessions, key); err != nil {
		s.log.Error("auth: deleting an ended session", "session", id, "why", why, "err", err)
		return fmt.Errorf("auth: deleting session %s (%s): %w", id, why, err)
	}
	return nil
}

// loadSessions restores the stored sessions that are still good. A record
// that cannot be read, or whose user is gone, disabled, has another role or
// another password, is deleted and reported to the audit log; an expired
// one is deleted. Nothing here stops the service from starting.
func (s *Service) loadSessions() {
	recs, err := s.kv.KVList(BucketSessions)
	if err != nil {
		s.log.Error("auth: loading sessions: everybody must log in again", "err", err)
		s.reportDropped("", fmt.Errorf("listing the stored sessions: %w", err))
		return
	}
	now := s.now()
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		ss, err := decodeSession(key, recs[key])
		if err == nil {
			err = s.stale(ss)
		}
		if err != nil {
			s.reportDropped(key, err)
			if derr := s.kv.KVDelete(BucketSessions, key); derr != nil {
				s.log.Error("auth: deleting a dropped session record", "key", fmt.Sprintf("%.12q", key), "err", derr)
			}
			continue
		}
		if s.expired(ss, now) {
			_ = s.dropSession(key, "expired") // logged there
			continue
		}
		s.sessions[key] = ss
	}
}

// stale returns an error when ss no longer matches its user. Call with
// s.mu held (or before the Service is shared).
func (s *Service) stale(ss *session) error {
	u, ok := s.users[ss.User]
	switch {
	case !ok:
		return fmt.Errorf("its user %q is gone", ss.User)
	case u.Disabled:
		return fmt.Errorf("its user %q is disabled", ss.User)
	case u.Role != ss.Role:
		return fmt.Errorf("its user %q is now %s, not %s", ss.User, u.Role, ss.Role)
	case passPrint(u.Hash) != ss.pass:
		return fmt.Errorf("its user %q has another password", ss.User)
	}
	return nil
}

// reportDropped passes a stored session that was dropped at start to the
// audit log and the logger; errors from Audit are logged.
func (s *Service) reportDropped(key string, err error) {
	detail := "stored session dropped: " + err.Error()
	if key != "" {
		detail = fmt.Sprintf("stored session %.12q dropped: %v", key, err)
	}
	s.log.Warn("auth: "+detail, "err", err)
	if aerr := s.audit(AuditEvent{Who: "system", Action: "session-dropped", Detail: detail, Source: "startup"}); aerr != nil {
		s.log.Error("auth: auditing a dropped session", "err", aerr)
	}
}
