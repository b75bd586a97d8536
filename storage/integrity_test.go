package storage_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
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

// record commits a finished call of two chunks on line with number and
// returns it.
func record(t testing.TB, s *storage.Store, r *rand.Rand, line int, number string) *callGen {
	t.Helper()
	g := newCall(t, s, line, "l16")
	g.call.CallerID.Number = number
	for i := 0; i < 2; i++ {
		b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}}
		if i == 1 {
			g.finish()
		}
		b.Calls = []linetap.Call{g.call}
		if err := s.Commit(b); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
	return g
}

// chainDir makes a store of five finished calls, the second deleted
// (audited), plus one audit entry from outside; it returns the directory
// and the calls.
func chainDir(t *testing.T) (string, []*callGen) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	var gens []*callGen
	for i := 0; i < 5; i++ {
		gens = append(gens, record(t, s, r, i%2, "60955512"+string(rune('0'+i))))
	}
	if d, err := s.Delete([]uint64{gens[1].call.ID}, "alice", "test"); err != nil || len(d) != 1 {
		t.Fatalf("Delete = %v, %v", d, err)
	}
	if _, err := s.Audit(storage.AuditEntry{Who: "bob", Action: "login"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, gens
}

// editIndex changes index.db of dir directly, as someone tampering with the
// card would.
func editIndex(t *testing.T, dir string, f func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "index.db"), 0o600, nil)
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

func key(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// editRecord rewrites the JSON of call id's record with f.
func editRecord(t *testing.T, dir string, id uint64, f func(m map[string]any)) {
	t.Helper()
	editIndex(t, dir, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("calls"))
		v := b.Get(key(id))
		if v == nil {
			t.Fatalf("no record %d", id)
		}
		var m map[string]any
		if err := json.Unmarshal(v[1:], &m); err != nil {
			return err
		}
		f(m)
		nv, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put(key(id), append([]byte{v[0]}, nv...))
	})
}

func verifyAll(t *testing.T, dir string) (storage.Report, error) {
	t.Helper()
	s, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	return s.VerifyAll()
}

func TestVerifyAllClean(t *testing.T) {
	dir, _ := chainDir(t)
	rep, err := verifyAll(t, dir)
	if err != nil {
		t.Fatalf("VerifyAll: %v (%v)", err, rep.Breaks)
	}
	if rep.Calls != 4 || rep.Chained != 5 || rep.Deleted != 1 || rep.Audit != 2 || !rep.OK() {
		t.Errorf("report %+v, want 4 calls, 5 chained, 1 deleted, 2 audit entries", rep)
	}
}

func TestVerifyAllNamesBreaks(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string, gens []*callGen)
		kind   string
		call   int // index into gens of the call named; -1 for none
		detail string
	}{
		{"changed byte in a chunk", func(t *testing.T, dir string, gens []*callGen) {
			p := filepath.Join(dir, "audio-000001.db")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			enc := gens[2].cd.Encode(nil, gens[2].pcm[:800])
			i := bytes.Index(b, enc)
			if i < 0 {
				t.Fatal("chunk data not found in the segment")
			}
			b[i+100] ^= 0x01
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "audio", 2, "CRC-32C"},
		{"changed record field", func(t *testing.T, dir string, gens []*callGen) {
			editRecord(t, dir, gens[3].call.ID, func(m map[string]any) {
				m["call"].(map[string]any)["caller_id"].(map[string]any)["number"] = "5550000"
			})
		}, "record", 3, "record fields changed"},
		{"changed chain link", func(t *testing.T, dir string, gens []*callGen) {
			editRecord(t, dir, gens[4].call.ID, func(m map[string]any) {
				m["prev"] = strings.Repeat("0", 64)
			})
		}, "chain", 4, "links to"},
		{"deleted record in the middle", func(t *testing.T, dir string, gens []*callGen) {
			editIndex(t, dir, func(tx *bolt.Tx) error { return tx.Bucket([]byte("calls")).Delete(key(gens[2].call.ID)) })
		}, "missing", 2, "records no deletion"},
		{"deleted record and chain entry", func(t *testing.T, dir string, gens []*callGen) {
			editIndex(t, dir, func(tx *bolt.Tx) error {
				return errors.Join(tx.Bucket([]byte("calls")).Delete(key(gens[2].call.ID)), tx.Bucket([]byte("chain")).Delete(key(3)))
			})
		}, "chain", 3, "entries 3…3 are missing"},
		{"tampered audit entry", func(t *testing.T, dir string, gens []*callGen) {
			editIndex(t, dir, func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("audit"))
				v := bytes.Replace(b.Get(key(1)), []byte(`"who":"alice"`), []byte(`"who":"carol"`), 1)
				return b.Put(key(1), v)
			})
		}, "audit", -1, "changed"},
		{"deleted audit entry", func(t *testing.T, dir string, gens []*callGen) {
			editIndex(t, dir, func(tx *bolt.Tx) error { return tx.Bucket([]byte("audit")).Delete(key(1)) })
		}, "audit", -1, "entries are missing"},
		{"forged record outside the chain", func(t *testing.T, dir string, gens []*callGen) {
			editIndex(t, dir, func(tx *bolt.Tx) error { return tx.Bucket([]byte("chain")).Delete(key(5)) })
		}, "unchained", 4, "not in the chain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, gens := chainDir(t)
			tc.tamper(t, dir, gens)
			rep, err := verifyAll(t, dir)
			if !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("VerifyAll = %v, want ErrCorrupt", err)
			}
			found := false
			for _, b := range rep.Breaks {
				if b.Kind == tc.kind && strings.Contains(b.Detail, tc.detail) && (tc.call < 0 || b.Call == gens[tc.call].call.ID) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %q break saying %q; breaks: %v", tc.kind, tc.detail, rep.Breaks)
			}
		})
	}
}

func TestChainedRecordCannotChange(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(1, 9))
	g := record(t, s, r, 0, "123")
	// The same record again (a retried batch) is accepted and changes
	// nothing; a changed one is refused.
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{g.call}}); err != nil {
		t.Fatalf("recommit unchanged: %v", err)
	}
	c := g.call
	c.CallerID.Number = "999"
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{c}}); !errors.Is(err, storage.ErrBatch) || !strings.Contains(err.Error(), "chained") {
		t.Errorf("recommit changed = %v, want ErrBatch saying chained", err)
	}
	ch := g.chunk(noise(r, 10))
	if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{ch}, Calls: []linetap.Call{c}}); !errors.Is(err, storage.ErrBatch) {
		t.Errorf("audio after the end = %v, want ErrBatch", err)
	}
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
}

func TestAudit(t *testing.T) {
	s, _ := open(t, storage.Options{})
	for _, bad := range []storage.AuditEntry{{Who: "x"}, {Action: "login"}} {
		if _, err := s.Audit(bad); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("Audit(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	var last storage.AuditEntry
	for i, w := range []string{"alice", "bob", "carol"} {
		e, err := s.Audit(storage.AuditEntry{Who: w, Action: "login", Detail: "from 10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != uint64(i+1) || e.Prev != last.Hash || len(e.Hash) != 64 || e.Time.IsZero() {
			t.Errorf("entry %d: %+v (previous hash %q)", i, e, last.Hash)
		}
		last = e
	}
	got, err := s.AuditLog(1, 10)
	if err != nil || len(got) != 2 || got[0].Who != "bob" || got[1].Hash != last.Hash {
		t.Errorf("AuditLog(1, 10) = %+v, %v", got, err)
	}
	if _, err := s.AuditLog(0, -1); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("AuditLog limit -1 = %v, want ErrInvalid", err)
	}
}
