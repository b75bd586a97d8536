package storage

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
)

// DefaultLimit is how many calls Calls returns when the query sets none.
const DefaultLimit = 100

// record returns the stored record of call id.
func (s *Store) record(id uint64) (*record, error) {
	idx, pend, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	var r *record
	err = idx.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCalls).Get(u64(id))
		if v == nil {
			return fmt.Errorf("%w: call %d in %s", ErrNotFound, id, s.path(indexName))
		}
		var err error
		if r, err = decodeRecord(u64(id), v); err != nil {
			return fmt.Errorf("%s: %w", s.path(indexName), err)
		}
		r = newest(r, pend)
		return nil
	})
	return r, err
}

// pendingCopy returns the records waiting in memory (s.mu held); nil when
// there are none.
// snapshot returns, under the store's lock, the index database and a copy
// of the records waiting in memory, for a reader that then works without
// the lock; ErrClosed once the store is closed.
func (s *Store) snapshot() (*bolt.DB, map[uint64]*record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	return s.index, s.pendingCopy(), nil
}

func (s *Store) pendingCopy() map[uint64]*record {
	if len(s.pending) == 0 {
		return nil
	}
	return maps.Clone(s.pending)
}

// Call returns the record of call id; ErrNotFound if there is none.
func (s *Store) Call(id uint64) (linetap.Call, error) {
	r, err := s.record(id)
	if err != nil {
		return linetap.Call{}, err
	}
	return r.Call, nil
}

// Calls returns the calls q selects, newest (highest ID) first.
func (s *Store) Calls(q linetap.CallQuery) ([]linetap.Call, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("storage: calls: negative limit %d", q.Limit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	idx, pend, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	var out []linetap.Call
	err = idx.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCalls).Cursor()
		var k, v []byte
		if q.Before != 0 {
			k, _ = c.Seek(u64(q.Before))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev() // Seek lands on the first key ≥ Before
			}
		} else {
			k, v = c.Last()
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			r, err := decodeRecord(k, v) // decodes into fresh memory: nothing aliases the mmap
			if err != nil {
				return fmt.Errorf("%s: %w", s.path(indexName), err)
			}
			if q.Before != 0 && r.Call.ID >= q.Before {
				continue
			}
			if q.Line != nil && r.Call.Line != *q.Line {
				continue
			}
			if q.Number != "" && !strings.Contains(r.Call.CallerID.Number, q.Number) && !strings.Contains(r.Call.Dialled, q.Number) {
				continue
			}
			out = append(out, newest(r, pend).Call)
		}
		return nil
	})
	return out, err
}

// walk calls f with each chunk of r in order, after checking that it is
// where the record's spans say, is contiguous and passes its CRC. The data
// passed to f is valid only during the call.
func (s *Store) walk(r *record, f func(seg, seq uint32, c chunkValue) error) error {
	id := r.Call.ID
	var off int64
	for _, sp := range r.Spans {
		name := s.path(segmentName(sp.Seg))
		err := s.readSegment(sp.Seg, func(tx *bolt.Tx) error {
			next, err := callChunks(tx, id, sp.From, sp.To, func(seq uint32, v []byte) error {
				c, err := parseChunkValue(v)
				if err == nil {
					c, err = s.openChunk(id, seq, c)
				}
				if err != nil {
					return fmt.Errorf("call %d: chunk %d in %s: %w", id, seq, name, err)
				}
				if c.offset != off {
					return fmt.Errorf("%w: call %d: chunk %d in %s starts at sample %d, want %d", ErrCorrupt, id, seq, name, c.offset, off)
				}
				off += int64(c.samples)
				return f(sp.Seg, seq, c)
			})
			if err == nil && next < sp.To {
				err = fmt.Errorf("%w: call %d: chunk %d missing from %s", ErrCorrupt, id, next, name)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	if off != r.Call.Samples {
		return fmt.Errorf("%w: call %d: chunks hold %d samples, the record says %d", ErrCorrupt, id, off, r.Call.Samples)
	}
	return nil
}

// PCM returns the audio of call id decoded with its codec.
func (s *Store) PCM(id uint64) ([]int16, error) {
	r, err := s.record(id)
	if err != nil {
		return nil, err
	}
	cd, err := codec.Lookup(r.Call.Codec)
	if err != nil {
		return nil, fmt.Errorf("storage: call %d: %w", id, err)
	}
	pcm := make([]int16, 0, r.Call.Samples)
	err = s.walk(r, func(seg, seq uint32, c chunkValue) error {
		n := len(pcm)
		if pcm, err = cd.Decode(pcm, c.data); err != nil {
			return fmt.Errorf("%w: call %d: chunk %d in %s: %v", ErrCorrupt, id, seq, s.path(segmentName(seg)), err)
		}
		if len(pcm)-n != c.samples {
			return fmt.Errorf("%w: call %d: chunk %d in %s decodes to %d samples, says %d", ErrCorrupt, id, seq, s.path(segmentName(seg)), len(pcm)-n, c.samples)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pcm, nil
}

// Verify recomputes the SHA-256 of call id's stored chunks and compares it
// with the record; the error names the first break: a missing chunk, a
// chunk failing its CRC-32C or its authentication tag, a gap in the
// samples or a hash mismatch.
func (s *Store) Verify(id uint64) error {
	r, err := s.record(id)
	if err != nil {
		return err
	}
	return s.verifyRecord(r)
}

// Check verifies every call and looks for chunks that no record mentions
// (there should be none after a read-write Open). It reads all audio; it
// returns every problem found, joined.
func (s *Store) Check() error {
	var errs []error
	spans := map[uint32]map[uint64]*record{} // segment → calls with chunks there
	for before := uint64(0); ; {
		calls, err := s.Calls(linetap.CallQuery{Before: before, Limit: 1000})
		if err != nil {
			return err
		}
		for _, c := range calls {
			if err := s.Verify(c.ID); err != nil {
				errs = append(errs, err)
			}
			r, err := s.record(c.ID)
			if err != nil {
				return err
			}
			for _, sp := range r.Spans {
				if spans[sp.Seg] == nil {
					spans[sp.Seg] = map[uint64]*record{}
				}
				spans[sp.Seg][c.ID] = r
			}
			before = c.ID
		}
		if len(calls) < 1000 {
			break
		}
	}
	pending := map[string]bool{} // chunks of deleted calls still to purge
	idx, err := s.indexDB()
	if err != nil {
		return err
	}
	err = idx.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketPurge); b != nil {
			return b.ForEach(func(k, _ []byte) error {
				pending[string(k)] = true
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	var segs []uint32
	for n := range s.segments {
		segs = append(segs, n)
	}
	s.mu.Unlock()
	for _, n := range segs {
		name := s.path(segmentName(n))
		err := s.readSegment(n, func(tx *bolt.Tx) error {
			return forEachChunk(tx, func(_, k, _ []byte) error {
				id, seq, err := parseChunkKey(k)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", name, err))
					return nil
				}
				if pending[string(segCallKey(n, id))] {
					return nil
				}
				if r := spans[n][id]; r == nil || !r.holds(n, seq) {
					errs = append(errs, fmt.Errorf("%w: %s: chunk %d of call %d is in no record", ErrCorrupt, name, seq, id))
				}
				return nil
			})
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
