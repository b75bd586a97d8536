package export

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// JobTarget is where an export job writes.
type JobTarget string

// Job targets.
const (
	TargetUSB JobTarget = "usb" // a new directory on the USB stick (Jobs.USB)
	TargetZip JobTarget = "zip" // a zip file in JobsOptions.WorkDir, fetched with Jobs.Zip
	TargetDir JobTarget = "dir" // JobRequest.Dir, new or empty
)

// JobState is how far an export job got.
type JobState string

// Job states. A job is queued when Start returns and running once its
// goroutine begins; it ends done, failed or incomplete.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	// JobDone: written and verified.
	JobDone JobState = "done"
	// JobFailed: nothing usable was left (the job could not start, a zip
	// export stopped and was discarded), or the export was written but
	// fails its verification (then it is marked incomplete too).
	JobFailed JobState = "failed"
	// JobIncomplete: a USB or directory export stopped part-way (the
	// stick filled or was pulled, a call could not be read, the job was
	// cancelled); what was written is marked incomplete on the target.
	JobIncomplete JobState = "incomplete"
)

// ended reports whether the state is final.
func (s JobState) ended() bool { return s == JobDone || s == JobFailed || s == JobIncomplete }

// JobRequest asks for an export.
type JobRequest struct {
	Filter Filter
	Target JobTarget
	Dir    string // TargetDir only: the directory to export into, absolute, new or empty
	Who    string // the user asking, for the audit log; required
}

