package storage

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// MaxLimit is the most calls one Search page returns.
const MaxLimit = 1000

// Query selects calls for Search. Zero fields select everything.
type Query struct {
	From, To    time.Time         // Start in [From, To)
	Line        *int              // this line only
	Direction   linetap.Direction // this direction only
	Number      string            // substring of the caller-ID number or the dialled digits
	Name        string            // case-insensitive substring of the caller-ID name
	MinDuration time.Duration     // Duration ≥ MinDuration (0: no limit)
	MaxDuration time.Duration     // Duration ≤ MaxDuration (0: no limit)
	Tags        []string          // every one of these tags
	Limit       int               // calls per page (0: DefaultLimit; at most MaxLimit)
	Before      uint64            // paging: calls with ID < Before (Page.Next of the page before)
}

// CallInfo is a call with what people added to it.
type CallInfo struct {
	linetap.Call
	Keep  bool     `json:"keep,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	Notes string   `json:"notes,omitempty"`
}

// Page is one page of Search results, newest first.
type Page struct {
	Calls []CallInfo `json:"calls"`
	// Next is the Before of the next page; 0 when this is the last.
	Next uint64 `json:"next,omitempty"`
}

// summary is what the in-memory search index keeps of a call: no
// pointers, so a scan of a million runs through memory in order; the
// texts live in the index's arena.
type summary struct {
	id    uint64
	start int64  // unix nanoseconds
	end   int64  // unix nanoseconds: End, or Start when there is none
	dur   int64  // nanoseconds
	tags  uint64 // bit i: tag tagNames[i]; bit 63: tags beyond those, in extra
	off   uint32 // number, dialled digits and lower-case name, in the arena
	nlen  uint16
	dlen  uint16
	mlen  uint16
	line  int16
	dir   uint8
	flags uint8 // flagKeep, flagRecording
}

// Summary flags.
const (
	flagKeep      = 1 << iota // legal hold
	flagRecording             // state recording
)

// overflowTag marks a call with tags beyond the 63 interned ones.
const overflowTag = 63

// directions numbers the directions for summary.dir (0: another).
var directions = map[linetap.Direction]uint8{linetap.Inbound: 1, linetap.Outbound: 2, linetap.Unknown: 3}

// searchIndex holds a summary of every call, sorted by ID.
type searchIndex struct {
	mu       sync.RWMutex
	list     []summary
	arena    []byte
	tagBits  map[string]uint8
	tagNames []string
	extra    map[uint64][]string // tags of calls with bit 63 set

	// grams maps a trigram of a number or dialled digits (field 0) or a
	// lower-case name (field 1), packed as field<<24 | 3 bytes, to the
	// IDs of the calls whose text had it, ascending. IDs of calls deleted
	// or whose text changed may remain: every candidate is checked
	// against its summary.
	grams map[uint32][]uint32
	bigID bool // an ID does not fit 32 bits: grams are not used
}

func newSearchIndex(n int) *searchIndex {
	return &searchIndex{list: make([]summary, 0, n), arena: make([]byte, 0, n*24), tagBits: map[string]uint8{},
		extra: map[uint64][]string{}, grams: map[uint32][]uint32{}}
}

// gram packs the trigram at the start of b for field f.
func gram(f uint32, b []byte) uint32 {
	return f<<24 | uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
}

// addGrams adds call id under every trigram of its texts.
func (x *searchIndex) addGrams(id uint64, texts ...[]byte) {
	if id >= 1<<32 {
		x.bigID = true
		return
	}
	v := uint32(id)
	for f, t := range texts {
		field := uint32(0) // number and dialled digits share field 0
		if f == 2 {
			field = 1
		}
		for i := 0; i+3 <= len(t); i++ {
			k := gram(field, t[i:])
			l := x.grams[k]
			switch n := len(l); {
			case n == 0 || l[n-1] < v:
				x.grams[k] = append(l, v)
			case l[n-1] == v:
			default:
				j, found := slices.BinarySearch(l, v)
				if !found {
					x.grams[k] = slices.Insert(l, j, v)
				}
			}
		}
	}
}

// candidates returns the IDs of the only calls that can match m's number
// and name, ascending, and true; or false when the whole list must be
// scanned (no text of three bytes or more in the query).
func (x *searchIndex) candidates(m *matcher) ([]uint32, bool) {
	if x.bigID {
		return nil, false
	}
	var best []uint32
	found := false
	for f, t := range [][]byte{m.number, m.name} {
		for i := 0; i+3 <= len(t); i++ {
			l := x.grams[gram(uint32(f), t[i:])]
			if !found || len(l) < len(best) {
				best, found = l, true
			}
		}
	}
	return best, found
}

// text returns the three texts of sm.
func (x *searchIndex) text(sm *summary) (number, dialled, name []byte) {
	t := x.arena[sm.off:]
	return t[:sm.nlen], t[sm.nlen : sm.nlen+sm.dlen], t[sm.nlen+sm.dlen : sm.nlen+sm.dlen+sm.mlen]
}

func clip(s string) string {
	if len(s) > 1<<16-1 {
		return s[:1<<16-1]
	}
	return s
}

// summarize makes the summary of r (x.mu held for writing); old, when
// not nil, is the call's summary so far, whose texts are reused when
// they did not change.
func (x *searchIndex) summarize(r *record, old *summary) summary {
	c := &r.Call
	num, dl, nm := clip(c.CallerID.Number), clip(c.Dialled), clip(strings.ToLower(c.CallerID.Name))
	sm := summary{id: c.ID, start: c.Start.UnixNano(), end: c.End.UnixNano(), dur: int64(c.Duration), line: int16(c.Line), dir: directions[c.Direction]}
	if c.End.IsZero() {
		sm.end = sm.start
	}
	if r.Keep {
		sm.flags |= flagKeep
	}
	if c.State == linetap.StateRecording {
		sm.flags |= flagRecording
	}
	if old != nil {
		on, od, om := x.text(old)
		if string(on) == num && string(od) == dl && string(om) == nm {
			sm.off, sm.nlen, sm.dlen, sm.mlen = old.off, old.nlen, old.dlen, old.mlen
		}
	}
	if sm.nlen+sm.dlen+sm.mlen == 0 && len(num)+len(dl)+len(nm) > 0 {
		sm.off = uint32(len(x.arena))
		x.arena = append(append(append(x.arena, num...), dl...), nm...)
		sm.nlen, sm.dlen, sm.mlen = uint16(len(num)), uint16(len(dl)), uint16(len(nm))
		tn, td, tm := x.text(&sm)
		x.addGrams(c.ID, tn, td, tm)
	}
	delete(x.extra, c.ID)
	for _, t := range r.Tags {
		b, ok := x.tagBits[t]
		if !ok && len(x.tagNames) < overflowTag {
			b, ok = uint8(len(x.tagNames)), true
			x.tagBits[t] = b
			x.tagNames = append(x.tagNames, t)
		}
		if ok {
			sm.tags |= 1 << b
		} else {
			sm.tags |= 1 << overflowTag
			x.extra[c.ID] = append(x.extra[c.ID], t)
		}
	}
	return sm
}

func (x *searchIndex) find(id uint64) (int, bool) {
	i := sort.Search(len(x.list), func(i int) bool { return x.list[i].id >= id })
	return i, i < len(x.list) && x.list[i].id == id
}

// put adds or replaces the summary of r.
func (x *searchIndex) put(r *record) {
	x.mu.Lock()
	defer x.mu.Unlock()
	id := r.Call.ID
	if n := len(x.list); n == 0 || x.list[n-1].id < id {
		x.list = append(x.list, x.summarize(r, nil))
		return
	}
	i, ok := x.find(id)
	if ok {
		x.list[i] = x.summarize(r, &x.list[i])
		return
	}
	x.list = slices.Insert(x.list, i, x.summarize(r, nil))
}

// remove drops the summaries of ids. Their texts stay in the arena until
// the index is rebuilt (at the next Open).
func (x *searchIndex) remove(ids []uint64) {
	if len(ids) == 0 {
		return
	}
	gone := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
		delete(x.extra, id)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.list = slices.DeleteFunc(x.list, func(sm summary) bool { return gone[sm.id] })
}

// indexed keeps the search index (if built) in step with r (s.mu held).
func (s *Store) indexed(r *record) {
	if s.search != nil && r != nil {
		s.search.put(r)
	}
}

// searchIndex returns the search index, building it from index.db on
// first use.
func (s *Store) searchIndex() (*searchIndex, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.searchLocked()
}

// searchLocked is searchIndex with s.mu held.
func (s *Store) searchLocked() (*searchIndex, error) {
	if s.search != nil {
		return s.search, nil
	}
	var x *searchIndex
	err := s.index.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		x = newSearchIndex(b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(k, v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.path(indexName), err)
			}
			x.list = append(x.list, x.summarize(r, nil))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.search = x
	return x, nil
}

// matcher is a Query prepared for scanning summaries.
type matcher struct {
	q        *Query
	from, to int64
	dir      uint8
	number   []byte
	name     []byte
	tags     uint64   // interned tags the call must have
	extra    []string // tags that are not interned: the call must have them in extra
}

func (x *searchIndex) matcher(q *Query) matcher {
	m := matcher{q: q, from: -1 << 63, to: 1<<63 - 1, number: []byte(q.Number), name: []byte(strings.ToLower(q.Name))}
	if !q.From.IsZero() {
		m.from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		m.to = q.To.UnixNano()
	}
	if q.Direction != "" {
		m.dir = directions[q.Direction]
		if m.dir == 0 {
			m.dir = 0xFF // no call has it
		}
	}
	for _, t := range q.Tags {
		if b, ok := x.tagBits[t]; ok {
			m.tags |= 1 << b
		} else {
			m.extra = append(m.extra, t)
		}
	}
	return m
}

// match reports whether sm satisfies the query (x.mu held).
func (x *searchIndex) match(m *matcher, sm *summary) bool {
	q := m.q
	switch {
	case sm.start < m.from || sm.start >= m.to:
		return false
	case q.Line != nil && int(sm.line) != *q.Line:
		return false
	case m.dir != 0 && sm.dir != m.dir:
		return false
	case q.MinDuration > 0 && sm.dur < int64(q.MinDuration):
		return false
	case q.MaxDuration > 0 && sm.dur > int64(q.MaxDuration):
		return false
	case sm.tags&m.tags != m.tags:
		return false
	}
	if len(m.extra) > 0 {
		if sm.tags&(1<<overflowTag) == 0 {
			return false
		}
		for _, t := range m.extra {
			if !slices.Contains(x.extra[sm.id], t) {
				return false
			}
		}
	}
	if len(m.number) > 0 || len(m.name) > 0 {
		num, dl, nm := x.text(sm)
		if len(m.number) > 0 && !bytes.Contains(num, m.number) && !bytes.Contains(dl, m.number) {
			return false
		}
		if len(m.name) > 0 && !bytes.Contains(nm, m.name) {
			return false
		}
	}
	return true
}

// Search returns a page of the calls q selects, newest (highest ID)
// first. The first Search builds an in-memory index of every call (see
// doc.go, Caveats); later ones scan it without touching the disk except
// to read the page's records.
func (s *Store) Search(q Query) (Page, error) {
	switch {
	case q.Limit < 0 || q.Limit > MaxLimit:
		return Page{}, fmt.Errorf("%w: search: limit %d outside 0…%d", ErrInvalid, q.Limit, MaxLimit)
	case !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From):
		return Page{}, fmt.Errorf("%w: search: time range %v … %v is empty", ErrInvalid, q.From, q.To)
	case q.MinDuration < 0 || q.MaxDuration < 0 || (q.MaxDuration > 0 && q.MaxDuration < q.MinDuration):
		return Page{}, fmt.Errorf("%w: search: duration range %v … %v", ErrInvalid, q.MinDuration, q.MaxDuration)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	x, err := s.searchIndex()
	if err != nil {
		return Page{}, err
	}
	var ids []uint64
	var next uint64
	x.mu.RLock()
	m := x.matcher(&q)
	take := func(sm *summary) bool {
		if !x.match(&m, sm) {
			return true
		}
		if len(ids) == limit {
			next = ids[len(ids)-1]
			return false
		}
		ids = append(ids, sm.id)
		return true
	}
	if cands, ok := x.candidates(&m); ok {
		// Only the calls whose texts hold a trigram of the query.
		for j := len(cands) - 1; j >= 0; j-- {
			id := uint64(cands[j])
			if q.Before != 0 && id >= q.Before {
				continue
			}
			if i, ok := x.find(id); ok && !take(&x.list[i]) {
				break
			}
		}
	} else {
		i := len(x.list)
		if q.Before != 0 {
			i, _ = x.find(q.Before)
		}
		for i--; i >= 0; i-- {
			if !take(&x.list[i]) {
				break
			}
		}
	}
	x.mu.RUnlock()
	page := Page{Next: next, Calls: make([]CallInfo, 0, len(ids))}
	idx, err := s.indexDB()
	if err != nil {
		return Page{}, err
	}
	err = idx.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		for _, id := range ids {
			v := b.Get(u64(id))
			if v == nil {
				continue // deleted since the scan
			}
			r, err := decodeRecord(u64(id), v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.path(indexName), err)
			}
			page.Calls = append(page.Calls, r.info())
		}
		return nil
	})
	return page, err
}

// info returns the call with its annotations.
func (r *record) info() CallInfo {
	return CallInfo{Call: r.Call, Keep: r.Keep, Tags: r.Tags, Notes: r.Notes}
}

// Info returns call id with its annotations; ErrNotFound if there is none.
func (s *Store) Info(id uint64) (CallInfo, error) {
	r, err := s.record(id)
	if err != nil {
		return CallInfo{}, err
	}
	return r.info(), nil
}
