package storage_test

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// The fixture testdata/v2store was made by the previous layout (batch
// buckets of at most four chunks under their own keys, 4 KiB pages; the
// tree at 5afca1d): six lines (adpcm, pcmu, pcma), two rounds of six
// calls of six half-second chunks, 64 KiB segments, closed cleanly.
// pcm-sha256.json holds the SHA-256 of each call's decoded audio
// (int16, little-endian).

// fixtureDir unpacks testdata/v2store into a fresh directory.
func fixtureDir(t *testing.T) (dir string, want map[uint64]string) {
	t.Helper()
	src := filepath.Join("testdata", "v2store")
	dir = filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	gz, err := filepath.Glob(filepath.Join(src, "*.db.gz"))
	if err != nil || len(gz) != 4 {
		t.Fatalf("fixture %s: %d files (%v), want index.db and three segments", src, len(gz), err)
	}
	for _, p := range gz {
		unzip(t, p, filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".gz")))
	}
	b, err := os.ReadFile(filepath.Join(src, "pcm-sha256.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want = map[uint64]string{}
	for k, v := range m {
		id, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = v
	}
	return dir, want
}

func unzip(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pcmSum returns the SHA-256 of pcm as int16 little-endian.
func pcmSum(pcm []int16) string {
	h := sha256.New()
	_ = binary.Write(h, binary.LittleEndian, pcm)
	return hex.EncodeToString(h.Sum(nil))
}

// pageSize reads the page size from a bbolt file's first meta page.
func pageSize(t *testing.T, path string) uint32 {
	t.Helper()
	b := make([]byte, 32)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint32(b[16+8:]) // after the page header, magic and version
}

// checkAudio checks that every call in want exists with that audio and
// that VerifyAll finds nothing wrong.
func checkAudio(t *testing.T, s *storage.Store, want map[uint64]string) {
	t.Helper()
	for id, sum := range want {
		pcm, err := s.PCM(id)
		if err != nil {
			t.Errorf("PCM(%d): %v", id, err)
		} else if got := pcmSum(pcm); got != sum {
			t.Errorf("call %d: PCM hashes to %s, want %s", id, got, sum)
		}
	}
	rep, err := s.VerifyAll()
	if err != nil || !rep.OK() {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestOldLayoutStore opens a store written by the previous layout, reads
// it, records into it (packed batches in its 4 KiB-page segment, then a
// new segment with smaller pages), deletes calls from both layouts, and
// checks everything after each step.
func TestOldLayoutStore(t *testing.T) {
	dir, want := fixtureDir(t)
	if len(want) != 12 {
		t.Fatalf("fixture lists %d calls, want 12", len(want))
	}
	old := segmentFiles(t, dir)
	for _, p := range old {
		if ps := pageSize(t, p); ps != 4096 {
			t.Fatalf("%s: page size %d, want the old 4096", p, ps)
		}
	}

	t.Run("read-only", func(t *testing.T) {
		s, err := storage.Open(dir, storage.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkAudio(t, s, want)
	})

	s, err := storage.Open(dir, storage.Options{SegmentSize: 64 << 10, FlushInterval: -1, Retention: storage.Retention{Every: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if rec := s.Recovered(); len(rec) != 0 {
		t.Errorf("Recovered %v from a store closed cleanly", rec)
	}
	t.Run("read-write", func(t *testing.T) { checkAudio(t, s, want) })

	// Record on three lines until a new segment has been started.
	r := rand.New(rand.NewPCG(9, 9))
	gens := []*callGen{newCall(t, s, 0, "adpcm"), newCall(t, s, 1, "pcmu"), newCall(t, s, 2, "l16")}
	for i := 0; len(segmentFiles(t, dir)) == len(old); i++ {
		if i == 200 {
			t.Fatalf("no new segment after %d batches", i)
		}
		var b linetap.Batch
		for _, g := range gens {
			b.Chunks = append(b.Chunks, g.chunk(noise(r, 1000)))
			b.Calls = append(b.Calls, g.call)
		}
		if err := s.Commit(&b); err != nil {
			t.Fatal(err)
		}
	}
	var b linetap.Batch
	for _, g := range gens {
		g.finish()
		b.Chunks = append(b.Chunks, g.chunk(noise(r, 1000)))
		b.Calls = append(b.Calls, g.call)
	}
	if err := s.Commit(&b); err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		want[g.call.ID] = pcmSum(g.pcm)
	}
	segs := segmentFiles(t, dir)
	if ps := pageSize(t, segs[len(segs)-1]); ps != storage.SegmentPageSize {
		t.Errorf("new segment %s: page size %d, want %d", segs[len(segs)-1], ps, storage.SegmentPageSize)
	}
	t.Run("after recording", func(t *testing.T) { checkAudio(t, s, want) })

	// Call 2 shares its old batch buckets with calls 1 and 3 to 6; the
	// new pcmu call shares packed batches with the other two.
	del := []uint64{2, gens[1].call.ID}
	got, err := s.Delete(del, "test", "compat")
	if err != nil || !slices.Equal(got, del) {
		t.Fatalf("Delete(%v) = %v, %v", del, got, err)
	}
	for _, id := range del {
		delete(want, id)
		if _, err := s.Call(id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Call(%d) after Delete: %v, want ErrNotFound", id, err)
		}
	}
	t.Run("after deleting", func(t *testing.T) { checkAudio(t, s, want) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir)
}
