package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used for zero Options fields.
const (
	// DefaultIdleTimeout ends a session nobody used for this long.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultMaxAge ends every session this long after its login.
	DefaultMaxAge = 12 * time.Hour
	// DefaultMaxHashing bounds the argon2id hashes running at once (each
	// takes Params.Memory).
	DefaultMaxHashing = 2
	// MaxSessionsPerUser bounds one user's open sessions; the oldest is
	// ended when a new login would exceed it.
	MaxSessionsPerUser = 16
)

// AuditEvent is something the audit log must record.
type AuditEvent struct {
	Who    string // the user acting (or the name tried, for a failed login)
	Action string // login, login-failed, lockout, logout, setup, user-add, user-change, user-delete, password-change, token-add, token-revoke, session-dropped
	Detail string // what changed, never a secret
	Source string // the client's address
}

// Options configure a Service.
type Options struct {
	// KV keeps users, tokens and sessions. Required.
	KV KV
	// Audit receives every event the audit log must record; nil drops them.
	// An error from Audit fails the operation that caused it (except for
	// failed logins, whose errors are logged).
	Audit func(AuditEvent) error
	// Params are the argon2id costs of new hashes (zero: DefaultParams).
	Params Params
	// IdleTimeout and MaxAge bound sessions (zero: the defaults).
	IdleTimeout, MaxAge time.Duration
	// MaxHashing bounds concurrent hashes (zero: DefaultMaxHashing).
	MaxHashing int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives errors that cannot be returned; nil discards them.
	Logger *slog.Logger
	// OnFirstUser is called (without locks held) once the first user
	// exists, by Setup or AddUser: the daemon deletes the setup-code file.
	OnFirstUser func()
}

// User is what the API shows of a user (never the hash).
type User struct {
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Created   time.Time `json:"created"`
	Disabled  bool      `json:"disabled,omitempty"`
	LastLogin time.Time `json:"last_login,omitzero"`
}

// userRecord is a user as stored in BucketUsers.
type userRecord struct {
	User
	Hash string `json:"hash"`
}

// Session is a logged-in browser.
type Session struct {
	// ID names the session in logs: a prefix of the token's hash.
	ID string
	// User and Role are who logged in.
	User string
	Role Role
	// CSRF must be echoed in X-CSRF-Token by state-changing requests.
	CSRF string
	// Created is the login time; LastSeen the last request (after a
	// restart, the last one written: see LastSeenStep).
	Created, LastSeen time.Time
}

// Principal returns who the session acts as.
func (s Session) Principal() Principal { return Principal{User: s.User, Role: s.Role} }

