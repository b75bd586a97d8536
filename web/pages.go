package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/web/auth"
)

// page is one server-rendered page of the UI: an HTML shell from
// ui/tmpl/<name>.html inside ui/tmpl/layout.html, and one ES module that
// fills it from the API.
type page struct {
	pattern string            // ServeMux pattern
	name    string            // template and script name
	title   string            // <title> and <h1>
	anyOf   []auth.Permission // any of these opens the page; none: public
	nav     string            // the nav label; "" for pages not in the nav
}

// uiPages are the UI's pages, in nav order. The permissions are the
// contract's (docs/api.md): the nav shows a principal exactly the pages
// whose check it passes.
var uiPages = []page{
	{"GET /{$}", "dashboard", "Lines", []auth.Permission{auth.LinesView}, "Lines"},
	{"GET /calls", "calls", "Calls", []auth.Permission{auth.CallsView}, "Calls"},
	{"GET /calls/{id}", "call", "Call", []auth.Permission{auth.CallsView}, ""},
	{"GET /live/{line}", "live", "Live listen", []auth.Permission{auth.LiveListen}, ""},
	{"GET /export", "export", "Export", []auth.Permission{auth.CallsExport}, "Export"},
	{"GET /tech", "tech", "Technician", []auth.Permission{auth.DiagView}, "Technician"},
	{"GET /settings", "settings", "Settings", []auth.Permission{auth.LinesSetup, auth.SettingsManage}, "Settings"},
	{"GET /users", "users", "Users", []auth.Permission{auth.UsersManage}, "Users"},
	{"GET /audit", "audit", "Audit log", []auth.Permission{auth.AuditView}, "Audit"},
	{"GET /system", "system", "System", []auth.Permission{auth.SystemView}, "System"},
	{"GET /login", "login", "Log in", nil, ""},
	{"GET /setup", "setup", "First start", nil, ""},
}

// navLink is one entry of the nav bar.
type navLink struct {
	Href, Label string
	Current     bool
}

// pageData is what a page template renders.
type pageData struct {
	Title   string
	Name    string // page name: body data-page, the script
	User    string
	Role    auth.Role
	CSRF    string
	Perms   string // the principal's permissions, space-separated
	Nav     []navLink
	Version string
	Next    string            // login: where to go afterwards (a checked local path)
	Params  map[string]string // the path's wildcards: id, line
	Needs   string            // forbidden: the permissions the page needs
	Roles   string            // forbidden: the roles that hold them
}

// pageSet holds the parsed templates, one set per page, and the versioned
// prefix of the assets.
type pageSet struct {
	tmpl   map[string]*template.Template
	assets *assets
	err    error // a broken embedded template: every page answers 500
}

// routePages registers the pages and the assets under /ui/ on mux. It is
// for Handler only: the control socket serves the API alone.
func (s *Server) routePages(mux *http.ServeMux) {
	ps := &pageSet{tmpl: map[string]*template.Template{}}
	ps.assets, ps.err = loadAssets()
	if ps.err == nil {
		ps.err = ps.parse()
	}
	if ps.err != nil {
		s.log.Error("web: embedded UI is broken; pages answer 500", "err", ps.err)
	}
	for _, pg := range uiPages {
		mux.Handle(pg.pattern, s.pageHandler(ps, pg))
	}
	mux.Handle("GET /ui/", s.assetHandler(ps.assets))
}

// parse builds each page's template set: the layout plus the page.
func (ps *pageSet) parse() error {
	funcs := template.FuncMap{
		"asset":       ps.assets.url,
		"codecs":      codec.Names,
		"minPassword": func() int { return auth.MinPasswordLen },
	}
	for _, name := range append(pageNames(), "forbidden") {
		t, err := template.New(name).Funcs(funcs).ParseFS(UI(), "tmpl/layout.html", "tmpl/"+name+".html")
		if err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		if t.Lookup("main") == nil {
			return fmt.Errorf("web: page %s: tmpl/%s.html defines no \"main\"", name, name)
		}
		ps.tmpl[name] = t
	}
	for _, name := range append(pageNames(), "forbidden") {
		if _, err := fs.Stat(UI(), name+".js"); err != nil {
			return fmt.Errorf("web: page %s has no script: %w", name, err)
		}
	}
	return nil
}

