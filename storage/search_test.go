package storage_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

var (
	genNames = []string{"ALICE SMITH", "Bob Jones", "CAROL", "", "dave o'brien", "Eve"}
	genTags  = []string{"sales", "support", "vip", "complaint"}
	genDirs  = []linetap.Direction{linetap.Inbound, linetap.Outbound, linetap.Unknown}
)

// genCalls makes n finished calls without audio, one a minute from t0,
// with numbers, names, lines, directions, durations and tags drawn from
// r; tags(i) gives call i's tags.
func genCalls(r *rand.Rand, n int) ([]linetap.Call, func(i int) []string) {
	calls := make([]linetap.Call, n)
	tags := make([][]string, n)
	for i := range calls {
		start := t0.Add(time.Duration(i) * time.Minute)
		dur := time.Duration(r.IntN(3600)) * time.Second
		c := linetap.Call{
			Line: r.IntN(8), LineName: "line", Direction: genDirs[r.IntN(len(genDirs))],
			State: linetap.StateComplete, EndReason: linetap.EndNearHangUp, Trigger: linetap.TriggerHook,
			Start: start, End: start.Add(dur), Duration: dur, AudioStart: start, Rate: 8000, Codec: "pcmu",
		}
		if c.Direction == linetap.Outbound {
			c.Dialled = fmt.Sprintf("%010d", r.Int64N(1e10))
		} else {
			c.CallerID = linetap.CallerID{Number: fmt.Sprintf("%010d", r.Int64N(1e10)), Name: genNames[r.IntN(len(genNames))]}
		}
		calls[i] = c
		for _, tg := range genTags {
			if r.IntN(4) == 0 {
				tags[i] = append(tags[i], tg)
			}
		}
	}
	return calls, func(i int) []string { return tags[i] }
}

// want filters the generated calls as Search must (IDs are 1 + index).
func want(calls []linetap.Call, tags func(int) []string, q storage.Query) []uint64 {
	var out []uint64
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		id := uint64(i + 1)
		ok := (q.Before == 0 || id < q.Before) &&
			(q.From.IsZero() || !c.Start.Before(q.From)) && (q.To.IsZero() || c.Start.Before(q.To)) &&
			(q.Line == nil || c.Line == *q.Line) && (q.Direction == "" || c.Direction == q.Direction) &&
			(q.Number == "" || strings.Contains(c.CallerID.Number, q.Number) || strings.Contains(c.Dialled, q.Number)) &&
			(q.Name == "" || strings.Contains(strings.ToLower(c.CallerID.Name), strings.ToLower(q.Name))) &&
			(q.MinDuration == 0 || c.Duration >= q.MinDuration) && (q.MaxDuration == 0 || c.Duration <= q.MaxDuration)
		for _, tg := range q.Tags {
			ok = ok && slices.Contains(tags(i), tg)
		}
		if ok {
			out = append(out, id)
		}
	}
	return out
}

