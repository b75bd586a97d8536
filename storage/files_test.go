package storage_test

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// goodDir returns a closed data directory with one call in two segments.
func goodDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storage.Open(dir, storage.Options{SegmentSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	g := newCall(t, s, 0, "l16")
	for i := 0; i < 4; i++ {
		if i == 3 {
			g.finish()
		}
		if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 4000))}, Calls: []linetap.Call{g.call}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentFiles(t, dir)); n < 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	return dir
}

func writeBolt(t testing.TB, path string, f func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRefusesForeignFiles(t *testing.T) {
	tests := []struct {
		name  string
		mess  func(t *testing.T, dir string) // dir holds a good store (or nothing, if empty)
		empty bool
		want  error
		file  string // named in the error
		msg   string
	}{
		{"text index.db", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.db"), []byte("hello, world\n"), 0o600)
		}, true, storage.ErrForeign, "index.db", "not a bbolt database"},
		{"empty index.db", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.db"), nil, 0o600)
		}, true, storage.ErrCorrupt, "index.db", "empty file"},
		{"someone else's bbolt", func(t *testing.T, dir string) {
			writeBolt(t, filepath.Join(dir, "index.db"), func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("users"))
				if err != nil {
					return err
				}
				return b.Put([]byte("bob"), []byte("x"))
			})
		}, true, storage.ErrForeign, "index.db", `without linetap's "meta" bucket`},
		{"other magic", func(t *testing.T, dir string) {
			writeBolt(t, filepath.Join(dir, "index.db"), func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("meta"))
				if err != nil {
					return err
				}
				return b.Put([]byte("magic"), []byte("vault"))
			})
		}, true, storage.ErrForeign, "index.db", `magic "vault"`},
		{"segments without index", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "audio-000001.db"), []byte("x"), 0o600)
		}, true, storage.ErrForeign, "", "no index.db"},
		{"unknown db file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "users.db"), []byte("x"), 0o600)
		}, false, storage.ErrForeign, "users.db", "unknown file"},
		{"unknown file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
		}, false, storage.ErrForeign, "notes.txt", "unknown file"},
		{"truncated segment", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "audio-000001.db")
			os.Truncate(p, 5*4096+100) // well inside the pages in use
		}, false, storage.ErrCorrupt, "audio-000001.db", "truncated"},
		{"garbage segment", func(t *testing.T, dir string) {
			b := make([]byte, 64<<10)
			for i := range b {
				b[i] = byte(i * 7)
			}
			os.WriteFile(filepath.Join(dir, "audio-000002.db"), b, 0o600)
		}, false, storage.ErrForeign, "audio-000002.db", "not a bbolt database"},
		{"smashed meta pages", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "audio-000001.db")
			b, _ := os.ReadFile(p)
			page := int(binary.LittleEndian.Uint32(b[16+8:])) // bbolt meta: page size after magic and version
			for i := 40; i < 64; i++ {
				b[i] ^= 0xff
				b[page+i] ^= 0xff
			}
			os.WriteFile(p, b, 0o600)
		}, false, storage.ErrCorrupt, "audio-000001.db", "no valid bbolt meta page"},
		{"segment under the wrong name", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "audio-000001.db"))
			os.WriteFile(filepath.Join(dir, "audio-000009.db"), b, 0o600)
		}, false, storage.ErrCorrupt, "audio-000009.db", "says it is segment"},
		{"index as segment", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "index.db"))
			os.WriteFile(filepath.Join(dir, "audio-000003.db"), b, 0o600)
		}, false, storage.ErrForeign, "audio-000003.db", `magic "linetap-index"`},
		{"missing segment", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "audio-000001.db"))
		}, false, storage.ErrCorrupt, "audio-000001.db", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dir string
			if tc.empty {
				dir = t.TempDir()
			} else {
				dir = goodDir(t)
			}
			tc.mess(t, dir)
			snap := snapshot(t, dir)
			for _, ro := range []bool{false, true} {
				s, err := storage.Open(dir, storage.Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("Open(ReadOnly=%v) accepted the directory", ro)
				}
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) {
					t.Errorf("Open(ReadOnly=%v) = %v, want %v naming %s and saying %q", ro, err, tc.want, tc.file, tc.msg)
				}
			}
			sameFiles(t, snap, snapshot(t, dir))
		})
	}
}

func TestIgnoredFiles(t *testing.T) {
	dir := goodDir(t)
	for _, name := range []string{"linetap.sock", "config.json", "linetap.conf", "tls.key", "tls.pem"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"lost+found", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("Open with ignored files: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir)
}

func TestOrphanChunks(t *testing.T) {
	// Forge what a crash between the segment and the index transaction
	// leaves: a chunk of a call with no record, a chunk past the end of a
	// finished call, and the next chunk of a call still recording.
	r := rand.New(rand.NewPCG(2, 2))
	s, dir := open(t, storage.Options{})
	rec, fin := newCall(t, s, 0, "l16"), newCall(t, s, 1, "l16")
	fin.finish()
	if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{rec.chunk(noise(r, 800)), fin.chunk(noise(r, 800))}, Calls: []linetap.Call{rec.call, fin.call}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	next := rec.chunk(noise(r, 800)) // rec.call now describes it too
	stray := []linetap.Chunk{next, {Call: fin.call.ID, Seq: 1, Offset: 800, Samples: 2, Data: []byte{1, 2, 3, 4}}, {Call: 77, Seq: 0, Samples: 1, Data: []byte{1, 2}}}
	writeBolt(t, filepath.Join(dir, "audio-000001.db"), func(tx *bolt.Tx) error {
		for i := range stray {
			if err := tx.Bucket([]byte("chunks")).Put(storage.ChunkKey(stray[i].Call, stray[i].Seq), storage.ChunkValue(&stray[i])); err != nil {
				return err
			}
		}
		return nil
	})
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Check(); !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), "chunk 0 of call 77 is in no record") {
		t.Errorf("Check before recovery = %v, want the stray chunks named", err)
	}
	ro.Close()
	s, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Call(rec.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Samples != 1600 || c.SHA256 != rec.call.SHA256 || c.State != linetap.StateInterrupted {
		t.Errorf("adopted call: %d samples %s %s, want 1600 %s interrupted", c.Samples, c.SHA256, c.State, rec.call.SHA256)
	}
	if c, _ := s.Call(fin.call.ID); c.Samples != 800 {
		t.Errorf("finished call grew to %d samples", c.Samples)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check after recovery: %v", err)
	}
}
