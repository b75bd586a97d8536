package web_test

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
)

func intp(n int) *int { return &n }

func TestParseSearch(t *testing.T) {
	tests := []struct {
		raw  string
		want storage.Query
	}{
		{"", storage.Query{}},
		{"limit=1", storage.Query{Limit: 1}},
		{"limit=1000", storage.Query{Limit: 1000}},
		{"before=18446744073709551615", storage.Query{Before: 1<<64 - 1}},
		{"line=0", storage.Query{Line: intp(0)}},
		{"line=63", storage.Query{Line: intp(63)}},
		{"number=%2B1+(609)+555-1212", storage.Query{Number: "+16095551212"}},
		{"number=*67", storage.Query{Number: "*67"}},
		{"number=12%23ad", storage.Query{Number: "12#AD"}},
		{"limit=&line=&before=&number=", storage.Query{}},
		{"limit=20&before=300&line=2&number=555", storage.Query{Limit: 20, Before: 300, Line: intp(2), Number: "555"}},
		{"from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00%2B01:00", storage.Query{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 0, 0, 0, 0, time.FixedZone("", 3600))}},
		{"direction=outbound&name=Smith", storage.Query{Direction: linetap.Outbound, Name: "Smith"}},
		{"min_duration=1.5&max_duration=60", storage.Query{MinDuration: 1500 * time.Millisecond, MaxDuration: time.Minute}},
		{"tag=urgent&tag=billing", storage.Query{Tags: []string{"urgent", "billing"}}},
		{"sort=longest&cursor=abc", storage.Query{Sort: storage.SortLongest, Cursor: "abc"}},
		{"sort=newest", storage.Query{}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := web.ParseSearch(v)
			if err != nil {
				t.Fatalf("ParseSearch: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseSearchErrors(t *testing.T) {
	tests := []struct {
		raw  string
		name string // what the message must name
	}{
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=-5", "limit"},
		{"limit=ten", "limit"},
		{"limit=1.5", "limit"},
		{"limit=99999999999999999999", "limit"},
		{"before=0", "before"},
		{"before=-1", "before"},
		{"before=0x10", "before"},
		{"before=18446744073709551616", "before"},
		{"line=64", "line"},
		{"line=-1", "line"},
		{"line=a", "line"},
		{"number=abc%3B", "number"},
		{"number=E", "number"},
		{"number=---", "number"},
		{"number=" + strings.Repeat("1", 33), "number"},
		{"number=%E2%98%8E", "number"},
		{"limit=1&limit=2", "limit"},
		{"lmit=3", `"lmit"`},
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"},
		{"direction=sideways", "direction"},
		{"name=" + strings.Repeat("n", 65), "name"},
		{"min_duration=-1", "min_duration"},
		{"max_duration=NaN", "max_duration"},
		{"min_duration=10&max_duration=5", "min_duration"},
		{"tag=", "tag"},
		{"tag=1&tag=2&tag=3&tag=4&tag=5&tag=6&tag=7&tag=8&tag=9", "tag"},
		{"sort=loudest", "sort"},
		{"sort=a&sort=b", "sort"},
		{"cursor=" + strings.Repeat("c", 129), "cursor"},
		{"Line=1", `"Line"`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = web.ParseSearch(v)
			if !errors.Is(err, web.ErrBadParameter) {
				t.Fatalf("err = %v, want ErrBadParameter", err)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s", err, tt.name)
			}
		})
	}
}

func TestSearchValuesRoundTrip(t *testing.T) {
	for _, q := range []storage.Query{
		{},
		{Limit: 7},
		{Before: 12, Line: intp(0)},
		{Limit: 1000, Before: 1, Line: intp(63), Number: "*#0123456789ABCD+"},
		{From: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Direction: linetap.Inbound, Name: "Dr. Who", MinDuration: 2 * time.Second, MaxDuration: 90 * time.Second, Tags: []string{"a", "b c"}},
		{Sort: storage.SortShortest, Cursor: "xyz"},
	} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			got, err := web.ParseSearch(web.SearchValues(q))
			if err != nil {
				t.Fatalf("ParseSearch(SearchValues(q)): %v", err)
			}
			if !reflect.DeepEqual(got, q) {
				t.Errorf("round trip gave %+v, want %+v", got, q)
			}
		})
	}
}

// FuzzParseSearch checks that any query string either fails with
// ErrBadParameter or parses to a query within bounds that survives a
// round trip through SearchValues.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		"", "limit=5", "before=9&line=3", "number=555-1212", "limit=&number=",
		"limit=1&limit=2", "x=1", "number=%00", "line=63&before=18446744073709551615",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := web.ParseSearch(v)
		if err != nil {
			if !errors.Is(err, web.ErrBadParameter) {
				t.Fatalf("%q: error %v does not wrap ErrBadParameter", raw, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > web.MaxLimit {
			t.Fatalf("%q: limit %d out of range", raw, q.Limit)
		}
		if q.Line != nil && (*q.Line < 0 || *q.Line > web.MaxLine) {
			t.Fatalf("%q: line %d out of range", raw, *q.Line)
		}
		if len(q.Number) > web.MaxNumberLen {
			t.Fatalf("%q: number %q too long", raw, q.Number)
		}
		again, err := web.ParseSearch(web.SearchValues(q))
		if err != nil {
			t.Fatalf("%q: re-parsing %+v: %v", raw, q, err)
		}
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("%q: round trip gave %+v, want %+v", raw, again, q)
		}
	})
}

func ExampleParseSearch() {
	v, _ := url.ParseQuery("limit=20&line=1&number=555-1212")
	q, err := web.ParseSearch(v)
	fmt.Println(q.Limit, *q.Line, q.Number, err)

	_, err = web.ParseSearch(url.Values{"limit": {"lots"}})
	fmt.Println(err)
	// Output:
	// 20 1 5551212 <nil>
	// web: bad parameter: limit: "lots" is not a whole number from 1 to 1000
}
