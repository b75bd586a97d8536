package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// A segment's "chunks" bucket holds one nested bucket per committed
// batch, keyed by the batch's number (8 bytes, big-endian, from the
// bucket's sequence) and a part byte, 0. In it, under packKey, the
// batch's chunks are packed into one value (see appendPack): one run of
// pages for the whole batch, so a batch wastes at most the rest of its
// last page, not the rest of a page per four chunks.
// Every batch goes to the end of the tree and is never rewritten: bbolt
// rewrites a whole leaf for any insert into it and keeps at least two
// values per leaf, so (call, seq) keys in one flat bucket, where eight
// calls insert mid-tree at once, rewrote each chunk about three times.
// The "first" bucket maps a call to the batch holding its first chunk in
// the segment, where reading starts. Two older layouts are still read:
// chunks stored flat under "chunks" (this version's first format), and
// batch buckets of at most four chunks each under their own (call, seq)
// keys, parts 0, 1, … (the second).

// packKey is the key of a batch's packed chunks in its batch bucket. It
// is not chunkKeyLen bytes long, so it is never taken for a chunk key.
var packKey = []byte("pack")

// packVersion is the first byte of a packed batch.
const packVersion = 1

// packEntryHdr is the size of what precedes each chunk value in a pack:
// its key and the value's length (uint32, big-endian).
const packEntryHdr = chunkKeyLen + 4

// packEntry is one chunk of a packed batch: its key and stored value.
type packEntry struct {
	key   []byte
	value []byte
}

// appendPack appends the packed form of entries, which must be sorted by
// key with no key twice:
//
//	offset  size  field
//	0       1     packVersion
//	1       …     per chunk: key (12), value length n (4), value (n)
func appendPack(dst []byte, entries []packEntry) []byte {
	dst = append(dst, packVersion)
	for _, e := range entries {
		dst = append(dst, e.key...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.value)))
		dst = append(dst, e.value...)
	}
	return dst
}

// parsePack splits a packed batch into its chunks, whose keys and values
// alias v. It checks the framing (version, lengths, keys in increasing
// order); each value's own header and CRC are parseChunkValue's.
func parsePack(v []byte) ([]packEntry, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty packed batch", ErrCorrupt)
	}
	if v[0] != packVersion {
		return nil, fmt.Errorf("%w: packed batch version %d, this build reads %d", ErrCorrupt, v[0], packVersion)
	}
	var out []packEntry
	for p := 1; p < len(v); {
		if len(v)-p < packEntryHdr {
			return nil, fmt.Errorf("%w: packed batch: %d stray bytes at offset %d", ErrCorrupt, len(v)-p, p)
		}
		key := v[p : p+chunkKeyLen]
		n := int64(binary.BigEndian.Uint32(v[p+chunkKeyLen:]))
		p += packEntryHdr
		if n <= chunkHeaderLen || n > int64(len(v)-p) {
			return nil, fmt.Errorf("%w: packed batch: chunk %x of %d bytes at offset %d, %d bytes left", ErrCorrupt, key, n, p, len(v)-p)
		}
		if k := len(out); k > 0 && bytes.Compare(out[k-1].key, key) >= 0 {
			return nil, fmt.Errorf("%w: packed batch: chunk key %x after %x", ErrCorrupt, key, out[k-1].key)
		}
		out = append(out, packEntry{key: key, value: v[p : p+int(n)]})
		p += int(n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: packed batch without chunks", ErrCorrupt)
	}
	return out, nil
}

// sortPack sorts entries by key.
func sortPack(entries []packEntry) {
	slices.SortFunc(entries, func(a, b packEntry) int { return bytes.Compare(a.key, b.key) })
}

// chunkRef is where a chunk is: its batch bucket (nil: flat) and key.
type chunkRef struct {
	batch []byte
	key   []byte
}

// forEachChunk calls f with every chunk of a segment, in batch order and,
// within a batch, in key order. k and v are valid only during the call; f
// must not change the bucket.
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
			if !bytes.Equal(ck, packKey) {
				return f(k, ck, cv)
			}
			ents, err := parsePack(cv)
			if err != nil {
				return fmt.Errorf("batch %x: %w", k, err)
			}
			for _, e := range ents {
				if err := f(k, e.key, e.value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteChunks deletes the chunks refs name, repacking the packed batches
// that hold some of them (and deleting a pack left empty).
func deleteChunks(tx *bolt.Tx, refs []chunkRef) error {
	bk := tx.Bucket(bucketChunks)
	packed := map[string]map[string]bool{} // batch → keys to drop from its pack
	var order []string
	for _, r := range refs {
		b := bk
		if r.batch != nil {
			if b = bk.Bucket(r.batch); b == nil {
				continue
			}
		}
		// Only what is there: a Delete of a missing key still rewrites
		// its leaf.
		if b.Get(r.key) != nil {
			if err := b.Delete(r.key); err != nil {
				return err
			}
			continue
		}
		if r.batch == nil {
			continue
		}
		if packed[string(r.batch)] == nil {
			packed[string(r.batch)] = map[string]bool{}
			order = append(order, string(r.batch))
		}
		packed[string(r.batch)][string(r.key)] = true
	}
	for _, batch := range order {
		b := bk.Bucket([]byte(batch))
		v := b.Get(packKey)
		if v == nil {
			continue
		}
		ents, err := parsePack(v)
		if err != nil {
			return fmt.Errorf("batch %x: %w", batch, err)
		}
		keep := ents[:0:0]
		for _, e := range ents {
			if !packed[batch][string(e.key)] {
				keep = append(keep, e)
			}
		}
		switch {
		case len(keep) == len(ents):
		case len(keep) == 0:
			err = b.Delete(packKey)
		default:
			// A fresh buffer: keep aliases the page being replaced.
			err = b.Put(packKey, appendPack(nil, keep))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// batchChunks is one batch bucket as callChunks reads it.
type batchChunks struct {
	sub  *bolt.Bucket
	pack []packEntry
}

// get returns the chunk stored under k in the batch, nil if none.
func (b *batchChunks) get(k []byte) []byte {
	if b.sub == nil {
		return nil
	}
	if v := b.sub.Get(k); v != nil {
		return v
	}
	for _, e := range b.pack {
		if bytes.Equal(e.key, k) {
			return e.value
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
	var cur batchChunks // the batch being read
	started := false
	for seq := from; seq < to; {
		k := chunkKey(id, seq)
		v := bk.Get(k) // the flat layout
		if v == nil {
			v = cur.get(k)
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
		cur = batchChunks{sub: bk.Bucket(bkey)}
		if p := cur.sub.Get(packKey); p != nil {
			ents, err := parsePack(p)
			if err != nil {
				return seq, fmt.Errorf("batch %x: %w", bkey, err)
			}
			cur.pack = ents
		}
	}
	return to, nil
}