func TestSearch(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(12, 12))
	calls, tags := genCalls(r, 3000)
	if err := storage.BulkCalls(s, calls, tags); err != nil {
		t.Fatal(err)
	}
	line3 := 3
	tests := []struct {
		name string
		q    storage.Query
	}{
		{"everything", storage.Query{}},
		{"time range", storage.Query{From: t0.Add(100 * time.Minute), To: t0.Add(400 * time.Minute)}},
		{"line", storage.Query{Line: &line3}},
		{"direction", storage.Query{Direction: linetap.Outbound}},
		{"number", storage.Query{Number: "55"}},
		{"number or dialled, by trigrams", storage.Query{Number: "123"}},
		{"longer number", storage.Query{Number: "90210", Direction: linetap.Outbound}},
		{"name by trigrams", storage.Query{Name: "SMI"}},
		{"number and name", storage.Query{Number: "444", Name: "bob"}},
		{"name", storage.Query{Name: "alice"}},
		{"duration", storage.Query{MinDuration: 10 * time.Minute, MaxDuration: 20 * time.Minute}},
		{"tags", storage.Query{Tags: []string{"vip", "sales"}}},
		{"all at once", storage.Query{From: t0.Add(time.Hour), Line: &line3, Direction: linetap.Inbound, MinDuration: time.Minute, Tags: []string{"support"}}},
		{"before", storage.Query{Before: 1234, Number: "1"}},
		{"nothing", storage.Query{Name: "zebra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exp := want(calls, tags, tc.q)
			// Pages of 37 put together are the whole answer.
			q := tc.q
			q.Limit = 37
			var got []uint64
			for pages := 0; ; pages++ {
				p, err := s.Search(q)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Calls) > 37 || pages > 200 {
					t.Fatalf("page of %d calls, page %d", len(p.Calls), pages)
				}
				for _, c := range p.Calls {
					got = append(got, c.ID)
				}
				if p.Next == 0 {
					break
				}
				q.Before = p.Next
			}
			if !slices.Equal(got, exp) {
				t.Errorf("%d calls, want %d (first %v, want %v)", len(got), len(exp), got[:min(5, len(got))], exp[:min(5, len(exp))])
			}
		})
	}
	// The index follows commits, annotations and deletions.
	g := record(t, s, r, 5, "7777777")
	if p, _ := s.Search(storage.Query{Number: "7777777"}); len(p.Calls) != 1 || p.Calls[0].ID != g.call.ID {
		t.Errorf("a new call is not found: %+v", p.Calls)
	}
	if err := s.Annotate(g.call.ID, storage.Annotation{Tags: []string{"fresh"}}, "a"); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Search(storage.Query{Tags: []string{"fresh"}}); len(p.Calls) != 1 || !slices.Equal(p.Calls[0].Tags, []string{"fresh"}) {
		t.Errorf("a new tag is not found: %+v", p.Calls)
	}
	// Caller ID that arrives after the call's first commit.
	late := newCall(t, s, 6, "l16")
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{late.call}}); err != nil {
		t.Fatal(err)
	}
	late.call.CallerID = linetap.CallerID{Number: "8885551234", Name: "Late Arrival"}
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{late.call}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []storage.Query{{Number: "8885551"}, {Name: "late arr"}} {
		if p, _ := s.Search(q); len(p.Calls) != 1 || p.Calls[0].ID != late.call.ID {
			t.Errorf("Search(%+v) after the caller ID came = %+v", q, p.Calls)
		}
	}
	if _, err := s.Delete([]uint64{g.call.ID}, "a", "test"); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Search(storage.Query{Number: "7777777"}); len(p.Calls) != 0 {
		t.Errorf("a deleted call is found: %+v", p.Calls)
	}
}

func TestSearchRefuses(t *testing.T) {
	s, _ := open(t, storage.Options{})
	for _, q := range []storage.Query{
		{Limit: -1}, {Limit: storage.MaxLimit + 1},
		{From: t0, To: t0},
		{MinDuration: time.Minute, MaxDuration: time.Second},
		{MinDuration: -time.Second},
	} {
		if _, err := s.Search(q); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("Search(%+v) = %v, want ErrInvalid", q, err)
		}
	}
}

// TestSearchIndexBuiltWhileRecording: the index is built from a read
// transaction of its own while commits go on; calls committed meanwhile
// are in it, and the first search after a reopen sees every call.
func TestSearchIndexBuiltWhileRecording(t *testing.T) {
	s, dir := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 40 {
		record(t, s, r, i%4, "100")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	warmed := make(chan error, 1)
	go func() { warmed <- s.WarmSearch() }()
	for i := range 20 {
		record(t, s, r, i%4, "200")
	}
	if err := <-warmed; err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		record(t, s, r, i%4, "300")
	}
	page, err := s.Search(storage.Query{Limit: storage.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Calls) != 65 {
		t.Errorf("search finds %d calls, want 65", len(page.Calls))
	}
	for i := 1; i < len(page.Calls); i++ {
		if page.Calls[i].ID >= page.Calls[i-1].ID {
			t.Fatalf("not newest first at %d: %d after %d", i, page.Calls[i].ID, page.Calls[i-1].ID)
		}
	}
}
