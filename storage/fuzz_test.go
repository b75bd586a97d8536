package storage_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// FuzzOpenIndex: Open of a directory whose index.db is arbitrary bytes
// never panics, fails, and leaves the file as it was.
func FuzzOpenIndex(f *testing.F) {
	good, err := os.ReadFile(filepath.Join(goodDir(f), "index.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("hello"))
	f.Add(good[:8192])
	f.Add(bytes.Repeat([]byte{0xed, 0xda, 0x0c, 0xed}, 2048))
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.Equal(b, good) {
			return
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "index.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := storage.Open(dir, storage.Options{})
		if err == nil {
			// Only a real linetap index can open: check it is sound.
			if cerr := s.Check(); cerr != nil {
				t.Errorf("opened an index that fails Check: %v", cerr)
			}
			s.Close()
			return
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(after, b) {
			t.Errorf("refused index.db was modified (%v)", err)
		}
	})
}

// FuzzOpenSegment: the same for an audio segment beside a good index.
func FuzzOpenSegment(f *testing.F) {
	src := goodDir(f)
	idx, err := os.ReadFile(filepath.Join(src, "index.db"))
	if err != nil {
		f.Fatal(err)
	}
	seg, err := os.ReadFile(filepath.Join(src, "audio-000002.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seg)
	f.Add(seg[:4096*3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "index.db"), idx, 0o600)
		one, _ := os.ReadFile(filepath.Join(src, "audio-000001.db"))
		os.WriteFile(filepath.Join(dir, "audio-000001.db"), one, 0o600)
		p := filepath.Join(dir, "audio-000002.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := storage.Open(dir, storage.Options{})
		if err == nil {
			s.Close()
			return
		}
		if !errors.Is(err, storage.ErrCorrupt) && !errors.Is(err, storage.ErrForeign) && !errors.Is(err, storage.ErrVersion) {
			t.Errorf("error %v is none of ErrCorrupt, ErrForeign, ErrVersion", err)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(after, b) {
			t.Errorf("refused segment was modified (%v)", err)
		}
	})
}

// FuzzRecord: any stored call record either fails to decode or
// re-encodes to a fixed point.
func FuzzRecord(f *testing.F) {
	f.Add(uint64(1), []byte("\x01{}"))
	f.Add(uint64(1), []byte("\x01"+`{"call":{"id":1,"rate":8000,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"chunks":0,"hash":null}`))
	f.Add(uint64(7), []byte("\x01{\"call\":{\"id\":7},\"chunks\":1,\"spans\":[{\"seg\":1,\"from\":0,\"to\":1}]}"))
	f.Fuzz(func(t *testing.T, id uint64, v []byte) {
		key := binary.BigEndian.AppendUint64(nil, id)
		once, err := storage.ReencodeRecord(key, v)
		if err != nil {
			return
		}
		twice, err := storage.ReencodeRecord(key, once)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", once, twice)
		}
	})
}

// FuzzChunk: chunk keys and values round-trip, and arbitrary values
// decode or fail without panic.
func FuzzChunk(f *testing.F) {
	f.Add(uint64(3), uint32(4), int64(800), []byte{1, 2, 3, 4}, []byte{})
	f.Fuzz(func(t *testing.T, call uint64, seq uint32, off int64, data, raw []byte) {
		storage.ParseChunkValue(raw)
		storage.ParseChunkKey(raw)
		k := storage.ChunkKey(call, seq)
		gc, gs, err := storage.ParseChunkKey(k)
		if err != nil || gc != call || gs != seq {
			t.Fatalf("key round trip: %d %d %v", gc, gs, err)
		}
		if off < 0 || len(data) == 0 {
			return
		}
		c := linetap.Chunk{Call: call, Seq: seq, Offset: off, Samples: len(data), Data: data}
		o, n, d, err := storage.ParseChunkValue(storage.ChunkValue(&c))
		if err != nil || o != off || n != len(data) || !bytes.Equal(d, data) {
			t.Fatalf("value round trip: %d %d %v", o, n, err)
		}
	})
}

// FuzzReadKeyFile: any key file content gives a 32-byte key or ErrKey,
// and a key written as hex reads back as those bytes.
func FuzzReadKeyFile(f *testing.F) {
	f.Add([]byte("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"))
	f.Add(bytes.Repeat([]byte{7}, 32))
	f.Add([]byte("zz"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "k.key")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := storage.ReadKeyFile(p)
		if err != nil {
			if !errors.Is(err, storage.ErrKey) {
				t.Fatalf("error %v is not ErrKey", err)
			}
			return
		}
		if len(k) != storage.KeySize {
			t.Fatalf("%d-byte key", len(k))
		}
		if len(b) == storage.KeySize && !bytes.Equal(k, b) {
			t.Fatal("raw key changed")
		}
		if h := bytes.TrimSpace(b); len(h) == 2*storage.KeySize && hex.EncodeToString(k) != strings.ToLower(string(h)) {
			t.Fatalf("hex key %q read as %x", h, k)
		}
	})
}

// FuzzParsePack: a packed batch of arbitrary bytes never panics; one that
// parses packs back to the same bytes, with keys in increasing order and
// every value longer than a chunk header.
func FuzzParsePack(f *testing.F) {
	c1 := linetap.Chunk{Call: 7, Seq: 3, Offset: 24000, Samples: 4, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	c2 := linetap.Chunk{Call: 9, Seq: 0, Samples: 2, Data: []byte{0xff, 0x7f}}
	good := storage.Pack([][]byte{storage.ChunkKey(7, 3), storage.ChunkKey(9, 0)}, [][]byte{storage.ChunkValue(&c1), storage.ChunkValue(&c2)})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{1})
	f.Add([]byte{2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, values, err := storage.ParsePack(b)
		if err != nil {
			if !errors.Is(err, storage.ErrCorrupt) {
				t.Errorf("error %v is not ErrCorrupt", err)
			}
			return
		}
		for i := range keys {
			if len(keys[i]) != 12 || len(values[i]) <= 16 || (i > 0 && bytes.Compare(keys[i-1], keys[i]) >= 0) {
				t.Errorf("entry %d: key %x, %d-byte value", i, keys[i], len(values[i]))
			}
		}
		if again := storage.Pack(keys, values); !bytes.Equal(again, b) {
			t.Errorf("packs back to %x, was %x", again, b)
		}
	})
}
