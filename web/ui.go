package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// uiFiles are the UI's hand-written assets, served as they are.
//
//go:embed ui
var uiFiles embed.FS

// UI returns the embedded UI assets (index.html, CSS and ES modules), for
// tests and tools that inspect them.
func UI() fs.FS {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		// fs.Sub fails only for an invalid path; "ui" is valid.
		return uiFiles
	}
	return sub
}

// uiHandler serves the embedded assets. They carry no version in their
// names, so browsers revalidate them on each load, against an ETag made
// from their content (embedded files have no modification time).
func (s *Server) uiHandler() (http.Handler, error) {
	ui := UI()
	tags := map[string]string{}
	err := fs.WalkDir(ui, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ui, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags["/"+p] = `"` + hex.EncodeToString(sum[:16]) + `"`
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: embedded ui: %w", err)
	}
	if _, ok := tags["/index.html"]; !ok {
		return nil, fmt.Errorf("web: embedded ui: no index.html")
	}
	files := http.FileServerFS(ui)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean(r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") {
			p = path.Join(p, "index.html")
		}
		if tag, ok := tags[p]; ok {
			w.Header().Set("ETag", tag)
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}), nil
}
