package export_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/storage/export"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// spec describes a call for newStore.
type spec struct {
	line    int
	number  string
	codec   string
	seconds float64
	state   linetap.CallState
}

// newStore makes a data directory holding the calls specs describes, the
// i-th starting at t0 + i hours, and returns it opened read-only.
func newStore(t *testing.T, specs ...spec) (string, *storage.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, sp := range specs {
		id, err := st.NewCallID()
		if err != nil {
			t.Fatal(err)
		}
		cd, err := codec.Lookup(sp.codec)
		if err != nil {
			t.Fatal(err)
		}
		start := t0.Add(time.Duration(i) * time.Hour)
		c := linetap.Call{
			ID: id, Line: sp.line, LineName: fmt.Sprintf("Line %d", sp.line+1), Direction: linetap.Inbound,
			State: sp.state, Trigger: linetap.TriggerHook, Start: start, AudioStart: start.Add(-time.Second),
			Rate: 8000, Codec: sp.codec, CallerID: linetap.CallerID{Number: sp.number, Name: "=HYPERLINK(\"x\")"},
		}
		if c.State == "" {
			c.State = linetap.StateComplete
		}
		h := sha256.New()
		var b linetap.Batch
		n := int(sp.seconds * 8000)
		for off, seq := 0, uint32(0); off < n; seq++ {
			k := min(8000, n-off)
			pcm := make([]int16, k)
			for j := range pcm {
				pcm[j] = int16(8000 * math.Sin(2*math.Pi*float64(400+100*i)*float64(off+j)/8000))
			}
			data := cd.Encode(nil, pcm)
			h.Write(data)
			b.Chunks = append(b.Chunks, linetap.Chunk{Call: id, Seq: seq, Offset: int64(off), Samples: k, Data: data})
			off += k
		}
		c.Samples = int64(n)
		c.SHA256 = hex.EncodeToString(h.Sum(nil))
		c.End = c.AudioStart.Add(c.AudioDuration())
		c.Duration = c.End.Sub(c.Start)
		b.Calls = append(b.Calls, c)
		if err := st.Commit(&b); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return dir, ro
}

// snapshot returns the SHA-256 of every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		sum := sha256.Sum256(b)
		m[p] = hex.EncodeToString(sum[:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// faultTarget passes writes to a real directory until budget bytes are
// spent, then fails with err. A pulled stick (pulled) also fails every
// later Create, Remove and Sync.
type faultTarget struct {
	export.Target
	budget int
	err    error
	pulled bool
	spent  bool
	// closeAt, when > 0, makes the Close (fsync) of the closeAt-th file
	// fail with err instead, as a write-back error shows up on a stick.
	closeAt int
	closed  int
}

func (f *faultTarget) Create(name string) (io.WriteCloser, error) {
	if f.pulled && f.spent {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	w, err := f.Target.Create(name)
	if err != nil {
		return nil, err
	}
	return &faultWriter{w: w, t: f, name: name}, nil
}

func (f *faultTarget) Remove(name string) error {
	if f.pulled && f.spent {
		return &fs.PathError{Op: "remove", Path: name, Err: f.err}
	}
	return f.Target.Remove(name)
}

func (f *faultTarget) Sync() error {
	if f.pulled && f.spent {
		return &fs.PathError{Op: "sync", Path: ".", Err: f.err}
	}
	return f.Target.Sync()
}

type faultWriter struct {
	w    io.WriteCloser
	t    *faultTarget
	name string
}

func (w *faultWriter) Write(p []byte) (int, error) {
	if len(p) > w.t.budget {
		n, _ := w.w.Write(p[:w.t.budget])
		w.t.budget = 0
		w.t.spent = true
		return n, &fs.PathError{Op: "write", Path: w.name, Err: w.t.err}
	}
	w.t.budget -= len(p)
	return w.w.Write(p)
}

func (w *faultWriter) Close() error {
	err := w.w.Close()
	if w.t.closed++; w.t.closed == w.t.closeAt {
		w.t.spent = true
		return &fs.PathError{Op: "fsync", Path: w.name, Err: w.t.err}
	}
	return err
}
