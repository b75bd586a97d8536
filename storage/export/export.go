package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp"
)

// Format names the layout of an export in manifest.json.
const Format = "linetap-export/1"

// Names of the files every export has.
const (
	ManifestJSON = "manifest.json"
	ManifestCSV  = "manifest.csv"
	Readme       = "README.txt"
	Sums         = "SHA256SUMS"
	SumsSig      = "SHA256SUMS.sig"
	ManifestSig  = "manifest.json.sig"
	Marker       = ".incomplete"
)

// Source is what an export reads: the daemon over its socket, or a store
// opened directly (see StoreSource).
type Source interface {
	// Calls returns the calls q selects, newest first, like storage.Store.
	Calls(ctx context.Context, q linetap.CallQuery) ([]linetap.Call, error)
	// WAV writes call id's audio to w as a 16-bit mono PCM WAV file.
	WAV(ctx context.Context, id uint64, w io.Writer) error
}

// Filter selects the calls to export. Zero fields select everything.
type Filter struct {
	// From and To bound the calls' Start: From ≤ Start < To.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Line, when non-nil, selects one line (0-based).
	Line *int `json:"line,omitempty"`
	// Number selects calls whose caller ID number or dialled digits
	// contain it.
	Number string `json:"number,omitempty"`
	// AfterID, when non-zero, selects only calls with a higher ID: those
	// a stick's earlier exports do not hold (see Jobs.WatchUSB).
	AfterID uint64 `json:"after_id,omitempty"`
}

// match reports whether c passes the time and ID bounds (the source
// applies the rest).
func (f *Filter) match(c *linetap.Call) bool {
	return (f.From.IsZero() || !c.Start.Before(f.From)) && (f.To.IsZero() || c.Start.Before(f.To)) && c.ID > f.AfterID
}

// Progress is reported after each call is written.
type Progress struct {
	Done  int    // calls written so far
	Total int    // calls to write
	Bytes int64  // bytes written so far
	File  string // the file just written
}

// Options tune Export.
type Options struct {
	Filter Filter
	// Key signs the export (see LoadOrCreateKey); required.
	Key ed25519.PrivateKey
	// Progress, when set, is called after each call's file is written.
	Progress func(Progress)
	// Selected, when set, is called once the calls are chosen, with their
	// number, before anything is written.
	Selected func(calls int)
	// Now stamps the manifest (nil: time.Now).
	Now func() time.Time
}

// Manifest is the content of manifest.json.
type Manifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	Device  Device    `json:"device"`
	Filter  Filter    `json:"filter"`
	Calls   []Entry   `json:"calls"`
	Skipped []Skip    `json:"skipped,omitempty"`
}

// Device identifies the key that signed an export.
type Device struct {
	// PublicKey is the name of the public key file in the export.
	PublicKey string `json:"public_key"`
	// Fingerprint is the key's Fingerprint.
	Fingerprint string `json:"fingerprint"`
}

// Entry is one exported call.
type Entry struct {
	File   string       `json:"file"`
	SHA256 string       `json:"sha256"` // of the WAV file
	Bytes  int64        `json:"bytes"`
	Call   linetap.Call `json:"call"` // Call.SHA256 is the stored, encoded audio's
}

// Skip is a selected call that was not exported, and why.
type Skip struct {
	ID     uint64 `json:"id"`
	Reason string `json:"reason"`
}

// ReasonRecording is the Skip reason of a call still being recorded.
const ReasonRecording = "still recording"

// Skippable marks a Source error that concerns one call only (its audio
// is damaged or gone): Export lists the call as skipped and goes on. Any
// other Source error stops the export.
type Skippable struct{ Err error }

func (e *Skippable) Error() string { return e.Err.Error() }
func (e *Skippable) Unwrap() error { return e.Err }

// exporter is one Export in progress.
type exporter struct {
	dst   Target
	opt   Options
	sums  bytes.Buffer // SHA256SUMS
	bytes int64
}

