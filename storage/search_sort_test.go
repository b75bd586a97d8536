package storage_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// sorted orders the IDs of generated calls as sort o must (IDs are 1 +
// index).
func sorted(calls []linetap.Call, ids []uint64, o storage.SortOrder) []uint64 {
	out := slices.Clone(ids)
	dur := func(id uint64) time.Duration { return calls[id-1].Duration }
	slices.SortFunc(out, func(a, b uint64) int {
		switch o {
		case storage.SortOldest:
			return cmpU(a, b)
		case storage.SortLongest:
			if dur(a) != dur(b) {
				return cmpD(dur(b), dur(a))
			}
			return cmpU(b, a)
		case storage.SortShortest:
			if dur(a) != dur(b) {
				return cmpD(dur(a), dur(b))
			}
			return cmpU(a, b)
		}
		return cmpU(b, a)
	})
	return out
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpD(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pageAll pages through q with its cursor and returns the IDs in order.
func pageAll(t *testing.T, s *storage.Store, q storage.Query, between func()) []uint64 {
	t.Helper()
	var got []uint64
	for pages := 0; ; pages++ {
		p, err := s.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Calls) > q.Limit || pages > 3000 {
			t.Fatalf("page of %d calls, page %d", len(p.Calls), pages)
		}
		for _, c := range p.Calls {
			got = append(got, c.ID)
		}
		if q.Sort != storage.SortNewest && p.Next != 0 {
			t.Fatalf("sort %s: Next %d set: Before paging works only newest first", q.Sort, p.Next)
		}
		if q.Sort == storage.SortNewest && (p.Next == 0) != (p.Cursor == "") {
			t.Fatalf("Next %d and Cursor %q disagree on the last page", p.Next, p.Cursor)
		}
		if p.Cursor == "" {
			return got
		}
		if len(p.Calls) == 0 && between == nil {
			t.Fatalf("an empty page with a cursor %q", p.Cursor)
		}
		if between != nil {
			between()
		}
		q.Cursor = p.Cursor
	}
}

func TestSearchSort(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(21, 21))
	calls, tags := genCalls(r, 1000)
	for i := range calls {
		// Whole minutes only, so many calls share a duration and the
		// tie-break by ID is what orders them.
		calls[i].Duration = calls[i].Duration.Truncate(time.Minute)
		calls[i].End = calls[i].Start.Add(calls[i].Duration)
	}
	if err := storage.BulkCalls(s, calls, tags); err != nil {
		t.Fatal(err)
	}
	line3 := 3
	queries := []struct {
		name string
		q    storage.Query
	}{
		{"everything", storage.Query{}},
		{"line", storage.Query{Line: &line3}},
		{"number by trigrams", storage.Query{Number: "123"}},
		{"short number, a full scan", storage.Query{Number: "55"}},
		{"name by trigrams", storage.Query{Name: "smi"}},
		{"tags and duration", storage.Query{Tags: []string{"vip"}, MinDuration: 10 * time.Minute}},
		{"before", storage.Query{Before: 1500, Direction: linetap.Inbound}},
		{"before with trigrams", storage.Query{Before: 1200, Number: "777"}},
		{"time range", storage.Query{From: t0.Add(300 * time.Minute), To: t0.Add(900 * time.Minute)}},
		{"nothing", storage.Query{Name: "zebra"}},
	}
	for _, o := range []storage.SortOrder{storage.SortNewest, storage.SortOldest, storage.SortLongest, storage.SortShortest} {
		for _, tc := range queries {
			for _, limit := range []int{1, 37, storage.MaxLimit} {
				exp := sorted(calls, want(calls, tags, tc.q), o)
				if limit == 1 && len(exp) > 100 {
					continue // hundreds of pages: the smaller answers cover a limit of 1
				}
				t.Run(o.String()+"/"+tc.name, func(t *testing.T) {
					q := tc.q
					q.Sort, q.Limit = o, limit
					got := pageAll(t, s, q, nil)
					if !slices.Equal(got, exp) {
						t.Fatalf("limit %d: %d calls, want %d (first %v, want %v)", limit, len(got), len(exp), got[:min(6, len(got))], exp[:min(6, len(exp))])
					}
				})
			}
		}
	}
	// The first page of the longest calls holds the longest call.
	p, err := s.Search(storage.Query{Sort: storage.SortLongest, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var longest time.Duration
	for _, c := range calls {
		longest = max(longest, c.Duration)
	}
	if len(p.Calls) != 1 || p.Calls[0].Duration != longest {
		t.Fatalf("longest call %+v, want one of %v", p.Calls, longest)
	}
}

// TestSearchSortWhileChanging pages through every sort while calls are
// added and deleted between pages: every call present throughout comes
// exactly once and in order; added calls may come, deleted ones may not.
func TestSearchSortWhileChanging(t *testing.T) {
	for _, o := range []storage.SortOrder{storage.SortNewest, storage.SortOldest, storage.SortLongest, storage.SortShortest} {
		t.Run(o.String(), func(t *testing.T) {
			s, _ := open(t, storage.Options{})
			r := rand.New(rand.NewPCG(22, uint64(o)))
			calls, tags := genCalls(r, 600)
			if err := storage.BulkCalls(s, calls, tags); err != nil {
				t.Fatal(err)
			}
			all := calls // every call ever stored, by ID - 1
			deleted := map[uint64]bool{}
			between := func() {
				more, mtags := genCalls(r, 20)
				for i := range more {
					more[i].Start = more[i].Start.Add(48 * time.Hour)
				}
				if err := storage.BulkCalls(s, more, mtags); err != nil {
					t.Fatal(err)
				}
				all = append(all, more...)
				var gone []uint64
				for range 3 {
					id := uint64(1 + r.IntN(len(all)))
					if !deleted[id] {
						deleted[id] = true
						gone = append(gone, id)
					}
				}
				if _, err := s.Delete(gone, "tester", "test"); err != nil {
					t.Fatal(err)
				}
			}
			got := pageAll(t, s, storage.Query{Sort: o, Limit: 40}, between)
			seen := map[uint64]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("call %d came twice", id)
				}
				seen[id] = true // a call deleted after its page was read may be here
			}
			for id := uint64(1); id <= uint64(len(calls)); id++ {
				if !deleted[id] && !seen[id] {
					t.Fatalf("call %d, present throughout, never came", id)
				}
			}
			if exp := sorted(all, got, o); !slices.Equal(got, exp) {
				t.Fatalf("calls out of order: first %v, want %v", got[:min(8, len(got))], exp[:min(8, len(exp))])
			}
			if len(got) <= len(calls)-len(deleted) {
				t.Logf("no added call came (%d calls)", len(got))
			}
		})
	}
}

