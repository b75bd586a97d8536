package storage

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
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

// SortOrder is the order of Search results.
type SortOrder uint8

// Sort orders. Calls are numbered as they begin, so ID order is the order
// of their start times.
const (
	SortNewest   SortOrder = iota // highest ID first
	SortOldest                    // lowest ID first
	SortLongest                   // longest Duration first; equal durations highest ID first
	SortShortest                  // shortest Duration first; equal durations lowest ID first
)

var sortNames = [...]string{SortNewest: "newest", SortOldest: "oldest", SortLongest: "longest", SortShortest: "shortest"}

// String returns the order's name, as ParseSortOrder reads it.
func (o SortOrder) String() string {
	if int(o) < len(sortNames) {
		return sortNames[o]
	}
	return fmt.Sprintf("SortOrder(%d)", uint8(o))
}

// ParseSortOrder reads "newest", "oldest", "longest" or "shortest"; ""
// is SortNewest. Anything else is an error wrapping ErrInvalid that names
// the value.
func ParseSortOrder(s string) (SortOrder, error) {
	if s == "" {
		return SortNewest, nil
	}
	for i, n := range sortNames {
		if s == n {
			return SortOrder(i), nil
		}
	}
	return 0, fmt.Errorf("%w: sort order %q: want newest, oldest, longest or shortest", ErrInvalid, s)
}

