package web_test

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/linetap/linetap/web"
)

// tag is one start tag found in an HTML file.
type tag struct {
	name  string
	attrs map[string]string
	body  string // for <script> and <style>: the text up to the end tag
	pos   int
}

var (
	tagRE  = regexp.MustCompile(`(?s)<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>` + "`" + `]+))?)*)\s*/?>`)
	attrRE = regexp.MustCompile(`(?s)([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
)

// parseTags returns the start tags of an HTML document (WHATWG HTML §13.1.2:
// start tags and attribute syntax), skipping comments.
func parseTags(t *testing.T, doc string) []tag {
	t.Helper()
	doc = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(doc, "")
	var out []tag
	for _, m := range tagRE.FindAllStringSubmatchIndex(doc, -1) {
		tg := tag{name: strings.ToLower(doc[m[2]:m[3]]), attrs: map[string]string{}, pos: m[0]}
		for _, a := range attrRE.FindAllStringSubmatch(doc[m[4]:m[5]], -1) {
			tg.attrs[strings.ToLower(a[1])] = a[2] + a[3] + a[4]
		}
		if tg.name == "script" || tg.name == "style" {
			end := strings.Index(strings.ToLower(doc[m[1]:]), "</"+tg.name)
			if end < 0 {
				t.Fatalf("<%s> at byte %d is never closed", tg.name, m[0])
			}
			tg.body = doc[m[1] : m[1]+end]
		}
		out = append(out, tg)
	}
	return out
}

func TestUIHasNoInlineCode(t *testing.T) {
	ui := web.UI()
	htmls, err := fs.Glob(ui, "*.html")
	if err != nil || len(htmls) == 0 {
		t.Fatalf("no embedded HTML: %v", err)
	}
	for _, name := range htmls {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(ui, name)
			if err != nil {
				t.Fatal(err)
			}
			tags := parseTags(t, string(b))
			scripts := 0
			for _, tg := range tags {
				for k, v := range tg.attrs {
					if strings.HasPrefix(k, "on") {
						t.Errorf("<%s %s> is an inline event handler", tg.name, k)
					}
					if k == "style" {
						t.Errorf("<%s style=%q>: inline style is blocked by the CSP", tg.name, v)
					}
					if (k == "src" || k == "href" || k == "action") && !isLocalURL(v) {
						t.Errorf("<%s %s=%q> is not a local URL", tg.name, k, v)
					}
				}
				switch tg.name {
				case "script":
					scripts++
					if tg.attrs["src"] == "" || strings.TrimSpace(tg.body) != "" {
						t.Errorf("inline <script> at byte %d", tg.pos)
					}
					if tg.attrs["type"] != "module" {
						t.Errorf("<script src=%q> is not an ES module", tg.attrs["src"])
					}
				case "style":
					t.Errorf("inline <style> at byte %d", tg.pos)
				}
			}
			if scripts == 0 {
				t.Errorf("no <script> found: the parser or the page is broken")
			}
		})
	}
}

func isLocalURL(u string) bool {
	if u == "" || strings.HasPrefix(u, "//") {
		return false
	}
	l := strings.ToLower(u)
	return !strings.Contains(l, ":") // no scheme: not http:, javascript:, data:
}

func TestUIAssetsFetchNothingElsewhere(t *testing.T) {
	ui := web.UI()
	bad := regexp.MustCompile(`(?i)https?://|\beval\(|new Function\(|innerHTML|document\.write|@import`)
	err := fs.WalkDir(ui, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ui, p)
		if err != nil {
			return err
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s contains %q", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUIServed(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), nil)
	tests := []struct {
		target, ctype, contains string
	}{
		{"/", "text/html", `<script type="module" src="app.js">`},
		{"/app.js", "text/javascript", "EventSource"},
		{"/lines.js", "text/javascript", "export class LinesView"},
		{"/app.css", "text/css", "prefers-color-scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := get(t, srv.Handler(), tt.target)
			b := body(t, r)
			if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), tt.ctype) {
				t.Fatalf("status %d, Content-Type %q; want 200 %s", r.StatusCode, r.Header.Get("Content-Type"), tt.ctype)
			}
			if !strings.Contains(b, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
			tag := r.Header.Get("ETag")
			if tag == "" {
				t.Fatal("no ETag")
			}
			if r := get(t, srv.Handler(), tt.target, "If-None-Match", tag); r.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", r.StatusCode)
			}
		})
	}
	if r := get(t, srv.Handler(), "/missing.js"); r.StatusCode != http.StatusNotFound {
		t.Errorf("/missing.js: status %d, want 404", r.StatusCode)
	}
}
