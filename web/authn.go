package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linetap/linetap/web/auth"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "linetap_session"

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 64 << 10

// ctxKey keys the request context values of this package.
type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keySession
)

// localPrincipal is who the control socket acts as: its 0600 mode admits
// only the daemon's own user (root on the appliance).
var localPrincipal = auth.Principal{User: "local", Role: auth.Admin}

// principal returns who makes the request: the zero Principal when nobody
// is logged in.
func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(keyPrincipal).(auth.Principal)
	return p
}

// session returns the request's session, when it came with a cookie.
func session(r *http.Request) (auth.Session, bool) {
	s, ok := r.Context().Value(keySession).(auth.Session)
	return s, ok
}

// csrfToken returns the CSRF token pages embed for their scripts: the
// session's, or "" for requests without a session.
func csrfToken(r *http.Request) string {
	s, _ := session(r)
	return s.CSRF
}

// source is the client's address as the audit log records it.
func source(r *http.Request) string {
	if r.RemoteAddr == "" || r.RemoteAddr == "@" {
		return "control socket"
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withPrincipal returns r carrying p (and sess when non-nil).
func withPrincipal(r *http.Request, p auth.Principal, sess *auth.Session) *http.Request {
	ctx := context.WithValue(r.Context(), keyPrincipal, p)
	if sess != nil {
		ctx = context.WithValue(ctx, keySession, *sess)
	}
	return r.WithContext(ctx)
}

// authenticate finds who makes each request — an API token in the
// Authorization header, or the session cookie — and passes the request on
// with the principal in its context. It rejects nothing itself: each route
// decides (see handle), and pages redirect to the login page.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				s.writeError(w, http.StatusUnauthorized, "Authorization: only Bearer API tokens are accepted")
				return
			}
			p, err := s.auth.TokenPrincipal(strings.TrimSpace(tok))
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				s.writeError(w, http.StatusUnauthorized, err.Error())
				return
			}
			next.ServeHTTP(w, withPrincipal(r, p, nil))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if sess, err := s.auth.Authenticate(c.Value); err == nil {
				next.ServeHTTP(w, withPrincipal(r, sess.Principal(), &sess))
				return
			}
			s.clearCookie(w, r) // stale: the browser forgets it
		}
		next.ServeHTTP(w, r)
	})
}

// trusted marks every request as the control socket's local admin.
func trusted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, withPrincipal(r, localPrincipal, nil))
	})
}

// Access rules of a route besides the permissions.
const (
	// Public routes need no login.
	Public auth.Permission = "public"
	// LoggedIn routes need a login and no particular permission.
	LoggedIn auth.Permission = "login"
)

// stateChanging reports whether a method changes state (RFC 9110 §9.2.1:
// everything but the safe methods).
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// handle registers h on mux behind the access check of perm: 401 without a
// login, 403 without the permission, 403 for a state-changing request with
// a session but without its CSRF token.
func (s *Server) handle(mux *http.ServeMux, pattern string, perm auth.Permission, h http.HandlerFunc) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if perm != Public {
			p := principal(r)
			if p.User == "" {
				s.writeError(w, http.StatusUnauthorized, "login required")
				return
			}
			if perm != LoggedIn && !p.Can(perm) {
				s.writeError(w, http.StatusForbidden, "forbidden: needs "+string(perm))
				return
			}
		}
		if sess, ok := session(r); ok && stateChanging(r.Method) && !auth.CheckCSRF(sess, r.Header.Get("X-CSRF-Token")) {
			s.writeError(w, http.StatusForbidden, "csrf token missing or wrong: send the session's token in X-CSRF-Token")
			return
		}
		h(w, r)
	}))
}

// readJSON decodes the request body into v, strictly: JSON only, at most
// MaxBodyBytes, no unknown fields, one value. It answers the error itself
// (400, 413 or 415) and returns false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/json" {
		s.writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: send application/json", ct))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBodyBytes))
			return false
		}
		s.writeError(w, http.StatusBadRequest, "body: "+jsonProblem(err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.writeError(w, http.StatusBadRequest, "body: more than one JSON value")
		return false
	}
	return true
}