// MarshalText returns the order's name.
func (o SortOrder) MarshalText() ([]byte, error) {
	if int(o) >= len(sortNames) {
		return nil, fmt.Errorf("%w: sort order %d unknown", ErrInvalid, uint8(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText reads a name as ParseSortOrder does.
func (o *SortOrder) UnmarshalText(b []byte) error {
	v, err := ParseSortOrder(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Cursor is a position in the results of a Search: the sort key of the
// last call of a page. Page.Cursor holds one as an opaque string
// (String); clients pass it back unchanged and need not look inside.
type Cursor struct {
	Sort     SortOrder
	ID       uint64
	Duration time.Duration // SortLongest and SortShortest only; 0 otherwise
}

// Cursor encoding: version, sort order, ID (uvarint), for the duration
// orders the duration in nanoseconds (varint), and a CRC-32C of all that
// (big-endian), so that a garbled cursor is refused rather than read as
// another position; then base64url without padding (RFC 4648 §5).
const (
	cursorVersion = 1
	maxCursorLen  = 64 // characters: a real one has at most 31
)

// String encodes c for Page.Cursor.
func (c Cursor) String() string {
	var b [2 + 2*binary.MaxVarintLen64 + 4]byte
	return base64.RawURLEncoding.EncodeToString(c.append(b[:0]))
}

func (c Cursor) append(b []byte) []byte {
	b = append(b, cursorVersion, byte(c.Sort))
	b = binary.AppendUvarint(b, c.ID)
	if c.Sort == SortLongest || c.Sort == SortShortest {
		b = binary.AppendVarint(b, int64(c.Duration))
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// ParseCursor decodes a Page.Cursor. A garbled cursor is an error
// wrapping ErrBadCursor that names it and what is wrong.
func ParseCursor(s string) (Cursor, error) {
	bad := func(why string) (Cursor, error) {
		shown := s
		if len(shown) > maxCursorLen {
			shown = shown[:maxCursorLen] + "…"
		}
		return Cursor{}, fmt.Errorf("%w: %q: %s", ErrBadCursor, shown, why)
	}
	if len(s) > maxCursorLen {
		return bad(fmt.Sprintf("%d characters, more than a cursor has", len(s)))
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") { // the decoder skips line breaks

		return bad("not base64url")
	}
	if len(b) < 2+1+4 {
		return bad("too short")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return bad("checksum does not match: garbled or not made by this server")
	}
	if body[0] != cursorVersion {
		return bad(fmt.Sprintf("version %d unknown", body[0]))
	}
	c := Cursor{Sort: SortOrder(body[1])}
	if c.Sort > SortShortest {
		return bad(fmt.Sprintf("sort order %d unknown", body[1]))
	}
	rest := body[2:]
	id, n := binary.Uvarint(rest)
	if n <= 0 {
		return bad("call ID unreadable")
	}
	c.ID, rest = id, rest[n:]
	if c.Sort == SortLongest || c.Sort == SortShortest {
		d, n := binary.Varint(rest)
		if n <= 0 {
			return bad("duration unreadable")
		}
		c.Duration, rest = time.Duration(d), rest[n:]
	}
	if len(rest) != 0 {
		return bad(fmt.Sprintf("%d bytes left over", len(rest)))
	}
	if !bytes.Equal(c.append(nil), b) {
		return bad("not in canonical form")
	}
	return c, nil
}

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
	Before      uint64            // calls with ID < Before (0: no limit); with SortNewest, Page.Next of the page before
	Sort        SortOrder         // the order of the results (zero: SortNewest)
	Cursor      string            // paging: Page.Cursor of the page before, made with the same Sort
}

// CallInfo is a call with what people added to it.
type CallInfo struct {
	linetap.Call
	Keep  bool     `json:"keep,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	Notes string   `json:"notes,omitempty"`
}

// Page is one page of Search results, in the query's Sort order.
type Page struct {
	Calls []CallInfo `json:"calls"`
	// Next is the Before of the next page with SortNewest; 0 when this is
	// the last page or the query sorts otherwise (use Cursor).
	Next uint64 `json:"next,omitempty"`
	// Cursor is the Query.Cursor of the next page, for every sort order;
	// empty when this is the last page.
	Cursor string `json:"next_cursor,omitempty"`
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
	switch {
	case r == nil:
	case s.search != nil:
		s.search.put(r)
	case s.building != nil:
		s.missed = append(s.missed, indexOp{put: r})
	}
}

// unindexed drops deleted calls from the search index (s.mu held).
func (s *Store) unindexed(ids []uint64) {
	switch {
	case len(ids) == 0:
	case s.search != nil:
		s.search.remove(ids)
	case s.building != nil:
		s.missed = append(s.missed, indexOp{del: ids})
	}
}

// indexOp is a change to replay into a search index built meanwhile.
type indexOp struct {
	put *record
	del []uint64
}

// searchIndex returns the search index, building it on first use. The
// build reads index.db in a read transaction of its own, without s.mu, so
// that recording goes on while a million calls are read; what is committed
// meanwhile is replayed into the index before it is published.
func (s *Store) searchIndex() (*searchIndex, error) {
	s.mu.Lock()
	for s.search == nil && s.building != nil { // another caller builds it
		done := s.building
		s.mu.Unlock()
		<-done
		s.mu.Lock()
	}
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.search != nil {
		x := s.search
		s.mu.Unlock()
		return x, nil
	}
	done := make(chan struct{})
	s.building = done
	s.mu.Unlock()

	x, err := s.buildSearch()

	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(done)
	s.building = nil
	missed := s.missed
	s.missed = nil
	if err != nil {
		return nil, err
	}
	if s.search != nil { // built under s.mu meanwhile (retention)
		return s.search, nil
	}
	for _, op := range missed {
		if op.put != nil {
			x.put(op.put)
		} else {
			x.remove(op.del)
		}
	}
	s.search = x
	return x, nil
}

// WarmSearch builds the search index now (linetapd calls it in the
// background at start), so that the first search does not wait for it.
func (s *Store) WarmSearch() error {
	_, err := s.searchIndex()
	return err
}

// buildSearch reads every call record into a new search index.
func (s *Store) buildSearch() (*searchIndex, error) {
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
	return x, err
}

func (s *Store) searchLocked() (*searchIndex, error) {
	if s.search != nil {
		return s.search, nil
	}
	x, err := s.buildSearch()
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

// Search returns a page of the calls q selects, in q.Sort order (newest,
// that is highest ID, first by default). The first Search builds an
// in-memory index of every call (see doc.go, Caveats); later ones scan it
// without touching the disk except to read the page's records.
//
// Paging with Page.Cursor returns every matching call once, in order,
// also while calls are added or deleted between pages: a call added
// meanwhile appears on a later page only if it sorts after the cursor.
// A bad or foreign cursor is an error wrapping ErrBadCursor.
func (s *Store) Search(q Query) (Page, error) {
	switch {
	case q.Limit < 0 || q.Limit > MaxLimit:
		return Page{}, fmt.Errorf("%w: search: limit %d outside 0…%d", ErrInvalid, q.Limit, MaxLimit)
	case !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From):
		return Page{}, fmt.Errorf("%w: search: time range %v … %v is empty", ErrInvalid, q.From, q.To)
	case q.MinDuration < 0 || q.MaxDuration < 0 || (q.MaxDuration > 0 && q.MaxDuration < q.MinDuration):
		return Page{}, fmt.Errorf("%w: search: duration range %v … %v", ErrInvalid, q.MinDuration, q.MaxDuration)
	case q.Sort > SortShortest:
		return Page{}, fmt.Errorf("%w: search: sort order %d unknown", ErrInvalid, q.Sort)
	}
	var cur *Cursor
	if q.Cursor != "" {
		c, err := ParseCursor(q.Cursor)
		if err != nil {
			return Page{}, fmt.Errorf("search: %w", err)
		}
		if c.Sort != q.Sort {
			return Page{}, fmt.Errorf("%w: search: cursor %q is for sort %s, the query sorts by %s", ErrBadCursor, q.Cursor, c.Sort, q.Sort)
		}
		cur = &c
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	x, err := s.searchIndex()
	if err != nil {
		return Page{}, err
	}
	x.mu.RLock()
	m := x.matcher(&q)
	var ids []uint64
	var last *Cursor // the cursor of the next page, nil on the last page
	switch q.Sort {
	case SortNewest, SortOldest:
		ids, last = x.scanByID(&m, cur, limit)
	default:
		ids, last = x.scanByDuration(&m, cur, limit)
	}
	x.mu.RUnlock()
	page := Page{Calls: make([]CallInfo, 0, len(ids))}
	if last != nil {
		page.Cursor = last.String()
		if q.Sort == SortNewest {
			page.Next = last.ID
		}
	}
	idx, pend, err := s.snapshot()
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
			page.Calls = append(page.Calls, newest(r, pend).info())
		}
		return nil
	})
	return page, err
}

// scanByID returns the IDs of up to limit calls matching m, by ID in
// m.q.Sort's direction, after cur (x.mu held), and the cursor after the
// last of them when more follow.
func (x *searchIndex) scanByID(m *matcher, cur *Cursor, limit int) ([]uint64, *Cursor) {
	q := m.q
	desc := q.Sort == SortNewest
	// IDs lie in (lo, hi): hi is exclusive when set.
	var lo uint64
	hasLo, hi, hasHi := false, q.Before, q.Before != 0
	if cur != nil {
		if desc && (!hasHi || cur.ID < hi) {
			hi, hasHi = cur.ID, true
		}
		if !desc {
			lo, hasLo = cur.ID, true
		}
	}
	in := func(id uint64) bool { return (!hasLo || id > lo) && (!hasHi || id < hi) }
	var ids []uint64
	var next *Cursor
	take := func(sm *summary) bool {
		if !x.match(m, sm) {
			return true
		}
		if len(ids) == limit {
			next = &Cursor{Sort: q.Sort, ID: ids[len(ids)-1]}
			return false
		}
		ids = append(ids, sm.id)
		return true
	}
	if cands, ok := x.candidates(m); ok {
		// Only the calls whose texts hold a trigram of the query.
		if desc {
			j := len(cands)
			if hasHi && hi <= math.MaxUint32 {
				j, _ = slices.BinarySearch(cands, uint32(hi))
			}
			for j--; j >= 0; j-- {
				id := uint64(cands[j])
				if !in(id) {
					continue
				}
				if i, ok := x.find(id); ok && !take(&x.list[i]) {
					break
				}
			}
		} else {
			j := 0
			if hasLo {
				if lo >= math.MaxUint32 {
					return nil, nil
				}
				j, _ = slices.BinarySearch(cands, uint32(lo+1))
			}
			for _, c := range cands[j:] {
				id := uint64(c)
				if !in(id) {
					continue
				}
				if i, ok := x.find(id); ok && !take(&x.list[i]) {
					break
				}
			}
		}
		return ids, next
	}
	if desc {
		i := len(x.list)
		if hasHi {
			i, _ = x.find(hi)
		}
		for i--; i >= 0; i-- {
			if !in(x.list[i].id) {
				break
			}
			if !take(&x.list[i]) {
				break
			}
		}
		return ids, next
	}
	i := 0
	if hasLo {
		if lo == 1<<64-1 {
			return nil, nil
		}
		i, _ = x.find(lo + 1)
	}
	for ; i < len(x.list); i++ {
		if !in(x.list[i].id) {
			break
		}
		if !take(&x.list[i]) {
			break
		}
	}
	return ids, next
}

// ordKey is a call's place in a sort by duration: ascending (a, b) is
// the sort's order. Shortest first: a is the duration, b the ID; longest
// first, both bitwise inverted (^v orders as −v without overflowing).
type ordKey struct {
	a int64
	b uint64
}

func (k ordKey) less(o ordKey) bool { return k.a < o.a || (k.a == o.a && k.b < o.b) }

// scanByDuration is scanByID for SortLongest and SortShortest: it keeps
// the limit+1 first matching calls after cur in a heap whose root is the
// last of them, so one pass over the summaries, with no sorted copy of
// the index to keep up to date, finds a page. Most summaries are passed
// over by comparing their key with the root's, before any filter.
func (x *searchIndex) scanByDuration(m *matcher, cur *Cursor, limit int) ([]uint64, *Cursor) {
	q := m.q
	var ma, mb uint64 // XOR masks: all ones for longest first
	if q.Sort == SortLongest {
		ma, mb = ^uint64(0), ^uint64(0)
	}
	key := func(dur int64, id uint64) ordKey { return ordKey{dur ^ int64(ma), id ^ mb} }
	var from ordKey
	hasFrom := cur != nil
	if hasFrom {
		from = key(int64(cur.Duration), cur.ID)
	}
	k := limit + 1
	h := make([]ordKey, 0, min(k, 1024))
	// A max-heap: every parent comes after its children in the sort.
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && h[c].less(h[c+1]) {
				c++
			}
			if !h[i].less(h[c]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	push := func(kk ordKey) {
		if len(h) == k {
			h[0] = kk
			down(0)
			return
		}
		h = append(h, kk)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !h[p].less(h[i]) {
				return
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
	}
	before := q.Before
	if cands, ok := x.candidates(m); ok {
		for _, c := range cands {
			i, ok := x.find(uint64(c))
			if !ok {
				continue
			}
			sm := &x.list[i]
			kk := key(sm.dur, sm.id)
			if (hasFrom && !from.less(kk)) || (len(h) == k && !kk.less(h[0])) || (before != 0 && sm.id >= before) || !x.match(m, sm) {
				continue
			}
			push(kk)
		}
	} else {
		full, top := false, ordKey{}
		for i := range x.list {
			sm := &x.list[i]
			kk := ordKey{sm.dur ^ int64(ma), sm.id ^ mb}
			if (hasFrom && !from.less(kk)) || (full && !kk.less(top)) {
				continue // on an earlier page, or after everything this page holds
			}
			if (before != 0 && sm.id >= before) || !x.match(m, sm) {
				continue
			}
			push(kk)
			full, top = len(h) == k, h[0]
		}
	}
	slices.SortFunc(h, func(a, b ordKey) int {
		switch {
		case a == b:
			return 0
		case a.less(b):
			return -1
		}
		return 1
	})
	var next *Cursor
	if len(h) == k {
		h = h[:limit]
		l := h[limit-1]
		next = &Cursor{Sort: q.Sort, ID: l.b ^ mb, Duration: time.Duration(l.a ^ int64(ma))}
	}
	ids := make([]uint64, len(h))
	for i, e := range h {
		ids[i] = e.b ^ mb
	}
	return ids, next
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
