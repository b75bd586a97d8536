package export_test

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
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/storage/export"
)

// testKey is a fixed signing key.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

func opts() export.Options {
	return export.Options{Key: testKey, Now: func() time.Time { return t0.Add(24 * time.Hour) }}
}

// exportTo exports src into a fresh directory and returns its path.
func exportTo(t *testing.T, src export.Source, opt export.Options) (string, *export.Manifest) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "export")
	d, err := export.OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := export.Export(context.Background(), src, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

func TestExportFromStore(t *testing.T) {
	_, st := newStore(t,
		spec{line: 0, number: "6095551212", codec: "pcmu", seconds: 2.5},
		spec{line: 1, number: "0201234567", codec: "adpcm", seconds: 1},
		spec{line: 0, number: "6095550000", codec: "l16", seconds: 0.3},
		spec{line: 2, codec: "pcma", seconds: 1, state: linetap.StateRecording},
	)
	var seen []export.Progress
	opt := opts()
	opt.Progress = func(p export.Progress) { seen = append(seen, p) }
	out, m := exportTo(t, export.StoreSource(st), opt)

	if len(m.Calls) != 3 || len(m.Skipped) != 1 || m.Skipped[0].ID != 4 || m.Skipped[0].Reason != "still recording" {
		t.Fatalf("calls %d, skipped %+v", len(m.Calls), m.Skipped)
	}
	if len(seen) != 3 || seen[2].Done != 3 || seen[2].Total != 4 || seen[2].File != "audio/call-000003.wav" || seen[2].Bytes <= seen[0].Bytes {
		t.Fatalf("progress %+v", seen)
	}
	// Oldest first; every file is the stored audio as 8 kHz 16-bit WAV.
	for i, e := range m.Calls {
		if e.Call.ID != uint64(i+1) || e.File != fmt.Sprintf("audio/call-%06d.wav", i+1) {
			t.Fatalf("entry %d: call %d, file %s", i, e.Call.ID, e.File)
		}
		b, err := os.ReadFile(filepath.Join(out, e.File))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != e.SHA256 || int64(len(b)) != e.Bytes {
			t.Fatalf("%s: manifest hash or size wrong", e.File)
		}
		d := wav.NewDecoder(bytes.NewReader(b))
		buf, err := d.FullPCMBuffer()
		if err != nil || d.SampleRate != 8000 || d.BitDepth != 16 || d.NumChans != 1 {
			t.Fatalf("%s: %v %d Hz %d bits %d channels", e.File, err, d.SampleRate, d.BitDepth, d.NumChans)
		}
		want, err := st.PCM(e.Call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(buf.Data) != len(want) {
			t.Fatalf("%s: %d samples, store has %d", e.File, len(buf.Data), len(want))
		}
		for j := range want {
			if buf.Data[j] != int(want[j]) {
				t.Fatalf("%s: sample %d is %d, store has %d", e.File, j, buf.Data[j], want[j])
			}
		}
	}
	rep, err := export.Verify(out)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if rep.Calls != 3 || rep.Files != 7 || rep.Fingerprint != export.Fingerprint(testKey.Public().(ed25519.PublicKey)) || !rep.Created.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("report %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(out, export.Marker)); !os.IsNotExist(err) {
		t.Fatalf("marker left behind: %v", err)
	}
	readme, _ := os.ReadFile(filepath.Join(out, export.Readme))
	for _, want := range []string{"sha256sum -c SHA256SUMS", "openssl pkeyutl -verify -pubin -inkey device.pub.pem -rawin", rep.Fingerprint, "call 4: still recording"} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.txt lacks %q", want)
		}
	}
}

