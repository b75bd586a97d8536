package dtmf

import "errors"

// Errors returned by this package.
var (
	// ErrDigit is returned for a character that is not a DTMF digit.
	ErrDigit = errors.New("dtmf: not a DTMF digit")
	// ErrDuration is returned for a key press or pause that cannot be
	// synthesised (a non-positive on time or a negative off time).
	ErrDuration = errors.New("dtmf: bad duration")
)
