package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// Retention says which calls the store deletes by itself. Calls with the
// keep flag (SetKeep) and calls still recording are never deleted.
type Retention struct {
	// MaxAge deletes calls that ended longer ago than this (0: keep
	// forever).
	MaxAge time.Duration
	// LineMaxAge overrides MaxAge per line (the call's Line); a 0 there
	// keeps that line's calls forever.
	LineMaxAge map[int]time.Duration
	// MinFree is the free-space floor in bytes: below it the oldest
	// unprotected calls are deleted, whole segments at a time (0:
	// DefaultMinFree; negative: no floor).
	MinFree int64
	// Every is how often the store applies MaxAge by itself (0: hourly;
	// negative: only when ApplyRetention is called).
	Every time.Duration
}

// maxAge returns the age limit of line (0: none).
func (r *Retention) maxAge(line int) time.Duration {
	if a, ok := r.LineMaxAge[line]; ok {
		return a
	}
	return r.MaxAge
}

// RetentionResult says what a retention run did.
type RetentionResult struct {
	Deleted   int // calls deleted
	Held      int // expired calls kept by their keep flag
	Reclaimed int // segment files removed
}

// segCallKey is the key of (segment, call) in the segcalls and purge
// buckets: big-endian, so a segment's calls are one prefix.
func segCallKey(seg uint32, id uint64) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint32(k, seg)
	binary.BigEndian.PutUint64(k[4:], id)
	return k
}

// who defaults an empty actor name.
func who(w string) string {
	if w == "" {
		return "storage"
	}
	return w
}

// deleteLocked deletes the calls ids (s.mu held): each record leaves the
// index in one transaction with an audit entry naming it and its chain
// hash; its chain entry stays, so the chain still verifies. Chunks are
// queued in the purge bucket and removed by purge: a segment no live call
// has chunks in is deleted as a file, in the others the chunks are
// deleted. Calls recording or kept are skipped; deleted lists the others.
func (s *Store) deleteLocked(ids []uint64, actor, why string) (deleted, held []uint64, err error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	if err := s.hook(indexName); err != nil {
		return nil, nil, err
	}
	err = s.index.Update(func(tx *bolt.Tx) error {
		calls, rec := tx.Bucket(bucketCalls), tx.Bucket(bucketRecording)
		segc, purge := tx.Bucket(bucketSegCalls), tx.Bucket(bucketPurge)
		for _, id := range ids {
			v := calls.Get(u64(id))
			if v == nil {
				continue
			}
			r, err := decodeRecord(u64(id), v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.path(indexName), err)
			}
			if r.Call.State == linetap.StateRecording {
				continue
			}
			if r.Keep {
				held = append(held, id)
				continue
			}
			if err := errors.Join(calls.Delete(u64(id)), rec.Delete(u64(id))); err != nil {
				return err
			}
			for _, sp := range r.Spans {
				if err := errors.Join(segc.Delete(segCallKey(sp.Seg, id)), purge.Put(segCallKey(sp.Seg, id), []byte{})); err != nil {
					return err
				}
			}
			if _, err := s.appendAudit(tx, AuditEntry{Who: who(actor), Action: ActionDelete, Call: id, Chain: r.Chain, Detail: why}); err != nil {
				return err
			}
			deleted = append(deleted, id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("storage: delete calls in %s: %w", s.path(indexName), err)
	}
	s.unindexed(deleted)
	return deleted, held, nil
}

// purge removes the chunks of deleted calls (s.mu held): a segment that no
// live call has chunks in (and is not being written) is removed as a
// file; in the others the chunks are deleted. It returns how many files
// it removed. A segment it cannot open now stays queued for the next try.
func (s *Store) purge() (int, error) {
	pending := map[uint32][]uint64{}
	live := map[uint32]bool{}
	err := s.index.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketPurge).ForEach(func(k, _ []byte) error {
			if len(k) != 12 {
				return fmt.Errorf("%w: %s: purge key %x", ErrCorrupt, s.path(indexName), k)
			}
			seg := beU32(k)
			pending[seg] = append(pending[seg], u64v(k[4:]))
			return nil
		})
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketSegCalls).Cursor()
		for seg := range pending {
			k, _ := c.Seek(u32(seg))
			live[seg] = k != nil && bytes.HasPrefix(k, u32(seg))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	segs := make([]uint32, 0, len(pending))
	for n := range pending {
		segs = append(segs, n)
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i] < segs[j] })
	removed := 0
	var errs []error
	for _, n := range segs {
		name := s.path(segmentName(n))
		reclaim := !live[n] && n != s.curNum && s.segments[n]
		if s.segments[n] && !reclaim {
			if err := s.dropChunks(n, pending[n]); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		err := s.index.Update(func(tx *bolt.Tx) error {
			pb := tx.Bucket(bucketPurge)
			for _, id := range pending[n] {
				if err := pb.Delete(segCallKey(n, id)); err != nil {
					return err
				}
			}
			if !reclaim {
				return nil
			}
			if err := tx.Bucket(bucketSegments).Delete(u32(n)); err != nil {
				return err
			}
			_, err := s.appendAudit(tx, AuditEntry{Who: "storage", Action: ActionReclaim, Detail: "removed " + segmentName(n) + ": every call in it was deleted"})
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("storage: purge %s: %w", name, err))
			continue
		}
		if reclaim {
			// Delisted first: a crash now leaves a file Open removes.
			if err := os.Remove(name); err != nil {
				errs = append(errs, fmt.Errorf("storage: remove %s: %w", name, err))
				continue
			}
			delete(s.segments, n)
			removed++
			s.log.Info("storage: segment reclaimed", "file", name)
		}
	}
	if removed > 0 {
		errs = append(errs, syncDir(s.dir))
	}
	return removed, errors.Join(errs...)
}

