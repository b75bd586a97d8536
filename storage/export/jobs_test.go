package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage/export"
)

// jobSource is a Source that calls can be added to while jobs run, and
// whose WAV can be made to wait.
type jobSource struct {
	t     *testing.T
	mu    sync.Mutex
	calls []linetap.Call // newest first
	wav   map[uint64][]byte
	// hold, when set, makes WAV tell entered and wait for hold to close
	// or the job to be cancelled.
	hold    chan struct{}
	entered chan uint64
	holdID  uint64 // hold only this call (0: every call)
	listErr error  // Calls fails with it
}

func newJobSource(t *testing.T) *jobSource {
	return &jobSource{t: t, wav: map[uint64][]byte{}}
}

// add adds call id of n samples in state st (complete when empty).
func (s *jobSource) add(id uint64, n int, st linetap.CallState) {
	s.t.Helper()
	if st == "" {
		st = linetap.StateComplete
	}
	start := t0.Add(time.Duration(id) * time.Minute)
	c := linetap.Call{ID: id, Line: int(id % 4), Direction: linetap.Inbound, State: st, Start: start, AudioStart: start,
		Rate: 8000, Codec: "pcmu", Samples: int64(n), CallerID: linetap.CallerID{Number: fmt.Sprint(6095550000 + id)}}
	w := wavBytes(s.t, n, 8000)
	w[len(w)-1] = byte(id) // every call's file differs
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = slices.DeleteFunc(s.calls, func(o linetap.Call) bool { return o.ID == id })
	s.calls = append(s.calls, c)
	slices.SortFunc(s.calls, func(a, b linetap.Call) int { return int(b.ID) - int(a.ID) })
	s.wav[id] = w
}

