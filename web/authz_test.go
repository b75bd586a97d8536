package web_test

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

// client is a logged-in browser: its session cookie and CSRF token.
type client struct {
	h      http.Handler
	cookie *http.Cookie
	csrf   string
	bearer string
}

// login logs user in through POST /api/v1/login.
func login(t *testing.T, h http.Handler, user, password string) *client {
	t.Helper()
	r := do(t, h, &client{}, http.MethodPost, "/api/v1/login", `{"user":"`+user+`","password":"`+password+`"}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, r.StatusCode, body(t, r))
	}
	var me struct {
		User, Role, CSRF string
		Permissions      []string
	}
	if err := json.NewDecoder(r.Body).Decode(&me); err != nil {
		t.Fatal(err)
	}
	c := &client{h: h, csrf: me.CSRF}
	for _, ck := range r.Cookies() {
		if ck.Name == web.SessionCookie {
			c.cookie = ck
		}
	}
	if c.cookie == nil || me.User != user || me.CSRF == "" {
		t.Fatalf("login %s: cookie %v, body %+v", user, c.cookie, me)
	}
	return c
}

// do sends a request as c (nil: nobody); a non-empty body is JSON.
func do(t *testing.T, h http.Handler, c *client, method, target, payload string, hdr ...string) *http.Response {
	t.Helper()
	var rd io.Reader
	if payload != "" {
		rd = strings.NewReader(payload)
	}
	req := httptest.NewRequest(method, target, rd)
	if payload != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c != nil {
		if c.cookie != nil {
			req.AddCookie(c.cookie)
		}
		if c.csrf != "" && method != http.MethodGet {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// endpoint is one API route and the permission it needs.
type endpoint struct {
	method, path, body string
	perm               auth.Permission
}

// endpoints lists every authenticated API route with a request that the
// route accepts when the permission is held. Requests that would destroy
// the fixture (deleting call 1, the last admin) use harmless targets.
var endpoints = []endpoint{
	{"GET", "/api/v1/lines", "", auth.LinesView},
	{"GET", "/api/v1/calls", "", auth.CallsView},
	{"GET", "/api/v1/calls?number=555", "", auth.CallsView},
	{"GET", "/api/v1/calls/1", "", auth.CallsView},
	{"PATCH", "/api/v1/calls/1", `{"notes":"called back"}`, auth.CallsAnnotate},
	{"PATCH", "/api/v1/calls/1", `{"keep":true}`, auth.CallsKeep},
	{"PUT", "/api/v1/calls/1/qa", `{"scores":{"greeting":4}}`, auth.CallsAnnotate},
	{"DELETE", "/api/v1/calls/3", `{"reason":"test"}`, auth.CallsDelete},
	{"POST", "/api/v1/calls/1/verify", "", auth.CallsVerify},
	{"POST", "/api/v1/verify", "", auth.CallsVerify},
	{"GET", "/api/v1/calls/1/audio", "", auth.CallsPlay},
	{"GET", "/api/v1/calls/1/audio?download=1", "", auth.CallsPlay},
	{"GET", "/api/v1/calls/1/waveform?points=10", "", auth.CallsPlay},
	{"GET", "/api/v1/audit", "", auth.AuditView},
	{"GET", "/api/v1/users", "", auth.UsersManage},
	{"POST", "/api/v1/users", `{"name":"newbie","role":"technician","password":"0123456789ab"}`, auth.UsersManage},
	{"PATCH", "/api/v1/users/auditor", `{"disabled":false}`, auth.UsersManage},
	{"GET", "/api/v1/tokens", "", auth.UsersManage},
	{"GET", "/api/v1/system", "", auth.SystemView},
	{"GET", "/metrics", "", auth.SystemView},
	{"PUT", "/api/v1/settings/device", `{"qa_criteria":["greeting","resolution"]}`, auth.SettingsManage},
	{"GET", "/api/v1/diagnostics", "", auth.DiagView},
	{"GET", "/api/v1/diagnostics/cards", "", auth.DiagView},
	{"GET", "/api/v1/alarms", "", auth.DiagView},
}

// TestRoleMatrix: each role gets exactly its rights on every endpoint.
func TestRoleMatrix(t *testing.T) {
	for _, role := range auth.Roles {
		for _, ep := range endpoints {
			t.Run(string(role)+" "+ep.method+" "+ep.path, func(t *testing.T) {
				srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
				c := login(t, srv.Handler(), string(role), testPassword)
				r := do(t, srv.Handler(), c, ep.method, ep.path, ep.body)
				allowed := role.Can(ep.perm)
				if !allowed {
					if r.StatusCode != http.StatusForbidden {
						t.Fatalf("status %d, want 403; body %s", r.StatusCode, body(t, r))
					}
					if msg := apiError(t, r); !strings.Contains(msg, string(ep.perm)) {
						t.Errorf("403 message %q does not name %s", msg, ep.perm)
					}
					return
				}
				if r.StatusCode >= 300 {
					t.Fatalf("status %d, want success; body %s", r.StatusCode, body(t, r))
				}
			})
		}
	}
}

// TestEveryEndpointNeedsALogin: without a session or token, 401.
func TestEveryEndpointNeedsALogin(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	for _, ep := range append(endpoints, endpoint{"GET", "/api/v1/events", "", auth.LinesView},
		endpoint{"GET", "/api/v1/me", "", web.LoggedIn}, endpoint{"POST", "/api/v1/logout", "", web.LoggedIn}) {
		r := do(t, srv.Handler(), nil, ep.method, ep.path, ep.body)
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without login: %d, want 401", ep.method, ep.path, r.StatusCode)
		}
	}
}

// TestTechnicianNeverSeesCallers: 403 on every call, audio and caller-data
// endpoint, and the live lines carry no number, name or digits.
func TestTechnicianNeverSeesCallers(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	tech := login(t, srv.Handler(), "technician", testPassword)
	for _, target := range []string{"/api/v1/calls", "/api/v1/calls/1", "/api/v1/calls/1/audio",
		"/api/v1/calls/1/audio?download=1", "/api/v1/calls/1/waveform", "/api/v1/calls/2/audio",
		"/api/v1/lines/1/listen", "/api/v1/audit"} {
		if r := do(t, srv.Handler(), tech, "GET", target, ""); r.StatusCode != http.StatusForbidden {
			t.Errorf("technician GET %s: %d, want 403", target, r.StatusCode)
		}
	}
	r := do(t, srv.Handler(), tech, "GET", "/api/v1/lines", "")
	b := body(t, r)
	if r.StatusCode != 200 || strings.Contains(b, "5551234") || strings.Contains(b, "dialled") {
		t.Errorf("technician's lines: %d %s", r.StatusCode, b)
	}
	sup := login(t, srv.Handler(), "supervisor", testPassword)
	if b := body(t, do(t, srv.Handler(), sup, "GET", "/api/v1/lines", "")); !strings.Contains(b, `"dialled":"5551234"`) {
		t.Errorf("a supervisor's lines lack the dialled digits: %s", b)
	}
}

func TestLoginLogout(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	h := srv.Handler()
	r := do(t, h, nil, "POST", "/api/v1/login", `{"user":"admin","password":"wrong-password"}`)
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	c := login(t, h, "admin", testPassword)
	if !c.cookie.HttpOnly || c.cookie.SameSite != http.SameSiteStrictMode || c.cookie.Path != "/" {
		t.Errorf("cookie %+v lacks HttpOnly, SameSite=Strict or Path=/", c.cookie)
	}
	if c.cookie.Secure {
		t.Error("cookie is Secure over plain HTTP (the browser would drop it)")
	}
	me := body(t, do(t, h, c, "GET", "/api/v1/me", ""))
	if !strings.Contains(me, `"role":"admin"`) || !strings.Contains(me, `"users.manage"`) {
		t.Errorf("me: %s", me)
	}
	if r := do(t, h, c, "POST", "/api/v1/logout", ""); r.StatusCode != http.StatusNoContent {
		t.Errorf("logout: %d", r.StatusCode)
	}
	if r := do(t, h, c, "GET", "/api/v1/me", ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", r.StatusCode)
	}

	// Over TLS the cookie is Secure.
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"user":"admin","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if cs := rec.Result().Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("cookies over TLS: %+v", cs)
	}
	if hsts := rec.Result().Header.Get("Strict-Transport-Security"); hsts != "max-age=31536000" {
		t.Errorf("HSTS over TLS: %q", hsts)
	}
	if r := do(t, h, nil, "GET", "/healthz", ""); r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
}

func TestLoginLockoutIs429(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	var r *http.Response
	for range 6 {
		r = do(t, srv.Handler(), nil, "POST", "/api/v1/login", `{"user":"auditor","password":"guess-guess"}`)
	}
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth failure: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	r = do(t, srv.Handler(), nil, "POST", "/api/v1/login", `{"user":"auditor","password":"`+testPassword+`"}`)
	if r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while locked: %d, want 429", r.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	calls := sampleCalls()
	srv := newServer(t, calls, newFakeLive(), nil)
	c := login(t, srv.Handler(), "supervisor", testPassword)
	for name, token := range map[string]string{"missing": "", "wrong": c.csrf + "x", "other session's": login(t, srv.Handler(), "admin", testPassword).csrf} {
		bad := &client{cookie: c.cookie, csrf: token}
		if token == "" {
			bad.csrf = ""
		}
		r := do(t, srv.Handler(), bad, "PATCH", "/api/v1/calls/1", `{"notes":"forged"}`)
		if r.StatusCode != http.StatusForbidden || !strings.Contains(apiError(t, r), "csrf") {
			t.Errorf("%s token: %d", name, r.StatusCode)
		}
	}
	if info, _ := calls.Info(1); info.Notes != "" {
		t.Errorf("a forged request changed the notes: %q", info.Notes)
	}
	if r := do(t, srv.Handler(), c, "PATCH", "/api/v1/calls/1", `{"notes":"genuine"}`); r.StatusCode != 200 {
		t.Errorf("with the token: %d %s", r.StatusCode, body(t, r))
	}
	if info, _ := calls.Info(1); info.Notes != "genuine" {
		t.Errorf("notes %q", info.Notes)
	}
	// A supervisor's call page gets the QA criteria with the call.
	if b := body(t, do(t, srv.Handler(), c, "GET", "/api/v1/calls/1", "")); !strings.Contains(b, `"qa_criteria":["greeting","identification","resolution","courtesy","compliance"]`) {
		t.Errorf("call without the QA criteria: %s", b)
	}
}

func TestAPITokens(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	admin := login(t, srv.Handler(), "admin", testPassword)
	r := do(t, srv.Handler(), admin, "POST", "/api/v1/tokens", `{"name":"crm","role":"auditor"}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d %s", r.StatusCode, body(t, r))
	}
	var tc struct{ ID, Token string }
	json.NewDecoder(r.Body).Decode(&tc)
	script := &client{bearer: tc.Token}
	if r := do(t, srv.Handler(), script, "GET", "/api/v1/calls", ""); r.StatusCode != 200 {
		t.Errorf("token GET calls: %d", r.StatusCode)
	}
	// A token needs no CSRF token, and acts with its role only.
	if r := do(t, srv.Handler(), script, "POST", "/api/v1/calls/1/verify", ""); r.StatusCode != 200 {
		t.Errorf("auditor token verify: %d %s", r.StatusCode, body(t, r))
	}
	if r := do(t, srv.Handler(), script, "PATCH", "/api/v1/calls/1", `{"keep":true}`); r.StatusCode != 403 {
		t.Errorf("auditor token keep: %d, want 403", r.StatusCode)
	}
	if r := do(t, srv.Handler(), &client{bearer: "lt_forged"}, "GET", "/api/v1/calls", ""); r.StatusCode != 401 {
		t.Errorf("forged token: %d, want 401", r.StatusCode)
	}
	if r := do(t, srv.Handler(), nil, "GET", "/api/v1/calls", "", "Authorization", "Basic YWRtaW46eA=="); r.StatusCode != 401 {
		t.Errorf("basic auth: %d, want 401", r.StatusCode)
	}
	if r := do(t, srv.Handler(), admin, "DELETE", "/api/v1/tokens/"+tc.ID, ""); r.StatusCode != 204 {
		t.Errorf("revoke: %d", r.StatusCode)
	}
	if r := do(t, srv.Handler(), script, "GET", "/api/v1/calls", ""); r.StatusCode != 401 {
		t.Errorf("revoked token: %d, want 401", r.StatusCode)
	}
}