func pageNames() []string {
	out := make([]string, len(uiPages))
	for i, pg := range uiPages {
		out[i] = pg.name
	}
	return out
}

// allowed reports whether p may open pg.
func allowed(p auth.Principal, pg page) bool {
	if len(pg.anyOf) == 0 {
		return true
	}
	for _, perm := range pg.anyOf {
		if p.Can(perm) {
			return true
		}
	}
	return false
}

// navSection is the nav entry a page without its own belongs under.
var navSection = map[string]string{"call": "calls", "live": "dashboard"}

// navFor returns the nav links p may follow, marking current.
func navFor(p auth.Principal, current string) []navLink {
	if s, ok := navSection[current]; ok {
		current = s
	}
	var out []navLink
	for _, pg := range uiPages {
		if pg.nav != "" && allowed(p, pg) {
			href := strings.TrimSuffix(strings.TrimPrefix(pg.pattern, "GET "), "{$}")
			out = append(out, navLink{Href: href, Label: pg.nav, Current: pg.name == current})
		}
	}
	return out
}

// safeNext returns next when it is a path on this site, else "/": a
// redirect target taken from the URL must not lead elsewhere (an open
// redirect, OWASP ASVS 5.1.5). Scheme-relative "//host", "/\host" (which
// browsers read as "//host"), schemes, hosts and control characters are
// refused.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/setup" {
		return "/"
	}
	return next
}

// pageHandler serves one page: the login page for nobody, a 403 page for a
// principal without the permission, else the page.
func (s *Server) pageHandler(ps *pageSet, pg page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ps.err != nil {
			http.Error(w, "the embedded UI is broken (see the log)", http.StatusInternalServerError)
			return
		}
		p := principal(r)
		d := pageData{Title: pg.title, Name: pg.name, Version: s.version}
		switch pg.name {
		case "login":
			d.Next = safeNext(r.URL.Query().Get("next"))
			if !s.auth.HasUsers() {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			if p.User != "" {
				http.Redirect(w, r, d.Next, http.StatusSeeOther)
				return
			}
		case "setup":
			if s.auth.HasUsers() {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
		default:
			if p.User == "" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		if p.User != "" {
			d.User, d.Role, d.CSRF = p.User, p.Role, csrfToken(r)
			perms := make([]string, 0, len(auth.Permissions))
			for _, perm := range p.Role.Grants() {
				perms = append(perms, string(perm))
			}
			d.Perms = strings.Join(perms, " ")
			d.Nav = navFor(p, pg.name)
		}
		status := http.StatusOK
		name := pg.name
		if !allowed(p, pg) {
			status, name = http.StatusForbidden, "forbidden"
			d.Title, d.Name = "Not allowed", "forbidden"
			d.Needs, d.Roles = describeNeeds(pg.anyOf)
		}
		d.Params = map[string]string{}
		for _, k := range []string{"id", "line"} {
			if v := r.PathValue(k); v != "" {
				d.Params[k] = v
			}
		}
		s.render(w, ps, name, status, d)
	})
}

// describeNeeds words a page's permissions and the roles holding them for
// the 403 page.
func describeNeeds(perms []auth.Permission) (needs, roles string) {
	var ps, rs []string
	for _, perm := range perms {
		ps = append(ps, string(perm))
	}
	for _, role := range auth.Roles {
		for _, perm := range perms {
			if role.Can(perm) {
				rs = append(rs, string(role))
				break
			}
		}
	}
	return strings.Join(ps, " or "), strings.Join(rs, ", ")
}

// render executes a page into a buffer, so that a template error is a 500
// rather than half a page.
func (s *Server) render(w http.ResponseWriter, ps *pageSet, name string, status int, d pageData) {
	var buf bytes.Buffer
	if err := ps.tmpl[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log.Error("web: rendering a page", "page", name, "err", err)
		http.Error(w, "internal error rendering the page (see the log)", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page carries the session's CSRF token: never cache it.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("web: writing a page", "err", err)
	}
}
