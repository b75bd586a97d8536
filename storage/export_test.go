package storage

import (
	"encoding/hex"

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

// WriteStats returns, for index.db and the segment being written (zeros
// when none is open), the pages bbolt has allocated and written since the
// file was opened and the ID of its last committed transaction: each
// transaction writes its allocated pages and one meta page, so a
// difference of pages plus a difference of IDs is what the file cost the
// device, whatever the page cache counts.
func WriteStats(s *Store) (indexPages, indexTx, segPages, segTx int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	txid := func(db *bolt.DB) (id int64) {
		_ = db.View(func(tx *bolt.Tx) error { id = int64(tx.ID()); return nil })
		return id
	}
	st := s.index.Stats()
	indexPages, indexTx = st.TxStats.GetPageCount(), txid(s.index)
	if s.cur != nil {
		st = s.cur.Stats()
		segPages, segTx = st.TxStats.GetPageCount(), txid(s.cur)
	}
	return indexPages, indexTx, segPages, segTx
}
