package storage

import (
	"encoding/hex"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// recover runs at a read-write Open: it deletes chunks no record mentions
// in the segments written since the last clean commit (adopting those
// that continue a call still recording), finishes every call left in state
// recording as interrupted, and opens the newest segment for writing.
func (s *Store) recover(segs []uint32) error {
	// Buckets a store made by an older build lacks.
	missing := false
	err := s.index.View(func(tx *bolt.Tx) error {
		for _, b := range indexBuckets {
			missing = missing || tx.Bucket(b) == nil
		}
		return nil
	})
	if err == nil && missing {
		err = s.index.Update(func(tx *bolt.Tx) error {
			for _, b := range indexBuckets {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("storage: recover %s: %w", s.path(indexName), err)
	}
	if segs, err = s.dropReclaimed(segs); err != nil {
		return err
	}
	if err := s.loadIndexMeta(); err != nil {
		return err
	}
	idxPath := s.path(indexName)
	changed := map[uint64]*record{}
	load := func(id uint64) (*record, error) {
		if r, ok := changed[id]; ok {
			return r, nil
		}
		var r *record
		err := s.index.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketCalls).Get(u64(id))
			if v == nil {
				return nil
			}
			var err error
			r, err = decodeRecord(u64(id), v)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", idxPath, err)
		}
		return r, nil
	}

	// Orphans: chunks whose commit did not reach the index.
	var newest uint32
	for _, n := range segs {
		newest = n
		if n < s.scanFrom {
			continue
		}
		// This segment will be written: walk its pages before bbolt does.
		if err := checkSegmentTree(s.path(segmentName(n))); err != nil {
			return err
		}
		db, err := s.openBolt(segmentName(n), false)
		if err != nil {
			return err
		}
		err = guard(s.path(segmentName(n)), func() error {
			return db.Update(func(tx *bolt.Tx) error { return s.sweep(tx, n, load, changed) })
		})
		if n == segs[len(segs)-1] {
			s.cur, s.curNum = db, n
		} else if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("storage: recover %s: %w", s.path(segmentName(n)), err)
		}
	}
	if s.cur == nil && newest != 0 {
		if err := checkSegmentTree(s.path(segmentName(newest))); err != nil {
			return err
		}
		if err := s.useSegment(newest); err != nil {
			return err
		}
	} else if s.cur != nil {
		if err := s.cur.View(func(tx *bolt.Tx) error { s.curSize = tx.Size(); return nil }); err != nil {
			return err
		}
	}

	// Calls a dead recorder left in state recording.
	var open []uint64
	err = s.index.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecording).ForEach(func(k, _ []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%w: %s: recording key %x", ErrCorrupt, idxPath, k)
			}
			open = append(open, u64v(k))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, id := range open {
		r, err := load(id)
		if err != nil {
			return err
		}
		if r == nil {
			s.log.Warn("storage: dropping recording mark of a call without record", "call", id)
			changed[id] = nil
			continue
		}
		if err := s.finish(r); err != nil {
			return err
		}
		changed[id] = r
		s.recovered = append(s.recovered, id)
		s.log.Warn("storage: call found unfinished, marked interrupted", "call", id, "samples", r.Call.Samples)
	}

	// One index transaction for all of it.
	err = s.index.Update(func(tx *bolt.Tx) error {
		calls, rec, segb, m := tx.Bucket(bucketCalls), tx.Bucket(bucketRecording), tx.Bucket(bucketSegments), tx.Bucket(bucketMeta)
		for id, r := range changed {
			if r == nil {
				if err := rec.Delete(u64(id)); err != nil {
					return err
				}
				continue
			}
			if err := putRecord(tx, calls, rec, r); err != nil {
				return err
			}
			for _, sp := range r.Spans {
				if err := tx.Bucket(bucketSegCalls).Put(segCallKey(sp.Seg, id), []byte{}); err != nil {
					return err
				}
			}
		}
		for _, n := range segs {
			if segb.Get(u32(n)) == nil {
				if err := segb.Put(u32(n), []byte(`{}`)); err != nil {
					return err
				}
			}
		}
		if newest != 0 {
			if err := m.Put(keyCurrent, u32(newest)); err != nil {
				return err
			}
			s.scanFrom = newest
		}
		return m.Put(keyScan, u32(s.scanFrom))
	})
	if err != nil {
		return fmt.Errorf("storage: recover %s: %w", idxPath, err)
	}
	// Chunks of deleted calls a crash left behind.
	_, err = s.purge()
	return err
}

// checkSegmentTree walks the pages of the segment at path (before bbolt
// opens it for writing) and then drops them from the page cache: audio
// is rarely read again, and pages the walk read ahead would sit in large
// folios that bbolt's single-page writes then mark dirty whole (see
// cache_linux.go).
func checkSegmentTree(path string) error {
	if err := checkBoltTree(path); err != nil {
		return err
	}
	if err := dropCache(path); err != nil {
		return fmt.Errorf("storage: %s: %w", path, err)
	}
	return nil
}

// dropReclaimed removes the segment files that retention had already
// taken out of the index when a crash stopped it (older than the current
// segment and no longer listed), and returns the others.
func (s *Store) dropReclaimed(segs []uint32) ([]uint32, error) {
	var cur uint32
	listed := map[uint32]bool{}
	err := s.index.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyCurrent); len(v) == 4 {
			cur = beU32(v)
		}
		return tx.Bucket(bucketSegments).ForEach(func(k, _ []byte) error {
			if len(k) == 4 {
				listed[beU32(k)] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	keep := segs[:0]
	for _, n := range segs {
		if n < cur && !listed[n] {
			s.log.Warn("storage: removing a reclaimed segment a crash left behind", "file", s.path(segmentName(n)))
			if err := os.Remove(s.path(segmentName(n))); err != nil {
				return nil, fmt.Errorf("storage: remove %s: %w", s.path(segmentName(n)), err)
			}
			delete(s.segments, n)
			continue
		}
		keep = append(keep, n)
	}
	return keep, syncDir(s.dir)
}

func u64v(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// sweep deletes the chunks of segment n that no record places there,
// except those that continue a call still recording, which it adopts.
func (s *Store) sweep(tx *bolt.Tx, n uint32, load func(uint64) (*record, error), changed map[uint64]*record) error {
	var drop []chunkRef
	err := forEachChunk(tx, func(batch, k, v []byte) error {
		id, seq, err := parseChunkKey(k)
		if err != nil {
			return err
		}
		r, err := load(id)
		if err != nil {
			return err
		}
		if r != nil && r.holds(n, seq) {
			return nil
		}
		if r != nil && r.Call.State == linetap.StateRecording && seq == r.Chunks {
			cv, err := parseChunkValue(v)
			if err == nil {
				cv, err = s.openChunk(id, seq, cv)
			}
			if err == nil && cv.offset == r.Call.Samples {
				h, err := restoreHash(r.Hash)
				if err != nil {
					return err
				}
				h.Write(cv.data)
				r.Hash = saveHash(h)
				r.Call.Samples += int64(cv.samples)
				r.Call.SHA256 = hex.EncodeToString(h.Sum(nil))
				r.extend(n, seq, seq+1)
				r.Chunks++
				changed[id] = r
				return nil
			}
		}
		s.log.Warn("storage: deleting chunk no record mentions", "file", s.path(segmentName(n)), "call", id, "seq", seq)
		drop = append(drop, chunkRef{batch: clone(batch), key: clone(k)})
		return nil
	})
	if err != nil {
		return err
	}
	if err := deleteChunks(tx, drop); err != nil {
		return err
	}
	return nil
}

// finish marks r interrupted, recomputing Samples and SHA256 over the
// chunks that exist, in order, and cutting it at the first one missing or
// damaged.
func (s *Store) finish(r *record) error {
	h, _ := restoreHash(nil)
	var samples int64
	var chunks uint32
	var spans []span
	err := s.walk(r, func(seg, seq uint32, c chunkValue) error {
		h.Write(c.data)
		samples += int64(c.samples)
		chunks++
		if n := len(spans); n > 0 && spans[n-1].Seg == seg {
			spans[n-1].To = seq + 1
		} else {
			spans = append(spans, span{Seg: seg, From: seq, To: seq + 1})
		}
		return nil
	})
	if err != nil && chunks == r.Chunks {
		err = nil // only the record's sample count was off
	}
	if err != nil {
		s.log.Error("storage: interrupted call cut at a damaged chunk", "call", r.Call.ID, "chunks", chunks, "err", err)
	}
	r.Chunks, r.Spans, r.Hash = chunks, spans, saveHash(h)
	c := &r.Call
	c.Samples = samples
	c.SHA256 = hex.EncodeToString(h.Sum(nil))
	c.State = linetap.StateInterrupted
	c.EndReason = linetap.EndCrash
	if !c.AudioStart.IsZero() && c.Rate > 0 {
		c.End = c.AudioStart.Add(time.Duration(samples) * time.Second / time.Duration(c.Rate))
	} else {
		c.End = c.Start
	}
	c.Duration = max(c.End.Sub(c.Start), 0)
	return nil
}
