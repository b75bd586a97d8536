package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
)

// segInfo is the index's bookkeeping for one segment: the range of call
// IDs with audio in it (for retention, which deletes whole segments).
type segInfo struct {
	FirstCall uint64 `json:"first_call"`
	LastCall  uint64 `json:"last_call"`
}

// NewCallID reserves a fresh call ID (durably: an ID is never handed out
// twice, even across a crash).
func (s *Store) NewCallID() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return 0, err
	}
	var id uint64
	err := s.index.Update(func(tx *bolt.Tx) error {
		var err error
		id, err = tx.Bucket(bucketCalls).NextSequence()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: new call id in %s: %w", s.path(indexName), err)
	}
	return id, nil
}

func (s *Store) writable() error {
	if s.closed {
		return ErrClosed
	}
	if s.opt.ReadOnly {
		return fmt.Errorf("%w: %s", ErrReadOnly, s.dir)
	}
	return nil
}

// callPlan is what a batch does to one call.
type callPlan struct {
	old     *record // stored record, nil for a new call
	rec     *record // the record to store; nil if the batch has none
	codec   codec.Codec
	hash    hash.Hash
	nextSeq uint32
	nextOff int64
	chunks  int  // chunks of this call in the batch
	skip    bool // a finished call committed again unchanged
}

