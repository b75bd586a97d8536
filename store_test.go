package linetap_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sort"
	"sync"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
)

// memStore is an in-memory linetap.Store that checks every batch the way
// the real store must: chunks contiguous, records describing exactly the
// chunks committed.
type memStore struct {
	mu      sync.Mutex
	t       testing.TB
	nextID  uint64
	calls   map[uint64]linetap.Call
	chunks  map[uint64][]linetap.Chunk
	hashes  map[uint64]hash.Hash
	batches int
}

func newMemStore(t testing.TB) *memStore {
	return &memStore{t: t, calls: map[uint64]linetap.Call{}, chunks: map[uint64][]linetap.Chunk{}, hashes: map[uint64]hash.Hash{}}
}

func (m *memStore) NewCallID() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	return m.nextID, nil
}

func (m *memStore) Commit(b *linetap.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batches++
	for _, c := range b.Chunks {
		have := m.chunks[c.Call]
		var off int64
		if n := len(have); n > 0 {
			off = have[n-1].Offset + int64(have[n-1].Samples)
		}
		if int(c.Seq) != len(have) || c.Offset != off {
			return fmt.Errorf("memstore: call %d: chunk seq %d offset %d, want seq %d offset %d", c.Call, c.Seq, c.Offset, len(have), off)
		}
		c.Data = append([]byte(nil), c.Data...) // the engine reuses its buffers
		m.chunks[c.Call] = append(have, c)
		if m.hashes[c.Call] == nil {
			m.hashes[c.Call] = sha256.New()
		}
		m.hashes[c.Call].Write(c.Data)
	}
	for _, rec := range b.Calls {
		var n int64
		if have := m.chunks[rec.ID]; len(have) > 0 {
			n = have[len(have)-1].Offset + int64(have[len(have)-1].Samples)
		}
		if rec.Samples != n {
			return fmt.Errorf("memstore: call %d: record says %d samples, chunks hold %d", rec.ID, rec.Samples, n)
		}
		if n > 0 && rec.SHA256 != hex.EncodeToString(m.hashes[rec.ID].Sum(nil)) {
			return fmt.Errorf("memstore: call %d: SHA256 does not match its chunks", rec.ID)
		}
		m.calls[rec.ID] = rec
	}
	return nil
}

// all returns the calls by ID.
func (m *memStore) all() []linetap.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []linetap.Call
	for _, c := range m.calls {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// pcm decodes a call's audio.
func (m *memStore) pcm(t testing.TB, id uint64) []int16 {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := codec.Lookup(m.calls[id].Codec)
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	for _, ch := range m.chunks[id] {
		if out, err = c.Decode(out, ch.Data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// get returns one stored call record.
func (m *memStore) get(id uint64) (linetap.Call, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[id]
	return c, ok
}
