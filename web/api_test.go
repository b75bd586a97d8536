package web_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web"
)

// get runs one request against h and returns the recorded response.
func get(t *testing.T, h http.Handler, target string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

// apiError decodes a JSON error body, failing when it is not one.
func apiError(t *testing.T, r *http.Response) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want application/json", ct)
	}
	var e struct {
		Error string `json:"error"`
	}
	b := body(t, r)
	if err := json.Unmarshal([]byte(b), &e); err != nil || e.Error == "" {
		t.Fatalf("body %q is not {\"error\": ...}: %v", b, err)
	}
	return e.Error
}

func TestNewRejectsMissingOptions(t *testing.T) {
	calls, live, a := sampleCalls(), newFakeLive(), newAuth(t)
	tests := []struct {
		name  string
		opt   web.Options
		field string
	}{
		{"no archive", web.Options{Auth: a, Live: live, NotFound: errNotFound}, "Archive"},
		{"no auth", web.Options{Archive: calls, Live: live, NotFound: errNotFound}, "Auth"},
		{"no live", web.Options{Archive: calls, Auth: a, NotFound: errNotFound}, "Live"},
		{"no sentinel", web.Options{Archive: calls, Auth: a, Live: live}, "NotFound"},
		{"negative heartbeat", web.Options{Archive: calls, Auth: a, Live: live, NotFound: errNotFound, Heartbeat: -1}, "Heartbeat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := web.New(tt.opt)
			if !errors.Is(err, web.ErrOptions) || s != nil {
				t.Fatalf("New = %v, %v; want nil, ErrOptions", s, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	calls := sampleCalls()
	live := newFakeLive(sampleLines()...)
	srv := newServer(t, calls, live, nil)

	tests := []struct {
		name     string
		target   string
		status   int
		ctype    string
		contains []string // in the body
		errHas   string   // for JSON errors: in the message
	}{
		{"health", "/healthz", 200, "text/plain", []string{"ok"}, ""},
		{"info", "/api/v1/info", 200, "application/json", []string{`"version":"test-1"`, `"api":1`}, ""},
		{"lines", "/api/v1/lines", 200, "application/json", []string{`"name":"Back office"`, `"state":"connected"`, `"level_dbm0":-23.5`}, ""},
		{"call", "/api/v1/calls/2", 200, "application/json", []string{`"id":2`, `"state":"interrupted"`, `"dialled":"18005550199"`}, ""},
		{"missing call", "/api/v1/calls/99", 404, "application/json", nil, "call 99 not found"},
		{"non-numeric id", "/api/v1/calls/abc", 400, "application/json", nil, `id: "abc"`},
		{"zero id", "/api/v1/calls/0", 400, "application/json", nil, `id: "0"`},
		{"negative id", "/api/v1/calls/-1", 400, "application/json", nil, `id: "-1"`},
		{"overflowing id", "/api/v1/calls/18446744073709551616", 400, "application/json", nil, "id:"},
		{"audio of missing call", "/api/v1/calls/99/audio", 404, "application/json", nil, "call 99 not found"},
		{"audio of bad id", "/api/v1/calls/x/audio", 400, "application/json", nil, `id: "x"`},
		{"unknown endpoint", "/api/v1/nope", 404, "application/json", nil, "no endpoint GET /api/v1/nope"},
		{"bad limit", "/api/v1/calls?limit=many", 400, "application/json", nil, "limit"},
		{"bad line", "/api/v1/calls?line=-2", 400, "application/json", nil, "line"},
		{"unknown param", "/api/v1/calls?lmit=3", 400, "application/json", nil, `"lmit"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv.APIHandler(), tt.target)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.StatusCode, tt.status, body(t, r))
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tt.ctype)
			}
			if tt.errHas != "" {
				if msg := apiError(t, r); !strings.Contains(msg, tt.errHas) {
					t.Errorf("error %q does not contain %q", msg, tt.errHas)
				}
				return
			}
			b := body(t, r)
			for _, want := range tt.contains {
				if !strings.Contains(b, want) {
					t.Errorf("body lacks %s:\n%s", want, b)
				}
			}
		})
	}
}

func TestCallsList(t *testing.T) {
	calls := sampleCalls()
	srv := newServer(t, calls, newFakeLive(), nil)
	zero := 0
	tests := []struct {
		query string
		want  []uint64
		q     linetap.CallQuery
	}{
		{"", []uint64{3, 2, 1}, linetap.CallQuery{}},
		{"?limit=2", []uint64{3, 2}, linetap.CallQuery{Limit: 2}},
		{"?before=3", []uint64{2, 1}, linetap.CallQuery{Before: 3}},
		{"?line=0", []uint64{3, 1}, linetap.CallQuery{Line: &zero}},
		{"?number=555-1212", []uint64{1}, linetap.CallQuery{Number: "5551212"}},
		{"?number=99999", []uint64{}, linetap.CallQuery{Number: "99999"}},
		{"?limit=&before=&line=&number=", []uint64{3, 2, 1}, linetap.CallQuery{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := get(t, srv.APIHandler(), "/api/v1/calls"+tt.query)
			if r.StatusCode != 200 {
				t.Fatalf("status %d: %s", r.StatusCode, body(t, r))
			}
			b := body(t, r)
			var page struct {
				Calls []linetap.Call `json:"calls"`
			}
			if err := json.Unmarshal([]byte(b), &page); err != nil {
				t.Fatalf("decoding %s: %v", b, err)
			}
			got := page.Calls
			if got == nil {
				t.Fatalf("body %q has no calls array", b)
			}
			ids := []uint64{}
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if !equalIDs(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
			if q := calls.lastQuery(); !equalQuery(q, tt.q) {
				t.Errorf("store saw %+v, want %+v", q, tt.q)
			}
		})
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalQuery(a, b linetap.CallQuery) bool {
	if (a.Line == nil) != (b.Line == nil) || (a.Line != nil && *a.Line != *b.Line) {
		return false
	}
	return a.Limit == b.Limit && a.Before == b.Before && a.Number == b.Number
}

func TestStoreFailureIs500WithoutDetails(t *testing.T) {
	calls := sampleCalls()
	calls.failAll = errors.New("bbolt: disk on fire at /var/lib/linetap/index.db")
	srv := newServer(t, calls, newFakeLive(), nil)
	for _, target := range []string{"/api/v1/calls", "/api/v1/calls/1", "/api/v1/calls/1/audio"} {
		t.Run(target, func(t *testing.T) {
			r := get(t, srv.APIHandler(), target)
			if r.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", r.StatusCode)
			}
			if msg := apiError(t, r); strings.Contains(msg, "/var/lib") {
				t.Errorf("error %q leaks the store's details", msg)
			}
		})
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), nil)
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"Handler", srv.Handler()}, {"APIHandler", srv.APIHandler()}} {
		for _, target := range []string{"/", "/app.js", "/healthz", "/api/v1/lines", "/api/v1/calls/99", "/api/v1/calls/1/audio", "/nope"} {
			t.Run(h.name+target, func(t *testing.T) {
				r := get(t, h.h, target)
				want := map[string]string{
					"X-Content-Type-Options": "nosniff",
					"Referrer-Policy":        "no-referrer",
					"X-Frame-Options":        "DENY",
					"X-Linetap-Version":      "test-1",
				}
				for k, v := range want {
					if got := r.Header.Get(k); got != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
				csp := r.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			})
		}
	}
}

func TestAPIHandlerServesNoUI(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	for _, target := range []string{"/", "/index.html", "/app.js"} {
		if r := get(t, srv.APIHandler(), target); r.StatusCode != http.StatusNotFound {
			t.Errorf("APIHandler %s: status %d, want 404", target, r.StatusCode)
		}
	}
	if r := get(t, srv.APIHandler(), "/api/v1/calls/1"); r.StatusCode != 200 {
		t.Errorf("APIHandler /api/v1/calls/1: status %d", r.StatusCode)
	}
}

func TestWrongMethod(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	for _, target := range []string{"/api/v1/calls", "/api/v1/calls/1"} {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader("x"))
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", target, rec.Code)
		}
	}
}