// dropChunks deletes the chunks of calls ids from segment n.
func (s *Store) dropChunks(n uint32, ids []uint64) error {
	db := s.cur
	if db == nil || n != s.curNum {
		var err error
		if db, err = s.openBolt(segmentName(n), false); err != nil {
			return err
		}
		defer db.Close()
	}
	gone := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	err := db.Update(func(tx *bolt.Tx) error {
		var refs []chunkRef
		err := forEachChunk(tx, func(batch, k, _ []byte) error {
			if id, _, err := parseChunkKey(k); err == nil && gone[id] {
				refs = append(refs, chunkRef{batch: clone(batch), key: clone(k)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteChunks(tx, refs); err != nil {
			return err
		}
		if fb := tx.Bucket(bucketFirst); fb != nil {
			for _, id := range ids {
				if err := fb.Delete(u64(id)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: delete chunks from %s: %w", s.path(segmentName(n)), err)
	}
	return nil
}

// Delete deletes calls ids (not those recording or kept), audited as done
// by who for why, and returns the IDs it deleted.
func (s *Store) Delete(ids []uint64, who, why string) ([]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return nil, err
	}
	d, _, err := s.deleteLocked(ids, who, why)
	if err != nil {
		return d, err
	}
	_, err = s.purge()
	return d, err
}

// EraseNumber deletes every call whose caller-ID number or dialled digits
// equal number (ignoring spaces, dashes, dots and brackets), for a
// data-protection request, audited as done by who. Calls under legal hold
// are not erased and are returned as held, each with an audit entry
// saying so; calls still recording are left alone.
func (s *Store) EraseNumber(number, who string) (erased, held []uint64, err error) {
	want := normNumber(number)
	if want == "" {
		return nil, nil, fmt.Errorf("%w: erase: number %q has no digits", ErrInvalid, number)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return nil, nil, err
	}
	// Candidates from the search index: no record is decoded for them.
	x, err := s.searchLocked()
	if err != nil {
		return nil, nil, err
	}
	var ids []uint64
	x.mu.RLock()
	for i := range x.list {
		num, dl, _ := x.text(&x.list[i])
		if normNumber(string(num)) == want || normNumber(string(dl)) == want {
			ids = append(ids, x.list[i].id)
		}
	}
	x.mu.RUnlock()
	erased, held, err = s.deleteLocked(ids, who, "erase number "+number)
	if err != nil {
		return erased, held, err
	}
	if len(held) > 0 {
		// The refusal is on record too: the request was not fully met.
		err = s.index.Update(func(tx *bolt.Tx) error {
			for _, id := range held {
				if _, err := s.appendAudit(tx, AuditEntry{Who: who, Action: ActionKeep, Call: id, Detail: "not erased (number " + number + "): under legal hold"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return erased, held, fmt.Errorf("storage: audit in %s: %w", s.path(indexName), err)
		}
	}
	_, err = s.purge()
	return erased, held, err
}

// normNumber keeps the dialable characters of a number.
func normNumber(n string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '+' || r == '*' || r == '#' {
			return r
		}
		return -1
	}, n)
}

// ApplyRetention deletes the calls older than the retention age of their
// line (by End), except those kept or recording, audited as done by who.
// It picks them from the search index (built on first use) and decodes
// only those.
func (s *Store) ApplyRetention(who string) (RetentionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res RetentionResult
	if err := s.writable(); err != nil {
		return res, err
	}
	ret := &s.opt.Retention
	if ret.MaxAge <= 0 && len(ret.LineMaxAge) == 0 {
		return res, nil
	}
	now := s.now().UnixNano()
	// Candidates from the search index: only they are decoded.
	x, err := s.searchLocked()
	if err != nil {
		return res, err
	}
	var ids []uint64
	x.mu.RLock()
	for i := range x.list {
		sm := &x.list[i]
		age := ret.maxAge(int(sm.line))
		if age > 0 && sm.flags&flagRecording == 0 && now-sm.end > int64(age) {
			ids = append(ids, sm.id)
		}
	}
	x.mu.RUnlock()
	d, h, err := s.deleteLocked(ids, who, "retention: older than the line's retention age")
	res.Deleted, res.Held = len(d), len(h)
	if err != nil {
		return res, err
	}
	res.Reclaimed, err = s.purge()
	if err != nil {
		return res, err
	}
	err = s.index.Update(func(tx *bolt.Tx) error {
		_, err := s.appendAudit(tx, AuditEntry{Who: who, Action: ActionRetention,
			Detail: fmt.Sprintf("deleted %d calls, %d held, %d segment files removed", res.Deleted, res.Held, res.Reclaimed)})
		return err
	})
	return res, err
}

// freeSpace deletes the unprotected calls of the oldest segments, one
// segment at a time, until floor bytes are free (s.mu held). A segment
// with a kept or recording call is passed over. It returns the calls
// deleted.
func (s *Store) freeSpace(floor int64) (int, error) {
	segs := make([]uint32, 0, len(s.segments))
	for n := range s.segments {
		if n != s.curNum {
			segs = append(segs, n)
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i] < segs[j] })
	total := 0
	for _, n := range segs {
		if free, ok := s.free(); !ok || free >= floor {
			break
		}
		var ids []uint64
		blocked := false
		err := s.index.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketSegCalls).Cursor()
			p := u32(n)
			calls := tx.Bucket(bucketCalls)
			for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
				id := u64v(k[4:])
				v := calls.Get(u64(id))
				if v == nil {
					continue
				}
				r, err := decodeRecord(u64(id), v)
				if err != nil {
					return err
				}
				if r.Keep || r.Call.State == linetap.StateRecording {
					blocked = true
					return nil
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		if blocked {
			continue
		}
		d, _, err := s.deleteLocked(ids, "storage", "retention: free space below the floor")
		total += len(d)
		if err != nil {
			return total, err
		}
		if _, err := s.purge(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// SetKeep sets or clears the legal hold of call id, audited as done by
// who: a kept call is never deleted by retention or erasure.
func (s *Store) SetKeep(id uint64, keep bool, who string) error {
	return s.update(id, who, ActionKeep, fmt.Sprintf("keep=%v", keep), func(r *record) { r.Keep = keep })
}

// Annotation is what people add to a call after it: tags and notes.
type Annotation struct {
	Tags  []string `json:"tags"`
	Notes string   `json:"notes"`
}

// MaxTags, MaxTagLen and MaxNotesLen bound an Annotation.
const (
	MaxTags     = 32
	MaxTagLen   = 64
	MaxNotesLen = 4096
)

// Annotate replaces the tags and notes of call id, audited as done by
// who. Tags are trimmed, must be non-empty and are de-duplicated.
func (s *Store) Annotate(id uint64, a Annotation, who string) error {
	if len(a.Tags) > MaxTags || len(a.Notes) > MaxNotesLen {
		return fmt.Errorf("%w: annotate call %d: %d tags (at most %d), %d bytes of notes (at most %d)", ErrInvalid, id, len(a.Tags), MaxTags, len(a.Notes), MaxNotesLen)
	}
	var tags []string
	seen := map[string]bool{}
	for i, t := range a.Tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > MaxTagLen {
			return fmt.Errorf("%w: annotate call %d: tags[%d] %q: empty or longer than %d bytes", ErrInvalid, id, i, a.Tags[i], MaxTagLen)
		}
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return s.update(id, who, ActionAnnotate, fmt.Sprintf("tags=%q notes=%d bytes", tags, len(a.Notes)), func(r *record) {
		r.Tags, r.Notes = tags, a.Notes
	})
}

// update changes the annotations of call id and audits it.
func (s *Store) update(id uint64, actor, action, detail string, f func(*record)) error {
	if actor == "" {
		return fmt.Errorf("%w: %s call %d: who is empty", ErrInvalid, action, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	var r *record
	err := s.index.Update(func(tx *bolt.Tx) error {
		calls := tx.Bucket(bucketCalls)
		v := calls.Get(u64(id))
		if v == nil {
			return fmt.Errorf("%w: call %d in %s", ErrNotFound, id, s.path(indexName))
		}
		var err error
		if r, err = decodeRecord(u64(id), v); err != nil {
			return fmt.Errorf("%s: %w", s.path(indexName), err)
		}
		r = newest(r, s.pending)
		f(r)
		nv, err := encodeRecord(r)
		if err != nil {
			return err
		}
		if err := calls.Put(u64(id), nv); err != nil {
			return err
		}
		_, err = s.appendAudit(tx, AuditEntry{Who: actor, Action: action, Call: id, Detail: detail})
		return err
	})
	if err != nil {
		return err
	}
	delete(s.pending, id) // written with the change
	s.indexed(r)
	return nil
}

// SetLineRetention sets the age limit of line's calls (0: the store-wide
// Retention.MaxAge), as the line settings of the web UI change it; the
// next retention pass applies it.
func (s *Store) SetLineRetention(line int, maxAge time.Duration) error {
	if line < 0 || maxAge < 0 {
		return fmt.Errorf("%w: retention of line %d: %v", ErrInvalid, line, maxAge)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[int]time.Duration, len(s.opt.Retention.LineMaxAge)+1)
	for k, v := range s.opt.Retention.LineMaxAge {
		m[k] = v
	}
	if maxAge == 0 {
		delete(m, line)
	} else {
		m[line] = maxAge
	}
	s.opt.Retention.LineMaxAge = m
	return nil
}

// startRetention starts the goroutine that applies the age limits every
// Retention.Every; Close stops it.
func (s *Store) startRetention() {
	ret := s.opt.Retention
	if ret.Every < 0 {
		return
	}
	every := ret.Every
	if every == 0 {
		every = time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			res, err := s.ApplyRetention("retention")
			if err != nil && !errors.Is(err, ErrClosed) {
				s.log.Error("storage: retention", "err", err)
			} else if res.Deleted > 0 {
				s.log.Info("storage: retention", "deleted", res.Deleted, "held", res.Held, "reclaimed", res.Reclaimed)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
