package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// Bounds of the parameters of GET /api/v1/calls.
const (
	// MaxLimit is the largest page of calls one request may ask for.
	MaxLimit = storage.MaxLimit
	// MaxLine is the highest line index: hw.Format allows 64 channels.
	MaxLine = 63
	// MaxNumberLen is the longest number filter, in digits; caller ID
	// numbers are at most 18 digits (GR-30 MDMF) and dialled strings rarely
	// longer than 32.
	MaxNumberLen = 32
	// MaxNameLen is the longest name filter (MDMF names are at most 15
	// characters; ETSI's 50).
	MaxNameLen = 64
	// MaxTagFilters is the most tag parameters one search may give.
	MaxTagFilters = 8
)

// searchParams are the parameters ParseSearch knows, in the order error
// messages list them.
var searchParams = []string{"from", "to", "line", "direction", "number", "name",
	"min_duration", "max_duration", "tag", "sort", "limit", "before", "cursor"}

// ParseSearch reads the query parameters of GET /api/v1/calls:
//
//	from, to      calls that began in [from, to): RFC 3339 times
//	line          only calls on this line, 0..MaxLine
//	direction     inbound, outbound or unknown
//	number        caller ID number or dialled digits contain it: digits,
//	              *, #, + and A-D; spaces, dashes, dots and parentheses
//	              are dropped, letters are upper-cased
//	name          caller ID name contains it (any case)
//	min_duration, max_duration   in seconds (decimals allowed)
//	tag           the call has this tag (repeatable: every one)
//	sort          newest (default), oldest, longest, shortest
//	limit         calls per page, 1..MaxLimit (absent: the store's default)
//	before        only calls with a smaller ID (a call ID from 1)
//	cursor        the next_cursor of the page before (same sort)
//
// An empty value is the same as an absent parameter, as HTML forms send
// them. Unknown parameters, and any but tag given twice, are errors. Every
// error wraps ErrBadParameter and names the parameter.
func ParseSearch(v url.Values) (storage.Query, error) {
	var q storage.Query
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(searchParams, k) {
			return q, fmt.Errorf("%w: unknown parameter %q (known: %s)",
				ErrBadParameter, k, strings.Join(searchParams, ", "))
		}
		if n := len(v[k]); n > 1 && k != "tag" {
			return q, fmt.Errorf("%w: %s: given %d times", ErrBadParameter, k, n)
		}
	}
	bad := func(name, val, want string) error {
		return fmt.Errorf("%w: %s: %q is not %s", ErrBadParameter, name, val, want)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, bad(p.name, s, "an RFC 3339 time such as 2026-11-22T09:00:00Z")
			}
			*p.dst = t
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, fmt.Errorf("%w: from %s is not before to %s", ErrBadParameter, v.Get("from"), v.Get("to"))
	}
	if s := v.Get("line"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxLine {
			return q, bad("line", s, fmt.Sprintf("a line index from 0 to %d", MaxLine))
		}
		q.Line = &n
	}
	if s := v.Get("direction"); s != "" {
		switch d := linetap.Direction(s); d {
		case linetap.Inbound, linetap.Outbound, linetap.Unknown:
			q.Direction = d
		default:
			return q, bad("direction", s, "inbound, outbound or unknown")
		}
	}
	if s := v.Get("number"); s != "" {
		n, err := normalizeNumber(s)
		if err != nil {
			return q, fmt.Errorf("%w: number: %w", ErrBadParameter, err)
		}
		q.Number = n
	}
	if s := v.Get("name"); s != "" {
		if len(s) > MaxNameLen {
			return q, fmt.Errorf("%w: name: longer than %d bytes", ErrBadParameter, MaxNameLen)
		}
		q.Name = s
	}
	for _, p := range []struct {
		name string
		dst  *time.Duration
	}{{"min_duration", &q.MinDuration}, {"max_duration", &q.MaxDuration}} {
		if s := v.Get(p.name); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || !(f >= 0 && f <= 1e6) { // NaN fails both
				return q, bad(p.name, s, "a number of seconds from 0 to 1000000")
			}
			*p.dst = time.Duration(f * float64(time.Second))
		}
	}
	if q.MaxDuration > 0 && q.MinDuration > q.MaxDuration {
		return q, fmt.Errorf("%w: min_duration %s is more than max_duration %s", ErrBadParameter, v.Get("min_duration"), v.Get("max_duration"))
	}
	if tags := v["tag"]; len(tags) > 0 {
		if len(tags) > MaxTagFilters {
			return q, fmt.Errorf("%w: tag: given %d times (at most %d)", ErrBadParameter, len(tags), MaxTagFilters)
		}
		for _, t := range tags {
			if t == "" || len(t) > storage.MaxTagLen {
				return q, fmt.Errorf("%w: tag: %q is not 1–%d bytes", ErrBadParameter, t, storage.MaxTagLen)
			}
			q.Tags = append(q.Tags, t)
		}
	}
	if s := v.Get("sort"); s != "" {
		o, err := storage.ParseSortOrder(s)
		if err != nil {
			return q, bad("sort", s, "newest, oldest, longest or shortest")
		}
		q.Sort = o
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, bad("limit", s, fmt.Sprintf("a whole number from 1 to %d", MaxLimit))
		}
		q.Limit = n
	}
	if s := v.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return q, bad("before", s, "a call ID (a whole number from 1)")
		}
		q.Before = n
	}
	if s := v.Get("cursor"); s != "" {
		if len(s) > 128 {
			return q, fmt.Errorf("%w: cursor: longer than 128 bytes", ErrBadParameter)
		}
		q.Cursor = s
	}
	return q, nil
}

// normalizeNumber drops the separators people type in phone numbers and
// upper-cases the DTMF letters (ITU-T Q.23: digits 0-9, *, #, A-D).
func normalizeNumber(s string) (string, error) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#', r == '+', r >= 'A' && r <= 'D':
			b.WriteRune(r)
		case r >= 'a' && r <= 'd':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "", fmt.Errorf("%q: character %q at byte %d is not a digit, *, #, + or A-D", s, r, i)
		}
		if b.Len() > MaxNumberLen {
			return "", fmt.Errorf("%q: longer than %d digits", s, MaxNumberLen)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%q has no digits", s)
	}
	return b.String(), nil
}

// SearchValues is the inverse of ParseSearch: the query parameters that
// select q, for clients of the API. Zero fields are left out.
func SearchValues(q storage.Query) url.Values {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.Line != nil {
		v.Set("line", strconv.Itoa(*q.Line))
	}
	if q.Direction != "" {
		v.Set("direction", string(q.Direction))
	}
	if q.Number != "" {
		v.Set("number", q.Number)
	}
	if q.Name != "" {
		v.Set("name", q.Name)
	}
	if q.MinDuration != 0 {
		v.Set("min_duration", strconv.FormatFloat(q.MinDuration.Seconds(), 'f', -1, 64))
	}
	if q.MaxDuration != 0 {
		v.Set("max_duration", strconv.FormatFloat(q.MaxDuration.Seconds(), 'f', -1, 64))
	}
	for _, t := range q.Tags {
		v.Add("tag", t)
	}
	if q.Sort != storage.SortNewest {
		v.Set("sort", q.Sort.String())
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Before != 0 {
		v.Set("before", strconv.FormatUint(q.Before, 10))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	return v
}
