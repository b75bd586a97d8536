package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A segment's "chunks" bucket holds nested buckets per committed batch,
// keyed by the batch's number (8 bytes, big-endian, from the bucket's
// sequence) and a part byte, each holding up to four of the batch's
// chunks under their (call, seq) keys.
// Every batch goes to the end of the tree and is never rewritten: bbolt
// rewrites a whole leaf for any insert into it and keeps at least two
// values per leaf, so (call, seq) keys in one flat bucket, where eight
// calls insert mid-tree at once, rewrote each chunk about three times.
// The "first" bucket maps a call to the batch holding its first chunk in
// the segment, where reading starts. Chunks stored flat under "chunks"
// (the first format of this version) are still read.

// chunkRef is where a chunk is: its batch bucket (nil: flat) and key.
type chunkRef struct {
	batch []byte
	key   []byte
}

// forEachChunk calls f with every chunk of a segment, in batch order.
// k and v are valid only during the call; f must not change the bucket.
func forEachChunk(tx *bolt.Tx, f func(batch, k, v []byte) error) error {
	bk := tx.Bucket(bucketChunks)
	c := bk.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			if err := f(nil, k, v); err != nil {
				return err
			}
			continue
		}
		sub := bk.Bucket(k)
		if sub == nil {
			continue
		}
		err := sub.ForEach(func(ck, cv []byte) error {
			if cv == nil {
				return fmt.Errorf("%w: batch %x holds a bucket %x", ErrCorrupt, k, ck)
			}
			return f(k, ck, cv)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteChunks deletes the chunks refs name.
func deleteChunks(tx *bolt.Tx, refs []chunkRef) error {
	bk := tx.Bucket(bucketChunks)
	for _, r := range refs {
		b := bk
		if r.batch != nil {
			if b = bk.Bucket(r.batch); b == nil {
				continue
			}
		}
		if err := b.Delete(r.key); err != nil {
			return err
		}
	}
	return nil
}

// callChunks calls f with the chunks from ≤ seq < to of call id in a
// segment, in order, stopping at the first one missing; it returns the
// seq where it stopped (to when all were there).
func callChunks(tx *bolt.Tx, id uint64, from, to uint32, f func(seq uint32, v []byte) error) (uint32, error) {
	bk := tx.Bucket(bucketChunks)
	var start []byte
	if fb := tx.Bucket(bucketFirst); fb != nil {
		start = fb.Get(u64(id))
	}
	c := bk.Cursor()
	var sub *bolt.Bucket // the batch being read
	started := false
	for seq := from; seq < to; {
		k := chunkKey(id, seq)
		v := bk.Get(k) // the flat layout
		if v == nil && sub != nil {
			v = sub.Get(k)
		}
		if v != nil {
			if err := f(seq, v); err != nil {
				return seq, err
			}
			seq++
			continue
		}
		// On to the next batch that exists.
		if start == nil {
			return seq, nil
		}
		var bkey, bval []byte
		if !started {
			bkey, bval = c.Seek(start)
			started = true
		} else {
			bkey, bval = c.Next()
		}
		for bkey != nil && (bval != nil || bk.Bucket(bkey) == nil) {
			bkey, bval = c.Next()
		}
		if bkey == nil {
			return seq, nil
		}
		sub = bk.Bucket(bkey)
	}
	return to, nil
}