// Commit makes b durable: every chunk in one transaction of the current
// audio segment, then the call records and the segment bookkeeping in one
// transaction of index.db. A record that differs from the call's last
// only in its audio waits in memory instead, up to Options.FlushInterval
// (see the package documentation): its chunks are durable, and Open
// adopts them after a crash. A batch that breaks a rule is refused with
// ErrBatch before anything is written: chunks of a call must continue it
// (Seq 0, 1, 2, … and Offset the sum of the samples before), come with the
// call's record, and decode to their Samples with the call's codec; each
// record's Samples and SHA256 must describe exactly its chunks up to and
// including this batch (an empty SHA256 is accepted, and filled in, for a
// call without audio).
func (s *Store) Commit(b *linetap.Batch) error {
	if b == nil {
		return fmt.Errorf("%w: nil batch", ErrBatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if len(b.Chunks) == 0 && len(b.Calls) == 0 {
		return nil
	}
	plans, order, err := s.plan(b)
	if err != nil {
		return err
	}
	size := int64(1)
	for i := range b.Chunks {
		size += int64(packEntryHdr + chunkHeaderLen + len(b.Chunks[i].Data) + s.sealOverhead())
	}
	if size > bolt.MaxValueSize {
		// A batch's chunks are packed into one bbolt value.
		return fmt.Errorf("%w: %d chunks of %d bytes together, more than one batch can hold (%d)", ErrBatch, len(b.Chunks), size, bolt.MaxValueSize)
	}
	if err := s.ensureSpace(size + int64(len(b.Calls))*1024); err != nil {
		return err
	}
	// A new segment brings every record up to date (in the transaction
	// that moves Open's search for unlisted chunks on to it).
	rotating := len(b.Chunks) > 0 && (s.cur == nil || s.curSize >= s.opt.SegmentSize)
	flush := rotating || s.flushDue()
	for _, id := range order {
		if p := plans[id]; !p.skip && !s.canWait(p) {
			flush = true
		}
	}
	if len(b.Chunks) > 0 {
		if rotating {
			if err := s.rotate(); err != nil {
				return s.writeFault(err)
			}
		}
		if err := s.writeChunks(b.Chunks); err != nil {
			s.dirty, s.stale = true, true
			return s.writeFault(err)
		}
		for _, id := range order {
			if p := plans[id]; !p.skip && p.chunks > 0 {
				p.rec.extend(s.curNum, p.nextSeq-uint32(p.chunks), p.nextSeq)
			}
		}
	}
	if !flush {
		// Only audio moved on, and it is durable in the segment: the
		// records wait in memory (Open adopts their chunks after a crash).
		for _, id := range order {
			if p := plans[id]; !p.skip {
				s.pending[id] = p.rec.clone()
				s.indexed(p.rec)
			}
		}
		s.stale = false
		return nil
	}
	if err := s.writeRecords(plans, order, len(b.Chunks) > 0); err != nil {
		// The chunks are durable but no record mentions them: the next
		// Open must look for them in this segment, and the next commit
		// must drop them before it writes their retry.
		s.dirty, s.stale = true, true
		return s.writeFault(err)
	}
	s.stale = false
	return nil
}

// flushDue reports whether the records waiting in memory have waited
// Options.FlushInterval (s.mu held).
func (s *Store) flushDue() bool {
	return s.opt.FlushInterval < 0 || (len(s.pending) > 0 && s.now().Sub(s.flushed) >= s.opt.FlushInterval)
}

// canWait reports whether p's record may wait in memory: the call is
// recording, index.db already lists it with chunks in the segment being
// written, and nothing but its audio changed (s.mu held).
func (s *Store) canWait(p *callPlan) bool {
	o := p.old
	if o == nil || o.Chunks == 0 || o.Spans[len(o.Spans)-1].Seg != s.curNum || o.Call.State != linetap.StateRecording {
		return false
	}
	a, b := o.Call, p.rec.Call
	a.Samples, a.SHA256, b.Samples, b.SHA256 = 0, "", 0, ""
	return sameCall(&a, &b)
}

// flushPending writes the records waiting in memory to index.db (s.mu
// held).
func (s *Store) flushPending() error {
	if len(s.pending) == 0 {
		return nil
	}
	if err := s.hook(indexName); err != nil {
		return fmt.Errorf("storage: write %d call records to %s: %w", len(s.pending), s.path(indexName), err)
	}
	err := s.index.Update(func(tx *bolt.Tx) error {
		calls, rec := tx.Bucket(bucketCalls), tx.Bucket(bucketRecording)
		for _, r := range s.pending {
			if err := putRecord(tx, calls, rec, r.clone()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: write %d call records to %s: %w", len(s.pending), s.path(indexName), err)
	}
	clear(s.pending)
	s.flushed = s.now()
	return nil
}

// rotate starts the next segment.
func (s *Store) rotate() error {
	next := s.curNum + 1
	for n := range s.segments {
		if n >= next {
			next = n + 1
		}
	}
	if s.cur != nil {
		s.log.Info("storage: segment full, starting the next", "file", s.path(segmentName(s.curNum)), "bytes", s.curSize, "next", segmentName(next))
	}
	if err := s.newSegment(next); err != nil {
		return err
	}
	if !s.dirty {
		s.scanFrom = next
	}
	return nil
}

// plan checks b against the stored records and works out the new ones.
func (s *Store) plan(b *linetap.Batch) (map[uint64]*callPlan, []uint64, error) {
	plans := map[uint64]*callPlan{}
	var order []uint64
	err := s.index.View(func(tx *bolt.Tx) error {
		calls := tx.Bucket(bucketCalls)
		get := func(id uint64) (*callPlan, error) {
			if p := plans[id]; p != nil {
				return p, nil
			}
			p := &callPlan{}
			if r := s.pending[id]; r != nil {
				// Newer than index.db's: only its audio moved on.
				p.old = r
				p.nextSeq, p.nextOff = r.Chunks, r.Call.Samples
			} else if v := calls.Get(u64(id)); v != nil {
				old, err := decodeRecord(u64(id), v)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", s.path(indexName), err)
				}
				p.old = old
				p.nextSeq, p.nextOff = old.Chunks, old.Call.Samples
			}
			var state []byte
			if p.old != nil {
				state = p.old.Hash
			}
			var err error
			if p.hash, err = restoreHash(state); err != nil {
				return nil, fmt.Errorf("%w: %s: call %d: %v", ErrCorrupt, s.path(indexName), id, err)
			}
			plans[id] = p
			order = append(order, id)
			return p, nil
		}
		for i := range b.Calls {
			c := &b.Calls[i]
			if err := checkCall(c); err != nil {
				return fmt.Errorf("%w: calls[%d]: %v", ErrBatch, i, err)
			}
			p, err := get(c.ID)
			if err != nil {
				return err
			}
			if p.rec != nil || p.skip {
				return fmt.Errorf("%w: calls[%d]: call %d appears twice", ErrBatch, i, c.ID)
			}
			if p.old != nil && p.old.Chain != "" {
				// Finished and chained: only the same record again (a
				// retried batch) is accepted, and changes nothing.
				if !sameCall(&p.old.Call, c) {
					return fmt.Errorf("%w: calls[%d]: call %d is finished and chained; its record cannot change", ErrBatch, i, c.ID)
				}
				p.skip = true
				continue
			}
			if p.old != nil && p.old.Chunks > 0 && p.old.Call.Codec != c.Codec {
				return fmt.Errorf("%w: calls[%d]: call %d: codec %q, its stored audio is %q", ErrBatch, i, c.ID, c.Codec, p.old.Call.Codec)
			}
			if p.codec, err = codec.Lookup(c.Codec); err != nil {
				return fmt.Errorf("%w: calls[%d]: call %d: %v", ErrBatch, i, c.ID, err)
			}
			p.rec = &record{Call: *c}
		}
		for i := range b.Chunks {
			c := &b.Chunks[i]
			p := plans[c.Call]
			if p != nil && p.skip {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: the call is finished", ErrBatch, i, c.Call, c.Seq)
			}
			if p == nil || p.rec == nil {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: the batch has no record of call %d", ErrBatch, i, c.Call, c.Seq, c.Call)
			}
			if c.Seq != p.nextSeq {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: want seq %d", ErrBatch, i, c.Call, c.Seq, p.nextSeq)
			}
			if c.Offset != p.nextOff {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: offset %d, want %d (the samples before it)", ErrBatch, i, c.Call, c.Seq, c.Offset, p.nextOff)
			}
			if c.Samples <= 0 || len(c.Data) == 0 {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: empty chunk (%d samples, %d bytes)", ErrBatch, i, c.Call, c.Seq, c.Samples, len(c.Data))
			}
			if uint64(c.Samples) > 1<<31 || len(c.Data) > 1<<30 {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: chunk too large", ErrBatch, i, c.Call, c.Seq)
			}
			n, err := p.codec.Samples(c.Data)
			if err != nil || n != c.Samples {
				return fmt.Errorf("%w: chunks[%d]: call %d seq %d: %d bytes of %s hold %d samples (%v), chunk says %d",
					ErrBatch, i, c.Call, c.Seq, len(c.Data), p.codec.Name(), n, err, c.Samples)
			}
			p.hash.Write(c.Data)
			p.nextSeq++
			p.nextOff += int64(c.Samples)
			p.chunks++
		}
		for _, id := range order {
			p := plans[id]
			if p.skip {
				continue
			}
			r := &p.rec.Call
			want := hex.EncodeToString(p.hash.Sum(nil))
			if r.Samples != p.nextOff {
				return fmt.Errorf("%w: call %d: record says %d samples, its chunks hold %d", ErrBatch, id, r.Samples, p.nextOff)
			}
			if r.SHA256 == "" && r.Samples == 0 {
				r.SHA256 = want
			}
			if r.SHA256 != want {
				return fmt.Errorf("%w: call %d: record SHA256 %q, its chunks hash to %s", ErrBatch, id, r.SHA256, want)
			}
			p.rec.Chunks = p.nextSeq
			p.rec.Hash = saveHash(p.hash)
			if p.old != nil {
				p.rec.Spans = append([]span(nil), p.old.Spans...)
				p.rec.Keep, p.rec.Tags, p.rec.Notes = p.old.Keep, p.old.Tags, p.old.Notes
			}
		}
		return nil
	})
	return plans, order, err
}

// checkCall checks the fields of a record Commit relies on.
func checkCall(c *linetap.Call) error {
	switch {
	case c.ID == 0:
		return fmt.Errorf("call id 0 (use NewCallID)")
	case c.Rate <= 0:
		return fmt.Errorf("call %d: rate %d", c.ID, c.Rate)
	case c.Samples < 0:
		return fmt.Errorf("call %d: %d samples", c.ID, c.Samples)
	}
	switch c.State {
	case linetap.StateRecording, linetap.StateComplete, linetap.StateInterrupted:
	default:
		return fmt.Errorf("call %d: unknown state %q", c.ID, c.State)
	}
	return nil
}

// writeChunks puts chunks into the current segment in one transaction:
// one new batch bucket at the end of the "chunks" tree, holding them
// packed under packKey.
func (s *Store) writeChunks(chunks []linetap.Chunk) error {
	size := 1
	for i := range chunks {
		size += packEntryHdr + chunkHeaderLen + len(chunks[i].Data) + s.sealOverhead()
	}
	// bbolt keeps keys and values until commit: buffers never reused.
	vals := make([]byte, 0, size)
	ents := make([]packEntry, len(chunks))
	for i := range chunks {
		c := &chunks[i]
		start := len(vals)
		var err error
		if vals, err = s.appendChunk(vals, c); err != nil {
			return fmt.Errorf("storage: write %d chunks to %s: %w", len(chunks), s.path(segmentName(s.curNum)), err)
		}
		ents[i] = packEntry{key: chunkKey(c.Call, c.Seq), value: vals[start:len(vals):len(vals)]}
	}
	sortPack(ents)
	pack := appendPack(make([]byte, 0, size), ents)
	if err := s.hook(segmentName(s.curNum)); err != nil {
		return fmt.Errorf("storage: write %d chunks to %s: %w", len(chunks), s.path(segmentName(s.curNum)), err)
	}
	err := s.cur.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketChunks)
		bk.FillPercent = 1.0 // batches only ever go to the end
		fb, err := tx.CreateBucketIfNotExists(bucketFirst)
		if err != nil {
			return err
		}
		if s.stale {
			if err := dropStale(tx, chunks); err != nil {
				return err
			}
		}
		n, err := bk.NextSequence()
		if err != nil {
			return err
		}
		// One value in a bucket of its own is one run of pages, never
		// split and never rewritten.
		name := append(u64(n), 0)
		sub, err := bk.CreateBucket(name)
		if err != nil {
			return err
		}
		sub.FillPercent = 1.0
		if err := sub.Put(packKey, pack); err != nil {
			return err
		}
		for i := range chunks {
			if id := u64(chunks[i].Call); fb.Get(id) == nil {
				if err := fb.Put(id, name); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: write %d chunks to %s: %w", len(chunks), s.path(segmentName(s.curNum)), err)
	}
	return s.cur.View(func(tx *bolt.Tx) error {
		s.curSize = tx.Size()
		return nil
	})
}

// writeRecords stores the planned records, those waiting in memory and
// the segment bookkeeping in one index transaction.
func (s *Store) writeRecords(plans map[uint64]*callPlan, order []uint64, wroteChunks bool) error {
	if err := s.hook(indexName); err != nil {
		return fmt.Errorf("storage: write %d call records to %s: %w", len(order), s.path(indexName), err)
	}
	err := s.index.Update(func(tx *bolt.Tx) error {
		calls, rec, segs := tx.Bucket(bucketCalls), tx.Bucket(bucketRecording), tx.Bucket(bucketSegments)
		var info segInfo
		if wroteChunks {
			if v := segs.Get(u32(s.curNum)); v != nil {
				if err := json.Unmarshal(v, &info); err != nil {
					return fmt.Errorf("%w: segment %d info: %v", ErrCorrupt, s.curNum, err)
				}
			}
		}
		for _, id := range order {
			p := plans[id]
			if p.skip {
				continue
			}
			if p.chunks > 0 {
				if info.FirstCall == 0 || id < info.FirstCall {
					info.FirstCall = id
				}
				info.LastCall = max(info.LastCall, id)
				// Only what changes is written: a Put of the same value
				// still rewrites its page.
				if sc := tx.Bucket(bucketSegCalls); sc.Get(segCallKey(s.curNum, id)) == nil {
					if err := sc.Put(segCallKey(s.curNum, id), []byte{}); err != nil {
						return err
					}
				}
			}
			if err := putRecord(tx, calls, rec, p.rec); err != nil {
				return err
			}
		}
		// The records waiting in memory go with them.
		for id, r := range s.pending {
			if p := plans[id]; p == nil || p.skip {
				if err := putRecord(tx, calls, rec, r.clone()); err != nil {
					return err
				}
			}
		}
		m := tx.Bucket(bucketMeta)
		if wroteChunks {
			v, err := json.Marshal(info)
			if err != nil {
				return err
			}
			if err := errors.Join(putChanged(segs, u32(s.curNum), v), putChanged(m, keyCurrent, u32(s.curNum))); err != nil {
				return err
			}
		}
		return putChanged(m, keyScan, u32(s.scanFrom))
	})
	if err != nil {
		return fmt.Errorf("storage: write %d call records to %s: %w", len(order), s.path(indexName), err)
	}
	for _, id := range order {
		if p := plans[id]; !p.skip {
			s.indexed(p.rec)
		}
	}
	clear(s.pending)
	s.flushed = s.now()
	return nil
}

// putRecord stores r, chaining it if it is finished, and keeps the
// recording bucket in step.
func putRecord(tx *bolt.Tx, calls, recording *bolt.Bucket, r *record) error {
	if err := chain(tx, r); err != nil {
		return err
	}
	v, err := encodeRecord(r)
	if err != nil {
		return err
	}
	k := u64(r.Call.ID)
	if err := calls.Put(k, v); err != nil {
		return err
	}
	if r.Call.State == linetap.StateRecording {
		if recording.Get(k) != nil {
			return nil // a Put of what is there still rewrites the page
		}
		return recording.Put(k, []byte{})
	}
	if recording.Get(k) == nil {
		return nil
	}
	return recording.Delete(k)
}

// dropStale deletes, from the current segment, chunks a failed commit may
// have left that the batch chunks writes again: for each call, those at or
// after the batch's first seq of it.
func dropStale(tx *bolt.Tx, chunks []linetap.Chunk) error {
	from := map[uint64]uint32{}
	for i := range chunks {
		c := &chunks[i]
		if f, ok := from[c.Call]; !ok || c.Seq < f {
			from[c.Call] = c.Seq
		}
	}
	var refs []chunkRef
	err := forEachChunk(tx, func(batch, k, _ []byte) error {
		id, seq, err := parseChunkKey(k)
		if err != nil {
			return err
		}
		if f, ok := from[id]; ok && seq >= f {
			refs = append(refs, chunkRef{batch: clone(batch), key: clone(k)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return deleteChunks(tx, refs)
}

// clone copies b (nil stays nil).
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// putChanged puts v under k unless it is there already.
func putChanged(b *bolt.Bucket, k, v []byte) error {
	if bytes.Equal(b.Get(k), v) {
		return nil
	}
	return b.Put(k, v)
}
