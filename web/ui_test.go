package web_test

import (
	"io/fs"
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

// checkNoInlineCode fails for inline script, style or event handlers (the
// CSP default-src 'self' blocks them), non-local URLs and classic scripts.
func checkNoInlineCode(t *testing.T, doc string) {
	t.Helper()
	tags := parseTags(t, doc)
	if len(tags) < 10 {
		t.Fatalf("only %d tags parsed: the parser or the page is broken", len(tags))
	}
	scripts := 0
	for _, tg := range tags {
		for k, v := range tg.attrs {
			if strings.HasPrefix(k, "on") {
				t.Errorf("<%s %s> is an inline event handler", tg.name, k)
			}
			if k == "style" {
				t.Errorf("<%s style=%q>: inline style is blocked by the CSP", tg.name, v)
			}
			if (k == "src" || k == "href" || k == "action" || k == "formaction") && !isLocalURL(v) {
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
	if scripts != 1 {
		t.Errorf("%d <script> elements, want the page's one module", scripts)
	}
}

func isLocalURL(u string) bool {
	if u == "" || strings.HasPrefix(u, "//") {
		return false
	}
	l := strings.ToLower(u)
	return !strings.Contains(l, ":") // no scheme: not http:, javascript:, data:
}

// TestTemplatesHaveNoInlineCode scans the page templates themselves (the
// rendered pages are parsed in TestRenderedPagesHaveNoInlineCode), so that
// a branch no test renders cannot hide inline code either.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	ui := web.UI()
	names, err := fs.Glob(ui, "tmpl/*.html")
	if err != nil || len(names) < 12 {
		t.Fatalf("want the layout and a template per page, found %v (%v)", names, err)
	}
	bad := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<script(?:\s(?:[^>](?:[^s>]|s[^r>]|sr[^c>]))*)?>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:`)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(ui, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range bad.FindAllString(string(b), -1) {
				if strings.Contains(m, "src=") && strings.Contains(m, `type="module"`) {
					continue
				}
				t.Errorf("inline code: %q", m)
			}
		})
	}
}

func TestUIAssetsFetchNothingElsewhere(t *testing.T) {
	ui := web.UI()
	bad := regexp.MustCompile(`(?i)https?://|\beval\(|new Function\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write|@import|setAttribute\('style'|\.cssText`)
	err := fs.WalkDir(ui, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ui, p)
		if err != nil {
			return err
		}
		// An SVG's namespace name is an identifier, never fetched.
		b = []byte(strings.ReplaceAll(string(b), `xmlns="http://www.w3.org/2000/svg"`, ""))
		if m := bad.Find(b); m != nil && !(p == "tmpl/settings.html" && strings.HasPrefix(string(m), "https://")) {
			t.Errorf("%s contains %q", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
