package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/linetap/linetap"
)

// Bounds of the parameters of GET /api/v1/calls.
const (
	// MaxLimit is the largest page of calls one request may ask for.
	MaxLimit = 1000
	// MaxLine is the highest line index: hw.Format allows 64 channels.
	MaxLine = 63
	// MaxNumberLen is the longest number filter, in digits; caller ID
	// numbers are at most 18 digits (GR-30 MDMF) and dialled strings rarely
	// longer than 32.
	MaxNumberLen = 32
)

// callQueryParams are the parameters ParseCallQuery knows, in the order
// error messages list them.
var callQueryParams = []string{"limit", "before", "line", "number"}

// ParseCallQuery reads the query parameters of GET /api/v1/calls:
//
//	limit   most calls returned, 1..MaxLimit (absent: the store's default)
//	before  only calls with a smaller ID, for paging: a call ID from 1
//	line    only calls on this line, 0..MaxLine
//	number  only calls whose caller ID number or dialled digits contain it:
//	        digits, *, #, + and A-D; spaces, dashes, dots and parentheses
//	        are dropped, letters are upper-cased
//
// An empty value is the same as an absent parameter, as HTML forms send
// them. Unknown and repeated parameters are errors. Every error wraps
// ErrBadParameter and names the parameter.
func ParseCallQuery(v url.Values) (linetap.CallQuery, error) {
	var q linetap.CallQuery
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(callQueryParams, k) {
			return q, fmt.Errorf("%w: unknown parameter %q (known: %s)",
				ErrBadParameter, k, strings.Join(callQueryParams, ", "))
		}
		if n := len(v[k]); n > 1 {
			return q, fmt.Errorf("%w: %s: given %d times", ErrBadParameter, k, n)
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, fmt.Errorf("%w: limit: %q is not a whole number from 1 to %d",
				ErrBadParameter, s, MaxLimit)
		}
		q.Limit = n
	}
	if s := v.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return q, fmt.Errorf("%w: before: %q is not a call ID (a whole number from 1)",
				ErrBadParameter, s)
		}
		q.Before = n
	}
	if s := v.Get("line"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxLine {
			return q, fmt.Errorf("%w: line: %q is not a line index from 0 to %d",
				ErrBadParameter, s, MaxLine)
		}
		q.Line = &n
	}
	if s := v.Get("number"); s != "" {
		n, err := normalizeNumber(s)
		if err != nil {
			return q, fmt.Errorf("%w: number: %w", ErrBadParameter, err)
		}
		q.Number = n
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

// CallQueryValues is the inverse of ParseCallQuery: the query parameters
// that select q, for clients of the API. Zero fields are left out.
func CallQueryValues(q linetap.CallQuery) url.Values {
	v := url.Values{}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Before != 0 {
		v.Set("before", strconv.FormatUint(q.Before, 10))
	}
	if q.Line != nil {
		v.Set("line", strconv.Itoa(*q.Line))
	}
	if q.Number != "" {
		v.Set("number", q.Number)
	}
	return v
}
