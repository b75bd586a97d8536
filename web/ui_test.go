package web_test

import (
	"io/fs"
	"math"
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

// cssColours returns the custom properties of the first block of app.css
// that follows marker: "--name: #rrggbb".
func cssColours(t *testing.T, css, marker string) map[string][3]float64 {
	t.Helper()
	i := strings.Index(css, marker)
	if i < 0 {
		t.Fatalf("app.css has no %q", marker)
	}
	block := css[i:]
	block = block[:strings.Index(block, "}")]
	out := map[string][3]float64{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*#([0-9a-fA-F]{6})\b`).FindAllStringSubmatch(block, -1) {
		var c [3]float64
		for k := range 3 {
			var v int
			for _, ch := range strings.ToLower(m[2][2*k : 2*k+2]) {
				v = v*16 + strings.IndexRune("0123456789abcdef", ch)
			}
			c[k] = float64(v) / 255
		}
		out[m[1]] = c
	}
	return out
}

// luminance is the relative luminance of an sRGB colour (WCAG 2.2,
// definition "relative luminance").
func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// TestColourContrast: every text colour on the backgrounds it is used on
// reaches 4.5:1 in the light and the dark scheme (WCAG 2.2 SC 1.4.3,
// contrast minimum for normal text).
func TestColourContrast(t *testing.T) {
	b, err := fs.ReadFile(web.UI(), "app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	pairs := [][2]string{
		{"text", "bg"}, {"text", "panel"}, {"muted", "panel"}, {"muted", "bg"},
		{"accent", "panel"}, {"accent", "bg"}, {"panel", "accent"}, // links; the primary button and current nav item
		{"idle-fg", "idle-bg"}, {"ring-fg", "ring-bg"}, {"dial-fg", "dial-bg"},
		{"conn-fg", "conn-bg"}, {"end-fg", "end-bg"},
		{"warn-fg", "panel"}, {"warn-fg", "bg"}, {"danger-fg", "panel"}, {"danger-fg", "bg"}, {"ok-fg", "panel"},
		{"text", "meter-bg"}, // the waveform's play head
	}
	for _, scheme := range []string{":root {", "@media (prefers-color-scheme: dark)"} {
		colours := cssColours(t, css, scheme)
		for _, p := range pairs {
			fg, ok1 := colours[p[0]]
			bg, ok2 := colours[p[1]]
			if !ok1 || !ok2 {
				t.Errorf("%s: --%s or --%s is not a #rrggbb colour", scheme, p[0], p[1])
				continue
			}
			l1, l2 := luminance(fg), luminance(bg)
			ratio := (max(l1, l2) + 0.05) / (min(l1, l2) + 0.05)
			if ratio < 4.5 {
				t.Errorf("%s: --%s on --%s has contrast %.2f:1, below 4.5:1", scheme, p[0], p[1], ratio)
			}
		}
	}
}