// Token is what the API shows of an API token (never the secret).
type Token struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	User     string    `json:"user"` // who created it; the token acts as this user
	Role     Role      `json:"role"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Service holds users, sessions, tokens and the login limiter. Its methods
// are safe for concurrent use.
type Service struct {
	kv     KV
	audit  func(AuditEvent) error
	params Params
	idle   time.Duration
	maxAge time.Duration
	now    func() time.Time
	log    *slog.Logger
	hashes chan struct{} // semaphore of running argon2id hashes
	first  func()
	dummy  string // a hash no password matches, checked for unknown names: equal timing

	mu       sync.Mutex
	users    map[string]*userRecord
	tokens   map[string]*Token   // by hex SHA-256 of the secret
	sessions map[string]*session // by hex SHA-256 of the token
	limiter  limiter
	setup    string // the setup code while no user exists
}

// New returns a Service over opt.KV, loading its users, tokens and the
// sessions that have not expired. A stored session that cannot be read or
// no longer matches its user is deleted and passed to opt.Audit (action
// session-dropped), never returned as an error: it does not stop the start.
func New(opt Options) (*Service, error) {
	if opt.KV == nil {
		return nil, fmt.Errorf("%w: KV is nil", ErrOptions)
	}
	s := &Service{
		kv: opt.KV, audit: opt.Audit, params: opt.Params, idle: opt.IdleTimeout, maxAge: opt.MaxAge,
		now: opt.Now, log: opt.Logger, first: opt.OnFirstUser,
		users: map[string]*userRecord{}, tokens: map[string]*Token{}, sessions: map[string]*session{},
	}
	if s.params == (Params{}) {
		s.params = DefaultParams
	}
	if s.idle == 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.maxAge == 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.audit == nil {
		s.audit = func(AuditEvent) error { return nil }
	}
	if s.first == nil {
		s.first = func() {}
	}
	n := opt.MaxHashing
	if n <= 0 {
		n = DefaultMaxHashing
	}
	s.hashes = make(chan struct{}, n)
	s.limiter.init()

	users, err := s.kv.KVList(BucketUsers)
	if err != nil {
		return nil, fmt.Errorf("auth: loading users: %w", err)
	}
	for name, b := range users {
		var u userRecord
		if err := json.Unmarshal(b, &u); err != nil {
			return nil, fmt.Errorf("auth: user %q: stored record unreadable: %w", name, err)
		}
		if _, err := ParseRole(string(u.Role)); err != nil {
			return nil, fmt.Errorf("auth: user %q: %w", name, err)
		}
		s.users[name] = &u
	}
	tokens, err := s.kv.KVList(BucketTokens)
	if err != nil {
		return nil, fmt.Errorf("auth: loading tokens: %w", err)
	}
	for key, b := range tokens {
		var t Token
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("auth: token %q: stored record unreadable: %w", key, err)
		}
		s.tokens[key] = &t
	}
	s.loadSessions()
	s.dummy = phc(s.params, make([]byte, saltBytes), make([]byte, hashBytes))
	if len(s.users) == 0 {
		if s.setup, err = newSetupCode(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// nameRE is what a user name may be: letters, digits and . _ @ -, 1–64.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// reserved names cannot be users: "local" is the control socket's principal.
var reserved = []string{"local", "system", "retention"}

// CheckName returns an error wrapping ErrBadName when name cannot be a user.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %q (1–64 letters, digits, . _ @ -, starting with a letter or digit)", ErrBadName, name)
	}
	if slices.Contains(reserved, strings.ToLower(name)) {
		return fmt.Errorf("%w: %q is reserved", ErrBadName, name)
	}
	return nil
}

// hash runs argon2id within the concurrency bound.
func (s *Service) hash(pw string) (string, error) {
	s.hashes <- struct{}{}
	defer func() { <-s.hashes }()
	return HashPassword(pw, s.params)
}

// verify checks pw against encoded within the concurrency bound.
func (s *Service) verify(encoded, pw string) (bool, error) {
	s.hashes <- struct{}{}
	defer func() { <-s.hashes }()
	return VerifyPassword(encoded, pw)
}

// saveUser writes u to the KV. Call with s.mu held.
func (s *Service) saveUser(u *userRecord) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.kv.KVPut(BucketUsers, u.Name, b)
}

// HasUsers reports whether any user exists.
func (s *Service) HasUsers() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users) > 0
}

// Users lists the users by name.
func (s *Service) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.User)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// User returns one user, or an error wrapping ErrNoUser.
func (s *Service) User(name string) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return User{}, fmt.Errorf("%w: %q", ErrNoUser, name)
	}
	return u.User, nil
}

// AddUser creates a user. by is who does it (for the audit log and the
// role check: by must cover role); source is the client's address.
func (s *Service) AddUser(by Principal, source, name string, role Role, password string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if !by.Role.Covers(role) {
		return fmt.Errorf("%w: %s may not create a %s", ErrRoleTooHigh, by.Role, role)
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	h, err := s.hash(password)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return fmt.Errorf("%w: %q", ErrUserExists, name)
	}
	wasEmpty := len(s.users) == 0
	u := &userRecord{User: User{Name: name, Role: role, Created: s.now().UTC()}, Hash: h}
	if err := s.audit(AuditEvent{Who: by.Who(), Action: "user-add", Detail: fmt.Sprintf("user %s role %s", name, role), Source: source}); err != nil {
		return err
	}
	if err := s.saveUser(u); err != nil {
		return fmt.Errorf("auth: saving user %q: %w", name, err)
	}
	s.users[name] = u
	s.setup = ""
	if wasEmpty {
		go s.first() // outside the lock: it may call back
	}
	return nil
}

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Role     *Role   `json:"role,omitempty"`
	Password *string `json:"password,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// ChangeUser applies c to the user name. A new role, a disabled user or a