func TestSearchCursorRefused(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(23, 23))
	calls, tags := genCalls(r, 30)
	if err := storage.BulkCalls(s, calls, tags); err != nil {
		t.Fatal(err)
	}
	p, err := s.Search(storage.Query{Sort: storage.SortLongest, Limit: 5})
	if err != nil || p.Cursor == "" {
		t.Fatalf("first page: %v, cursor %q", err, p.Cursor)
	}
	good := p.Cursor
	flip := []byte(good)
	flip[3] ^= 'A' ^ 'B'
	if flip[3] == good[3] {
		flip[3] = 'C'
	}
	tests := []struct {
		name, cursor string
		sort         storage.SortOrder
		want         string
	}{
		{"another sort", good, storage.SortNewest, "is for sort longest, the query sorts by newest"},
		{"another sort, shortest", good, storage.SortShortest, "is for sort longest"},
		{"not base64url", "not a cursor!", storage.SortLongest, "not base64url"},
		{"padded", good + "=", storage.SortLongest, "not base64url"},
		{"one character changed", string(flip), storage.SortLongest, ""},
		{"truncated", good[:len(good)-2], storage.SortLongest, ""},
		{"too short", "AQI", storage.SortLongest, "too short"},
		{"too long", strings.Repeat("A", 200), storage.SortLongest, "200 characters"},
		{"a valid newest cursor for oldest", storage.Cursor{Sort: storage.SortNewest, ID: 3}.String(), storage.SortOldest, "is for sort newest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Search(storage.Query{Sort: tc.sort, Cursor: tc.cursor})
			if !errors.Is(err, storage.ErrBadCursor) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrBadCursor saying %q", err, tc.want)
			}
			if len(tc.cursor) < 64 && !strings.Contains(err.Error(), tc.cursor) {
				t.Fatalf("error %v does not name the cursor %q", err, tc.cursor)
			}
		})
	}
	if _, err := s.Search(storage.Query{Sort: storage.SortShortest + 1}); !errors.Is(err, storage.ErrInvalid) || !strings.Contains(err.Error(), "sort order 4") {
		t.Fatalf("unknown sort order: %v", err)
	}
}

