package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

// uiPage is a page of the UI and the roles that may open it, written out
// here from the contract's permission table rather than computed from the
// code under test.
type uiPage struct {
	path    string
	roles   []auth.Role
	title   string
	current string // the nav link marked as the current page
}

var (
	everyone   = []auth.Role{auth.Admin, auth.Supervisor, auth.Technician, auth.Auditor}
	callRoles  = []auth.Role{auth.Admin, auth.Supervisor, auth.Auditor}
	uiPageList = []uiPage{
		{"/", everyone, "Lines", "/"},
		{"/calls", callRoles, "Calls", "/calls"},
		{"/calls/1", callRoles, "Call", "/calls"},
		{"/live/0", []auth.Role{auth.Admin, auth.Supervisor}, "Live listen", "/"},
		{"/export", callRoles, "Export", "/export"},
		{"/tech", []auth.Role{auth.Admin, auth.Technician}, "Technician", "/tech"},
		{"/settings", []auth.Role{auth.Admin, auth.Technician}, "Settings", "/settings"},
		{"/users", []auth.Role{auth.Admin}, "Users", "/users"},
		{"/audit", []auth.Role{auth.Admin, auth.Auditor}, "Audit log", "/audit"},
		{"/system", everyone, "System", "/system"},
	}
	// navByRole is the nav each role must see, in order.
	navByRole = map[auth.Role][]string{
		auth.Admin:      {"/", "/calls", "/export", "/tech", "/settings", "/users", "/audit", "/system"},
		auth.Supervisor: {"/", "/calls", "/export", "/system"},
		auth.Technician: {"/", "/tech", "/settings", "/system"},
		auth.Auditor:    {"/", "/calls", "/export", "/audit", "/system"},
	}
)

var (
	navRE  = regexp.MustCompile(`(?s)<nav class="nav"[^>]*>(.*?)</nav>`)
	hrefRE = regexp.MustCompile(`<a href="([^"]*)"`)
	csrfRE = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)
)

// navLinks returns the hrefs of a page's main nav.
func navLinks(page string) []string {
	m := navRE.FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	var out []string
	for _, h := range hrefRE.FindAllStringSubmatch(m[1], -1) {
		out = append(out, h[1])
	}
	return out
}

// TestPagesByRole: every page for every role is 200 with the role's nav
// and the session's CSRF token, or a 403 page naming the permission.
func TestPagesByRole(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	h := srv.Handler()
	for _, role := range auth.Roles {
		c := login(t, h, string(role), testPassword)
		for _, pg := range uiPageList {
			t.Run(string(role)+" "+pg.path, func(t *testing.T) {
				r := do(t, h, c, http.MethodGet, pg.path, "")
				b := body(t, r)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type %q, want text/html", ct)
				}
				if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q, want no-store (the page holds the CSRF token)", cc)
				}
				if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") {
					t.Errorf("no CSP on the page: %q", r.Header.Get("Content-Security-Policy"))
				}
				if !slices.Contains(pg.roles, role) {
					if r.StatusCode != http.StatusForbidden {
						t.Fatalf("status %d, want 403", r.StatusCode)
					}
					// The 403 page says which role would do.
					if !strings.Contains(b, "<strong>"+string(pg.roles[0])) {
						t.Errorf("403 page does not name a role that may open it (%v):\n%s", pg.roles, b)
					}
					if !strings.Contains(b, "This page needs the permission") {
						t.Errorf("403 page does not say what is needed:\n%s", b)
					}
				} else if r.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200; body:\n%s", r.StatusCode, b)
				} else {
					if !strings.Contains(b, "<h1 id=\"title\">"+pg.title+"</h1>") {
						t.Errorf("page lacks its title %q", pg.title)
					}
					if !strings.Contains(b, `<a href="`+pg.current+`" aria-current="page">`) {
						t.Errorf("the nav does not mark %s as the current page", pg.current)
					}
				}
				if got, want := navLinks(b), navByRole[role]; !slices.Equal(got, want) {
					t.Errorf("nav %v, want %v", got, want)
				}
				m := csrfRE.FindStringSubmatch(b)
				if m == nil || html.UnescapeString(m[1]) != c.csrf {
					t.Errorf("csrf meta %v, want the session's token %q", m, c.csrf)
				}
				if !strings.Contains(b, `id="logout"`) {
					t.Error("no log-out button")
				}
				if !strings.Contains(b, `data-role="`+string(role)+`"`) {
					t.Errorf("body lacks data-role=%q", role)
				}
			})
		}
	}
}