// jsonProblem words a decoding error for the client.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: %s is not a %s", te.Field, te.Value, te.Type)
	case errors.Is(err, io.EOF):
		return "empty; a JSON object is expected"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: it ends in the middle of a value"
	}
	return err.Error()
}

// clearCookie tells the browser to drop the session cookie.
func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// me is the body of login and /api/v1/me.
type me struct {
	User        string            `json:"user"`
	Role        auth.Role         `json:"role"`
	CSRF        string            `json:"csrf,omitempty"`
	Permissions []auth.Permission `json:"permissions"`
}

func meOf(p auth.Principal, csrf string) me {
	perms := p.Role.Grants()
	if perms == nil {
		perms = []auth.Permission{}
	}
	return me{User: p.User, Role: p.Role, CSRF: csrf, Permissions: perms}
}

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	if req.User == "" || req.Password == "" {
		s.writeError(w, http.StatusBadRequest, "user and password are required")
		return
	}
	token, sess, err := s.auth.Login(r.Context(), req.User, req.Password, source(r))
	var le *auth.LockedError
	switch {
	case errors.As(err, &le):
		s.authFailed(w, err)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		s.writeError(w, http.StatusUnauthorized, "wrong user name or password")
		return
	case err != nil:
		s.log.Error("web: login", "err", err)
		s.writeError(w, http.StatusInternalServerError, "internal error logging in (see the log)")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
		MaxAge: int(auth.DefaultMaxAge / time.Second)})
	s.writeJSON(w, http.StatusOK, meOf(sess.Principal(), sess.CSRF))
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.auth.Logout(c.Value, source(r)); err != nil && !errors.Is(err, auth.ErrNoSession) {
			s.log.Error("web: logout", "err", err)
		}
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, meOf(principal(r), csrfToken(r)))
}

type passwordRequest struct {
	Old string `json:"old"`
	New string `json:"new"`
}

func (s *Server) handleMyPassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	p := principal(r)
	if p.Token != "" || p == localPrincipal {
		s.writeError(w, http.StatusBadRequest, "only a logged-in user can change their own password; use PATCH /api/v1/users/{name}")
		return
	}
	sess, _ := session(r)
	if err := s.auth.ChangePassword(p, source(r), sess.ID, req.Old, req.New); err != nil {
		s.authFailed(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type setupRequest struct {
	Code     string `json:"code"`
	User     string `json:"user"`
	Password string `json:"password"`
}

func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) {
	var req setupRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	if err := s.auth.Setup(req.Code, req.User, req.Password, source(r)); err != nil {
		s.authFailed(w, err)
		return
	}
	s.writeJSON(w, http.StatusCreated, map[string]string{"user": req.User, "role": string(auth.Admin)})
}

// authFailed answers an error of the auth service with its status.
func (s *Server) authFailed(w http.ResponseWriter, err error) {
	var le *auth.LockedError
	switch {
	case errors.As(err, &le):
		w.Header().Set("Retry-After", strconv.Itoa(int(le.RetryAfter.Seconds()+0.999)))
		s.writeError(w, http.StatusTooManyRequests, le.Error())
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrBadSetupCode):
		s.writeError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, auth.ErrNoUser):
		s.writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, auth.ErrUserExists), errors.Is(err, auth.ErrSetupClosed), errors.Is(err, auth.ErrLastAdmin):
		s.writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, auth.ErrRoleTooHigh):
		s.writeError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, auth.ErrBadName), errors.Is(err, auth.ErrWeakPassword), errors.Is(err, auth.ErrBadRole), errors.Is(err, auth.ErrBadToken):
		s.writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.log.Error("web: auth", "err", err)
		s.writeError(w, http.StatusInternalServerError, "internal error (see the log)")
	}
}
