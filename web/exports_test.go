package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linetap/linetap/storage/export"
	"github.com/linetap/linetap/web"
)

// fakeExports records the jobs asked for; a job is done at once with a
// zip holding "PK" in dir.
type fakeExports struct {
	mu   sync.Mutex
	dir  string
	reqs []export.JobRequest
	busy bool
}

var _ web.Exports = (*fakeExports)(nil)

func (f *fakeExports) Start(req export.JobRequest) (export.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy {
		return export.Job{}, fmt.Errorf("fake: %w", export.ErrBusy)
	}
	f.reqs = append(f.reqs, req)
	id := fmt.Sprintf("job%d", len(f.reqs))
	os.WriteFile(filepath.Join(f.dir, id+".zip"), []byte("PK fake zip"), 0o600)
	return export.Job{ID: id, State: export.JobDone, Target: req.Target, Who: req.Who}, nil
}

func (f *fakeExports) Get(id string) (export.Job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.reqs {
		if fmt.Sprintf("job%d", i+1) == id {
			return export.Job{ID: id, State: export.JobDone, Target: f.reqs[i].Target}, true
		}
	}
	return export.Job{}, false
}

func (f *fakeExports) List() []export.Job { return nil }

func (f *fakeExports) Zip(id string) (string, error) {
	if _, ok := f.Get(id); !ok {
		return "", fmt.Errorf("no job %s", id)
	}
	return filepath.Join(f.dir, id+".zip"), nil
}

func (f *fakeExports) USB() (export.Mount, bool, error) {
	return export.Mount{}, false, fmt.Errorf("fake: %w", export.ErrNoUSB)
}

func TestExportsAPI(t *testing.T) {
	calls := sampleCalls()
	fx := &fakeExports{dir: t.TempDir()}
	srv := newServer(t, calls, newFakeLive(), func(o *web.Options) { o.Exports = fx })
	c := login(t, srv.Handler(), "auditor", testPassword)
	r := do(t, srv.Handler(), c, "POST", "/api/v1/exports", `{"target":"zip","from":"2025-03-14T00:00:00Z","line":0,"number":"555-1212"}`)
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.StatusCode, body(t, r))
	}
	if len(fx.reqs) != 1 || fx.reqs[0].Filter.Number != "5551212" || *fx.reqs[0].Filter.Line != 0 || fx.reqs[0].Filter.From.IsZero() || !strings.HasPrefix(fx.reqs[0].Who, "auditor from ") {
		t.Errorf("job request %+v", fx.reqs)
	}
	if r := do(t, srv.Handler(), c, "GET", "/api/v1/exports/job1", ""); r.StatusCode != 200 || !strings.Contains(body(t, r), `"state":"done"`) {
		t.Errorf("job: %d", r.StatusCode)
	}
	r = do(t, srv.Handler(), c, "GET", "/api/v1/exports/job1/zip", "")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/zip" || body(t, r) != "PK fake zip" {
		t.Errorf("zip: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if a := calls.actions(); a[len(a)-1] != "download" {
		t.Errorf("the zip download is not audited: %v", a)
	}
	for _, tt := range []struct{ body, says string }{
		{`{"target":"dir"}`, "target"},
		{`{"target":"../../etc"}`, "target"},
		{`{"target":"zip","dir":"/etc"}`, `unknown field "dir"`},
		{`{"target":"zip","from":"monday"}`, "from"},
		{`{"target":"zip","line":99}`, "line"},
	} {
		r := do(t, srv.Handler(), c, "POST", "/api/v1/exports", tt.body)
		if r.StatusCode != 400 || !strings.Contains(apiError(t, r), tt.says) {
			t.Errorf("%s: %d", tt.body, r.StatusCode)
		}
	}
	if len(fx.reqs) != 1 {
		t.Errorf("bad requests started jobs: %d", len(fx.reqs))
	}
	fx.busy = true
	if r := do(t, srv.Handler(), c, "POST", "/api/v1/exports", `{"target":"usb"}`); r.StatusCode != http.StatusConflict {
		t.Errorf("while busy: %d", r.StatusCode)
	}
	if r := do(t, srv.Handler(), c, "GET", "/api/v1/exports/nope", ""); r.StatusCode != 404 {
		t.Errorf("missing job: %d", r.StatusCode)
	}
	if b := body(t, do(t, srv.Handler(), c, "GET", "/api/v1/usb", "")); !strings.Contains(b, `"present":false`) {
		t.Errorf("usb: %s", b)
	}
	tech := login(t, srv.Handler(), "technician", testPassword)
	if r := do(t, srv.Handler(), tech, "POST", "/api/v1/exports", `{"target":"zip"}`); r.StatusCode != 403 {
		t.Errorf("technician export: %d", r.StatusCode)
	}
}
