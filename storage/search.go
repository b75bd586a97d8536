package storage

import (
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

// summary is what the in-memory search index keeps of a call.
type summary struct {
	id    uint64
	start int64 // unix nanoseconds
	dur   int64 // nanoseconds
	line  int32
	dir   linetap.Direction
	text  string // number "\x00" dialled "\x00" lower-case name
	tags  []string
}

// searchIndex holds a summary of every call, sorted by ID.
type searchIndex struct {
	mu   sync.RWMutex
	list []summary
}

func summarize(r *record) summary {
	c := &r.Call
	return summary{
		id: c.ID, start: c.Start.UnixNano(), dur: int64(c.Duration), line: int32(c.Line), dir: c.Direction,
		text: c.CallerID.Number + "\x00" + c.Dialled + "\x00" + strings.ToLower(c.CallerID.Name),
		tags: slices.Clip(r.Tags),
	}
}

func (x *searchIndex) find(id uint64) (int, bool) {
	i := sort.Search(len(x.list), func(i int) bool { return x.list[i].id >= id })
	return i, i < len(x.list) && x.list[i].id == id
}

// put adds or replaces the summary of r.
func (x *searchIndex) put(r *record) {
	sm := summarize(r)
	x.mu.Lock()
	defer x.mu.Unlock()
	if n := len(x.list); n == 0 || x.list[n-1].id < sm.id {
		x.list = append(x.list, sm)
		return
	}
	i, ok := x.find(sm.id)
	if ok {
		x.list[i] = sm
		return
	}
	x.list = slices.Insert(x.list, i, sm)
}

// remove drops the summaries of ids.
func (x *searchIndex) remove(ids []uint64) {
	if len(ids) == 0 {
		return
	}
	gone := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
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
	if s.search != nil {
		return s.search, nil
	}
	x := &searchIndex{}
	err := s.index.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		x.list = make([]summary, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(k, v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.path(indexName), err)
			}
			x.list = append(x.list, summarize(r))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.search = x
	return x, nil
}

// match reports whether sm satisfies q.
func (q *Query) match(sm *summary, from, to int64, name string) bool {
	switch {
	case sm.start < from || sm.start >= to:
		return false
	case q.Line != nil && int(sm.line) != *q.Line:
		return false
	case q.Direction != "" && sm.dir != q.Direction:
		return false
	case q.MinDuration > 0 && sm.dur < int64(q.MinDuration):
		return false
	case q.MaxDuration > 0 && sm.dur > int64(q.MaxDuration):
		return false
	}
	if q.Number != "" || name != "" {
		num, rest, _ := strings.Cut(sm.text, "\x00")
		dialled, nm, _ := strings.Cut(rest, "\x00")
		if q.Number != "" && !strings.Contains(num, q.Number) && !strings.Contains(dialled, q.Number) {
			return false
		}
		if name != "" && !strings.Contains(nm, name) {
			return false
		}
	}
	for _, t := range q.Tags {
		if !slices.Contains(sm.tags, t) {
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
	from, to := int64(-1<<63), int64(1<<63-1)
	if !q.From.IsZero() {
		from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		to = q.To.UnixNano()
	}
	name := strings.ToLower(q.Name)
	var ids []uint64
	var next uint64
	x.mu.RLock()
	i := len(x.list)
	if q.Before != 0 {
		i, _ = x.find(q.Before)
	}
	for i--; i >= 0; i-- {
		if q.match(&x.list[i], from, to, name) {
			if len(ids) == limit {
				next = ids[len(ids)-1]
				break
			}
			ids = append(ids, x.list[i].id)
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