// new password ends the user's sessions. The last enabled admin cannot be
// demoted or disabled.
func (s *Service) ChangeUser(by Principal, source, name string, c UserChange) error {
	if c.Role != nil {
		if _, err := ParseRole(string(*c.Role)); err != nil {
			return err
		}
		if !by.Role.Covers(*c.Role) {
			return fmt.Errorf("%w: %s may not grant %s", ErrRoleTooHigh, by.Role, *c.Role)
		}
	}
	var newHash string
	if c.Password != nil {
		if err := CheckPassword(*c.Password); err != nil {
			return err
		}
		h, err := s.hash(*c.Password)
		if err != nil {
			return err
		}
		newHash = h
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoUser, name)
	}
	next := *u
	var what []string
	if c.Role != nil && *c.Role != u.Role {
		next.Role = *c.Role
		what = append(what, fmt.Sprintf("role %s→%s", u.Role, *c.Role))
	}
	if c.Disabled != nil && *c.Disabled != u.Disabled {
		next.Disabled = *c.Disabled
		what = append(what, fmt.Sprintf("disabled=%t", *c.Disabled))
	}
	if newHash != "" {
		next.Hash = newHash
		what = append(what, "password")
	}
	if len(what) == 0 {
		return nil
	}
	if u.Role == Admin && !u.Disabled && (next.Role != Admin || next.Disabled) && s.enabledAdmins() == 1 {
		return fmt.Errorf("%w: %q", ErrLastAdmin, name)
	}
	if err := s.audit(AuditEvent{Who: by.Who(), Action: "user-change", Detail: "user " + name + ": " + strings.Join(what, ", "), Source: source}); err != nil {
		return err
	}
	if err := s.saveUser(&next); err != nil {
		return fmt.Errorf("auth: saving user %q: %w", name, err)
	}
	*u = next
	s.endSessions(name, "user changed")
	if c.Password != nil {
		s.limiter.reset("user:" + name)
	}
	return nil
}

// ChangePassword lets a logged-in user change their own password, given
// the old one. The user's other sessions end; keep names the one that stays.
func (s *Service) ChangePassword(p Principal, source, keep, old, new string) error {
	s.mu.Lock()
	u, ok := s.users[p.User]
	var h string
	if ok {
		h = u.Hash
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoUser, p.User)
	}
	good, err := s.verify(h, old)
	if err != nil {
		return err
	}
	if !good {
		return fmt.Errorf("%w: the old password is wrong", ErrBadCredentials)
	}
	if err := CheckPassword(new); err != nil {
		return err
	}
	nh, err := s.hash(new)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok = s.users[p.User]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoUser, p.User)
	}
	next := *u
	next.Hash = nh
	if err := s.audit(AuditEvent{Who: p.Who(), Action: "password-change", Detail: "own password", Source: source}); err != nil {
		return err
	}
	if err := s.saveUser(&next); err != nil {
		return err
	}
	*u = next
	for k, sess := range s.sessions {
		if sess.User != p.User {
			continue
		}
		if sess.ID != keep {
			_ = s.dropSession(k, "password changed") // logged there; a record left behind no longer matches
			continue
		}
		sess.pass = passPrint(nh)
		if err := s.saveSession(k, sess); err != nil {
			s.log.Warn("auth: the session kept over a password change is not saved: a restart ends it", "session", sess.ID, "err", err)
		}
	}
	return nil
}

