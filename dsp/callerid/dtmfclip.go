package callerid

import (
	"fmt"
	"strings"
)

// DTMFFormat is a national variant of DTMF caller ID (DTMF CLIP). Decoding
// needs none: DecodeDTMF recognises each by its start and end digits.
type DTMFFormat uint8

// The variants of DTMF CLIP.
const (
	// DTMFFormatAC is `A<number>[D<redirecting>]C`, and `B<code>C` when the
	// number is withheld (B00 unavailable, B10 private): Sweden, Finland,
	// Iceland and others.
	DTMFFormatAC DTMFFormat = iota
	// DTMFFormatDK is Denmark's `A<number>#`, and `D1#` private, `D2#`
	// international (number unavailable), `D3#` unavailable.
	DTMFFormatDK
	// DTMFFormatDC is `D<number>C`: Taiwan, Kuwait, the Netherlands. It has
	// no code for a withheld number.
	DTMFFormatDC
)

const (
	clipMaxNumber = 20 // digits of a number; exchanges send ≤ 15 (DOMAIN.md §3)
	clipMaxDigits = 2*clipMaxNumber + 6
)

// String returns the variant's name.
func (f DTMFFormat) String() string {
	switch f {
	case DTMFFormatAC:
		return "A…C"
	case DTMFFormatDK:
		return "A…# (Denmark)"
	case DTMFFormatDC:
		return "D…C"
	}
	return fmt.Sprintf("DTMFFormat(%d)", uint8(f))
}

func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// EncodeDTMF returns the DTMF digits that carry m (its Number or
// NumberAbsence, and in format A…C its Redirecting number) in format f.
func EncodeDTMF(m Message, f DTMFFormat) (string, error) {
	if m.Standard != DTMFCLIP {
		return "", fmt.Errorf("%w: EncodeDTMF of a %q message", ErrStandard, m.Standard)
	}
	if m.Name != "" || m.NameAbsence != "" || m.DateTime != "" || len(m.Params) > 0 || m.Waiting != WaitingNone {
		return "", fmt.Errorf("%w: DTMF caller ID carries only a number (and a redirecting number)", ErrField)
	}
	for _, c := range []struct{ what, v string }{{"number", m.Number}, {"redirecting number", m.Redirecting}} {
		if !decimal(c.v) || len(c.v) > clipMaxNumber {
			return "", fmt.Errorf("%w: DTMF caller ID %s %q is not 1–%d decimal digits", ErrField, c.what, c.v, clipMaxNumber)
		}
	}
	if m.Number != "" && m.NumberAbsence != "" {
		return "", fmt.Errorf("%w: number %q and number absence %q both set", ErrConflict, m.Number, m.NumberAbsence)
	}
	if m.Number == "" && m.NumberAbsence == "" {
		return "", fmt.Errorf("%w: DTMF caller ID needs a number or a number absence", ErrField)
	}
	if m.Redirecting != "" && (f != DTMFFormatAC || m.Number == "") {
		return "", fmt.Errorf("%w: a redirecting number needs format %s and a number", ErrField, DTMFFormatAC)
	}
	switch f {
	case DTMFFormatAC:
		switch m.NumberAbsence {
		case "":
			s := "A" + m.Number
			if m.Redirecting != "" {
				s += "D" + m.Redirecting
			}
			return s + "C", nil
		case "O":
			return "B00C", nil // B00: number unavailable
		case "P":
			return "B10C", nil // B10: number restricted (private)
		}
	case DTMFFormatDK:
		switch m.NumberAbsence {
		case "":
			return "A" + m.Number + "#", nil
		case "P":
			return "D1#", nil // Denmark: D1# secret (private) number
		case "O":
			return "D3#", nil // Denmark: D3# unavailable for technical reasons
		}
	case DTMFFormatDC:
		if m.NumberAbsence == "" {
			return "D" + m.Number + "C", nil
		}
		return "", fmt.Errorf("%w: format %s has no code for a withheld number", ErrField, f)
	default:
		return "", fmt.Errorf("%w: DTMF caller ID format %d", ErrStandard, uint8(f))
	}
	return "", fmt.Errorf("%w: DTMF caller ID number absence must be \"O\" or \"P\", got %q", ErrField, m.NumberAbsence)
}

