package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

// uiFiles are the UI's hand-written templates and assets.
//
//go:embed ui
var uiFiles embed.FS

// UI returns the embedded UI: the page templates under tmpl/ and the
// assets (CSS and ES modules) served under /ui/, for tests and tools that
// inspect them.
func UI() fs.FS {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		// fs.Sub fails only for an invalid path; "ui" is valid.
		return uiFiles
	}
	return sub
}

// asset is one embedded file served under /ui/.
type asset struct {
	body []byte
	etag string
}

// assets are the files served under /ui/, and the version of the set: a
// hash of every file, so that an upgrade changes every URL.
type assets struct {
	files   map[string]asset // by path relative to ui/, e.g. "app.js"
	version string           // 16 hex digits
}

// versionRE matches the version segment of an asset URL.
var versionRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// loadAssets reads every embedded asset (everything but the templates).
func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	ui := UI()
	var names []string
	err := fs.WalkDir(ui, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == "tmpl" {
				return fs.SkipDir
			}
			return nil
		}
		b, err := fs.ReadFile(ui, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.files[p] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: embedded ui: %w", err)
	}
	if _, ok := a.files["app.css"]; !ok {
		return nil, fmt.Errorf("web: embedded ui: no app.css")
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s %s\n", n, a.files[n].etag)
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:16]
	return a, nil
}

// url returns the versioned URL of an asset. ES modules import each other
// by relative paths, so the version sits in the path, not in a query:
// "./dom.js" from /ui/<version>/app.js is /ui/<version>/dom.js.
func (a *assets) url(name string) string {
	return "/ui/" + a.version + "/" + name
}

// assetHandler serves /ui/<version>/<file> for a year, immutable (RFC 8246),
// and /ui/<file> revalidated on every use against its ETag. A version other
// than the current one is a 404: the page that asked for it is stale.
func (s *Server) assetHandler(a *assets) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a == nil {
			http.Error(w, "the embedded UI is broken (see the log)", http.StatusInternalServerError)
			return
		}
		rest := strings.TrimPrefix(r.URL.Path, "/ui/")
		immutable := false
		if v, file, ok := strings.Cut(rest, "/"); ok && versionRE.MatchString(v) {
			if v != a.version {
				http.Error(w, "asset version "+v+" is not this server's ("+a.version+"): reload the page", http.StatusNotFound)
				return
			}
			rest, immutable = file, true
		}
		p := path.Clean("/" + rest)[1:]
		f, ok := a.files[p]
		if !ok || p != rest {
			http.Error(w, "no such asset: "+rest, http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("ETag", f.etag)
		if immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(f.body))
	})
}

// uiHandler serves the pages and the assets (routePages) behind a single
// "/" route, for a mux that does not call routePages itself.
func (s *Server) uiHandler() (http.Handler, error) {
	if _, err := loadAssets(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.routePages(mux)
	return mux, nil
}
