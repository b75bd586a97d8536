package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/linetap/linetap"
)

// StickFormat names the layout of StickRecord.
const StickFormat = "linetap-stick/1"

// StickRecordFile is what a stick's StickRecord file holds: per recorder
// (by key fingerprint), how far WatchUSB has exported to the stick.
type StickRecordFile struct {
	Format  string                  `json:"format"`
	Devices map[string]*StickDevice `json:"devices"`
}

// StickDevice is one recorder's exports to a stick.
type StickDevice struct {
	// ThroughID: every call up to this ID was exported to the stick (or
	// left out for damaged audio, which another try would not mend).
	ThroughID uint64 `json:"through_id"`
	// Exports are the last 50 exports WatchUSB made to the stick, oldest
	// first.
	Exports []StickExport `json:"exports"`
}

// StickExport is one export WatchUSB made to a stick.
type StickExport struct {
	Dir   string    `json:"dir"`
	Job   string    `json:"job"`
	State JobState  `json:"state"`
	Calls int       `json:"calls"`
	Ended time.Time `json:"ended"`
	Error string    `json:"error,omitempty"`
}

// keepStickExports is how many exports a StickDevice lists.
const keepStickExports = 50

// ReadStickRecord reads the StickRecord file at the top of the stick
// mounted at root; a stick without one has an empty record.
func ReadStickRecord(root string) (*StickRecordFile, error) {
	rec := &StickRecordFile{Format: StickFormat, Devices: map[string]*StickDevice{}}
	f, err := os.Open(filepath.Join(root, StickRecord))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return rec, fmt.Errorf("%w: %s: %w", ErrManifest, StickRecord, err)
	}
	defer f.Close()
	// A stick comes from anywhere: read no more than a record can be.
	b, err := io.ReadAll(io.LimitReader(f, maxStickRecord+1))
	if err != nil {
		return rec, fmt.Errorf("%w: %s: %w", ErrManifest, StickRecord, err)
	}
	return ParseStickRecord(b)
}

// maxStickRecord is the largest StickRecord file read: 50 exports of a
// few hundred bytes for each of many recorders.
const maxStickRecord = 1 << 20

// ParseStickRecord reads the content of a StickRecord file. An error
// wraps ErrManifest and says what is wrong; the record returned with it
// is empty.
func ParseStickRecord(b []byte) (*StickRecordFile, error) {
	rec := &StickRecordFile{}
	if len(b) > maxStickRecord {
		return &StickRecordFile{Format: StickFormat, Devices: map[string]*StickDevice{}}, fmt.Errorf("%w: %s: more than %d bytes", ErrManifest, StickRecord, maxStickRecord)
	}
	if err := json.Unmarshal(b, rec); err != nil {
		return &StickRecordFile{Format: StickFormat, Devices: map[string]*StickDevice{}}, fmt.Errorf("%w: %s: %w", ErrManifest, StickRecord, err)
	}
	if rec.Format != StickFormat {
		return &StickRecordFile{Format: StickFormat, Devices: map[string]*StickDevice{}}, fmt.Errorf("%w: %s: format %q, want %q", ErrManifest, StickRecord, rec.Format, StickFormat)
	}
	if rec.Devices == nil {
		rec.Devices = map[string]*StickDevice{}
	}
	for fp, d := range rec.Devices {
		if d == nil {
			delete(rec.Devices, fp)
		}
	}
	return rec, nil
}

// write replaces the record on the stick at root: a temporary file,
// synced, renamed over the old one.
func (rec *StickRecordFile) write(root string) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(root, "."+StickRecord+".tmp")
	// A stick comes from anywhere: never write through a link on it.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, filepath.Join(root, StickRecord))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(root)
}

// USB returns the stick an export would go to: JobsOptions.USBPath when
// set (present when it is a directory), else the first mount DetectUSB
// lists that is writable. When the only sticks are mounted read-only it
// returns present false and an error wrapping ErrNoUSB that names them.
func (j *Jobs) USB() (Mount, bool, error) { return j.usb() }

func (j *Jobs) usb() (Mount, bool, error) {
	ms, err := j.sticks()
	if err != nil {
		return Mount{}, false, err
	}
	var ro []string
	for _, m := range ms {
		if !m.ReadOnly {
			return m, true, nil
		}
		ro = append(ro, m.Path)
	}
	if len(ro) > 0 {
		return Mount{}, false, fmt.Errorf("%w: %s mounted read-only", ErrNoUSB, strings.Join(ro, ", "))
	}
	return Mount{}, false, nil
}

// sticks lists the mounted sticks: USBPath, or what DetectUSB finds.
func (j *Jobs) sticks() ([]Mount, error) {
	p := j.opt.USBPath
	if p == "" {
		ms, err := j.opt.DetectUSB()
		if err != nil {
			return nil, fmt.Errorf("export: looking for USB sticks: %w", err)
		}
		return ms, nil
	}
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %w", ErrNoUSB, p, err)
	case !st.IsDir():
		return nil, fmt.Errorf("%w: %s (USBPath) is not a directory", ErrNoUSB, p)
	}
	return []Mount{{Path: p}}, nil
}

// stickKey tells one mounting of a stick from the next: the mount ID
// changes when a stick is pulled and put back.
func stickKey(m Mount) string { return fmt.Sprintf("%d|%s|%s", m.ID, m.Device, m.Path) }