// TestBadInput: malformed and oversized bodies, wrong types, unknown
// fields, bad paths — each a clear 4xx, and nothing changes.
func TestBadInput(t *testing.T) {
	calls := sampleCalls()
	srv := newServer(t, calls, newFakeLive(), withFakeEngine)
	c := login(t, srv.Handler(), "admin", testPassword)
	tests := []struct {
		method, path, body string
		status             int
		says               string
		hdr                []string
	}{
		{"PATCH", "/api/v1/calls/1", `{"notes":`, 400, "malformed JSON", nil},
		{"PATCH", "/api/v1/calls/1", `{"notes":5}`, 400, `"notes"`, nil},
		{"PATCH", "/api/v1/calls/1", `{"note":"x"}`, 400, `unknown field "note"`, nil},
		{"PATCH", "/api/v1/calls/1", `{"notes":"a"}{"notes":"b"}`, 400, "more than one", nil},
		{"PATCH", "/api/v1/calls/1", `{}`, 400, "give notes, tags or keep", nil},
		{"PATCH", "/api/v1/calls/1", `{"notes":"` + strings.Repeat("x", 70000) + `"}`, 413, "larger than", nil},
		{"PATCH", "/api/v1/calls/1", `notes=x`, 415, "application/json", []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{"PATCH", "/api/v1/calls/1", `{"notes":"` + strings.Repeat("x", 5000) + `"}`, 400, "notes", nil},
		{"PATCH", "/api/v1/calls/1", `{"tags":[` + strings.Repeat(`"t",`, 40) + `"t"]}`, 400, "tags", nil},
		{"PATCH", "/api/v1/calls/abc", `{"notes":"x"}`, 400, `id: "abc"`, nil},
		{"PATCH", "/api/v1/calls/99", `{"notes":"x"}`, 404, "99", nil},
		{"PUT", "/api/v1/calls/1/qa", `{"scores":{"greeting":9}}`, 400, "0–5", nil},
		{"PUT", "/api/v1/calls/1/qa", `{"scores":{"haircut":3}}`, 400, "haircut", nil},
		{"DELETE", "/api/v1/calls/1", `{"reason":""}`, 400, "reason", nil},
		{"POST", "/api/v1/users", `{"name":"../etc","role":"admin","password":"0123456789ab"}`, 400, "bad user name", nil},
		{"POST", "/api/v1/users", `{"name":"x","role":"god","password":"0123456789ab"}`, 400, "role", nil},
		{"POST", "/api/v1/users", `{"name":"x","role":"auditor","password":"short"}`, 400, "password", nil},
		{"POST", "/api/v1/users", `{"name":"admin","role":"auditor","password":"0123456789ab"}`, 409, "exists", nil},
		{"DELETE", "/api/v1/users/admin", ``, 409, "yourself", nil},
		{"PUT", "/api/v1/settings/device", `{"webhook":{"url":"ftp://x"},"qa_criteria":["a"]}`, 400, "webhook.url", nil},
		{"PUT", "/api/v1/settings/device", `{"qa_criteria":[]}`, 400, "qa_criteria", nil},
		{"PUT", "/api/v1/settings/lines/0", `{"name":"x","gain_db":99,"codec":"pcmu","trigger":"hook"}`, 400, "gain_db", nil},
		{"PUT", "/api/v1/settings/lines/-1", `{"name":"x"}`, 400, "line", nil},
		{"PUT", "/api/v1/settings/lines/7", `{"name":"x","codec":"pcmu","trigger":"hook"}`, 404, "line 7", nil},
		{"GET", "/api/v1/calls/1/waveform?points=0", ``, 400, "points", nil},
		{"GET", "/api/v1/calls/1/audio?download=yes", ``, 400, "download", nil},
		{"GET", "/api/v1/audit?limit=0", ``, 400, "limit", nil},
		{"GET", "/api/v1/calls?from=tomorrow", ``, 400, "from", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body[:min(len(tt.body), 40)], func(t *testing.T) {
			r := do(t, srv.Handler(), c, tt.method, tt.path, tt.body, tt.hdr...)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, body(t, r))
			}
			if tt.says != "" {
				if msg := apiError(t, r); !strings.Contains(msg, tt.says) {
					t.Errorf("error %q does not say %q", msg, tt.says)
				}
			}
		})
	}
	// A dotted path is cleaned, and stays inside the API.
	r := do(t, srv.Handler(), c, "GET", "/api/v1/calls/1/../../../../etc/passwd", "")
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusTemporaryRedirect || loc != "/etc/passwd" && !strings.HasPrefix(loc, "/api/") {
		t.Errorf("dotted path: %d Location %q", r.StatusCode, loc)
	}
	if r := do(t, srv.Handler(), c, "GET", "/etc/passwd", ""); r.StatusCode == 200 && strings.Contains(body(t, r), "root:") {
		t.Error("/etc/passwd served")
	}
	info, _ := calls.Info(1)
	if info.Notes != "" || len(info.Tags) != 0 {
		t.Errorf("bad requests changed call 1: %+v", info)
	}
	if _, err := calls.Info(3); err != nil {
		t.Errorf("call 3: %v", err)
	}
}