func TestParseSortOrder(t *testing.T) {
	tests := []struct {
		in   string
		want storage.SortOrder
		err  bool
	}{
		{"", storage.SortNewest, false},
		{"newest", storage.SortNewest, false},
		{"oldest", storage.SortOldest, false},
		{"longest", storage.SortLongest, false},
		{"shortest", storage.SortShortest, false},
		{"Longest", 0, true},
		{"duration", 0, true},
		{" newest", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := storage.ParseSortOrder(tc.in)
			if tc.err {
				if !errors.Is(err, storage.ErrInvalid) || !strings.Contains(err.Error(), `"`+tc.in+`"`) {
					t.Fatalf("error %v, want ErrInvalid naming %q", err, tc.in)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %v, %v; want %v", got, err, tc.want)
			}
			if tc.in != "" && got.String() != tc.in {
				t.Fatalf("String() = %q", got.String())
			}
		})
	}
	// As JSON, by name.
	var v struct{ Sort storage.SortOrder }
	if err := json.Unmarshal([]byte(`{"Sort":"shortest"}`), &v); err != nil || v.Sort != storage.SortShortest {
		t.Fatalf("unmarshal: %v %v", v.Sort, err)
	}
	if b, err := json.Marshal(v); err != nil || string(b) != `{"Sort":"shortest"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"Sort":"widest"}`), &v); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("unmarshal widest: %v", err)
	}
	if _, err := json.Marshal(struct{ S storage.SortOrder }{9}); err == nil {
		t.Fatal("marshalled sort order 9")
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []storage.Cursor{
		{},
		{Sort: storage.SortOldest, ID: 1},
		{Sort: storage.SortNewest, ID: 1<<64 - 1},
		{Sort: storage.SortLongest, ID: 12345, Duration: 90 * time.Minute},
		{Sort: storage.SortShortest, ID: 7, Duration: -time.Second},
		{Sort: storage.SortShortest, ID: 1<<64 - 1, Duration: 1<<63 - 1},
	} {
		s := c.String()
		got, err := storage.ParseCursor(s)
		if err != nil || got != c {
			t.Errorf("%+v → %q → %+v, %v", c, s, got, err)
		}
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("%q is not unpadded base64url", s)
		}
	}
	// The ID orders carry no duration.
	if got, _ := storage.ParseCursor(storage.Cursor{Sort: storage.SortOldest, ID: 5, Duration: time.Hour}.String()); got.Duration != 0 {
		t.Errorf("oldest cursor kept a duration: %+v", got)
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, c := range []storage.Cursor{
		{Sort: storage.SortNewest, ID: 99},
		{Sort: storage.SortLongest, ID: 1234567, Duration: 3 * time.Hour},
		{Sort: storage.SortShortest, ID: 1<<64 - 1, Duration: -1},
	} {
		f.Add(c.String())
	}
	f.Add("")
	f.Add("AQAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := storage.ParseCursor(s)
		if err != nil {
			if !errors.Is(err, storage.ErrBadCursor) {
				t.Fatalf("error %v is not ErrBadCursor", err)
			}
			return
		}
		// Only the one encoding of a cursor is accepted.
		if back := c.String(); back != s {
			t.Fatalf("%q → %+v → %q", s, c, back)
		}
	})
}

// BenchmarkSearchLongest sorts by duration, longest first, over a store
// of a million calls (LINETAP_SEARCH_CALLS): the first page, the second,
// the 51st page of 1000, one line's calls, and a page of 1000 shortest
// first; each reports its p50 and p99 latency.
func BenchmarkSearchLongest(b *testing.B) {
	n := searchCalls(b)
	s, _ := open(b, storage.Options{})
	r := rand.New(rand.NewPCG(24, 24))
	calls, tags := genCalls(r, n)
	if err := storage.BulkCalls(s, calls, tags); err != nil {
		b.Fatal(err)
	}
	calls = nil
	first, err := s.Search(storage.Query{Sort: storage.SortLongest}) // builds the index
	if err != nil {
		b.Fatal(err)
	}
	var deep storage.Page
	q := storage.Query{Sort: storage.SortLongest, Limit: storage.MaxLimit}
	for range 50 {
		if deep, err = s.Search(q); err != nil {
			b.Fatal(err)
		}
		q.Cursor = deep.Cursor
	}
	line := 3
	queries := []struct {
		name string
		q    storage.Query
	}{
		{"scan", storage.Query{Sort: storage.SortLongest, Limit: 1}}, // the scan alone: one record to read
		{"first", storage.Query{Sort: storage.SortLongest}},
		{"second", storage.Query{Sort: storage.SortLongest, Cursor: first.Cursor}},
		{"deep", storage.Query{Sort: storage.SortLongest, Cursor: deep.Cursor}},
		{"line", storage.Query{Sort: storage.SortLongest, Line: &line}},
		{"shortest-1000", storage.Query{Sort: storage.SortShortest, Limit: storage.MaxLimit}},
	}
	runtime.GC()
	for _, tc := range queries {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, 1024)
			for b.Loop() {
				st := time.Now()
				if _, err := s.Search(tc.q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(st))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(n), "calls")
		})
	}
}

func ExampleStore_Search_cursor() {
	s, done := exampleStore(storage.Options{})
	defer done()
	sort, err := storage.ParseSortOrder("oldest") // as the API's sort=oldest
	if err != nil {
		log.Fatal(err)
	}
	q := storage.Query{Sort: sort, Limit: 2}
	for {
		page, err := s.Search(q)
		if err != nil {
			log.Fatal(err)
		}
		for _, c := range page.Calls {
			fmt.Println(c.ID, c.CallerID.Number)
		}
		if page.Cursor == "" {
			break
		}
		fmt.Println("next page")
		q.Cursor = page.Cursor
	}
	// Output:
	// 1 6095551212
	// 2 2125550100
	// next page
	// 3 6095559999
}