// Export writes the calls opt.Filter selects from src into dst, oldest
// first, with the manifest, checksums, signatures and README (see the
// package documentation). On error the export stays marked incomplete;
// the error wraps ErrWrite (and the system error, e.g. syscall.ENOSPC or
// syscall.EIO) for a failed write, ErrSource for a failed read.
func Export(ctx context.Context, src Source, dst Target, opt Options) (*Manifest, error) {
	if len(opt.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: no signing key (Options.Key)", ErrKey)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	pub := opt.Key.Public().(ed25519.PublicKey)
	m := &Manifest{
		Format:  Format,
		Created: opt.Now().UTC(),
		Device:  Device{PublicKey: PubFile, Fingerprint: Fingerprint(pub)},
		Filter:  opt.Filter,
		Calls:   []Entry{},
	}
	calls, err := selectCalls(ctx, src, opt.Filter)
	if err != nil {
		return nil, err
	}
	if opt.Selected != nil {
		opt.Selected(len(calls))
	}
	e := &exporter{dst: dst, opt: opt}
	marker := fmt.Sprintf("linetap export started %s: not finished.\nIf this file is still here, the export failed part-way: do not rely on it.\n", m.Created.Format(time.RFC3339))
	if err := e.write(Marker, []byte(marker), false); err != nil {
		return nil, err
	}
	if err := e.sync(); err != nil {
		return nil, err
	}
	for i := range calls {
		c := &calls[i]
		if err := ctx.Err(); err != nil {
			return m, fmt.Errorf("export: stopped after %d of %d calls: %w", i, len(calls), err)
		}
		if c.State == linetap.StateRecording {
			m.Skipped = append(m.Skipped, Skip{ID: c.ID, Reason: ReasonRecording})
			continue
		}
		ent, err := e.call(ctx, src, c)
		var sk *Skippable
		if errors.As(err, &sk) {
			m.Skipped = append(m.Skipped, Skip{ID: c.ID, Reason: sk.Error()})
			continue
		}
		if err != nil {
			return m, err
		}
		m.Calls = append(m.Calls, ent)
		if opt.Progress != nil {
			opt.Progress(Progress{Done: len(m.Calls), Total: len(calls), Bytes: e.bytes, File: ent.File})
		}
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, fmt.Errorf("export: manifest: %w", err)
	}
	mj = append(mj, '\n')
	files := []struct {
		name string
		data []byte
	}{
		{ManifestJSON, mj},
		{ManifestCSV, manifestCSV(m)},
		{Readme, readme(m)},
		{PubFile, PublicPEM(pub)},
	}
	for _, f := range files {
		if err := e.write(f.name, f.data, true); err != nil {
			return m, err
		}
	}
	sums := e.sums.Bytes()
	if err := e.write(Sums, sums, false); err != nil {
		return m, err
	}
	// RFC 8032 PureEd25519 over the files' bytes, what openssl pkeyutl
	// -rawin verifies.
	if err := e.write(SumsSig, ed25519.Sign(opt.Key, sums), false); err != nil {
		return m, err
	}
	if err := e.write(ManifestSig, ed25519.Sign(opt.Key, mj), false); err != nil {
		return m, err
	}
	if err := e.sync(); err != nil {
		return m, err
	}
	if err := dst.Remove(Marker); err != nil {
		return m, writeErr(Marker, err)
	}
	if err := e.sync(); err != nil {
		return m, err
	}
	return m, nil
}

// selectCalls pages through src and returns the calls f selects, oldest
// first.
func selectCalls(ctx context.Context, src Source, f Filter) ([]linetap.Call, error) {
	q := linetap.CallQuery{Limit: 500, Line: f.Line, Number: f.Number}
	var out []linetap.Call
	for {
		page, err := src.Calls(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSource, err)
		}
		for i := range page {
			if q.Before != 0 && page[i].ID >= q.Before {
				return nil, fmt.Errorf("%w: call %d returned after call %d: the source does not page by ID", ErrSource, page[i].ID, q.Before)
			}
			if f.match(&page[i]) {
				out = append(out, page[i])
			}
		}
		if len(page) < q.Limit || page[len(page)-1].ID <= f.AfterID {
			break // the rest is older than AfterID
		}
		q.Before = page[len(page)-1].ID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// call writes one call's WAV file and returns its entry.
func (e *exporter) call(ctx context.Context, src Source, c *linetap.Call) (Entry, error) {
	if c.Rate != dsp.Rate {
		return Entry{}, &Skippable{fmt.Errorf("call %d: recorded at %d Hz, exports are %d Hz", c.ID, c.Rate, dsp.Rate)}
	}
	var buf bytes.Buffer
	if err := src.WAV(ctx, c.ID, &buf); err != nil {
		var sk *Skippable
		if errors.As(err, &sk) {
			return Entry{}, err
		}
		return Entry{}, fmt.Errorf("%w: call %d audio: %w", ErrSource, c.ID, err)
	}
	if err := checkWAV(buf.Bytes(), c); err != nil {
		return Entry{}, fmt.Errorf("%w: call %d audio: %w", ErrSource, c.ID, err)
	}
	name := fmt.Sprintf("audio/call-%06d.wav", c.ID)
	if err := e.write(name, buf.Bytes(), true); err != nil {
		return Entry{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return Entry{File: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(buf.Len()), Call: *c}, nil
}

// checkWAV makes sure b is an 8 kHz 16-bit mono PCM WAV file holding
// exactly c's samples.
func checkWAV(b []byte, c *linetap.Call) error {
	d := wav.NewDecoder(bytes.NewReader(b))
	if !d.IsValidFile() {
		return errors.New("not a valid WAV file")
	}
	// WAVE format tag 1 is integer PCM (Microsoft RIFF, WAVE_FORMAT_PCM).
	if d.WavAudioFormat != 1 || d.NumChans != 1 || d.BitDepth != 16 || int(d.SampleRate) != c.Rate {
		return fmt.Errorf("WAV is format %d, %d channels, %d bits, %d Hz; want PCM, mono, 16 bits, %d Hz", d.WavAudioFormat, d.NumChans, d.BitDepth, d.SampleRate, c.Rate)
	}
	if err := d.FwdToPCM(); err != nil {
		return fmt.Errorf("WAV: %w", err)
	}
	if int64(d.PCMSize) != 2*c.Samples {
		return fmt.Errorf("WAV holds %d bytes of samples, the call has %d samples", d.PCMSize, c.Samples)
	}
	return nil
}

// write creates name with data; listed adds it to SHA256SUMS.
func (e *exporter) write(name string, data []byte, listed bool) error {
	w, err := e.dst.Create(name)
	if err != nil {
		return writeErr(name, err)
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return writeErr(name, err)
	}
	e.bytes += int64(len(data))
	if listed {
		sum := sha256.Sum256(data)
		// GNU coreutils sha256sum format: digest, two spaces, name.
		fmt.Fprintf(&e.sums, "%x  %s\n", sum, name)
	}
	return nil
}

func (e *exporter) sync() error {
	if err := e.dst.Sync(); err != nil {
		return writeErr("directory", err)
	}
	return nil
}

// writeErr explains a failed write: full or gone.
func writeErr(name string, err error) error {
	hint := ""
	switch {
	case errors.Is(err, syscall.ENOSPC):
		hint = " (the target is full)"
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		hint = " (I/O error: was the stick removed?)"
	case errors.Is(err, syscall.EROFS):
		hint = " (the target is read-only)"
	}
	return fmt.Errorf("%w: %s%s: %w; the export is incomplete", ErrWrite, name, hint, err)
}

// csvHeader names the columns of manifest.csv.
var csvHeader = []string{
	"id", "file", "sha256", "bytes", "line", "line_name", "direction", "state", "end_reason",
	"start", "answer", "end", "duration_s", "audio_start", "samples", "rate", "codec",
	"caller_number", "caller_name", "number_absence", "dialled", "dtmf", "stored_sha256",
}

// manifestCSV renders m's calls as CSV (RFC 4180).
func manifestCSV(m *Manifest) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(csvHeader)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	for _, e := range m.Calls {
		c := &e.Call
		row := []string{
			strconv.FormatUint(c.ID, 10), e.File, e.SHA256, strconv.FormatInt(e.Bytes, 10),
			strconv.Itoa(c.Line), c.LineName, string(c.Direction), string(c.State), string(c.EndReason),
			ts(c.Start), ts(c.Answer), ts(c.End), strconv.FormatFloat(c.Duration.Seconds(), 'f', 3, 64),
			ts(c.AudioStart), strconv.FormatInt(c.Samples, 10), strconv.Itoa(c.Rate), c.Codec,
			c.CallerID.Number, c.CallerID.Name, c.CallerID.NumberAbsence, c.Dialled, c.DTMF, c.SHA256,
		}
		for i := range row {
			row[i] = cell(row[i])
		}
		w.Write(row)
	}
	w.Flush() // writes to a bytes.Buffer: cannot fail
	return b.Bytes()
}

// cell keeps a spreadsheet from running a caller-ID name as a formula
// (OWASP CSV injection): text starting with = + - @ tab or CR gets a
// leading apostrophe, "+49…" numbers included (no numeric column is
// ever negative). manifest.json has the values unchanged.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