// DeleteUser removes a user, its sessions and its API tokens.
func (s *Service) DeleteUser(by Principal, source, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoUser, name)
	}
	if u.Role == Admin && !u.Disabled && s.enabledAdmins() == 1 {
		return fmt.Errorf("%w: %q", ErrLastAdmin, name)
	}
	if err := s.audit(AuditEvent{Who: by.Who(), Action: "user-delete", Detail: "user " + name, Source: source}); err != nil {
		return err
	}
	for key, t := range s.tokens {
		if t.User == name {
			if err := s.kv.KVDelete(BucketTokens, key); err != nil {
				return err
			}
			delete(s.tokens, key)
		}
	}
	if err := s.kv.KVDelete(BucketUsers, name); err != nil {
		return err
	}
	delete(s.users, name)
	s.endSessions(name, "user deleted")
	return nil
}

// enabledAdmins counts the enabled admins. Call with s.mu held.
func (s *Service) enabledAdmins() int {
	n := 0
	for _, u := range s.users {
		if u.Role == Admin && !u.Disabled {
			n++
		}
	}
	return n
}

// endSessions ends every session of user. A record that cannot be
// deleted is logged: at the next start it no longer matches the user.
// Call with s.mu held.
func (s *Service) endSessions(user, why string) {
	for k, sess := range s.sessions {
		if sess.User == user {
			_ = s.dropSession(k, why)
		}
	}
}

