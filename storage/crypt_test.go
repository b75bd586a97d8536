package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// keyFile writes a new key file in a fresh directory.
func keyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "store.key")
	if err := storage.NewKeyFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// encryptedDir records one call into an encrypted store and returns the
// directory, the key file and the call.
func encryptedDir(t *testing.T) (string, string, *callGen) {
	t.Helper()
	kf := keyFile(t)
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storage.Open(dir, storage.Options{KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	g := record(t, s, rand.New(rand.NewPCG(10, 10)), 0, "42")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, kf, g
}

func TestEncryptedRoundTrip(t *testing.T) {
	dir, kf, g := encryptedDir(t)
	s, err := storage.Open(dir, storage.Options{KeyFile: kf, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pcm, err := s.PCM(g.call.ID)
	if err != nil || !slices.Equal(pcm, g.pcm) {
		t.Fatalf("PCM: %d samples, %v", len(pcm), err)
	}
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
	// No run of the encoded audio is on the disk.
	seg, err := os.ReadFile(filepath.Join(dir, "audio-000001.db"))
	if err != nil {
		t.Fatal(err)
	}
	enc := g.cd.Encode(nil, g.pcm[:800])
	if bytes.Contains(seg, enc[:64]) {
		t.Error("the segment holds the audio in the clear")
	}
}

func TestEncryptionKeyErrors(t *testing.T) {
	dir, kf, _ := encryptedDir(t)
	wrong := keyFile(t)
	wide := filepath.Join(t.TempDir(), "wide.key")
	b, _ := os.ReadFile(kf)
	if err := os.WriteFile(wide, b, 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(short, []byte("abcd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain, _ := open(t, storage.Options{})
	record(t, plain, rand.New(rand.NewPCG(1, 1)), 0, "1")
	plainDir := plain.Dir()
	if err := plain.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, key, msg string
	}{
		{"missing key", dir, "", "no key file was given"},
		{"wrong key", dir, wrong, "is not the key of"},
		{"key file others can read", dir, wide, "mode 0644"},
		{"key file absent", dir, filepath.Join(t.TempDir(), "none.key"), "no such file"},
		{"key file too short", dir, short, "5 bytes"},
		{"plain store with calls", plainDir, kf, "holds unencrypted calls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, ro := range []bool{false, true} {
				s, err := storage.Open(tc.dir, storage.Options{KeyFile: tc.key, ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("Open(ReadOnly=%v) accepted it", ro)
				}
				if !errors.Is(err, storage.ErrKey) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("Open(ReadOnly=%v) = %v, want ErrKey saying %q", ro, err, tc.msg)
				}
			}
		})
	}
}

func TestEncryptedTamperedChunk(t *testing.T) {
	dir, kf, g := encryptedDir(t)
	// Flip a ciphertext bit and fix the CRC, so only AES-GCM can tell.
	err := storage.EditChunk(filepath.Join(dir, "audio-000001.db"), g.call.ID, 1, func(v []byte) []byte {
		v[16+12+5] ^= 0x10
		binary.BigEndian.PutUint32(v[12:], crc32.Checksum(v[16:], crc32.MakeTable(crc32.Castagnoli)))
		return v
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, storage.Options{KeyFile: kf, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PCM(g.call.ID); !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), "AES-GCM") || !strings.Contains(err.Error(), "chunk 1") {
		t.Errorf("PCM of a tampered chunk = %v, want ErrCorrupt naming chunk 1 and AES-GCM", err)
	}
	rep, err := s.VerifyAll()
	if !errors.Is(err, storage.ErrCorrupt) || len(rep.Breaks) != 1 || rep.Breaks[0].Call != g.call.ID {
		t.Errorf("VerifyAll = %v %v, want one break naming call %d", err, rep.Breaks, g.call.ID)
	}
}

func TestEncryptedCommitAndReopen(t *testing.T) {
	// A read-write store keeps writing encrypted chunks after a reopen,
	// and an empty store given a key becomes encrypted.
	kf := keyFile(t)
	dir := filepath.Join(t.TempDir(), "data")
	s, err := storage.Open(dir, storage.Options{KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	g := newCall(t, s, 0, "pcmu")
	if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}, Calls: []linetap.Call{g.call}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := storage.Open(dir, storage.Options{KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Recovered(); len(got) != 1 {
		t.Errorf("Recovered() = %v, want the call left recording", got)
	}
	pcm, err := s2.PCM(g.call.ID)
	if err != nil || !slices.Equal(pcm, g.pcm) {
		t.Errorf("PCM after reopen: %d samples, %v", len(pcm), err)
	}
	if err := s2.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := storage.Open(t.TempDir(), storage.Options{KeyFile: kf + ".x"}); !errors.Is(err, storage.ErrKey) {
		t.Errorf("Open with a missing key file = %v, want ErrKey", err)
	}
}