// DecodeDTMF reads the DTMF digits of one DTMF caller-ID transmission, from
// its start digit (A, B or D) to its end digit (C or #), in any national
// variant:
//
//	A<number>[D<redirecting>][B<code>]C   B00 → NumberAbsence "O", B10 → "P"
//	B<code>C                              as above, without a number
//	A<number>#                            Denmark
//	D1# D2# D3#                           Denmark: "P", "O" (international), "O"
//	D<number>C                            Taiwan, Kuwait, the Netherlands
//
// The Message has Standard DTMFCLIP and Raw the digits.
func DecodeDTMF(digits string) (Message, error) {
	m := Message{Standard: DTMFCLIP, Raw: []byte(digits)}
	bad := func(format string, a ...any) (Message, error) {
		return Message{}, fmt.Errorf("%w: %q: %s", ErrSyntax, digits, fmt.Sprintf(format, a...))
	}
	if len(digits) < 2 {
		return bad("too short for a start and an end digit")
	}
	if len(digits) > clipMaxDigits {
		return bad("%d digits, more than %d", len(digits), clipMaxDigits)
	}
	first, last, body := digits[0], digits[len(digits)-1], digits[1:len(digits)-1]
	if strings.ContainsAny(body, "ABCD*#") && !(first == 'A' && last == 'C') {
		return bad("a control digit inside the message")
	}
	switch {
	case last == '#' && first == 'A': // Denmark: A<number>#
		if body == "" || len(body) > clipMaxNumber {
			return bad("number of %d digits", len(body))
		}
		m.Number = body
	case last == '#' && first == 'D': // Denmark: D<code>#
		switch body {
		case "1":
			m.NumberAbsence = "P" // secret number
		case "2", "3":
			m.NumberAbsence = "O" // international call, or not available
		default:
			return bad("Danish code D%s# is not D1#, D2# or D3#", body)
		}
	case last == '#':
		return bad("'#' ends a message that starts with %q, not A or D", first)
	case last != 'C':
		return bad("ends with %q, not C or #", last)
	case first == 'D': // Taiwan, Kuwait, NL: D<number>C
		if body == "" || len(body) > clipMaxNumber {
			return bad("number of %d digits", len(body))
		}
		m.Number = body
	case first == 'A' || first == 'B':
		return decodeAC(m, digits, bad)
	default:
		return bad("starts with %q, not A, B or D", first)
	}
	return m, nil
}

// decodeAC reads A<number>[D<redirecting>][B<code>]C and B<code>C.
func decodeAC(m Message, digits string, bad func(string, ...any) (Message, error)) (Message, error) {
	s := digits[:len(digits)-1]
	field := func(tag byte) (string, bool) {
		if len(s) == 0 || s[0] != tag {
			return "", false
		}
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		v := s[1:i]
		s = s[i:]
		return v, true
	}
	num, hasNum := field('A')
	redir, hasRedir := field('D')
	code, hasCode := field('B')
	switch {
	case s != "":
		return bad("%q where C should end it", s)
	case hasNum && num == "" && !hasCode:
		return bad("A is followed by no number")
	case len(num) > clipMaxNumber || len(redir) > clipMaxNumber:
		return bad("a number longer than %d digits", clipMaxNumber)
	case hasRedir && (redir == "" || num == ""):
		return bad("a redirecting number needs a number and digits")
	case hasCode && num != "":
		return bad("both a number and an absence code B%s", code)
	}
	m.Number, m.Redirecting = num, redir
	if hasCode {
		switch code {
		case "00":
			m.NumberAbsence = "O" // B00: number unavailable
		case "10":
			m.NumberAbsence = "P" // B10: number restricted
		default:
			return bad("absence code B%s is not B00 or B10", code)
		}
	}
	return m, nil
}