// Job is an export job as the API shows it (ExportJob of the API
// contract).
type Job struct {
	ID     string    `json:"id"`
	State  JobState  `json:"state"`
	Target JobTarget `json:"target"`
	Who    string    `json:"who"`
	// Path is the export's directory (usb, dir) or zip file (zip).
	Path       string `json:"path"`
	CallsDone  int    `json:"calls_done"`  // calls written so far
	CallsTotal int    `json:"calls_total"` // calls selected (0 until they are)
	Bytes      int64  `json:"bytes"`       // bytes written so far
	// Error says why a job failed or is incomplete.
	Error string `json:"error,omitempty"`
	// Verified is the result of checking the export after writing it
	// (nil: not checked, because it did not finish).
	Verified *bool     `json:"verified,omitempty"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
}

// JobsOptions configure NewJobs.
type JobsOptions struct {
	// Source is what jobs export from (StoreSource of the daemon's
	// store); required.
	Source Source
	// Key signs every export; required.
	Key ed25519.PrivateKey
	// WorkDir holds zip exports; required for TargetZip. NewJobs creates
	// it and deletes the zips and temporary files an earlier run left
	// there. It must not be inside the data directory, which storage
	// keeps to its own files.
	WorkDir string
	// DetectUSB lists the mounted sticks (nil: DetectUSB).
	DetectUSB func() ([]Mount, error)
	// USBPath, when set, is the stick's mount point, from the config:
	// DetectUSB is not asked.
	USBPath string
	// Audit records the start and end of every job (nil: not recorded).
	Audit func(who, action, detail string)
	// Logger logs jobs (nil: discarded).
	Logger *slog.Logger
	// Device identifies the signing key; zero: worked out from Key. Its
	// fingerprint's first 8 hex digits name the exports
	// ("linetap-export-<those>-<time>"), so exports of several
	// recorders on one stick stay apart.
	Device Device
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// WrapTarget, when set, wraps every target a job writes to (tests:
	// a stick that fills up or is pulled).
	WrapTarget func(Target) Target
}

// Audit actions of export jobs.
const (
	ActionExportStart = "export-start"
	ActionExportEnd   = "export-end"
)

// StickMarker is the file whose presence at a stick's top level makes
// WatchUSB export to it; StickRecord is the file on the stick where it
// keeps what it exported there.
const (
	StickMarker = "linetap-export"
	StickRecord = "linetap-export.json"
)

// keepJobs is how many finished jobs List keeps.
const keepJobs = 20

// Jobs runs export jobs one at a time for the daemon and the web UI.
type Jobs struct {
	opt    JobsOptions
	log    *slog.Logger
	prefix string // "linetap-export-<8 hex digits>-"

	mu      sync.Mutex
	jobs    []*jobRun // oldest first
	closed  bool
	handled map[string]bool // WatchUSB: sticks exported to since they were inserted

	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// jobRun is a job and what runs it.
type jobRun struct {
	job    Job // guarded by Jobs.mu
	req    JobRequest
	dst    Target
	zip    *zipTarget // TargetZip
	bytes  atomic.Int64
	cancel context.CancelFunc
	ended  chan struct{}
	stick  *stickJob // started by WatchUSB
	made   bool      // the job made the export's directory
}

// stickJob is what WatchUSB needs to record an export on the stick.
type stickJob struct {
	root string // the stick's mount point
	rec  *StickRecordFile
}

// NewJobs checks opt and prepares WorkDir.
func NewJobs(opt JobsOptions) (*Jobs, error) {
	if opt.Source == nil {
		return nil, fmt.Errorf("%w: JobsOptions.Source is nil", ErrRequest)
	}
	if len(opt.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: no signing key (JobsOptions.Key)", ErrKey)
	}
	fp := Fingerprint(opt.Key.Public().(ed25519.PublicKey))
	switch opt.Device.Fingerprint {
	case "":
		opt.Device = Device{PublicKey: PubFile, Fingerprint: fp}
	case fp:
	default:
		return nil, fmt.Errorf("%w: JobsOptions.Device has fingerprint %s, the key's is %s", ErrKey, opt.Device.Fingerprint, fp)
	}
	if opt.DetectUSB == nil {
		opt.DetectUSB = DetectUSB
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := &Jobs{opt: opt, log: log, prefix: "linetap-export-" + fp[:8] + "-", handled: map[string]bool{}, done: make(chan struct{})}
	if opt.WorkDir != "" {
		if err := os.MkdirAll(opt.WorkDir, 0o750); err != nil {
			return nil, fmt.Errorf("%w: work directory: %w", ErrWrite, err)
		}
		ents, err := os.ReadDir(opt.WorkDir)
		if err != nil {
			return nil, fmt.Errorf("%w: work directory: %w", ErrWrite, err)
		}
		for _, e := range ents {
			// The jobs of an earlier run are gone, and with them the
			// only way to fetch their zips.
			if n := e.Name(); strings.HasPrefix(n, "linetap-export-") && (strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".zip.tmp")) {
				if err := os.Remove(filepath.Join(opt.WorkDir, n)); err != nil {
					log.Warn("export: old zip not removed", "file", n, "err", err)
				}
			}
		}
	}
	return j, nil
}

// newID returns a random job ID.
func newID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// Start begins the export req asks for and returns the job, queued. Only
// one job runs at a time: a second is ErrBusy. A request that cannot
// start (no stick, a directory that is not empty, no WorkDir) is an error
// and makes no job.
func (j *Jobs) Start(req JobRequest) (Job, error) {
	return j.start(req, nil, nil)
}

// start is Start; mount, when set, is the stick to use (WatchUSB).
func (j *Jobs) start(req JobRequest, mount *Mount, stick *stickJob) (Job, error) {
	if strings.TrimSpace(req.Who) == "" {
		return Job{}, fmt.Errorf("%w: who asks for the export is not said (JobRequest.Who)", ErrRequest)
	}
	f := req.Filter
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Job{}, fmt.Errorf("%w: from %s is not before to %s", ErrRequest, f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	if f.Line != nil && *f.Line < 0 {
		return Job{}, fmt.Errorf("%w: line %d is negative", ErrRequest, *f.Line)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Job{}, ErrClosed
	}
	for _, r := range j.jobs {
		if !r.job.State.ended() {
			return Job{}, fmt.Errorf("%w: job %s (%s, started by %s) is running", ErrBusy, r.job.ID, r.job.Target, r.job.Who)
		}
	}
	now := j.opt.Now()
	name := j.prefix + now.UTC().Format("20060102-150405")
	run := &jobRun{req: req, ended: make(chan struct{}), stick: stick}
	run.job = Job{ID: newID(), State: JobQueued, Target: req.Target, Who: req.Who, Started: now}
	var err error
	switch req.Target {
	case TargetDir:
		if req.Dir == "" {
			return Job{}, fmt.Errorf("%w: target dir needs a directory (JobRequest.Dir)", ErrRequest)
		}
		if !filepath.IsAbs(req.Dir) {
			return Job{}, fmt.Errorf("%w: directory %q is not an absolute path", ErrRequest, req.Dir)
		}
		run.job.Path = req.Dir
		_, serr := os.Stat(req.Dir)
		run.made = errors.Is(serr, fs.ErrNotExist)
		run.dst, err = OpenDir(req.Dir)
	case TargetUSB:
		if mount == nil {
			m, ok, err := j.usb()
			if err != nil {
				return Job{}, err
			}
			if !ok {
				return Job{}, fmt.Errorf("%w: no USB stick is mounted", ErrNoUSB)
			}
			mount = &m
		}
		run.job.Path, err = freshName(mount.Path, name, "")
		if err == nil {
			run.made = true
			run.dst, err = OpenDir(run.job.Path)
		}
	case TargetZip:
		if j.opt.WorkDir == "" {
			return Job{}, fmt.Errorf("%w: zip exports need a work directory (JobsOptions.WorkDir)", ErrRequest)
		}
		run.job.Path, err = freshName(j.opt.WorkDir, name, ".zip")
		if err == nil {
			run.zip, err = newZipTarget(run.job.Path, now)
			run.dst = run.zip
		}
	default:
		return Job{}, fmt.Errorf("%w: target %q: want usb, zip or dir", ErrRequest, req.Target)
	}
	if err != nil {
		return Job{}, fmt.Errorf("export to %s: %w", req.Target, err)
	}
	if j.opt.WrapTarget != nil {
		run.dst = j.opt.WrapTarget(run.dst)
	}
	run.dst = &countTarget{Target: run.dst, n: &run.bytes}
	ctx, cancel := context.WithCancel(context.Background())
	run.cancel = cancel
	j.jobs = append(j.jobs, run)
	j.trim()
	j.audit(req.Who, ActionExportStart, fmt.Sprintf("job %s: %s export to %s, filter %s", run.job.ID, req.Target, run.job.Path, filterText(req.Filter)))
	j.log.Info("export started", "job", run.job.ID, "target", string(req.Target), "path", run.job.Path, "who", req.Who)
	j.wg.Add(1)
	go j.run(ctx, run)
	return run.job, nil
}

// freshName returns dir/name+ext, or dir/name-N+ext when that exists.
func freshName(dir, name, ext string) (string, error) {
	for i := 1; i < 100; i++ {
		p := filepath.Join(dir, name+ext)
		if i > 1 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", name, i, ext))
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		} else if err != nil {
			return "", fmt.Errorf("%w: %w", ErrWrite, err)
		}
	}
	return "", fmt.Errorf("%w: %s: 99 exports named %s already", ErrNotEmpty, dir, name)
}

// filterText is f for the audit log.
func filterText(f Filter) string {
	b, err := json.Marshal(f)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// trim drops the oldest finished jobs beyond keepJobs, with their zips
// (j.mu held).
func (j *Jobs) trim() {
	for len(j.jobs) > keepJobs && j.jobs[0].job.State.ended() {
		old := j.jobs[0]
		j.jobs = j.jobs[1:]
		if old.job.Target == TargetZip && old.job.State == JobDone {
			if err := os.Remove(old.job.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				j.log.Warn("export: old zip not removed", "job", old.job.ID, "file", old.job.Path, "err", err)
			}
		}
	}
}

func (j *Jobs) audit(who, action, detail string) {
	if j.opt.Audit != nil {
		j.opt.Audit(who, action, detail)
	}
}

// run is a job's goroutine.
func (j *Jobs) run(ctx context.Context, run *jobRun) {
	defer j.wg.Done()
	defer close(run.ended)
	defer run.cancel()
	j.update(run, func(job *Job) { job.State = JobRunning })
	opt := Options{
		Filter: run.req.Filter,
		Key:    j.opt.Key,
		Now:    j.opt.Now,
		Selected: func(n int) {
			j.update(run, func(job *Job) { job.CallsTotal = n })
		},
		Progress: func(p Progress) {
			j.update(run, func(job *Job) { job.CallsDone, job.CallsTotal = p.Done, p.Total })
		},
	}
	m, err := Export(ctx, j.opt.Source, run.dst, opt)
	state, verified := JobDone, (*bool)(nil)
	if err == nil {
		err = j.finish(run)
		if ok := err == nil; ok || !errors.Is(err, ErrWrite) { // a write error: never checked
			verified = &ok
		}
		if err != nil {
			state = JobFailed
		}
	} else {
		state = j.stopped(run, m)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("cancelled: %w", err)
	}
	if run.zip != nil && state != JobDone {
		run.zip.discard()
		state = JobFailed
	}
	if m != nil && state == JobDone {
		j.update(run, func(job *Job) { job.CallsDone, job.CallsTotal = len(m.Calls), len(m.Calls)+len(m.Skipped) })
	}
	if run.stick != nil {
		j.recordStick(run, m, state, err)
	}
	now := j.opt.Now()
	var job Job
	j.update(run, func(jb *Job) {
		jb.State, jb.Verified, jb.Ended = state, verified, now
		if err != nil {
			jb.Error = err.Error()
		}
		job = *jb
	})
	detail := fmt.Sprintf("job %s %s: %d of %d calls, %d bytes to %s", job.ID, job.State, job.CallsDone, job.CallsTotal, job.Bytes, job.Path)
	if verified != nil {
		detail += fmt.Sprintf(", verified %v", *verified)
	}
	if err != nil {
		detail += ": " + err.Error()
		j.log.Warn("export ended", "job", job.ID, "state", string(job.State), "err", err)
	} else {
		j.log.Info("export done", "job", job.ID, "calls", job.CallsDone, "bytes", job.Bytes)
	}
	j.audit(run.req.Who, ActionExportEnd, detail)
}

// finish checks a written export and, for a zip, puts it in place.
func (j *Jobs) finish(run *jobRun) error {
	if run.zip != nil {
		return run.zip.finish()
	}
	_, err := Verify(run.job.Path)
	if err != nil {
		err = fmt.Errorf("written but fails verification: %w", err)
		j.markIncomplete(run, err)
	}
	return err
}

// stopped handles an export that ended with an error after writing m
// (nil: nothing written) and returns the job's state.
func (j *Jobs) stopped(run *jobRun, m *Manifest) JobState {
	if run.zip != nil {
		return JobFailed
	}
	if m == nil {
		// Nothing but an empty directory (or a marker that did not make
		// it to the stick): remove the directory the job made when it is
		// empty.
		if ents, err := os.ReadDir(run.job.Path); err == nil && len(ents) == 0 {
			if run.made {
				os.Remove(run.job.Path)
			}
			return JobFailed
		}
		return JobIncomplete
	}
	j.markIncomplete(run, nil)
	return JobIncomplete
}

// markIncomplete puts the incomplete marker back when the export had
// already removed it, as far as the target still takes writes.
func (j *Jobs) markIncomplete(run *jobRun, why error) {
	w, err := run.dst.Create(Marker)
	if errors.Is(err, fs.ErrExist) {
		return // still there since the start
	}
	if err == nil {
		reason := "it stopped"
		if why != nil {
			reason = why.Error()
		}
		_, err = fmt.Fprintf(w, "linetap export %s did not finish: %s.\nDo not rely on it.\n", run.job.ID, reason)
		err = errors.Join(err, w.Close(), run.dst.Sync())
	}
	if err != nil {
		j.log.Warn("export: could not mark the export incomplete", "job", run.job.ID, "path", run.job.Path, "err", err)
	}
}

// update changes run's job under the lock, with the bytes counted so far.
func (j *Jobs) update(run *jobRun, f func(*Job)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	run.job.Bytes = run.bytes.Load()
	f(&run.job)
}

// snapshot returns run's job as it is now (j.mu held).
func (run *jobRun) snapshot() Job {
	job := run.job
	if !job.State.ended() {
		job.Bytes = run.bytes.Load()
	}
	if job.Verified != nil {
		v := *job.Verified
		job.Verified = &v
	}
	return job
}

// Get returns job id.
func (j *Jobs) Get(id string) (Job, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if run := j.find(id); run != nil {
		return run.snapshot(), true
	}
	return Job{}, false
}

func (j *Jobs) find(id string) *jobRun {
	for _, r := range j.jobs {
		if r.job.ID == id {
			return r
		}
	}
	return nil
}

// List returns the last 20 jobs, newest first.
func (j *Jobs) List() []Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Job, 0, len(j.jobs))
	for _, r := range slices.Backward(j.jobs) {
		out = append(out, r.snapshot())
	}
	return out
}

// Wait waits until job id has ended, or ctx is done, and returns it.
func (j *Jobs) Wait(ctx context.Context, id string) (Job, error) {
	j.mu.Lock()
	run := j.find(id)
	j.mu.Unlock()
	if run == nil {
		return Job{}, fmt.Errorf("%w: %q", ErrNoJob, id)
	}
	select {
	case <-run.ended:
	case <-ctx.Done():
		return Job{}, fmt.Errorf("export: waiting for job %s: %w", id, ctx.Err())
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return run.snapshot(), nil
}

// Zip returns the path of job id's zip file: a zip job that is done.
func (j *Jobs) Zip(id string) (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	run := j.find(id)
	switch {
	case run == nil:
		return "", fmt.Errorf("%w: %q", ErrNoJob, id)
	case run.job.Target != TargetZip:
		return "", fmt.Errorf("%w: job %s exports to %s, not a zip", ErrJobState, id, run.job.Target)
	case run.job.State != JobDone:
		return "", fmt.Errorf("%w: job %s is %s, not done", ErrJobState, id, run.job.State)
	}
	return run.job.Path, nil
}

// Cancel stops job id. What it wrote so far is left marked incomplete
// (a zip is deleted).
func (j *Jobs) Cancel(id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	run := j.find(id)
	if run == nil {
		return fmt.Errorf("%w: %q", ErrNoJob, id)
	}
	if run.job.State.ended() {
		return fmt.Errorf("%w: job %s is %s already", ErrJobState, id, run.job.State)
	}
	run.cancel()
	return nil
}

// Close cancels the running job and waits for it to stop (it leaves its
// export marked incomplete), or for ctx. Start fails with ErrClosed
// afterwards, and WatchUSB returns.
func (j *Jobs) Close(ctx context.Context) error {
	j.mu.Lock()
	if !j.closed {
		j.closed = true
		close(j.done)
	}
	for _, r := range j.jobs {
		r.cancel()
	}
	j.mu.Unlock()
	stopped := make(chan struct{})
	go func() {
		j.wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("export: jobs still stopping: %w", ctx.Err())
	}
}

// countTarget counts the bytes written through it.
type countTarget struct {
	Target
	n *atomic.Int64
}

func (c *countTarget) Create(name string) (io.WriteCloser, error) {
	w, err := c.Target.Create(name)
	if err != nil {
		return nil, err
	}
	return &countWriter{WriteCloser: w, n: c.n}, nil
}

type countWriter struct {
	io.WriteCloser
	n *atomic.Int64
}

func (w *countWriter) Write(p []byte) (int, error) {
	n, err := w.WriteCloser.Write(p)
	w.n.Add(int64(n))
	return n, err
}
