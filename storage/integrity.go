package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// The actions the store writes to the audit log. Other packages (the web
// UI) add their own through Audit.
const (
	ActionDelete    = "delete"    // a call was deleted (Detail says why: retention, erase, ...)
	ActionRetention = "retention" // a retention run
	ActionKeep      = "keep"      // a call's legal hold was set or cleared
	ActionAnnotate  = "annotate"  // a call's tags or notes changed
	ActionReclaim   = "reclaim"   // an emptied audio segment file was removed
)

// AuditEntry is one event of the audit log: who did what, when. The store
// sets Seq, Prev and Hash (and Time when it is zero); Hash covers every
// other field and Prev, the Hash of the entry before, so the log is a hash
// chain.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	Action string    `json:"action"`
	Call   uint64    `json:"call,omitempty"`
	Chain  string    `json:"chain,omitempty"` // chain hash of a deleted call
	Detail string    `json:"detail,omitempty"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
}

// Domain-separation labels of the three hashes, so that no value of one
// kind can pass for another.
const (
	labelMeta  = "linetap-meta-v1\n"
	labelChain = "linetap-chain-v1\n"
	labelAudit = "linetap-audit-v1\n"
)

// auditHash returns the hash of e (its Hash field left out).
func auditHash(e AuditEntry) string {
	e.Hash = ""
	b, _ := json.Marshal(e) // a struct of strings, ints and a time: cannot fail
	h := sha256.New()
	h.Write([]byte(labelAudit))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// metaHash returns the hex SHA-256 of a call's metadata: its JSON form as
// this build marshals linetap.Call.
func metaHash(c *linetap.Call) string {
	b, _ := json.Marshal(c) // plain fields: cannot fail
	h := sha256.New()
	h.Write([]byte(labelMeta))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// chainHash links a finished record to the one before it.
func chainHash(seq, id uint64, prev, meta, audio string) string {
	h := sha256.New()
	h.Write([]byte(labelChain))
	var n [16]byte
	binary.BigEndian.PutUint64(n[:], seq)
	binary.BigEndian.PutUint64(n[8:], id)
	h.Write(n[:])
	h.Write([]byte(prev + "\n" + meta + "\n" + audio))
	return hex.EncodeToString(h.Sum(nil))
}

// now is the store's clock.
func (s *Store) now() time.Time {
	if s.opt.Now != nil {
		return s.opt.Now()
	}
	return time.Now()
}

// chain gives a finished record its place in the chain (once).
func chain(tx *bolt.Tx, r *record) error {
	if r.Call.State == linetap.StateRecording || r.Chain != "" {
		return nil
	}
	b := tx.Bucket(bucketChain)
	b.FillPercent = 1.0 // append-only
	prev := ""
	if k, v := b.Cursor().Last(); k != nil {
		if len(v) != 8+sha256.Size {
			return fmt.Errorf("%w: chain entry %x of %d bytes", ErrCorrupt, k, len(v))
		}
		prev = hex.EncodeToString(v[8:])
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	r.ChainSeq, r.Prev, r.Meta = seq, prev, metaHash(&r.Call)
	r.Chain = chainHash(seq, r.Call.ID, prev, r.Meta, r.Call.SHA256)
	sum, _ := hex.DecodeString(r.Chain)
	return b.Put(u64(seq), append(u64(r.Call.ID), sum...))
}

// appendAudit adds e to the audit log in tx.
func (s *Store) appendAudit(tx *bolt.Tx, e AuditEntry) (AuditEntry, error) {
	b := tx.Bucket(bucketAudit)
	b.FillPercent = 1.0 // append-only
	e.Prev = ""
	if k, v := b.Cursor().Last(); k != nil {
		var last AuditEntry
		if err := json.Unmarshal(v, &last); err != nil {
			return e, fmt.Errorf("%w: audit entry %d: %v", ErrCorrupt, u64v(k), err)
		}
		e.Prev = last.Hash
	}
	seq, err := b.NextSequence()
	if err != nil {
		return e, err
	}
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Time = e.Time.UTC().Round(0)
	e.Hash = auditHash(e)
	v, err := json.Marshal(e)
	if err != nil {
		return e, err
	}
	return e, b.Put(u64(seq), v)
}

// Audit appends e to the audit log and returns it as stored. Who and
// Action are required; Seq, Prev and Hash are set by the store, and Time
// when it is zero.
func (s *Store) Audit(e AuditEntry) (AuditEntry, error) {
	if e.Who == "" || e.Action == "" {
		return e, fmt.Errorf("%w: audit entry needs who and action (got who %q, action %q)", ErrInvalid, e.Who, e.Action)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return e, err
	}
	var out AuditEntry
	err := s.index.Update(func(tx *bolt.Tx) error {
		var err error
		out, err = s.appendAudit(tx, e)
		return err
	})
	if err != nil {
		return e, fmt.Errorf("storage: audit in %s: %w", s.path(indexName), err)
	}
	return out, nil
}

// AuditLog returns up to limit audit entries with Seq > after, oldest
// first (limit 0 means DefaultLimit).
func (s *Store) AuditLog(after uint64, limit int) ([]AuditEntry, error) {
	if limit < 0 {
		return nil, fmt.Errorf("%w: audit log: negative limit %d", ErrInvalid, limit)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	idx, err := s.indexDB()
	if err != nil {
		return nil, err
	}
	var out []AuditEntry
	err = idx.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: %s: audit entry %d: %v", ErrCorrupt, s.path(indexName), u64v(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// ChainHead returns the position and hash of the newest link of the chain
// of calls (0 and "" while no call is finished). Kept outside the device,
// it lets a later VerifyAll show that no finished call was cut off.
func (s *Store) ChainHead() (seq uint64, hash string, err error) {
	idx, err := s.indexDB()
	if err != nil {
		return 0, "", err
	}
	err = idx.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChain)
		if b == nil {
			return nil
		}
		k, v := b.Cursor().Last()
		if k == nil {
			return nil
		}
		if len(k) != 8 || len(v) != 8+sha256.Size {
			return fmt.Errorf("%w: %s: chain entry %x malformed", ErrCorrupt, s.path(indexName), k)
		}
		seq, hash = u64v(k), hex.EncodeToString(v[8:])
		return nil
	})
	return seq, hash, err
}

// indexDB returns the open index, or ErrClosed.
func (s *Store) indexDB() (*bolt.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.index, nil
}

// Break is one integrity failure VerifyAll found.
type Break struct {
	// Kind is what broke: "audio" (a chunk or the audio hash), "record"
	// (a record's fields no longer match its metadata hash, or it cannot
	// be read), "chain" (a chain link), "missing" (a chained call is gone
	// and no audited deletion explains it), "unchained" (a finished call
	// outside the chain) or "audit" (an audit entry).
	Kind  string `json:"kind"`
	Call  uint64 `json:"call,omitempty"`
	Audit uint64 `json:"audit,omitempty"`
	// Detail says what is wrong, naming the file, chunk or field.
	Detail string `json:"detail"`
}

// String describes the break in one line.
func (b Break) String() string {
	switch {
	case b.Call != 0:
		return fmt.Sprintf("%s: call %d: %s", b.Kind, b.Call, b.Detail)
	case b.Audit != 0:
		return fmt.Sprintf("%s: entry %d: %s", b.Kind, b.Audit, b.Detail)
	}
	return b.Kind + ": " + b.Detail
}

// Report is what VerifyAll found.
type Report struct {
	Calls   int     `json:"calls"`   // records checked
	Chained int     `json:"chained"` // chain entries walked
	Deleted int     `json:"deleted"` // chain entries of calls deleted with an audit entry
	Audit   int     `json:"audit"`   // audit entries checked
	Breaks  []Break `json:"breaks,omitempty"`
}

// OK reports whether nothing broke.
func (r Report) OK() bool { return len(r.Breaks) == 0 }

// VerifyAll checks the whole store: the audio of every call against its
// SHA-256, every finished record against its metadata hash and the chain,
// the chain from its first link to the last (a link whose record is gone
// is accepted only where the audit log records that call's deletion with
// the same chain hash), and the audit log's own chain. It names every
// break in the Report; the error is non-nil only when the check could not
// run, or wraps ErrCorrupt when something broke.
func (s *Store) VerifyAll() (Report, error) {
	var rep Report
	idx, pend, err := s.snapshot()
	if err != nil {
		return rep, err
	}
	type link struct {
		seq, id uint64
		hash    string
	}
	var links []link
	var recs []*record
	deleted := map[uint64]string{} // call → chain hash in its deletion entry
	add := func(b Break) { rep.Breaks = append(rep.Breaks, b) }
	err = idx.View(func(tx *bolt.Tx) error {
		// The audit log first: deletions explain chain gaps.
		if err := verifyAuditLog(tx, &rep, deleted); err != nil {
			return err
		}
		if b := tx.Bucket(bucketChain); b != nil {
			err := b.ForEach(func(k, v []byte) error {
				if len(k) != 8 || len(v) != 8+sha256.Size {
					add(Break{Kind: "chain", Detail: fmt.Sprintf("chain entry %x malformed (%d bytes)", k, len(v))})
					return nil
				}
				links = append(links, link{seq: u64v(k), id: u64v(v[:8]), hash: hex.EncodeToString(v[8:])})
				return nil
			})
			if err != nil {
				return err
			}
		}
		return tx.Bucket(bucketCalls).ForEach(func(k, v []byte) error {
			rep.Calls++
			r, err := decodeRecord(k, v)
			if err != nil {
				add(Break{Kind: "record", Call: u64v(k), Detail: err.Error()})
				return nil
			}
			recs = append(recs, newest(r, pend))
			return nil
		})
	})
	if err != nil {
		return rep, fmt.Errorf("storage: verify %s: %w", s.path(indexName), err)
	}
	byID := make(map[uint64]*record, len(recs))
	for _, r := range recs {
		byID[r.Call.ID] = r
	}
	// The chain, in order.
	prev, want := "", uint64(1)
	inChain := make(map[uint64]bool, len(links))
	for _, l := range links {
		rep.Chained++
		if l.seq != want {
			add(Break{Kind: "chain", Call: l.id, Detail: fmt.Sprintf("chain entry %d where %d belongs: entries %d…%d are missing", l.seq, want, want, l.seq-1)})
		}
		want = l.seq + 1
		inChain[l.id] = true
		r := byID[l.id]
		if r == nil {
			if h, ok := deleted[l.id]; ok && h == l.hash {
				rep.Deleted++
			} else if ok {
				add(Break{Kind: "missing", Call: l.id, Detail: fmt.Sprintf("chain entry %d: record deleted; the audit log's deletion names chain hash %s, the chain %s", l.seq, h, l.hash)})
			} else {
				add(Break{Kind: "missing", Call: l.id, Detail: fmt.Sprintf("chain entry %d: the record is gone and the audit log records no deletion", l.seq)})
			}
			prev = l.hash
			continue
		}
		switch m := metaHash(&r.Call); {
		case r.ChainSeq != l.seq:
			add(Break{Kind: "chain", Call: l.id, Detail: fmt.Sprintf("record says chain entry %d, the chain has it at %d", r.ChainSeq, l.seq)})
		case m != r.Meta:
			add(Break{Kind: "record", Call: l.id, Detail: fmt.Sprintf("record fields changed: the metadata hashes to %s, it was %s when the call was chained", m, r.Meta)})
		case r.Prev != prev:
			add(Break{Kind: "chain", Call: l.id, Detail: fmt.Sprintf("links to %q, the chain entry before holds %q", r.Prev, prev)})
		case chainHash(l.seq, l.id, r.Prev, r.Meta, r.Call.SHA256) != r.Chain || r.Chain != l.hash:
			add(Break{Kind: "chain", Call: l.id, Detail: fmt.Sprintf("chain hash %s recomputes to %s; the chain holds %s", r.Chain, chainHash(l.seq, l.id, r.Prev, r.Meta, r.Call.SHA256), l.hash)})
		}
		prev = l.hash
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Call.ID < recs[j].Call.ID })
	for _, r := range recs {
		id := r.Call.ID
		if r.Call.State != linetap.StateRecording && !inChain[id] {
			add(Break{Kind: "unchained", Call: id, Detail: fmt.Sprintf("finished (%s) but not in the chain", r.Call.State)})
		}
		if err := s.verifyRecord(r); err != nil {
			if errors.Is(err, ErrClosed) {
				return rep, err
			}
			add(Break{Kind: "audio", Call: id, Detail: err.Error()})
		}
	}
	if len(rep.Breaks) > 0 {
		return rep, fmt.Errorf("%w: %s: %d integrity breaks, the first: %v", ErrCorrupt, s.dir, len(rep.Breaks), rep.Breaks[0])
	}
	return rep, nil
}

// verifyAuditLog walks the audit log's chain in tx, counting entries and
// adding its breaks to rep; deleted receives, per deleted call, the chain
// hash its deletion entry names.
func verifyAuditLog(tx *bolt.Tx, rep *Report, deleted map[uint64]string) error {
	add := func(b Break) { rep.Breaks = append(rep.Breaks, b) }
	if b := tx.Bucket(bucketAudit); b != nil {
		prev, want := "", uint64(1)
		err := b.ForEach(func(k, v []byte) error {
			rep.Audit++
			seq := u64v(k)
			if len(k) != 8 || seq != want {
				add(Break{Kind: "audit", Audit: seq, Detail: fmt.Sprintf("entry %d where %d belongs: entries are missing", seq, want)})
			}
			want = seq + 1
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				add(Break{Kind: "audit", Audit: seq, Detail: fmt.Sprintf("unreadable: %v", err)})
				return nil
			}
			switch {
			case e.Seq != seq:
				add(Break{Kind: "audit", Audit: seq, Detail: fmt.Sprintf("stored under %d but says %d", seq, e.Seq)})
			case auditHash(e) != e.Hash:
				add(Break{Kind: "audit", Audit: seq, Detail: fmt.Sprintf("changed: its fields hash to %s, it says %s", auditHash(e), e.Hash)})
			case e.Prev != prev:
				add(Break{Kind: "audit", Audit: seq, Detail: fmt.Sprintf("links to %q, the entry before is %q", e.Prev, prev)})
			}
			prev = e.Hash
			if e.Action == ActionDelete && e.Call != 0 {
				deleted[e.Call] = e.Chain
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// VerifyAudit checks the audit log's hash chain alone (cheap, unlike
// VerifyAll): every entry's hash, its link to the one before, no gaps.
func (s *Store) VerifyAudit() (Report, error) {
	var rep Report
	idx, err := s.indexDB()
	if err != nil {
		return rep, err
	}
	err = idx.View(func(tx *bolt.Tx) error { return verifyAuditLog(tx, &rep, map[uint64]string{}) })
	if err != nil {
		return rep, fmt.Errorf("storage: verify audit log in %s: %w", s.path(indexName), err)
	}
	if len(rep.Breaks) > 0 {
		return rep, fmt.Errorf("%w: %s: %d audit log breaks, the first: %v", ErrCorrupt, s.dir, len(rep.Breaks), rep.Breaks[0])
	}
	return rep, nil
}

// verifyRecord recomputes the SHA-256 of r's stored chunks.
func (s *Store) verifyRecord(r *record) error {
	h := sha256.New()
	err := s.walk(r, func(_, _ uint32, c chunkValue) error {
		h.Write(c.data)
		return nil
	})
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.Call.SHA256 {
		return fmt.Errorf("%w: call %d: stored chunks hash to %s, the record says %s", ErrCorrupt, r.Call.ID, got, r.Call.SHA256)
	}
	return nil
}

// sameCall reports whether two records describe the same call.
func sameCall(a, b *linetap.Call) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