// TestPagesRedirectWithoutSession: 303 to the login page, which comes back.
func TestPagesRedirectWithoutSession(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	for _, pg := range uiPageList {
		for _, target := range []string{pg.path, pg.path + "?sort=oldest&tag=a%20b"} {
			t.Run(target, func(t *testing.T) {
				r := do(t, srv.Handler(), nil, http.MethodGet, target, "")
				if r.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d, want 303", r.StatusCode)
				}
				loc, err := url.Parse(r.Header.Get("Location"))
				if err != nil || loc.Path != "/login" {
					t.Fatalf("Location %q, want /login?next=…", r.Header.Get("Location"))
				}
				if got := loc.Query().Get("next"); got != target {
					t.Errorf("next=%q, want %q", got, target)
				}
			})
		}
	}
	// An expired or forged session cookie is no session.
	r := do(t, srv.Handler(), &client{cookie: &http.Cookie{Name: web.SessionCookie, Value: "forged"}}, http.MethodGet, "/calls", "")
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: status %d, want 303", r.StatusCode)
	}
}

// TestLoginNext: the login page goes on only to local paths.
func TestLoginNext(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	h := srv.Handler()
	admin := login(t, h, "admin", testPassword)
	tests := []struct{ next, want string }{
		{"/calls?sort=oldest", "/calls?sort=oldest"},
		{"/calls/1", "/calls/1"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"///evil.example", "/"},
		{`/\evil.example`, "/"},
		{`\\evil.example`, "/"},
		{"https://evil.example/", "/"},
		{"HTTPS://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/\tevil", "/"},
		{"/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"}, // stays encoded: a path, not a header
		{"/login", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			target := "/login?next=" + url.QueryEscape(tt.next)
			// Logged in: straight on.
			r := do(t, h, admin, http.MethodGet, target, "")
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != tt.want {
				t.Errorf("logged in: status %d Location %q, want 303 %q", r.StatusCode, r.Header.Get("Location"), tt.want)
			}
			// Nobody: the form carries the checked target for its script.
			r = do(t, h, nil, http.MethodGet, target, "")
			b := body(t, r)
			m := regexp.MustCompile(`<form id="login"[^>]*data-next="([^"]*)"`).FindStringSubmatch(b)
			if r.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("status %d, no login form:\n%s", r.StatusCode, b)
			}
			if got := html.UnescapeString(m[1]); got != tt.want {
				t.Errorf("data-next %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSetupPage: /setup only while no user exists, and /login sends there.
func TestSetupPage(t *testing.T) {
	empty, err := auth.New(auth.Options{KV: &auth.MemKV{}, Params: auth.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	fresh := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), func(o *web.Options) { o.Auth = empty; withFakeEngine(o) })
	used := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	tests := []struct {
		name     string
		h        http.Handler
		target   string
		status   int
		location string
		contains string
	}{
		{"fresh setup", fresh.Handler(), "/setup", 200, "", `<form id="setup"`},
		{"fresh login", fresh.Handler(), "/login", 303, "/setup", ""},
		{"fresh dashboard", fresh.Handler(), "/", 303, "/login?next=%2F", ""},
		{"used setup", used.Handler(), "/setup", 303, "/login", ""},
		{"used login", used.Handler(), "/login", 200, "", `<form id="login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.h, nil, http.MethodGet, tt.target, "")
			b := body(t, r)
			if r.StatusCode != tt.status || r.Header.Get("Location") != tt.location {
				t.Fatalf("status %d Location %q, want %d %q", r.StatusCode, r.Header.Get("Location"), tt.status, tt.location)
			}
			if !strings.Contains(b, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if tt.status == 200 && strings.Contains(b, `<nav class="nav"`) {
				t.Error("a page for nobody shows the nav")
			}
		})
	}
}

// TestPagesRefuseOtherMethods: pages are GET (and HEAD) only.
func TestPagesRefuseOtherMethods(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	admin := login(t, srv.Handler(), "admin", testPassword)
	for _, target := range []string{"/calls", "/login", "/ui/app.css"} {
		r := do(t, srv.Handler(), admin, http.MethodPost, target, "")
		if r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", target, r.StatusCode)
		}
	}
}

// renderAll returns every page as the admin sees it, and the login page.
func renderAll(t *testing.T) (http.Handler, *client, map[string]string) {
	t.Helper()
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	h := srv.Handler()
	admin := login(t, h, "admin", testPassword)
	out := map[string]string{}
	for _, pg := range uiPageList {
		r := do(t, h, admin, http.MethodGet, pg.path, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", pg.path, r.StatusCode)
		}
		out[pg.path] = body(t, r)
	}
	r := do(t, h, nil, http.MethodGet, "/login", "")
	out["/login"] = body(t, r)
	// A 403 page too.
	tech := login(t, h, "technician", testPassword)
	r = do(t, h, tech, http.MethodGet, "/users", "")
	out["/users (403)"] = body(t, r)
	return h, admin, out
}

// TestRenderedPagesHaveNoInlineCode parses every rendered page: no inline
// script, style or event handler (the CSP would block them), every URL
// local, every script an ES module.
func TestRenderedPagesHaveNoInlineCode(t *testing.T) {
	_, _, pages := renderAll(t)
	for path, doc := range pages {
		t.Run(path, func(t *testing.T) {
			checkNoInlineCode(t, doc)
		})
	}
}

// localRefs returns the local URLs a page or stylesheet or module loads.
var (
	importRE = regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'`)
)

// TestFirstLoadBudget: each page and everything it loads (stylesheet,
// module and every module it imports) stay under 150 KB.
func TestFirstLoadBudget(t *testing.T) {
	const budget = 150 << 10
	h, admin, pages := renderAll(t)
	for path, doc := range pages {
		t.Run(path, func(t *testing.T) {
			total := len(doc)
			seen := map[string]bool{}
			var queue []string
			for _, tg := range parseTags(t, doc) {
				for _, k := range []string{"src", "href"} {
					if v := tg.attrs[k]; strings.HasPrefix(v, "/ui/") && (tg.name == "script" || tg.name == "link") {
						queue = append(queue, v)
					}
				}
			}
			if len(queue) < 2 {
				t.Fatalf("page references %v: want its stylesheet and module", queue)
			}
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				if seen[u] {
					continue
				}
				seen[u] = true
				r := do(t, h, admin, http.MethodGet, u, "")
				b, err := io.ReadAll(r.Body)
				if err != nil || r.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d %v", u, r.StatusCode, err)
				}
				total += len(b)
				if strings.HasSuffix(u, ".js") {
					dir := u[:strings.LastIndex(u, "/")+1]
					for _, m := range importRE.FindAllStringSubmatch(string(b), -1) {
						spec := m[1] + m[2]
						if !strings.HasPrefix(spec, "./") {
							t.Errorf("%s imports %q: only relative local modules are allowed", u, spec)
							continue
						}
						queue = append(queue, dir+strings.TrimPrefix(spec, "./"))
					}
				}
			}
			t.Logf("%s: %d bytes in %d files (budget %d)", path, total, len(seen)+1, budget)
			if total > budget {
				t.Errorf("first load %d bytes, over the %d-byte budget", total, budget)
			}
		})
	}
}

// TestAssetCaching: versioned assets are immutable for a year; the bare
// path revalidates; another version, a template or a path escape is 404.
func TestAssetCaching(t *testing.T) {
	h, admin, pages := renderAll(t)
	m := regexp.MustCompile(`href="(/ui/([0-9a-f]{16})/app\.css)"`).FindStringSubmatch(pages["/"])
	if m == nil {
		t.Fatalf("the dashboard links no versioned app.css:\n%s", pages["/"])
	}
	versioned, version := m[1], m[2]
	tests := []struct {
		target, cache string
		status        int
	}{
		{versioned, "public, max-age=31536000, immutable", 200},
		{"/ui/" + version + "/dashboard.js", "public, max-age=31536000, immutable", 200},
		{"/ui/app.css", "no-cache", 200},
		{"/ui/0123456789abcdef/app.css", "", 404},
		{"/ui/tmpl/layout.html", "", 404},
		{"/ui/" + version + "/tmpl/layout.html", "", 404},
		{"/ui/%2e%2e/pages.go", "", 0}, // anything but the file
		{"/ui/missing.js", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := do(t, h, nil, http.MethodGet, tt.target, "")
			if tt.status == 0 {
				if r.StatusCode == http.StatusOK {
					t.Fatalf("status 200: %s", body(t, r))
				}
				return
			}
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if got := r.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			tag := r.Header.Get("ETag")
			if tag == "" {
				t.Fatal("no ETag")
			}
			if r := do(t, h, admin, http.MethodGet, tt.target, "", "If-None-Match", tag); r.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", r.StatusCode)
			}
		})
	}
}

// TestTechnicianPagesShowNoCallers: the pages a technician may open carry
// no caller data in their HTML (the scripts fetch masked data; the API
// tests cover that).
func TestTechnicianPagesShowNoCallers(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), withFakeEngine)
	tech := login(t, srv.Handler(), "technician", testPassword)
	for _, target := range []string{"/", "/tech", "/settings", "/system"} {
		r := do(t, srv.Handler(), tech, http.MethodGet, target, "")
		b := body(t, r)
		for _, l := range sampleLines() {
			for _, s := range []string{l.CallerID.Number, l.CallerID.Name, l.Dialled} {
				if s != "" && strings.Contains(b, s) {
					t.Errorf("%s shows %q to a technician", target, s)
				}
			}
		}
		if strings.Contains(b, `href="/calls"`) || strings.Contains(b, `href="/export"`) || strings.Contains(b, `href="/audit"`) {
			t.Errorf("%s links pages a technician may not open", target)
		}
	}
}