func TestManifestCSV(t *testing.T) {
	_, st := newStore(t, spec{line: 1, number: "+4930123", codec: "pcmu", seconds: 0.5})
	out, m := exportTo(t, export.StoreSource(st), opts())
	f, err := os.Open(filepath.Join(out, export.ManifestCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	e := m.Calls[0]
	want := map[string]string{
		"id": "1", "file": e.File, "sha256": e.SHA256, "line": "1", "samples": "4000", "codec": "pcmu",
		"caller_number": "'+4930123", "caller_name": `'=HYPERLINK("x")`, "start": "2026-03-02T09:00:00Z",
		"stored_sha256": e.Call.SHA256, "direction": "inbound",
	}
	for k, v := range want {
		if col[k] != v {
			t.Errorf("column %s = %q, want %q", k, col[k], v)
		}
	}
	// The JSON manifest keeps the values as they are.
	var mj export.Manifest
	b, _ := os.ReadFile(filepath.Join(out, export.ManifestJSON))
	if err := json.Unmarshal(b, &mj); err != nil || mj.Calls[0].Call.CallerID.Name != `=HYPERLINK("x")` || mj.Format != export.Format {
		t.Fatalf("manifest.json: %v %+v", err, mj)
	}
}

func TestFilter(t *testing.T) {
	_, st := newStore(t,
		spec{line: 0, number: "111", codec: "pcmu", seconds: 0.1},  // 09:00
		spec{line: 1, number: "222", codec: "pcmu", seconds: 0.1},  // 10:00
		spec{line: 0, number: "1234", codec: "pcmu", seconds: 0.1}, // 11:00
		spec{line: 1, number: "333", codec: "pcmu", seconds: 0.1},  // 12:00
	)
	one := 1
	tests := []struct {
		name string
		f    export.Filter
		want []uint64
	}{
		{"all", export.Filter{}, []uint64{1, 2, 3, 4}},
		{"from", export.Filter{From: t0.Add(time.Hour)}, []uint64{2, 3, 4}},
		{"to is exclusive", export.Filter{To: t0.Add(2 * time.Hour)}, []uint64{1, 2}},
		{"range", export.Filter{From: t0.Add(30 * time.Minute), To: t0.Add(150 * time.Minute)}, []uint64{2, 3}},
		{"line", export.Filter{Line: &one}, []uint64{2, 4}},
		{"number", export.Filter{Number: "1"}, []uint64{1, 3}},
		{"none", export.Filter{From: t0.Add(100 * time.Hour)}, nil},
		{"after ID", export.Filter{AfterID: 2}, []uint64{3, 4}},
		{"after ID and line", export.Filter{AfterID: 2, Line: &one}, []uint64{4}},
		{"after the last ID", export.Filter{AfterID: 4}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := opts()
			opt.Filter = tc.f
			out, m := exportTo(t, export.StoreSource(st), opt)
			var got []uint64
			for _, e := range m.Calls {
				got = append(got, e.Call.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("exported %v, want %v", got, tc.want)
			}
			if _, err := export.Verify(out); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// fakeSource serves calls from memory, with WAV bytes or an error per call.
type fakeSource struct {
	calls   []linetap.Call // newest first
	wav     map[uint64][]byte
	err     map[uint64]error
	listErr error
}

func (f *fakeSource) Calls(_ context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []linetap.Call
	for _, c := range f.calls {
		if (q.Before == 0 || c.ID < q.Before) && len(out) < q.Limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeSource) WAV(_ context.Context, id uint64, w io.Writer) error {
	if err := f.err[id]; err != nil {
		return err
	}
	_, err := w.Write(f.wav[id])
	return err
}

// wavBytes is a WAV file of n silent samples at rate.
func wavBytes(t *testing.T, n, rate int) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.wav")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.WriteWAV(f, make([]int16, n), rate); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSourceProblems(t *testing.T) {
	call := func(id uint64, samples int64) linetap.Call {
		return linetap.Call{ID: id, Rate: 8000, Samples: samples, State: linetap.StateComplete, Start: t0, Codec: "pcmu"}
	}
	tests := []struct {
		name    string
		src     *fakeSource
		wantErr error  // the export fails with this
		want    string // in the error, or in the skip reason
	}{
		{"listing fails", &fakeSource{listErr: errors.New("socket closed")}, export.ErrSource, "socket closed"},
		{"audio fails", &fakeSource{calls: []linetap.Call{call(1, 10)}, err: map[uint64]error{1: errors.New("linetapd: 500")}}, export.ErrSource, "call 1 audio: linetapd: 500"},
		{"not a WAV", &fakeSource{calls: []linetap.Call{call(1, 10)}, wav: map[uint64][]byte{1: []byte("hello")}}, export.ErrSource, "not a valid WAV"},
		{"wrong rate", &fakeSource{calls: []linetap.Call{call(1, 10)}, wav: map[uint64][]byte{1: wavBytes(t, 10, 16000)}}, export.ErrSource, "16000 Hz"},
		{"wrong length", &fakeSource{calls: []linetap.Call{call(1, 10)}, wav: map[uint64][]byte{1: wavBytes(t, 9, 8000)}}, export.ErrSource, "18 bytes of samples, the call has 10 samples"},
		{"damaged call is skipped", &fakeSource{calls: []linetap.Call{call(2, 10), call(1, 10)}, wav: map[uint64][]byte{2: wavBytes(t, 10, 8000)},
			err: map[uint64]error{1: &export.Skippable{Err: fmt.Errorf("stored audio fails its check: %w", storage.ErrCorrupt)}}}, nil, "stored audio fails its check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "export")
			d, err := export.OpenDir(out)
			if err != nil {
				t.Fatal(err)
			}
			m, err := export.Export(context.Background(), tc.src, d, opts())
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Calls) != 1 || len(m.Skipped) != 1 || !strings.Contains(m.Skipped[0].Reason, tc.want) {
					t.Fatalf("calls %d, skipped %+v", len(m.Calls), m.Skipped)
				}
				if _, err := export.Verify(out); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %v with %q", err, tc.wantErr, tc.want)
			}
		})
	}
}

func TestOpenDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := export.OpenDir(dir); !errors.Is(err, export.ErrNotEmpty) || !strings.Contains(err.Error(), "old.txt") {
		t.Fatalf("OpenDir(non-empty) error %v", err)
	}
	d, err := export.OpenDir(filepath.Join(dir, "new", "deeper"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../escape", "/abs", "a/../../b", `a\b`} {
		if _, err := d.Create(bad); err == nil {
			t.Errorf("Create(%q) succeeded", bad)
		}
	}
	if _, err := export.Export(context.Background(), &fakeSource{}, d, export.Options{}); !errors.Is(err, export.ErrKey) {
		t.Fatalf("Export without a key: %v", err)
	}
}

func TestCancel(t *testing.T) {
	_, st := newStore(t, spec{codec: "pcmu", seconds: 0.1}, spec{codec: "pcmu", seconds: 0.1})
	ctx, cancel := context.WithCancel(context.Background())
	opt := opts()
	opt.Progress = func(export.Progress) { cancel() }
	out := filepath.Join(t.TempDir(), "export")
	d, err := export.OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := export.Export(ctx, export.StoreSource(st), d, opt); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "after 1 of 2 calls") {
		t.Fatalf("error %v", err)
	}
	if _, err := export.Verify(out); !errors.Is(err, export.ErrIncomplete) {
		t.Fatalf("Verify: %v", err)
	}
}

// TestWriteFaults fills up or pulls out the stick at every stage of an
// export: the error says so, the export stays marked incomplete, Verify
// reports it, and the data directory is untouched.
func TestWriteFaults(t *testing.T) {
	dataDir, st := newStore(t,
		spec{line: 0, number: "1", codec: "pcmu", seconds: 1},
		spec{line: 1, number: "2", codec: "adpcm", seconds: 1},
	)
	before := snapshot(t, dataDir)
	// A full export is about 2 × 16 kB of WAV plus a few kB of the rest.
	tests := []struct {
		name    string
		budget  int
		err     syscall.Errno
		pulled  bool
		hint    string
		closeAt int
	}{
		{"fsync of the marker fails", 1 << 30, syscall.EIO, false, "removed", 1},
		{"fsync of the second WAV fails", 1 << 30, syscall.EIO, false, "removed", 3},
		{"fsync of the signature fails", 1 << 30, syscall.ENOSPC, false, "full", 9},
		{"full in the first WAV", 200, syscall.ENOSPC, false, "full", 0},
		{"full in the second WAV", 20000, syscall.ENOSPC, false, "full", 0},
		{"full in the manifest", 32300, syscall.ENOSPC, false, "full", 0},
		{"full at the end", 35500, syscall.ENOSPC, false, "full", 0},
		{"pulled before anything", 0, syscall.EIO, true, "removed", 0},
		{"pulled in the first WAV", 1000, syscall.EIO, true, "removed", 0},
		{"pulled in the manifest", 32300, syscall.EIO, true, "removed", 0},
		{"pulled at the end", 35500, syscall.EIO, true, "removed", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "export")
			d, err := export.OpenDir(out)
			if err != nil {
				t.Fatal(err)
			}
			ft := &faultTarget{Target: d, budget: tc.budget, err: tc.err, pulled: tc.pulled, closeAt: tc.closeAt}
			_, err = export.Export(context.Background(), export.StoreSource(st), ft, opts())
			if !ft.spent {
				t.Fatalf("budget %d never ran out: the export is smaller than the test assumes", tc.budget)
			}
			if !errors.Is(err, export.ErrWrite) || !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.hint) || !strings.Contains(err.Error(), "incomplete") {
				t.Fatalf("error %v, want ErrWrite and %v saying %q", err, tc.err, tc.hint)
			}
			rep, verr := export.Verify(out)
			if !errors.Is(verr, export.ErrIncomplete) || rep.Problems[0].File != export.Marker {
				t.Fatalf("Verify: %v", verr)
			}
		})
	}
	after := snapshot(t, dataDir)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("the data directory changed:\nbefore %v\nafter  %v", before, after)
	}
}

func TestExportSize(t *testing.T) {
	// Keeps TestWriteFaults honest: its budgets fall in the stages named.
	_, st := newStore(t,
		spec{line: 0, number: "1", codec: "pcmu", seconds: 1},
		spec{line: 1, number: "2", codec: "adpcm", seconds: 1},
	)
	out, m := exportTo(t, export.StoreSource(st), opts())
	if m.Calls[0].Bytes > 20000 || m.Calls[0].Bytes+m.Calls[1].Bytes > 32300 {
		t.Fatalf("WAV sizes %d, %d", m.Calls[0].Bytes, m.Calls[1].Bytes)
	}
	var total int64
	for _, name := range []string{export.ManifestJSON, export.ManifestCSV, export.Readme, export.PubFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if all := m.Calls[0].Bytes + m.Calls[1].Bytes + total; all < 35500 {
		t.Fatalf("everything but SHA256SUMS is %d bytes: 35500 does not reach the end", all)
	}
}