func (s *jobSource) Calls(_ context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listErr != nil {
		return nil, s.listErr
	}
	var out []linetap.Call
	for _, c := range s.calls {
		if (q.Before == 0 || c.ID < q.Before) && len(out) < max(q.Limit, 1) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *jobSource) WAV(ctx context.Context, id uint64, w io.Writer) error {
	s.mu.Lock()
	b, hold, entered, holdID := s.wav[id], s.hold, s.entered, s.holdID
	s.mu.Unlock()
	if hold != nil && (holdID == 0 || holdID == id) {
		entered <- id
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := w.Write(b)
	return err
}

// auditLog collects audit entries.
type auditLog struct {
	mu      sync.Mutex
	entries []string
}

func (a *auditLog) add(who, action, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, who+" "+action+" "+detail)
}

func (a *auditLog) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

// jobsFixture is a Jobs over a jobSource, with a temp dir as the stick.
type jobsFixture struct {
	jobs  *export.Jobs
	src   *jobSource
	audit *auditLog
	stick string
	work  string
	mount export.Mount
}

func newJobs(t *testing.T, tweak func(*export.JobsOptions)) *jobsFixture {
	t.Helper()
	f := &jobsFixture{src: newJobSource(t), audit: &auditLog{}, stick: t.TempDir(), work: filepath.Join(t.TempDir(), "work")}
	f.mount = export.Mount{ID: 50, Device: "8:1", Path: f.stick, FSType: "vfat"}
	opt := export.JobsOptions{
		Source:    f.src,
		Key:       testKey,
		WorkDir:   f.work,
		DetectUSB: func() ([]export.Mount, error) { return []export.Mount{f.mount}, nil },
		Audit:     f.audit.add,
		Now:       func() time.Time { return t0.Add(48 * time.Hour) },
	}
	if tweak != nil {
		tweak(&opt)
	}
	j, err := export.NewJobs(opt)
	if err != nil {
		t.Fatal(err)
	}
	f.jobs = j
	t.Cleanup(func() {
		if err := j.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// wait waits for job id to end.
func (f *jobsFixture) wait(t *testing.T, id string) export.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	job, err := f.jobs.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// fingerprint8 is the start of testKey's fingerprint, in export names.
var fingerprint8 = export.Fingerprint(testKey.Public().(ed25519.PublicKey))[:8]

func TestJobs(t *testing.T) {
	for _, target := range []export.JobTarget{export.TargetDir, export.TargetUSB, export.TargetZip} {
		t.Run(string(target), func(t *testing.T) {
			f := newJobs(t, nil)
			for id := uint64(1); id <= 3; id++ {
				f.src.add(id, 4000*int(id), "")
			}
			f.src.add(4, 100, linetap.StateRecording)
			req := export.JobRequest{Target: target, Who: "alice"}
			if target == export.TargetDir {
				req.Dir = filepath.Join(t.TempDir(), "out")
			}
			job, err := f.jobs.Start(req)
			if err != nil {
				t.Fatal(err)
			}
			if job.State != export.JobQueued || job.ID == "" || job.Who != "alice" || job.Target != target {
				t.Fatalf("started %+v", job)
			}
			job = f.wait(t, job.ID)
			if job.State != export.JobDone || job.Verified == nil || !*job.Verified || job.Error != "" ||
				job.CallsDone != 3 || job.CallsTotal != 4 || !job.Ended.Equal(t0.Add(48*time.Hour)) {
				t.Fatalf("ended %+v", job)
			}
			name := "linetap-export-" + fingerprint8 + "-20260304-090000"
			var fsys fs.FS
			switch target {
			case export.TargetDir:
				if job.Path != req.Dir {
					t.Fatalf("path %s", job.Path)
				}
				fsys = os.DirFS(job.Path)
			case export.TargetUSB:
				if job.Path != filepath.Join(f.stick, name) {
					t.Fatalf("path %s, want %s on the stick", job.Path, name)
				}
				fsys = os.DirFS(job.Path)
			case export.TargetZip:
				p, err := f.jobs.Zip(job.ID)
				if err != nil || p != job.Path || p != filepath.Join(f.work, name+".zip") {
					t.Fatalf("Zip = %s, %v; path %s", p, err, job.Path)
				}
				zr, err := zip.OpenReader(p)
				if err != nil {
					t.Fatal(err)
				}
				defer zr.Close()
				if _, err := export.VerifyZip(&zr.Reader, name); err != nil {
					t.Fatalf("VerifyZip: %v", err)
				}
				fsys, _ = fs.Sub(zr, name)
				ents, _ := os.ReadDir(f.work)
				if len(ents) != 1 {
					t.Fatalf("work directory holds %d files, want the zip only", len(ents))
				}
			}
			rep, err := export.VerifyFS(fsys)
			if err != nil || rep.Calls != 3 {
				t.Fatalf("VerifyFS: %v, %+v", err, rep)
			}
			var sum int64
			for id := uint64(1); id <= 3; id++ {
				b, err := fs.ReadFile(fsys, fmt.Sprintf("audio/call-%06d.wav", id))
				if err != nil || !bytes.Equal(b, f.src.wav[id]) {
					t.Fatalf("call %d: WAV differs from the source's (%v)", id, err)
				}
				sum += int64(len(b))
			}
			if job.Bytes <= sum {
				t.Fatalf("bytes %d, the WAV files alone are %d", job.Bytes, sum)
			}
			if l := f.jobs.List(); len(l) != 1 || l[0].ID != job.ID || l[0].State != export.JobDone {
				t.Fatalf("List %+v", l)
			}
			a := f.audit.all()
			if len(a) != 2 || !strings.HasPrefix(a[0], "alice export-start job "+job.ID) || !strings.HasPrefix(a[1], "alice export-end job "+job.ID+" done: 3 of 4 calls") ||
				!strings.Contains(a[1], "verified true") || !strings.Contains(a[0], job.Path) {
				t.Fatalf("audit %q", a)
			}
		})
	}
}

func TestJobJSON(t *testing.T) {
	ok := true
	b, err := json.Marshal(export.Job{ID: "x", State: export.JobDone, Target: export.TargetZip, Verified: &ok, CallsDone: 2, CallsTotal: 3, Bytes: 9, Error: "e"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "state", "target", "who", "path", "calls_done", "calls_total", "bytes", "error", "verified", "started"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q", b, k)
		}
	}
	if _, ok := m["ended"]; ok {
		t.Errorf("%s has an ended time that is zero", b)
	}
}

func TestJobsRefused(t *testing.T) {
	f := newJobs(t, nil)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "old"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	noWork := newJobs(t, func(o *export.JobsOptions) { o.WorkDir = "" })
	noStick := newJobs(t, func(o *export.JobsOptions) {
		o.DetectUSB = func() ([]export.Mount, error) { return nil, nil }
	})
	roStick := newJobs(t, func(o *export.JobsOptions) {
		o.DetectUSB = func() ([]export.Mount, error) {
			return []export.Mount{{Path: "/media/ro", ReadOnly: true}}, nil
		}
	})
	brokenDetect := newJobs(t, func(o *export.JobsOptions) {
		o.DetectUSB = func() ([]export.Mount, error) { return nil, export.ErrNotSupported }
	})
	two, one := 2, -1
	tests := []struct {
		name string
		j    *export.Jobs
		req  export.JobRequest
		err  error
		want string
	}{
		{"nobody", f.jobs, export.JobRequest{Target: export.TargetZip}, export.ErrRequest, "who asks"},
		{"unknown target", f.jobs, export.JobRequest{Target: "cloud", Who: "a"}, export.ErrRequest, `target "cloud"`},
		{"dir without a directory", f.jobs, export.JobRequest{Target: export.TargetDir, Who: "a"}, export.ErrRequest, "JobRequest.Dir"},
		{"dir relative", f.jobs, export.JobRequest{Target: export.TargetDir, Dir: "out", Who: "a"}, export.ErrRequest, `"out" is not an absolute path`},
		{"dir not empty", f.jobs, export.JobRequest{Target: export.TargetDir, Dir: full, Who: "a"}, export.ErrNotEmpty, "old"},
		{"inverted range", f.jobs, export.JobRequest{Target: export.TargetZip, Who: "a", Filter: export.Filter{From: t0, To: t0}}, export.ErrRequest, "is not before"},
		{"negative line", f.jobs, export.JobRequest{Target: export.TargetZip, Who: "a", Filter: export.Filter{Line: &one}}, export.ErrRequest, "line -1"},
		{"zip without a work directory", noWork.jobs, export.JobRequest{Target: export.TargetZip, Who: "a", Filter: export.Filter{Line: &two}}, export.ErrRequest, "WorkDir"},
		{"no stick", noStick.jobs, export.JobRequest{Target: export.TargetUSB, Who: "a"}, export.ErrNoUSB, "no USB stick is mounted"},
		{"read-only stick", roStick.jobs, export.JobRequest{Target: export.TargetUSB, Who: "a"}, export.ErrNoUSB, "/media/ro mounted read-only"},
		{"no detection", brokenDetect.jobs, export.JobRequest{Target: export.TargetUSB, Who: "a"}, export.ErrNotSupported, "looking for USB sticks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.j.Start(tc.req)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %v saying %q", err, tc.err, tc.want)
			}
			if l := tc.j.List(); len(l) != 0 {
				t.Fatalf("a refused request made a job: %+v", l)
			}
		})
	}
	if len(f.audit.all()) != 0 {
		t.Fatalf("refused requests were audited: %q", f.audit.all())
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	for _, tc := range []struct {
		name string
		opt  export.JobsOptions
		err  error
	}{
		{"no source", export.JobsOptions{Key: testKey}, export.ErrRequest},
		{"no key", export.JobsOptions{Source: f.src}, export.ErrKey},
		{"device of another key", export.JobsOptions{Source: f.src, Key: testKey, Device: export.Device{Fingerprint: export.Fingerprint(other.Public().(ed25519.PublicKey))}}, export.ErrKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := export.NewJobs(tc.opt); !errors.Is(err, tc.err) {
				t.Fatalf("NewJobs: %v, want %v", err, tc.err)
			}
		})
	}
}

// holdSource makes f's source wait in the first WAV until released.
func (f *jobsFixture) hold() (release func(), entered chan uint64) {
	f.src.mu.Lock()
	defer f.src.mu.Unlock()
	f.src.hold, f.src.entered = make(chan struct{}), make(chan uint64, 10)
	h := f.src.hold
	return func() { close(h) }, f.src.entered
}

func TestJobsBusyAndCancel(t *testing.T) {
	f := newJobs(t, nil)
	f.src.add(1, 800, "")
	f.src.add(2, 800, "")
	_, entered := f.hold()
	job, err := f.jobs.Start(export.JobRequest{Target: export.TargetUSB, Who: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	if got, ok := f.jobs.Get(job.ID); !ok || got.State != export.JobRunning || got.CallsTotal != 2 || got.CallsDone != 0 || got.Bytes == 0 {
		t.Fatalf("running job %+v (the marker's bytes count)", got)
	}
	if _, err := f.jobs.Start(export.JobRequest{Target: export.TargetZip, Who: "carol"}); !errors.Is(err, export.ErrBusy) || !strings.Contains(err.Error(), job.ID) || !strings.Contains(err.Error(), "bob") {
		t.Fatalf("second Start: %v", err)
	}
	if _, err := f.jobs.Zip(job.ID); !errors.Is(err, export.ErrJobState) {
		t.Fatalf("Zip of a usb job: %v", err)
	}
	if err := f.jobs.Cancel(job.ID); err != nil {
		t.Fatal(err)
	}
	job = f.wait(t, job.ID)
	if job.State != export.JobIncomplete || !strings.Contains(job.Error, "canceled") || job.Verified != nil {
		t.Fatalf("cancelled job %+v", job)
	}
	if _, err := export.Verify(job.Path); !errors.Is(err, export.ErrIncomplete) {
		t.Fatalf("Verify of the cancelled export: %v", err)
	}
	if err := f.jobs.Cancel(job.ID); !errors.Is(err, export.ErrJobState) || !strings.Contains(err.Error(), "incomplete already") {
		t.Fatalf("Cancel again: %v", err)
	}
	if err := f.jobs.Cancel("nope"); !errors.Is(err, export.ErrNoJob) {
		t.Fatalf("Cancel(nope): %v", err)
	}
	if _, err := f.jobs.Zip("nope"); !errors.Is(err, export.ErrNoJob) {
		t.Fatalf("Zip(nope): %v", err)
	}
	if _, ok := f.jobs.Get("nope"); ok {
		t.Fatal("Get(nope) found a job")
	}
	a := f.audit.all()
	if len(a) != 2 || !strings.HasPrefix(a[1], "bob export-end job "+job.ID+" incomplete") || !strings.Contains(a[1], "canceled") {
		t.Fatalf("audit %q", a)
	}
}

func TestJobsClose(t *testing.T) {
	f := newJobs(t, nil)
	f.src.add(1, 800, "")
	_, entered := f.hold()
	job, err := f.jobs.Start(export.JobRequest{Target: export.TargetZip, Who: "dave"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	if err := f.jobs.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	job, _ = f.jobs.Get(job.ID)
	if job.State != export.JobFailed || !strings.Contains(job.Error, "canceled") {
		t.Fatalf("job after Close %+v", job)
	}
	if ents, _ := os.ReadDir(f.work); len(ents) != 0 {
		t.Fatalf("a stopped zip export left %s", ents[0].Name())
	}
	if _, err := f.jobs.Start(export.JobRequest{Target: export.TargetZip, Who: "dave"}); !errors.Is(err, export.ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
	done := make(chan struct{})
	go func() {
		f.jobs.WatchUSB(context.Background(), time.Hour)
		close(done)
	}()
	<-done // returns at once after Close
}

// corruptTarget flips a byte of every WAV file written through it, as a
// failing stick might: the export finishes but does not verify.
type corruptTarget struct{ export.Target }

func (c corruptTarget) Create(name string) (io.WriteCloser, error) {
	w, err := c.Target.Create(name)
	if err != nil || !strings.HasSuffix(name, ".wav") {
		return w, err
	}
	return corruptWriter{w}, nil
}

type corruptWriter struct{ io.WriteCloser }

func (w corruptWriter) Write(p []byte) (int, error) {
	q := slices.Clone(p)
	q[len(q)/2] ^= 1
	return w.WriteCloser.Write(q)
}

// TestJobsFaults fills up or pulls out the stick (or the work directory
// of a zip) part-way: the job ends incomplete (a zip: failed and deleted)
// with the error naming the cause, and the export says so.
func TestJobsFaults(t *testing.T) {
	tests := []struct {
		name   string
		target export.JobTarget
		budget int
		err    syscall.Errno
		pulled bool
		state  export.JobState
		want   string
	}{
		{"stick full in a WAV", export.TargetUSB, 5000, syscall.ENOSPC, false, export.JobIncomplete, "full"},
		{"stick full in the manifest", export.TargetUSB, 2*16044 + 300, syscall.ENOSPC, false, export.JobIncomplete, "full"},
		{"stick pulled in a WAV", export.TargetUSB, 5000, syscall.EIO, true, export.JobIncomplete, "removed"},
		{"stick pulled at once", export.TargetUSB, 0, syscall.EIO, true, export.JobIncomplete, "removed"},
		{"directory full", export.TargetDir, 20000, syscall.ENOSPC, false, export.JobIncomplete, "full"},
		{"work directory full", export.TargetZip, 20000, syscall.ENOSPC, false, export.JobFailed, "full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ft *faultTarget
			f := newJobs(t, func(o *export.JobsOptions) {
				o.WrapTarget = func(d export.Target) export.Target {
					ft = &faultTarget{Target: d, budget: tc.budget, err: tc.err, pulled: tc.pulled}
					return ft
				}
			})
			f.src.add(1, 8000, "")
			f.src.add(2, 8000, "")
			req := export.JobRequest{Target: tc.target, Who: "erin"}
			if tc.target == export.TargetDir {
				req.Dir = filepath.Join(t.TempDir(), "out")
			}
			job, err := f.jobs.Start(req)
			if err != nil {
				t.Fatal(err)
			}
			job = f.wait(t, job.ID)
			if !ft.spent {
				t.Fatalf("budget %d never ran out", tc.budget)
			}
			if job.State != tc.state || !strings.Contains(job.Error, tc.want) || !strings.Contains(job.Error, tc.err.Error()) || job.Verified != nil {
				t.Fatalf("job %+v, want %s saying %q", job, tc.state, tc.want)
			}
			if tc.target == export.TargetZip {
				if ents, _ := os.ReadDir(f.work); len(ents) != 0 {
					t.Fatalf("the failed zip left %s", ents[0].Name())
				}
				return
			}
			if _, err := export.Verify(job.Path); !errors.Is(err, export.ErrIncomplete) {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	t.Run("written but does not verify", func(t *testing.T) {
		f := newJobs(t, func(o *export.JobsOptions) {
			o.WrapTarget = func(d export.Target) export.Target { return corruptTarget{d} }
		})
		f.src.add(1, 800, "")
		for _, target := range []export.JobTarget{export.TargetUSB, export.TargetZip} {
			job, err := f.jobs.Start(export.JobRequest{Target: target, Who: "frank"})
			if err != nil {
				t.Fatal(err)
			}
			job = f.wait(t, job.ID)
			if job.State != export.JobFailed || job.Verified == nil || *job.Verified || !strings.Contains(job.Error, "fails verification") || !strings.Contains(job.Error, "call-000001.wav") {
				t.Fatalf("%s job %+v", target, job)
			}
			if target == export.TargetZip {
				if _, err := f.jobs.Zip(job.ID); !errors.Is(err, export.ErrJobState) {
					t.Fatalf("Zip of a failed job: %v", err)
				}
				continue
			}
			// Marked incomplete again, with the reason.
			rep, err := export.Verify(job.Path)
			if !errors.Is(err, export.ErrIncomplete) || !errors.Is(err, export.ErrChanged) || !strings.Contains(rep.Problems[0].Detail, "fails verification") {
				t.Fatalf("Verify: %v", err)
			}
		}
	})
}

func TestJobsUSB(t *testing.T) {
	stick := t.TempDir()
	file := filepath.Join(stick, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mounts := []export.Mount{{Path: "/media/ro", ReadOnly: true}, {ID: 7, Path: "/media/rw"}, {Path: "/media/rw2"}}
	tests := []struct {
		name    string
		detect  []export.Mount
		path    string
		want    string
		present bool
		err     string
	}{
		{"none", nil, "", "", false, ""},
		{"the first writable", mounts, "", "/media/rw", true, ""},
		{"read-only only", mounts[:1], "", "", false, "/media/ro mounted read-only"},
		{"configured", mounts, stick, stick, true, ""},
		{"configured, absent", mounts, filepath.Join(stick, "absent"), "", false, ""},
		{"configured, a file", mounts, file, "", false, "is not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newJobs(t, func(o *export.JobsOptions) {
				o.DetectUSB = func() ([]export.Mount, error) { return tc.detect, nil }
				o.USBPath = tc.path
			})
			m, ok, err := f.jobs.USB()
			if tc.err != "" {
				if !errors.Is(err, export.ErrNoUSB) || !strings.Contains(err.Error(), tc.err) || ok {
					t.Fatalf("USB() = %v, %v; want ErrNoUSB saying %q", ok, err, tc.err)
				}
				return
			}
			if err != nil || ok != tc.present || m.Path != tc.want {
				t.Fatalf("USB() = %+v, %v, %v", m, ok, err)
			}
		})
	}
	if free, err := export.FreeBytes(stick); err != nil || free <= 0 {
		t.Fatalf("FreeBytes = %d, %v", free, err)
	}
	if _, err := export.FreeBytes(filepath.Join(stick, "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("FreeBytes(absent): %v", err)
	}
}

// stickRecord reads the record on the stick.
func stickRecord(t *testing.T, stick string) *export.StickDevice {
	t.Helper()
	rec, err := export.ReadStickRecord(stick)
	if err != nil {
		t.Fatal(err)
	}
	d := rec.Devices[export.Fingerprint(testKey.Public().(ed25519.PublicKey))]
	if d == nil {
		t.Fatalf("no record of this recorder in %+v", rec)
	}
	return d
}

// exported returns the IDs of the calls in the export at dir.
func exported(t *testing.T, dir string) []uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, export.ManifestJSON))
	if err != nil {
		t.Fatal(err)
	}
	var m export.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, e := range m.Calls {
		ids = append(ids, e.Call.ID)
	}
	return ids
}

func TestCheckUSB(t *testing.T) {
	f := newJobs(t, nil)
	ctx := context.Background()
	for id := uint64(1); id <= 5; id++ {
		f.src.add(id, 400, "")
	}
	f.src.add(4, 400, linetap.StateRecording)
	// No marker: nothing happens.
	if _, ok, err := f.jobs.CheckUSB(ctx); ok || err != nil {
		t.Fatalf("CheckUSB without a marker: %v, %v", ok, err)
	}
	if err := os.WriteFile(filepath.Join(f.stick, export.StickMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	job, ok, err := f.jobs.CheckUSB(ctx)
	if !ok || err != nil {
		t.Fatalf("CheckUSB: %v, %v", ok, err)
	}
	job = f.wait(t, job.ID)
	if job.State != export.JobDone || job.Who != "usb" || filepath.Dir(job.Path) != f.stick {
		t.Fatalf("job %+v", job)
	}
	if got := exported(t, job.Path); !slices.Equal(got, []uint64{1, 2, 3, 5}) {
		t.Fatalf("exported %v", got)
	}
	// Call 4 was still recording: the stick holds everything up to 3.
	if d := stickRecord(t, f.stick); d.ThroughID != 3 || len(d.Exports) != 1 || d.Exports[0].Job != job.ID || d.Exports[0].Calls != 4 || d.Exports[0].State != export.JobDone {
		t.Fatalf("record %+v", d)
	}
	// The same mounting is not exported to again, new calls or not.
	f.src.add(4, 400, "")
	f.src.add(6, 400, "")
	if _, ok, err := f.jobs.CheckUSB(ctx); ok || err != nil {
		t.Fatalf("CheckUSB of the same mounting: %v, %v", ok, err)
	}
	// Pulled and put back: what is not on it yet goes on it.
	f.mount.ID = 51
	job, ok, err = f.jobs.CheckUSB(ctx)
	if !ok || err != nil {
		t.Fatalf("CheckUSB after putting the stick back: %v, %v", ok, err)
	}
	job = f.wait(t, job.ID)
	if got := exported(t, job.Path); job.State != export.JobDone || !slices.Equal(got, []uint64{4, 5, 6}) {
		t.Fatalf("second export: %v, %+v", got, job)
	}
	if d := stickRecord(t, f.stick); d.ThroughID != 6 || len(d.Exports) != 2 {
		t.Fatalf("record %+v", d)
	}
	// Nothing new: no export.
	f.mount.ID = 52
	if _, ok, err := f.jobs.CheckUSB(ctx); ok || err != nil {
		t.Fatalf("CheckUSB with nothing new: %v, %v", ok, err)
	}
	// A read-only stick is left alone.
	f.src.add(7, 400, "")
	f.mount.ID, f.mount.ReadOnly = 53, true
	if _, ok, err := f.jobs.CheckUSB(ctx); ok || err != nil {
		t.Fatalf("CheckUSB of a read-only stick: %v, %v", ok, err)
	}
	// A garbled record: everything again, rather than nothing.
	if err := os.WriteFile(filepath.Join(f.stick, export.StickRecord), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.mount.ID, f.mount.ReadOnly = 54, false
	job, ok, err = f.jobs.CheckUSB(ctx)
	if !ok || err != nil {
		t.Fatalf("CheckUSB with a garbled record: %v, %v", ok, err)
	}
	job = f.wait(t, job.ID)
	if got := exported(t, job.Path); len(got) != 7 {
		t.Fatalf("export after a garbled record: %v", got)
	}
	if d := stickRecord(t, f.stick); d.ThroughID != 7 || len(d.Exports) != 1 {
		t.Fatalf("record %+v", d)
	}
	if a := f.audit.all(); len(a) != 6 || !strings.HasPrefix(a[0], "usb export-start") || !strings.Contains(a[0], "filter {}") || !strings.Contains(a[2], `"after_id":3`) {
		t.Fatalf("audit %q", a)
	}
}

func TestCheckUSBIncomplete(t *testing.T) {
	// A stick that fills up keeps its record: the next mounting tries
	// the same calls again.
	f := newJobs(t, func(o *export.JobsOptions) {
		o.WrapTarget = func(d export.Target) export.Target {
			return &faultTarget{Target: d, budget: 3000, err: syscall.ENOSPC}
		}
	})
	f.src.add(1, 8000, "")
	if err := os.WriteFile(filepath.Join(f.stick, export.StickMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	job, ok, err := f.jobs.CheckUSB(context.Background())
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	job = f.wait(t, job.ID)
	d := stickRecord(t, f.stick)
	if job.State != export.JobIncomplete || d.ThroughID != 0 || len(d.Exports) != 1 || d.Exports[0].State != export.JobIncomplete || !strings.Contains(d.Exports[0].Error, "full") {
		t.Fatalf("job %+v, record %+v", job, d)
	}
}

func TestWatchUSB(t *testing.T) {
	f := newJobs(t, nil)
	f.src.add(1, 400, "")
	if err := os.WriteFile(filepath.Join(f.stick, export.StickMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.jobs.WatchUSB(ctx, time.Millisecond)
		close(done)
	}()
	var jobs []export.Job
	for deadline := time.Now().Add(time.Minute); len(jobs) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("WatchUSB did not export to the marked stick")
		}
		time.Sleep(time.Millisecond)
		jobs = f.jobs.List()
	}
	if job := f.wait(t, jobs[0].ID); job.State != export.JobDone {
		t.Fatalf("job %+v", job)
	}
	cancel()
	<-done
	if l := f.jobs.List(); len(l) != 1 {
		t.Fatalf("%d jobs: the stick was exported to more than once", len(l))
	}
}

func TestJobsList(t *testing.T) {
	f := newJobs(t, nil)
	var ids []string
	for i := 0; i < 23; i++ {
		job, err := f.jobs.Start(export.JobRequest{Target: export.TargetZip, Who: "gina"})
		if err != nil {
			t.Fatal(err)
		}
		f.wait(t, job.ID)
		ids = append(ids, job.ID)
	}
	l := f.jobs.List()
	if len(l) != 20 {
		t.Fatalf("List has %d jobs", len(l))
	}
	for i, job := range l {
		if job.ID != ids[22-i] {
			t.Fatalf("List[%d] is %s, want %s (newest first)", i, job.ID, ids[22-i])
		}
	}
	// The zips of the jobs dropped are deleted; the others stay.
	ents, err := os.ReadDir(f.work)
	if err != nil || len(ents) != 20 {
		t.Fatalf("work directory: %d files, %v", len(ents), err)
	}
	if _, err := f.jobs.Zip(ids[0]); !errors.Is(err, export.ErrNoJob) {
		t.Fatalf("Zip of a dropped job: %v", err)
	}
	// Made within one second, each has a name of its own.
	paths := map[string]bool{}
	for _, id := range ids[3:] {
		p, err := f.jobs.Zip(id)
		if err != nil || paths[p] {
			t.Fatalf("Zip(%s) = %s, %v", id, p, err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		paths[p] = true
	}
	// A new Jobs over the work directory deletes what the last left.
	if err := os.WriteFile(filepath.Join(f.work, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := export.NewJobs(export.JobsOptions{Source: f.src, Key: testKey, WorkDir: f.work}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(f.work); len(ents) != 1 || ents[0].Name() != "notes.txt" {
		t.Fatalf("work directory after NewJobs: %v", ents)
	}
}

func TestVerifyZipRefuses(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"exp/manifest.json", "other/file"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("{}"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := export.VerifyZip(zr, "exp"); !errors.Is(err, export.ErrAdded) || !strings.Contains(err.Error(), "other/file") {
		t.Fatalf("VerifyZip: %v", err)
	}
}

// TestJobsSourceFails: calls that cannot be listed fail the job and leave
// nothing behind but a directory that was there before; the USB watcher
// tries again at its next check.
func TestJobsSourceFails(t *testing.T) {
	f := newJobs(t, nil)
	f.src.add(1, 400, "")
	f.src.mu.Lock()
	f.src.listErr = errors.New("daemon socket closed")
	f.src.mu.Unlock()
	before := t.TempDir() // empty, and the user's
	for _, tc := range []struct {
		target export.JobTarget
		dir    string
		kept   bool
	}{
		{export.TargetDir, before, true},
		{export.TargetDir, filepath.Join(t.TempDir(), "new"), false},
		{export.TargetUSB, "", false},
		{export.TargetZip, "", false},
	} {
		job, err := f.jobs.Start(export.JobRequest{Target: tc.target, Dir: tc.dir, Who: "hal"})
		if err != nil {
			t.Fatal(err)
		}
		job = f.wait(t, job.ID)
		if job.State != export.JobFailed || !strings.Contains(job.Error, "daemon socket closed") {
			t.Fatalf("%s job %+v", tc.target, job)
		}
		if _, err := os.Stat(job.Path); (err == nil) != tc.kept {
			t.Fatalf("%s: %s kept: %v, want %v", tc.target, job.Path, err == nil, tc.kept)
		}
	}
	if err := os.WriteFile(filepath.Join(f.stick, export.StickMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.jobs.CheckUSB(context.Background()); ok || !errors.Is(err, export.ErrSource) {
		t.Fatalf("CheckUSB with a failing source: %v, %v", ok, err)
	}
	f.src.mu.Lock()
	f.src.listErr = nil
	f.src.mu.Unlock()
	job, ok, err := f.jobs.CheckUSB(context.Background())
	if !ok || err != nil {
		t.Fatalf("CheckUSB once the source works: %v, %v", ok, err)
	}
	if job = f.wait(t, job.ID); job.State != export.JobDone {
		t.Fatalf("job %+v", job)
	}
}

func TestStickRecordLinks(t *testing.T) {
	// A stick with its temporary record file linked elsewhere: the record
	// is written on the stick, the file linked to is untouched.
	f := newJobs(t, nil)
	f.src.add(1, 400, "")
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(f.stick, "."+export.StickRecord+".tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.stick, export.StickMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	job, ok, err := f.jobs.CheckUSB(context.Background())
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	f.wait(t, job.ID)
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("the linked file became %q", b)
	}
	if d := stickRecord(t, f.stick); d.ThroughID != 1 {
		t.Fatalf("record %+v", d)
	}
}

func TestParseStickRecord(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"not JSON", "{not json", "invalid character"},
		{"another format", `{"format":"linetap-stick/9","devices":{}}`, `format "linetap-stick/9"`},
		{"no format", `{"devices":{}}`, `format ""`},
		{"wrong type", `{"format":"linetap-stick/1","devices":{"ab":{"through_id":"x"}}}`, "through_id"},
		{"too large", `{"format":"linetap-stick/1","x":"` + strings.Repeat("a", 1<<20) + `"}`, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := export.ParseStickRecord([]byte(tc.text))
			if !errors.Is(err, export.ErrManifest) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), export.StickRecord) {
				t.Fatalf("error %v, want ErrManifest naming %s and %q", err, export.StickRecord, tc.want)
			}
			if rec == nil || len(rec.Devices) != 0 {
				t.Fatalf("record with the error: %+v", rec)
			}
		})
	}
	rec, err := export.ParseStickRecord([]byte(`{"format":"linetap-stick/1","devices":{"ab":{"through_id":12,"exports":[{"dir":"d","job":"j","state":"done","calls":3,"ended":"2026-03-02T09:00:00Z"}]},"cd":null}}`))
	if err != nil || len(rec.Devices) != 1 || rec.Devices["ab"].ThroughID != 12 || rec.Devices["ab"].Exports[0].Calls != 3 {
		t.Fatalf("%+v, %v", rec, err)
	}
}

func FuzzParseStickRecord(f *testing.F) {
	f.Add([]byte(`{"format":"linetap-stick/1","devices":{"ab":{"through_id":12,"exports":[{"dir":"d","job":"j","state":"done","calls":3,"ended":"2026-03-02T09:00:00Z"}]}}}`))
	f.Add([]byte(`{"format":"linetap-stick/1","devices":{"ab":null}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := export.ParseStickRecord(b)
		if err != nil {
			if !errors.Is(err, export.ErrManifest) || rec == nil || len(rec.Devices) != 0 {
				t.Fatalf("error %v with record %+v", err, rec)
			}
			return
		}
		for fp, d := range rec.Devices {
			if d == nil {
				t.Fatalf("device %q has no record", fp)
			}
		}
		// What the recorder writes back reads the same.
		out, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := export.ParseStickRecord(out)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("%s\nread back as\n%s", out, again)
		}
	})
}

func TestJobsProgress(t *testing.T) {
	f := newJobs(t, nil)
	for id := uint64(1); id <= 3; id++ {
		f.src.add(id, 8000, "")
	}
	release, entered := f.hold()
	f.src.mu.Lock()
	f.src.holdID = 3
	f.src.mu.Unlock()
	job, err := f.jobs.Start(export.JobRequest{Target: export.TargetUSB, Who: "ivy"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered // calls 1 and 2 are written, 3 is being read
	mid, _ := f.jobs.Get(job.ID)
	wavs := int64(len(f.src.wav[1]) + len(f.src.wav[2]))
	if mid.State != export.JobRunning || mid.CallsDone != 2 || mid.CallsTotal != 3 || mid.Bytes < wavs || mid.Bytes > wavs+1000 {
		t.Fatalf("mid-way %+v (WAVs so far %d bytes)", mid, wavs)
	}
	if l := f.jobs.List(); len(l) != 1 || l[0].CallsDone != 2 {
		t.Fatalf("List mid-way %+v", l)
	}
	release()
	done := f.wait(t, job.ID)
	if done.State != export.JobDone || done.CallsDone != 3 || done.Bytes <= mid.Bytes {
		t.Fatalf("done %+v", done)
	}
}

// TestJobsStoreUntouched exports from a real store to a stick that fills
// up, and to a zip: the data directory is the same before and after.
func TestJobsStoreUntouched(t *testing.T) {
	dataDir, st := newStore(t,
		spec{line: 0, number: "1", codec: "pcmu", seconds: 1},
		spec{line: 1, number: "2", codec: "adpcm", seconds: 1},
	)
	before := snapshot(t, dataDir)
	stick := t.TempDir()
	jobs, err := export.NewJobs(export.JobsOptions{
		Source:    export.StoreSource(st),
		Key:       testKey,
		WorkDir:   filepath.Join(t.TempDir(), "work"),
		USBPath:   stick,
		DetectUSB: func() ([]export.Mount, error) { t.Error("DetectUSB asked despite USBPath"); return nil, nil },
		WrapTarget: func(d export.Target) export.Target {
			return &faultTarget{Target: d, budget: 20000, err: syscall.ENOSPC}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer jobs.Close(context.Background())
	for _, target := range []export.JobTarget{export.TargetUSB, export.TargetZip} {
		job, err := jobs.Start(export.JobRequest{Target: target, Who: "jo"})
		if err != nil {
			t.Fatal(err)
		}
		job, err = jobs.Wait(context.Background(), job.ID)
		if err != nil || job.State == export.JobDone || !strings.Contains(job.Error, "full") {
			t.Fatalf("%s job %+v, %v", target, job, err)
		}
		if target == export.TargetUSB && filepath.Dir(job.Path) != stick {
			t.Fatalf("exported to %s, not the configured stick", job.Path)
		}
	}
	if after := snapshot(t, dataDir); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("the data directory changed:\nbefore %v\nafter  %v", before, after)
	}
}
