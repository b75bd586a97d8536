package storage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
)

// open opens a store in a fresh directory and, when the test ends, closes
// it and checks the database.
func open(t testing.TB, opt storage.Options) (*storage.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storage.Open(dir, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
		checkDir(t, dir)
	})
	return s, dir
}

// checkDir opens dir read-only and checks that every record's chunks
// exist, are contiguous, hash to its SHA256 and decode to its Samples, and
// that no chunk is outside a record.
func checkDir(t testing.TB, dir string) {
	t.Helper()
	s, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Errorf("consistency check: Open: %v", err)
		return
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Errorf("consistency check: %v", err)
	}
	calls, err := s.Calls(linetap.CallQuery{Limit: 1 << 30})
	if err != nil {
		t.Errorf("consistency check: Calls: %v", err)
	}
	for _, c := range calls {
		pcm, err := s.PCM(c.ID)
		if err != nil {
			t.Errorf("consistency check: PCM(%d): %v", c.ID, err)
		} else if int64(len(pcm)) != c.Samples {
			t.Errorf("consistency check: call %d: PCM has %d samples, record %d", c.ID, len(pcm), c.Samples)
		}
	}
}

// callGen builds the chunks and records of one call as the engine would.
type callGen struct {
	call linetap.Call
	cd   codec.Codec
	h    hash.Hash
	seq  uint32
	pcm  []int16 // what PCM must return
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func newCall(t testing.TB, s *storage.Store, line int, codecName string) *callGen {
	t.Helper()
	id, err := s.NewCallID()
	if err != nil {
		t.Fatalf("NewCallID: %v", err)
	}
	cd, err := codec.Lookup(codecName)
	if err != nil {
		t.Fatal(err)
	}
	start := t0.Add(time.Duration(id) * time.Minute)
	return &callGen{
		call: linetap.Call{
			ID: id, Line: line, LineName: "line", Direction: linetap.Inbound,
			State: linetap.StateRecording, Trigger: linetap.TriggerHook,
			Start: start, AudioStart: start.Add(-time.Second), Rate: 8000, Codec: codecName,
			SHA256: hex.EncodeToString(sha256.New().Sum(nil)),
		},
		cd: cd, h: sha256.New(),
	}
}

// chunk encodes pcm as the call's next chunk and updates the record.
func (g *callGen) chunk(pcm []int16) linetap.Chunk {
	data := g.cd.Encode(nil, pcm)
	c := linetap.Chunk{Call: g.call.ID, Seq: g.seq, Offset: g.call.Samples, Samples: len(pcm), Data: data}
	g.seq++
	g.call.Samples += int64(len(pcm))
	g.h.Write(data)
	g.call.SHA256 = hex.EncodeToString(g.h.Sum(nil))
	back, _ := g.cd.Decode(nil, data)
	g.pcm = append(g.pcm, back...)
	return c
}

func (g *callGen) finish() {
	g.call.State = linetap.StateComplete
	g.call.EndReason = linetap.EndNearHangUp
	g.call.End = g.call.AudioStart.Add(g.call.AudioDuration())
	g.call.Duration = g.call.End.Sub(g.call.Start)
}

// noise returns n random samples.
func noise(r *rand.Rand, n int) []int16 {
	p := make([]int16, n)
	for i := range p {
		p[i] = int16(r.IntN(1<<16) - 1<<15)
	}
	return p
}

// snapshot returns every file under dir with its contents.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameFiles(t testing.TB, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s was removed", p)
		} else if a != b {
			t.Errorf("%s was modified", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}

func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "audio-*.db"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