// randomToken returns n random bytes in base64url.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// digest is the hex SHA-256 of a secret: sessions and tokens are kept by
// it, so that a memory or database dump holds no usable secret.
func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Login checks a user name and password from source and opens a session.
// It returns the session's secret token (for the cookie) and the session.
// A wrong name or password is ErrBadCredentials; while the name or the
// address is locked out, a *LockedError (wrapping ErrBadCredentials) comes
// back whatever the password.
func (s *Service) Login(ctx context.Context, name, password, source string) (string, Session, error) {
	now := s.now()
	s.mu.Lock()
	if err := s.limiter.check(now, name, source); err != nil {
		s.mu.Unlock()
		return "", Session{}, err
	}
	var rec userRecord
	u, ok := s.users[name]
	h := s.dummy
	if ok {
		rec = *u
		h = rec.Hash
	}
	s.mu.Unlock()

	good, err := s.verify(h, password)
	if err != nil {
		s.log.Error("auth: stored password hash unusable", "user", name, "err", err)
	}
	if ctx.Err() != nil {
		return "", Session{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The user may have changed while the hash ran: judge the current record.
	u, ok = s.users[name]
	good = good && err == nil && ok && u.Hash == h && !u.Disabled
	if !good {
		locked := s.limiter.fail(now, name, source)
		detail := "wrong user name or password"
		if ok && rec.Disabled {
			detail = "user is disabled"
		}
		if aerr := s.audit(AuditEvent{Who: name, Action: "login-failed", Detail: detail, Source: source}); aerr != nil {
			s.log.Error("auth: auditing a failed login", "err", aerr)
		}
		if locked != nil {
			if aerr := s.audit(AuditEvent{Who: name, Action: "lockout", Detail: locked.Error(), Source: source}); aerr != nil {
				s.log.Error("auth: auditing a lockout", "err", aerr)
			}
		}
		return "", Session{}, ErrBadCredentials
	}
	token, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return "", Session{}, err
	}
	key := digest(token)
	sess := &session{
		Session: Session{ID: key[:12], User: name, Role: u.Role, CSRF: csrf, Created: now, LastSeen: now},
		pass:    passPrint(h),
	}
	if err := s.audit(AuditEvent{Who: name, Action: "login", Detail: "session " + sess.ID, Source: source}); err != nil {
		return "", Session{}, err
	}
	s.limiter.reset("user:" + name)
	s.prune(now)
	s.capSessions(name)
	if err := s.saveSession(key, sess); err != nil {
		return "", Session{}, err
	}
	s.sessions[key] = sess
	next := *u
	next.LastLogin = now.UTC()
	if err := s.saveUser(&next); err != nil {
		s.log.Warn("auth: recording the last login", "user", name, "err", err)
	} else {
		*u = next
	}
	return token, sess.Session, nil
}

// capSessions ends the oldest sessions of user beyond MaxSessionsPerUser−1.
// Call with s.mu held.
func (s *Service) capSessions(user string) {
	var keys []string
	for k, sess := range s.sessions {
		if sess.User == user {
			keys = append(keys, k)
		}
	}
	if len(keys) < MaxSessionsPerUser {
		return
	}
	slices.SortFunc(keys, func(a, b string) int { return s.sessions[a].Created.Compare(s.sessions[b].Created) })
	for _, k := range keys[:len(keys)-MaxSessionsPerUser+1] {
		_ = s.dropSession(k, "too many sessions") // logged there
	}
}

// prune drops expired sessions. Call with s.mu held.
func (s *Service) prune(now time.Time) {
	for k, sess := range s.sessions {
		if s.expired(sess, now) {
			_ = s.dropSession(k, "expired") // logged there
		}
	}
}

// expired reports whether sess has timed out at now.
func (s *Service) expired(sess *session, now time.Time) bool {
	return now.Sub(sess.LastSeen) >= s.idle || now.Sub(sess.Created) >= s.maxAge
}

// Authenticate returns the session of token and marks it used, or an error
// wrapping ErrNoSession when it is unknown or has timed out. The use is
// written to the KV only when it has moved by LastSeenStep (or a tenth of
// the idle timeout, if less) since the last write.
func (s *Service) Authenticate(token string) (Session, error) {
	now := s.now()
	key := digest(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[key]
	if !ok {
		return Session{}, ErrNoSession
	}
	if s.expired(sess, now) {
		_ = s.dropSession(key, "expired") // logged there
		return Session{}, fmt.Errorf("%w: expired", ErrNoSession)
	}
	sess.LastSeen = now
	if now.Sub(sess.saved) >= s.touchStep() {
		if err := s.saveSession(key, sess); err != nil {
			s.log.Warn("auth: recording a session's use", "session", sess.ID, "err", err)
		}
	}
	return sess.Session, nil
}

// Logout ends the session of token.
func (s *Service) Logout(token, source string) error {
	key := digest(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[key]
	if !ok {
		return ErrNoSession
	}
	derr := s.dropSession(key, "logout")
	return errors.Join(s.audit(AuditEvent{Who: sess.User, Action: "logout", Detail: "session " + sess.ID, Source: source}), derr)
}

// CheckCSRF reports whether got is the session's CSRF token (constant time).
func CheckCSRF(sess Session, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(got)) == 1
}

// TokenPrefix starts every API token, so that leaked ones are easy to find.
const TokenPrefix = "lt_"

// CreateToken makes an API token acting as by.User with role (which by
// must cover). It returns the token's record and its secret, which is
// shown once and never stored.
func (s *Service) CreateToken(by Principal, source, name string, role Role) (Token, string, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return Token{}, "", err
	}
	if !by.Role.Covers(role) {
		return Token{}, "", fmt.Errorf("%w: %s may not create a %s token", ErrRoleTooHigh, by.Role, role)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return Token{}, "", fmt.Errorf("%w: token name must be 1–64 bytes", ErrBadName)
	}
	raw, err := randomToken(32)
	if err != nil {
		return Token{}, "", err
	}
	secret := TokenPrefix + raw
	key := digest(secret)
	t := &Token{ID: key[:12], Name: name, User: by.User, Role: role, Created: s.now().UTC()}
	b, err := json.Marshal(t)
	if err != nil {
		return Token{}, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.audit(AuditEvent{Who: by.Who(), Action: "token-add", Detail: fmt.Sprintf("token %s %q role %s", t.ID, name, role), Source: source}); err != nil {
		return Token{}, "", err
	}
	if err := s.kv.KVPut(BucketTokens, key, b); err != nil {
		return Token{}, "", err
	}
	s.tokens[key] = t
	return *t, secret, nil
}

// Tokens lists the API tokens, oldest first.
func (s *Service) Tokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Token, 0, len(s.tokens))
	for _, t := range s.tokens {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Token) int { return a.Created.Compare(b.Created) })
	return out
}