// TestAudioAccessIsAudited: a playback once per person and call however
// often it seeks, every download, and no audio when the audit log fails.
func TestAudioAccessIsAudited(t *testing.T) {
	calls := sampleCalls()
	srv := newServer(t, calls, newFakeLive(), nil)
	c := login(t, srv.Handler(), "auditor", testPassword)
	for range 3 {
		if r := do(t, srv.Handler(), c, "GET", "/api/v1/calls/1/audio", "", "Range", "bytes=100-200"); r.StatusCode != 206 {
			t.Fatalf("range: %d", r.StatusCode)
		}
	}
	r := do(t, srv.Handler(), c, "GET", "/api/v1/calls/1/audio?download=1", "")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q", r.StatusCode, r.Header.Get("Content-Disposition"))
	}
	got := slices.DeleteFunc(calls.actions(), func(a string) bool { return a != "play" && a != "download" })
	if strings.Join(got, ",") != "play,download" {
		t.Errorf("audited %v, want play then download", got)
	}
	calls.mu.Lock()
	last := calls.audits[len(calls.audits)-1]
	calls.mu.Unlock()
	if last.Who != "auditor" || last.Call != 1 || !strings.Contains(last.Detail, "from ") {
		t.Errorf("audit entry %+v lacks who, call or source", last)
	}
	calls.mu.Lock()
	calls.failAud = io.ErrShortWrite
	calls.mu.Unlock()
	if r := do(t, srv.Handler(), c, "GET", "/api/v1/calls/2/audio", ""); r.StatusCode != 500 || r.Header.Get("Content-Type") == "audio/wav" {
		t.Errorf("audio while the audit log fails: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

func TestSetupFirstAdmin(t *testing.T) {
	a, err := auth.New(auth.Options{KV: &auth.MemKV{}, Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.Auth = a })
	h := srv.Handler()
	r := do(t, h, nil, "POST", "/api/v1/setup", `{"code":"0000-0000-0000","user":"boss","password":"0123456789ab"}`)
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong code: %d", r.StatusCode)
	}
	r = do(t, h, nil, "POST", "/api/v1/setup", `{"code":"`+a.SetupCode()+`","user":"boss","password":"0123456789ab"}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("setup: %d %s", r.StatusCode, body(t, r))
	}
	login(t, h, "boss", "0123456789ab")
	r = do(t, h, nil, "POST", "/api/v1/setup", `{"code":"x","user":"eve","password":"0123456789ab"}`)
	if r.StatusCode != http.StatusConflict {
		t.Errorf("second setup: %d, want 409", r.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	c := login(t, srv.Handler(), "admin", testPassword)
	r := do(t, srv.Handler(), c, "GET", "/metrics", "")
	b := body(t, r)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"# TYPE linetap_line_busy gauge\n",
		`linetap_line_busy{line="1",name="Back office"} 1` + "\n",
		`linetap_line_busy{line="0",name="Front desk"} 0` + "\n",
		"# TYPE linetap_frames_total counter\nlinetap_frames_total 123456\n",
		`linetap_http_responses_total{code="2xx"} `,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
}
