package callerid

import (
	"fmt"
	"math/bits"
	"slices"
)

// NTT J-CLIP (NTT number display) framing: 7-bit characters with even
// parity in bit 7, a transparent DLE frame, a CRC-16 at the end.
const (
	dle       byte = 0x10
	soh       byte = 0x01
	stx       byte = 0x02
	etx       byte = 0x03
	nttHeader byte = 0x07 // the header byte after DLE SOH

	// TypeNTTCallerID and TypeNTTTest are the two message types of NTT
	// number display (0x40, 0x41).
	TypeNTTCallerID byte = 0x40
	TypeNTTTest     byte = 0x41

	nttMaxBody = 0x7F // a length is one 7-bit character
	// nttMaxFrame is the longest wire frame: DLE SOH 07 DLE STX, type and
	// length and body all DLE-doubled at worst, DLE ETX, two CRC bytes.
	nttMaxFrame = 5 + 2*(2+nttMaxBody) + 2 + 2
)

// NTT parameter types (NTT number display).
const (
	ParamNTTNumber    byte = 0x02 // calling number
	ParamNTTAbsence   byte = 0x04 // reason for absence: 'P' private, 'O' unavailable, 'C' public phone, 'S' service conflict
	ParamNTTDialled   byte = 0x09 // dialled (called) number
	ParamNTTExtension byte = 0x21 // number extension: type of number and numbering plan
)

// withParity returns c (7 bits) with even parity in bit 7.
func withParity(c byte) byte {
	c &= 0x7F
	if bits.OnesCount8(c)%2 == 1 {
		c |= 0x80
	}
	return c
}