// RevokeToken deletes the token with this ID.
func (s *Service) RevokeToken(by Principal, source, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, t := range s.tokens {
		if t.ID == id {
			if err := s.audit(AuditEvent{Who: by.Who(), Action: "token-revoke", Detail: fmt.Sprintf("token %s %q", id, t.Name), Source: source}); err != nil {
				return err
			}
			if err := s.kv.KVDelete(BucketTokens, key); err != nil {
				return err
			}
			delete(s.tokens, key)
			return nil
		}
	}
	return fmt.Errorf("%w: no token %q", ErrBadToken, id)
}

// TokenPrincipal returns who an API token acts as. A token whose user was
// disabled is refused.
func (s *Service) TokenPrincipal(secret string) (Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return Principal{}, fmt.Errorf("%w: not a linetap token", ErrBadToken)
	}
	key := digest(secret)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[key]
	if !ok {
		return Principal{}, fmt.Errorf("%w: unknown or revoked", ErrBadToken)
	}
	u, ok := s.users[t.User]
	if !ok || u.Disabled {
		return Principal{}, fmt.Errorf("%w: its user %q is disabled or gone", ErrBadToken, t.User)
	}
	role := t.Role
	if !u.Role.Covers(role) {
		role = u.Role // the user was demoted since: the token follows
	}
	if now.Sub(t.LastUsed) > time.Hour { // write the use at most hourly
		next := *t
		next.LastUsed = now.UTC()
		if b, err := json.Marshal(&next); err == nil && s.kv.KVPut(BucketTokens, key, b) == nil {
			*t = next
		}
	}
	return Principal{User: t.User, Role: role, Token: t.ID}, nil
}

// setupAlphabet is Crockford's base32 without the look-alikes I L O U.
const setupAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newSetupCode returns 12 random symbols in groups of four: 60 bits.
func newSetupCode() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(setupAlphabet[c&31])
	}
	return sb.String(), nil
}

// normalizeCode upper-cases a typed code and drops separators.
func normalizeCode(c string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

// SetupCode returns the one-time code that creates the first admin, or ""
// once a user exists.
func (s *Service) SetupCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setup
}

// Setup creates the first admin, given the setup code. It is limited like
// a login (the code is the secret being guessed).
func (s *Service) Setup(code, name, password, source string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	if s.setup == "" {
		s.mu.Unlock()
		return ErrSetupClosed
	}
	if err := s.limiter.check(now, "setup", source); err != nil {
		s.mu.Unlock()
		return err
	}
	want := normalizeCode(s.setup)
	if subtle.ConstantTimeCompare([]byte(want), []byte(normalizeCode(code))) != 1 {
		s.limiter.fail(now, "setup", source)
		s.mu.Unlock()
		if err := s.audit(AuditEvent{Who: name, Action: "login-failed", Detail: "wrong setup code", Source: source}); err != nil {
			s.log.Error("auth: auditing a failed setup", "err", err)
		}
		return ErrBadSetupCode
	}
	s.mu.Unlock()
	h, err := s.hash(password)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setup == "" || len(s.users) > 0 {
		return ErrSetupClosed
	}
	u := &userRecord{User: User{Name: name, Role: Admin, Created: now.UTC()}, Hash: h}
	if err := s.audit(AuditEvent{Who: name, Action: "setup", Detail: "first admin " + name + " created with the setup code", Source: source}); err != nil {
		return err
	}
	if err := s.saveUser(u); err != nil {
		return err
	}
	s.users[name] = u
	s.setup = ""
	go s.first() // outside the lock: it may call back
	return nil
}

// Unlock clears the login lockout of a user name (an admin's remedy when
// somebody guessed at it).
func (s *Service) Unlock(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter.reset("user:" + name)
}
