package storage

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// Test-only access to the on-disk encodings, for fuzzing and for tests
// that forge what a crash leaves behind.

// ChunkKey is chunkKey.
var ChunkKey = chunkKey

// ParseChunkKey is parseChunkKey.
var ParseChunkKey = parseChunkKey

// ChunkValue returns the stored form of c.
func ChunkValue(c *linetap.Chunk) []byte { return appendChunkValue(nil, c) }

// ParseChunkValue decodes a stored chunk.
func ParseChunkValue(v []byte) (offset int64, samples int, data []byte, err error) {
	c, err := parseChunkValue(v)
	return c.offset, c.samples, c.data, err
}

// ReencodeRecord decodes a stored record and encodes it again.
func ReencodeRecord(key, v []byte) ([]byte, error) {
	r, err := decodeRecord(key, v)
	if err != nil {
		return nil, err
	}
	return encodeRecord(r)
}

// CheckBoltFile is checkBoltFile.
var CheckBoltFile = checkBoltFile

// SetWriteFault makes every write to a file of s fail with f's error
// (nil f: writes work again). It is the write-failure seam of the
// disk-full tests.
func SetWriteFault(s *Store, f func(file string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeHook = f
}

// BulkCalls stores records of calls without audio, n per transaction and
// unsynced, chaining the finished ones: the generator of the search
// benchmark, where a million Commits would take hours.
func BulkCalls(s *Store, calls []linetap.Call, tags func(i int) []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.NoSync = true
	defer func() { s.index.NoSync = false }()
	const perTx = 20000
	for start := 0; start < len(calls); start += perTx {
		end := min(start+perTx, len(calls))
		err := s.index.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketCalls)
			b.FillPercent = 1.0
			for i := start; i < end; i++ {
				id, err := b.NextSequence()
				if err != nil {
					return err
				}
				c := calls[i]
				c.ID, c.Samples, c.SHA256 = id, 0, emptySHA256
				r := &record{Call: c}
				if tags != nil {
					r.Tags = tags(i)
				}
				if err := putRecord(tx, b, tx.Bucket(bucketRecording), r); err != nil {
					return err
				}
				s.indexed(r)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.index.Sync()
}

// emptySHA256 is the SHA-256 of no audio.
var emptySHA256 = func() string { h, _ := restoreHash(nil); return hex.EncodeToString(h.Sum(nil)) }()

// WriteStat is what bbolt wrote to one file since it was opened: the
// bytes of the pages its transactions allocated (and wrote), the ID of
// its last transaction (each wrote one meta page), its page size, and
// the writes (pwrite calls: one per run of pages, one per meta page).
type WriteStat struct {
	PageBytes, Tx, PageSize, Writes int64
}

// Bytes returns the bytes written from a to b: pages and meta pages.
func (b WriteStat) Bytes(a WriteStat) int64 {
	return b.PageBytes - a.PageBytes + (b.Tx-a.Tx)*b.PageSize
}

// WriteStats returns what bbolt wrote to index.db and to the segment
// being written (zero when none is open): what the device gets, whatever
// the page cache counts.
func WriteStats(s *Store) (index, seg WriteStat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stat := func(db *bolt.DB) (w WriteStat) {
		_ = db.View(func(tx *bolt.Tx) error { w.Tx = int64(tx.ID()); return nil })
		st := db.Stats()
		w.PageBytes, w.Writes, w.PageSize = st.TxStats.GetPageAlloc(), st.TxStats.GetWrite(), int64(db.Info().PageSize)
		return w
	}
	index = stat(s.index)
	if s.cur != nil {
		seg = stat(s.cur)
	}
	return index, seg
}

// Pack returns the packed form of a batch of chunks, given sorted by key.
func Pack(keys, values [][]byte) []byte {
	ents := make([]packEntry, len(keys))
	for i := range keys {
		ents[i] = packEntry{key: keys[i], value: values[i]}
	}
	return appendPack(nil, ents)
}

// ParsePack splits a packed batch into its chunks' keys and values.
func ParsePack(v []byte) (keys, values [][]byte, err error) {
	ents, err := parsePack(v)
	for _, e := range ents {
		keys, values = append(keys, e.key), append(values, e.value)
	}
	return keys, values, err
}

// SegmentPageSize is the bbolt page size of new segments.
const SegmentPageSize = segmentPageSize

// EditChunk replaces the stored value v of chunk seq of call id in the
// segment file at path (not open by a Store) with edit(v), wherever the
// chunk sits: flat, in a batch bucket of its own key, or packed.
func EditChunk(path string, id uint64, seq uint32, edit func(v []byte) []byte) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		want := chunkKey(id, seq)
		var ref *chunkRef
		var old []byte
		err := forEachChunk(tx, func(batch, k, v []byte) error {
			if bytes.Equal(k, want) {
				ref, old = &chunkRef{batch: clone(batch), key: clone(k)}, clone(v)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if ref == nil {
			return fmt.Errorf("chunk %d of call %d not in %s", seq, id, path)
		}
		bk := tx.Bucket(bucketChunks)
		if ref.batch == nil {
			return bk.Put(ref.key, edit(old))
		}
		sub := bk.Bucket(ref.batch)
		if sub.Get(ref.key) != nil {
			return sub.Put(ref.key, edit(old))
		}
		ents, err := parsePack(sub.Get(packKey))
		if err != nil {
			return err
		}
		for i := range ents {
			if bytes.Equal(ents[i].key, want) {
				ents[i].value = edit(old)
			}
		}
		return sub.Put(packKey, appendPack(nil, ents))
	})
	return errors.Join(err, db.Close())
}