// CRC16NTT returns the CRC of NTT number display: CRC-16 with the
// reflected polynomial 0x8408 (x¹⁶+x¹²+x⁵+1, bits LSB first, as the UART
// sends them) and initial value 0, no final inversion (the parameters also
// known as CRC-16/KERMIT). Sent low byte first, it leaves a zero remainder
// over the characters it covers (see the package Caveats) and the CRC,
// which is how shipped number-display firmware checks it: the same
// polynomial, bits taken LSB first, the register starting at zero.
func CRC16NTT(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// encodeNTT lays m out as the characters on the line:
//
//	DLE SOH 07 DLE STX type len {type len data}… DLE ETX crc-low crc-high
//
// every character but the CRC with even parity, and every DLE between DLE
// STX and DLE ETX sent twice (transparency).
func encodeNTT(m Message) ([]byte, error) {
	typ := m.Type
	if typ == 0 {
		typ = TypeNTTCallerID
	}
	if typ != TypeNTTCallerID && typ != TypeNTTTest {
		return nil, fmt.Errorf("%w: 0x%02X in %s (want 0x40 or 0x41)", ErrType, typ, NTT)
	}
	params := m.Params
	if len(params) == 0 {
		if m.Waiting != WaitingNone || m.Redirecting != "" {
			return nil, fmt.Errorf("%w: %s carries no message-waiting state or redirecting number here", ErrField, NTT)
		}
		switch m.NumberAbsence {
		case "", "P", "O", "C", "S": // NTT: private, unavailable, public phone, service conflict
		default:
			return nil, fmt.Errorf("%w: %s number absence must be P, O, C or S, got %q", ErrField, NTT, m.NumberAbsence)
		}
		var err error
		if params, err = fieldParams(m); err != nil {
			return nil, err
		}
	} else if err := agree(m, params); err != nil {
		return nil, err
	}
	body := []byte{typ, 0}
	for i, p := range params {
		body = append(body, p.Type, byte(len(p.Value)))
		body = append(body, p.Value...)
		if len(p.Value) > nttMaxBody {
			return nil, fmt.Errorf("%w: parameter %d (type 0x%02X) is %d bytes, more than %d", ErrLength, i, p.Type, len(p.Value), nttMaxBody)
		}
	}
	if len(body)-2 > nttMaxBody {
		return nil, fmt.Errorf("%w: %s body of %d bytes exceeds %d", ErrLength, NTT, len(body)-2, nttMaxBody)
	}
	body[1] = byte(len(body) - 2)
	for i, c := range body {
		if c > 0x7F {
			return nil, fmt.Errorf("%w: byte %d of the %s message is 0x%02X, not a 7-bit character", ErrField, i, NTT, c)
		}
	}
	out := []byte{withParity(dle), withParity(soh), withParity(nttHeader), withParity(dle), withParity(stx)}
	for _, c := range body {
		if c == dle {
			out = append(out, withParity(dle)) // transparency: DLE doubled
		}
		out = append(out, withParity(c))
	}
	out = append(out, withParity(dle), withParity(etx))
	crc := CRC16NTT(nttCovered(out))
	return append(out, byte(crc), byte(crc>>8)), nil
}

// nttCovered returns the characters the CRC covers, from a frame up to and
// including its ETX: everything after DLE SOH, as sent, that is the header
// (07), DLE STX, the message with its doubled DLEs, and DLE ETX, each with
// its parity bit. This is what a shipped number-display receiver checks
// (Murata fax firmware "ATLANTA FM336", mdm_nd.c and mdm_nddt.c, 1998–2002,
// public on GitHub: its receiver runs the CRC from the byte after SOH to
// the second CRC byte over the characters as received, parity bits still
// in, and accepts a zero remainder), rather than the binary-synchronous
// convention (ISO 1745) of leaving the DLEs out, which an earlier version
// of this package assumed.
func nttCovered(frame []byte) []byte {
	if len(frame) < 2 {
		return nil
	}
	return frame[2:]
}

// nttCoveredBSC returns the characters the binary-synchronous convention
// (ISO 1745 transparent mode) would cover: as nttCovered, without the DLE
// before STX and ETX and the first DLE of each doubled pair. DecodeNTT
// accepts a CRC over either, until a capture from an NTT exchange settles
// it (see the package Caveats); accepting two costs one bit of the CRC's
// 16.
func nttCoveredBSC(frame []byte) []byte {
	c := make([]byte, 0, len(frame))
	for i := 2; i < len(frame); i++ {
		if frame[i]&0x7F == dle && i+1 < len(frame) {
			i++ // the DLE before STX, ETX or a doubled DLE
		}
		c = append(c, frame[i])
	}
	return c
}

// DecodeNTT parses one NTT J-CLIP frame as received (DLE SOH … DLE ETX
// CRC): it checks every character's parity, the framing and the CRC, then
// reads the parameters. A damaged frame is an error that says what was
// wrong, never data.
func DecodeNTT(frame []byte) (Message, error) {
	if len(frame) < 11 {
		return Message{}, fmt.Errorf("%w: %s frame of %d bytes, need at least 11", ErrShort, NTT, len(frame))
	}
	if len(frame) > nttMaxFrame {
		return Message{}, fmt.Errorf("%w: %s frame of %d bytes, more than %d", ErrLength, NTT, len(frame), nttMaxFrame)
	}
	// Every character up to ETX has even parity; the two CRC bytes carry
	// eight bits each.
	parity := func(i int) error {
		if c := frame[i]; withParity(c) != c {
			return fmt.Errorf("%w: %s byte %d (0x%02X) has odd parity", ErrParity, NTT, i, c)
		}
		return nil
	}
	for i := range 5 {
		if err := parity(i); err != nil {
			return Message{}, err
		}
	}
	if frame[0]&0x7F != dle || frame[1]&0x7F != soh || frame[2]&0x7F != nttHeader || frame[3]&0x7F != dle || frame[4]&0x7F != stx {
		return Message{}, fmt.Errorf("%w: %s frame starts % X, not DLE SOH 07 DLE STX", ErrSyntax, NTT, frame[:5])
	}
	var body []byte
	end := -1
	for i := 5; i < len(frame) && end < 0; i++ {
		if err := parity(i); err != nil {
			return Message{}, err
		}
		c := frame[i] & 0x7F
		if c != dle {
			body = append(body, c)
			continue
		}
		if i+1 >= len(frame) {
			break
		}
		if err := parity(i + 1); err != nil {
			return Message{}, err
		}
		switch i++; frame[i] & 0x7F {
		case dle:
			body = append(body, dle)
		case etx:
			end = i + 1
		default:
			return Message{}, fmt.Errorf("%w: %s DLE followed by 0x%02X at byte %d", ErrSyntax, NTT, frame[i], i)
		}
	}
	if end < 0 {
		return Message{}, fmt.Errorf("%w: %s frame has no DLE ETX", ErrSyntax, NTT)
	}
	if end != len(frame)-2 {
		return Message{}, fmt.Errorf("%w: %s: %d bytes after DLE ETX, want the 2 of the CRC", ErrLength, NTT, len(frame)-end)
	}
	want := uint16(frame[end]) | uint16(frame[end+1])<<8
	if got := CRC16NTT(nttCovered(frame[:end])); got != want && CRC16NTT(nttCoveredBSC(frame[:end])) != want {
		return Message{}, fmt.Errorf("%w: %s CRC 0x%04X sent, 0x%04X computed", ErrChecksum, NTT, want, got)
	}
	if len(body) < 2 {
		return Message{}, fmt.Errorf("%w: %s message of %d bytes has no type and length", ErrShort, NTT, len(body))
	}
	if int(body[1]) != len(body)-2 {
		return Message{}, fmt.Errorf("%w: %s length byte %d, %d bytes follow", ErrLength, NTT, body[1], len(body)-2)
	}
	m := Message{Standard: NTT, Type: body[0], Raw: slices.Clone(frame)}
	if m.Type != TypeNTTCallerID && m.Type != TypeNTTTest {
		return Message{}, fmt.Errorf("%w: 0x%02X in %s", ErrType, m.Type, NTT)
	}
	ps, err := params(body[2:])
	if err != nil {
		return Message{}, err
	}
	m.Params = ps
	fields(&m)
	return m, nil
}
