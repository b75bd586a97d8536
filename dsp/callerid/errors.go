package callerid

import "errors"

// Errors of encoding, decoding and receiving. Every error returned or set
// in Message.Err wraps one of these, with the detail that names what was
// wrong.
var (
	// ErrStandard: a Standard or physical layer name that is not known.
	ErrStandard = errors.New("callerid: unknown standard")
	// ErrType: a message type the standard does not define.
	ErrType = errors.New("callerid: unknown message type")
	// ErrShort: fewer bytes than type, length and checksum.
	ErrShort = errors.New("callerid: message too short")
	// ErrLength: the length byte disagrees with the bytes present, or a
	// message would not fit in one.
	ErrLength = errors.New("callerid: bad length")
	// ErrChecksum: the checksum byte does not make the sum zero mod 256,
	// or an NTT frame's CRC-16 does not match.
	ErrChecksum = errors.New("callerid: checksum mismatch")
	// ErrParity: an NTT character whose parity bit is not even.
	ErrParity = errors.New("callerid: parity error")
	// ErrParam: a parameter (MDMF, ETSI) overruns the message.
	ErrParam = errors.New("callerid: bad parameter")
	// ErrField: a field cannot be carried: a date that is not MMDDHHMM
	// digits, a name too long, an absence code the layout has no room for…
	ErrField = errors.New("callerid: bad field")
	// ErrConflict: Message fields that contradict each other or Params.
	ErrConflict = errors.New("callerid: conflicting fields")
	// ErrFraming: a received byte whose stop bit was a space.
	ErrFraming = errors.New("callerid: framing error")
	// ErrTruncated: the transmission stopped before the length byte's
	// count of bytes had arrived.
	ErrTruncated = errors.New("callerid: transmission truncated")
	// ErrSyntax: DTMF caller-ID digits that no national variant reads, or
	// an NTT frame out of its DLE SOH … DLE ETX layout.
	ErrSyntax = errors.New("callerid: bad DTMF caller ID")
)