// CheckUSB looks once for a mounted, writable stick with a file named
// StickMarker at its top level that has not been exported to since it
// was mounted, and starts an export to it of every call this recorder
// has not yet exported there (by the stick's StickRecord). It returns
// the job and true when it started one. A stick is handled once per
// mounting, whether its export ends done or not; while another job runs
// it waits for the next check. WatchUSB calls it every interval.
func (j *Jobs) CheckUSB(ctx context.Context) (Job, bool, error) {
	ms, err := j.sticks()
	if err != nil {
		return Job{}, false, err
	}
	present := map[string]bool{}
	var marked []Mount
	for _, m := range ms {
		st, err := os.Stat(filepath.Join(m.Path, StickMarker))
		if err != nil || !st.Mode().IsRegular() || m.ReadOnly {
			continue
		}
		present[stickKey(m)] = true
		marked = append(marked, m)
	}
	j.mu.Lock()
	for k := range j.handled {
		if !present[k] {
			delete(j.handled, k) // pulled: the next mounting is a new one
		}
	}
	busy := false
	for _, r := range j.jobs {
		busy = busy || !r.job.State.ended()
	}
	j.mu.Unlock()
	for _, m := range marked {
		key := stickKey(m)
		j.mu.Lock()
		done := j.handled[key]
		j.mu.Unlock()
		if done {
			continue
		}
		if busy {
			return Job{}, false, nil
		}
		job, ok, err := j.exportToStick(ctx, m)
		if !errors.Is(err, ErrBusy) && !errors.Is(err, ErrSource) { // those: try again at the next check
			j.mu.Lock()
			j.handled[key] = true
			j.mu.Unlock()
		}
		return job, ok, err
	}
	return Job{}, false, nil
}

// exportToStick starts the export of the calls newer than the stick's
// record says it holds; false when there are none.
func (j *Jobs) exportToStick(ctx context.Context, m Mount) (Job, bool, error) {
	rec, err := ReadStickRecord(m.Path)
	if err != nil {
		// Start again from the first call: the stick gets calls twice
		// rather than not at all.
		j.log.Warn("export: stick record unreadable, exporting everything", "path", m.Path, "err", err)
	}
	var through uint64
	if d := rec.Devices[j.opt.Device.Fingerprint]; d != nil {
		through = d.ThroughID
	}
	newest, err := j.opt.Source.Calls(ctx, linetap.CallQuery{Limit: 1})
	if err != nil {
		return Job{}, false, fmt.Errorf("%w: %w", ErrSource, err)
	}
	if len(newest) == 0 || newest[0].ID <= through {
		j.log.Info("export: stick holds every call already", "path", m.Path, "through", through)
		return Job{}, false, nil
	}
	job, err := j.start(JobRequest{Filter: Filter{AfterID: through}, Target: TargetUSB, Who: "usb"}, &m, &stickJob{root: m.Path, rec: rec})
	if err != nil {
		return Job{}, false, fmt.Errorf("export to the stick at %s: %w", m.Path, err)
	}
	return job, true, nil
}

// WatchUSB calls CheckUSB every interval (≤ 0: 5 s) until ctx is done or
// Close is called: issue 4's "the daemon exports to a stick it finds
// mounted". Run it in a goroutine the caller owns. Errors are logged
// once each, not returned.
func (j *Jobs) WatchUSB(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := ""
	for {
		_, _, err := j.CheckUSB(ctx)
		switch {
		case err == nil:
			last = ""
		case err.Error() != last:
			last = err.Error()
			j.log.Warn("export: USB stick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-j.done:
			return
		case <-t.C:
		}
	}
}

// recordStick notes a WatchUSB export in the stick's record, as far as
// the stick still takes writes.
func (j *Jobs) recordStick(run *jobRun, m *Manifest, state JobState, jobErr error) {
	rec := run.stick.rec
	fp := j.opt.Device.Fingerprint
	d := rec.Devices[fp]
	if d == nil {
		d = &StickDevice{}
		rec.Devices[fp] = d
	}
	e := StickExport{Dir: filepath.Base(run.job.Path), Job: run.job.ID, State: state, Ended: j.opt.Now().UTC()}
	if m != nil {
		e.Calls = len(m.Calls)
	}
	if jobErr != nil {
		e.Error = jobErr.Error()
	}
	if state == JobDone && m != nil {
		d.ThroughID = throughID(d.ThroughID, m)
	}
	d.Exports = append(d.Exports, e)
	if n := len(d.Exports); n > keepStickExports {
		d.Exports = d.Exports[n-keepStickExports:]
	}
	if err := rec.write(run.stick.root); err != nil {
		j.log.Warn("export: stick record not written", "path", run.stick.root, "err", err)
	}
}

// throughID is the ID up to which every call is on the stick after
// export m: the highest selected, but below the first call that was
// still recording, so that it goes into the next export.
func throughID(prev uint64, m *Manifest) uint64 {
	w := prev
	for _, e := range m.Calls {
		w = max(w, e.Call.ID)
	}
	for _, s := range m.Skipped {
		w = max(w, s.ID)
	}
	for _, s := range m.Skipped {
		if s.Reason == ReasonRecording && s.ID > prev {
			w = min(w, s.ID-1)
		}
	}
	return w
}
