package web_test

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web"
)

func intp(n int) *int { return &n }

func TestParseCallQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want linetap.CallQuery
	}{
		{"", linetap.CallQuery{}},
		{"limit=1", linetap.CallQuery{Limit: 1}},
		{"limit=1000", linetap.CallQuery{Limit: 1000}},
		{"before=18446744073709551615", linetap.CallQuery{Before: 1<<64 - 1}},
		{"line=0", linetap.CallQuery{Line: intp(0)}},
		{"line=63", linetap.CallQuery{Line: intp(63)}},
		{"number=%2B1+(609)+555-1212", linetap.CallQuery{Number: "+16095551212"}},
		{"number=*67", linetap.CallQuery{Number: "*67"}},
		{"number=12%23ad", linetap.CallQuery{Number: "12#AD"}},
		{"limit=&line=&before=&number=", linetap.CallQuery{}},
		{"limit=20&before=300&line=2&number=555", linetap.CallQuery{Limit: 20, Before: 300, Line: intp(2), Number: "555"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := web.ParseCallQuery(v)
			if err != nil {
				t.Fatalf("ParseCallQuery: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCallQueryErrors(t *testing.T) {
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
		{"Line=1", `"Line"`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = web.ParseCallQuery(v)
			if !errors.Is(err, web.ErrBadParameter) {
				t.Fatalf("err = %v, want ErrBadParameter", err)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s", err, tt.name)
			}
		})
	}
}

func TestCallQueryValuesRoundTrip(t *testing.T) {
	for _, q := range []linetap.CallQuery{
		{},
		{Limit: 7},
		{Before: 12, Line: intp(0)},
		{Limit: 1000, Before: 1, Line: intp(63), Number: "*#0123456789ABCD+"},
	} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			got, err := web.ParseCallQuery(web.CallQueryValues(q))
			if err != nil {
				t.Fatalf("ParseCallQuery(CallQueryValues(q)): %v", err)
			}
			if !reflect.DeepEqual(got, q) {
				t.Errorf("round trip gave %+v, want %+v", got, q)
			}
		})
	}
}

// FuzzParseCallQuery checks that any query string either fails with
// ErrBadParameter or parses to a query within bounds that survives a
// round trip through CallQueryValues.
func FuzzParseCallQuery(f *testing.F) {
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
		q, err := web.ParseCallQuery(v)
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
		again, err := web.ParseCallQuery(web.CallQueryValues(q))
		if err != nil {
			t.Fatalf("%q: re-parsing %+v: %v", raw, q, err)
		}
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("%q: round trip gave %+v, want %+v", raw, again, q)
		}
	})
}

func ExampleParseCallQuery() {
	v, _ := url.ParseQuery("limit=20&line=1&number=555-1212")
	q, err := web.ParseCallQuery(v)
	fmt.Println(q.Limit, *q.Line, q.Number, err)

	_, err = web.ParseCallQuery(url.Values{"limit": {"lots"}})
	fmt.Println(err)
	// Output:
	// 20 1 5551212 <nil>
	// web: bad parameter: limit: "lots" is not a whole number from 1 to 1000
}
