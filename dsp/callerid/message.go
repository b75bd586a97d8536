package callerid

import (
	"fmt"
	"slices"
)

// Standard names a caller-ID message layout together with its physical
// layer.
type Standard string

// The standards Encode, Decode, Synth and the Receiver know.
const (
	// Bell202SDMF is the single data message format of Telcordia GR-30:
	// fixed fields, Bell 202 modulation.
	Bell202SDMF Standard = "bell202-sdmf"
	// Bell202MDMF is GR-30's multiple data message format: a list of
	// parameters, Bell 202 modulation.
	Bell202MDMF Standard = "bell202-mdmf"
	// ETSI is ETSI EN 300 659-3 parameter messages over V.23
	// (EN 300 659-1).
	ETSI Standard = "etsi-v23"
	// BT is BT SIN227 (UK): EN 300 659-3-style messages over V.23 with a
	// shorter preamble (96–315 seizure bits, at least 55 marks) and up to
	// 10 stop bits.
	BT Standard = "bt"
	// DTMFCLIP is caller ID sent as DTMF digits (DTMFFormat lists the
	// national variants).
	DTMFCLIP Standard = "dtmf-clip"
	// NTT is NTT J-CLIP (Japanese number display): V.23, 7-bit characters
	// with even parity in a DLE frame with a CRC-16.
	NTT Standard = "ntt"
)

// Message types (first byte).
const (
	TypeSDMFCallerID   byte = 0x04 // GR-30 SDMF caller ID
	TypeSDMFWaiting    byte = 0x06 // GR-30 SDMF message waiting
	TypeCallSetup      byte = 0x80 // GR-30 MDMF, EN 300 659-3 §5.2: call set-up
	TypeMessageWaiting byte = 0x82 // GR-30 MDMF, EN 300 659-3: message waiting indicator
	TypeAdviceOfCharge byte = 0x86 // EN 300 659-3: advice of charge
	TypeShortMessage   byte = 0x89 // EN 300 659-3: short message service
	sdmfWaitingOn      byte = 0x42 // GR-30: 'B' ×3 turns the indicator on
	sdmfWaitingOff     byte = 0x6F // GR-30: 'o' ×3 turns it off
	sdmfDateLen             = 8    // GR-30: MMDDHHMM
	bellNameMax             = 15   // GR-30: name ≤ 15 characters
	etsiNameMax             = 50   // EN 300 659-3: name ≤ 50 characters
	maxBody                 = 255  // one length byte
)

// Parameter types of MDMF (GR-30) and EN 300 659-3 used by the Message
// convenience fields; DOMAIN.md §3 lists the rest, which Params carries.
const (
	ParamDateTime      byte = 0x01 // MMDDHHMM
	ParamNumber        byte = 0x02 // calling line identity
	ParamCalled        byte = 0x03 // GR-30 dialable number, ETSI called number
	ParamNumberAbsence byte = 0x04 // 'O' unavailable, 'P' private
	ParamName          byte = 0x07
	ParamNameAbsence   byte = 0x08
	ParamIndicator     byte = 0x0B // visual indicator: FF on, 00 off
	ParamRedirecting   byte = 0x1A // EN 300 659-3: redirecting number
)

// Waiting is the state of a message-waiting indicator a message sets.
type Waiting int8

// The indicator states.
const (
	WaitingNone Waiting = iota // the message says nothing about it
	WaitingOn
	WaitingOff
)

// Param is one MDMF or EN 300 659-3 parameter: type, then value (the
// length byte is len(Value)).
type Param struct {
	Type  byte
	Value []byte
}

// Message is one caller-ID message as decoded (or to be encoded).
type Message struct {
	// Standard is the layout and physical layer.
	Standard Standard
	// Type is the message type: 0x04 SDMF, 0x80 MDMF/ETSI call set-up,
	// 0x06/0x82 message waiting, 0x86 advice of charge, 0x89 SMS. Zero
	// means caller ID (0x04 for SDMF, 0x80 otherwise) when encoding.
	Type byte
	// DateTime is MMDDHHMM as sent.
	DateTime string
	// Number is the calling number.
	Number string
	// Name is the calling name (MDMF, ETSI).
	Name string
	// NumberAbsence is "O" or "P" (or other ETSI codes), "" when a number
	// is present.
	NumberAbsence string
	// Redirecting is the redirecting number: DTMF CLIP's D field,
	// EN 300 659-3 parameter 0x1A.
	Redirecting string
	// NameAbsence is the reason the name is missing, like NumberAbsence.
	NameAbsence string
	// Waiting is what the message does to the message-waiting indicator
	// (SDMF type 0x06, parameter 0x0B).
	Waiting Waiting
	// Params is every parameter as received, in order (MDMF/ETSI). When
	// encoding, a non-empty Params is sent as is, and the fields above
	// must agree with it or be empty.
	Params []Param
	// Raw is the message bytes from type to checksum.
	Raw []byte
	// SeizureBits and MarkBits describe the preamble the Receiver heard
	// before the message: about how many bits of channel seizure (a
	// multiple of ten; zero for off-hook Type 2 and NTT, which send none)
	// and how many mark bits came right before the first byte.
	SeizureBits, MarkBits int
	// Start and End are the sample positions of the first and last byte's
	// start bits (set by the Receiver).
	Start, End int64
	// Err is non-nil for a damaged message: checksum, length, framing …
	// The other fields of such a message are not to be trusted.
	Err error
}

// Phys returns the physical layer name of s ("bell202" or "v23"), or "" for
// an unknown standard.
func (s Standard) Phys() string {
	switch s {
	case Bell202SDMF, Bell202MDMF:
		return "bell202"
	case ETSI, BT, NTT:
		return "v23"
	}
	return ""
}

// Checksum returns the checksum of b: the two's complement of the mod-256
// sum of its bytes (GR-30, EN 300 659-3 §5.3).
func Checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return -s
}

// Encode lays out m per its Standard (SDMF `04 len MMDDHHMM number ck`,
// `06 03 42 42 42 ck`; MDMF and EN 300 659-3 parameter lists) with the
// checksum.
//
// A DTMFCLIP message is encoded as its digits in DTMFFormatAC (EncodeDTMF
// chooses the variant); an NTT message as its whole frame, DLE SOH to CRC,
// as the characters appear on the line.
func Encode(m Message) ([]byte, error) {
	switch m.Standard {
	case DTMFCLIP:
		s, err := EncodeDTMF(m, DTMFFormatAC)
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	case NTT:
		return encodeNTT(m)
	}
	var body []byte
	typ := m.Type
	switch m.Standard {
	case Bell202SDMF:
		if typ == 0 {
			typ = TypeSDMFCallerID
		}
		var err error
		if body, err = sdmfBody(m, typ); err != nil {
			return nil, err
		}
	case Bell202MDMF, ETSI, BT:
		if typ == 0 {
			typ = TypeCallSetup
		}
		if !knownType(m.Standard, typ) {
			return nil, fmt.Errorf("%w: 0x%02X in %s", ErrType, typ, m.Standard)
		}
		params := m.Params
		if len(params) > 0 {
			if err := agree(m, params); err != nil {
				return nil, err
			}
		} else {
			var err error
			if params, err = fieldParams(m); err != nil {
				return nil, err
			}
		}
		for i, p := range params {
			if len(p.Value) > maxBody {
				return nil, fmt.Errorf("%w: parameter %d (type 0x%02X) is %d bytes, more than %d", ErrLength, i, p.Type, len(p.Value), maxBody)
			}
			body = append(body, p.Type, byte(len(p.Value)))
			body = append(body, p.Value...)
		}
	default:
		return nil, fmt.Errorf("%w %q", ErrStandard, m.Standard)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: %s body of %d bytes exceeds %d", ErrLength, m.Standard, len(body), maxBody)
	}
	out := make([]byte, 0, len(body)+3)
	out = append(out, typ, byte(len(body)))
	out = append(out, body...)
	return append(out, Checksum(out)), nil
}

func knownType(s Standard, t byte) bool {
	switch s {
	case Bell202SDMF:
		return t == TypeSDMFCallerID || t == TypeSDMFWaiting
	case Bell202MDMF:
		return t == TypeCallSetup || t == TypeMessageWaiting
	case ETSI, BT:
		return t == TypeCallSetup || t == TypeMessageWaiting || t == TypeAdviceOfCharge || t == TypeShortMessage
	}
	return false
}

func sdmfBody(m Message, typ byte) ([]byte, error) {
	if len(m.Params) > 0 {
		return nil, fmt.Errorf("%w: SDMF has no parameters, got %d", ErrConflict, len(m.Params))
	}
	if m.Redirecting != "" {
		return nil, fmt.Errorf("%w: SDMF carries no redirecting number", ErrField)
	}
	if m.Name != "" || m.NameAbsence != "" {
		return nil, fmt.Errorf("%w: SDMF carries no name (use %s)", ErrField, Bell202MDMF)
	}
	switch typ {
	case TypeSDMFCallerID:
		if m.Waiting != WaitingNone {
			return nil, fmt.Errorf("%w: SDMF caller ID (0x04) carries no message-waiting state", ErrConflict)
		}
		if err := checkDate(m.DateTime); err != nil {
			return nil, err
		}
		body := []byte(m.DateTime)
		switch {
		case m.Number != "" && m.NumberAbsence != "":
			return nil, fmt.Errorf("%w: number %q and number absence %q both set", ErrConflict, m.Number, m.NumberAbsence)
		case m.Number != "":
			if err := checkPrintable("number", m.Number); err != nil {
				return nil, err
			}
			return append(body, m.Number...), nil
		case m.NumberAbsence == "O" || m.NumberAbsence == "P": // GR-30: 'O' out of area, 'P' private
			return append(body, m.NumberAbsence...), nil
		case m.NumberAbsence != "":
			return nil, fmt.Errorf("%w: SDMF number absence must be \"O\" or \"P\", got %q", ErrField, m.NumberAbsence)
		}
		return nil, fmt.Errorf("%w: SDMF caller ID needs a number or a number absence", ErrField)
	case TypeSDMFWaiting:
		if m.DateTime != "" || m.Number != "" || m.NumberAbsence != "" {
			return nil, fmt.Errorf("%w: SDMF message waiting (0x06) carries no date or number", ErrConflict)
		}
		switch m.Waiting {
		case WaitingOn:
			return []byte{sdmfWaitingOn, sdmfWaitingOn, sdmfWaitingOn}, nil
		case WaitingOff:
			return []byte{sdmfWaitingOff, sdmfWaitingOff, sdmfWaitingOff}, nil
		}
		return nil, fmt.Errorf("%w: SDMF message waiting (0x06) needs Waiting on or off", ErrField)
	}
	return nil, fmt.Errorf("%w: 0x%02X in %s", ErrType, typ, Bell202SDMF)
}

func checkDate(s string) error {
	if len(s) != sdmfDateLen {
		return fmt.Errorf("%w: date %q is not MMDDHHMM", ErrField, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("%w: date %q is not MMDDHHMM digits", ErrField, s)
		}
	}
	return nil
}

func checkPrintable(what, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return fmt.Errorf("%w: %s %q has byte 0x%02X at %d, not printable ASCII", ErrField, what, s, s[i], i)
		}
	}
	return nil
}

// fieldParams builds the parameter list of an MDMF or ETSI message from
// its convenience fields, in the order GR-30 and EN 300 659-3 examples use.
func fieldParams(m Message) ([]Param, error) {
	var ps []Param
	if m.DateTime != "" {
		if err := checkDate(m.DateTime); err != nil {
			return nil, err
		}
		ps = append(ps, Param{ParamDateTime, []byte(m.DateTime)})
	}
	if m.Number != "" && m.NumberAbsence != "" {
		return nil, fmt.Errorf("%w: number %q and number absence %q both set", ErrConflict, m.Number, m.NumberAbsence)
	}
	if m.Number != "" {
		ps = append(ps, Param{ParamNumber, []byte(m.Number)})
	}
	if m.NumberAbsence != "" {
		ps = append(ps, Param{ParamNumberAbsence, []byte(m.NumberAbsence)})
	}
	if m.Redirecting != "" {
		if m.Standard == Bell202MDMF {
			return nil, fmt.Errorf("%w: GR-30 MDMF has no redirecting number", ErrField)
		}
		ps = append(ps, Param{ParamRedirecting, []byte(m.Redirecting)})
	}
	if m.Name != "" && m.NameAbsence != "" {
		return nil, fmt.Errorf("%w: name %q and name absence %q both set", ErrConflict, m.Name, m.NameAbsence)
	}
	if m.Name != "" {
		limit := etsiNameMax // EN 300 659-3: name ≤ 50 characters
		if m.Standard == Bell202MDMF {
			limit = bellNameMax // GR-30: name ≤ 15 characters
		}
		if len(m.Name) > limit {
			return nil, fmt.Errorf("%w: name %q is %d characters, %s allows %d", ErrField, m.Name, len(m.Name), m.Standard, limit)
		}
		ps = append(ps, Param{ParamName, []byte(m.Name)})
	}
	if m.NameAbsence != "" {
		ps = append(ps, Param{ParamNameAbsence, []byte(m.NameAbsence)})
	}
	switch m.Waiting {
	case WaitingOn:
		ps = append(ps, Param{ParamIndicator, []byte{0xFF}}) // GR-30, EN 300 659-3: FF activates
	case WaitingOff:
		ps = append(ps, Param{ParamIndicator, []byte{0x00}}) // 00 deactivates
	}
	return ps, nil
}

// fields fills m's convenience fields from its Params (the first of each
// type wins).
func fields(m *Message) {
	seen := map[byte]bool{}
	for _, p := range m.Params {
		if seen[p.Type] {
			continue
		}
		seen[p.Type] = true
		switch p.Type {
		case ParamDateTime:
			m.DateTime = string(p.Value)
		case ParamNumber:
			m.Number = string(p.Value)
		case ParamNumberAbsence:
			m.NumberAbsence = string(p.Value)
		case ParamName:
			m.Name = string(p.Value)
		case ParamNameAbsence:
			m.NameAbsence = string(p.Value)
		case ParamRedirecting:
			if m.Standard == NTT {
				continue
			}
			m.Redirecting = string(p.Value)
		case ParamIndicator:
			if m.Standard == NTT { // NTT uses 0x0B for something else
				continue
			}
			if len(p.Value) == 1 && p.Value[0] == 0xFF {
				m.Waiting = WaitingOn
			} else if len(p.Value) == 1 && p.Value[0] == 0x00 {
				m.Waiting = WaitingOff
			}
		}
	}
}

// agree checks that m's non-empty convenience fields say what params say.
func agree(m Message, params []Param) error {
	d := Message{Params: params}
	fields(&d)
	check := []struct {
		name      string
		got, want string
	}{
		{"DateTime", m.DateTime, d.DateTime},
		{"Number", m.Number, d.Number},
		{"NumberAbsence", m.NumberAbsence, d.NumberAbsence},
		{"Name", m.Name, d.Name},
		{"NameAbsence", m.NameAbsence, d.NameAbsence},
		{"Redirecting", m.Redirecting, d.Redirecting},
	}
	for _, c := range check {
		if c.got != "" && c.got != c.want {
			return fmt.Errorf("%w: %s is %q but Params say %q", ErrConflict, c.name, c.got, c.want)
		}
	}
	if m.Waiting != WaitingNone && m.Waiting != d.Waiting {
		return fmt.Errorf("%w: Waiting is %d but Params say %d", ErrConflict, m.Waiting, d.Waiting)
	}
	return nil
}

// Decode parses raw message bytes (type … checksum) and verifies the
// checksum. Decode cannot tell Bell MDMF from ETSI by the bytes alone: phys
// ("bell202" or "v23") says which. The returned Message's Raw and Params
// values are a copy of raw.
func Decode(raw []byte, phys string) (Message, error) {
	m := Message{}
	if phys != "bell202" && phys != "v23" {
		return m, fmt.Errorf("%w: physical layer %q (want bell202 or v23)", ErrStandard, phys)
	}
	if len(raw) < 3 {
		return m, fmt.Errorf("%w: %d bytes, need type, length and checksum", ErrShort, len(raw))
	}
	if n := int(raw[1]) + 3; n != len(raw) {
		return m, fmt.Errorf("%w: length byte %d says %d bytes, have %d", ErrLength, raw[1], n, len(raw))
	}
	if s := Checksum(raw[:len(raw)-1]); s != raw[len(raw)-1] {
		return m, fmt.Errorf("%w: checksum byte 0x%02X, bytes sum to 0x%02X", ErrChecksum, raw[len(raw)-1], s)
	}
	m.Raw = slices.Clone(raw)
	m.Type = raw[0]
	body := m.Raw[2 : len(m.Raw)-1]
	switch {
	case phys == "bell202" && m.Type < 0x80:
		m.Standard = Bell202SDMF
	case phys == "bell202":
		m.Standard = Bell202MDMF
	default:
		m.Standard = ETSI
	}
	if !knownType(m.Standard, m.Type) {
		return Message{}, fmt.Errorf("%w: 0x%02X on %s", ErrType, m.Type, phys)
	}
	switch m.Type {
	case TypeSDMFCallerID:
		if len(body) <= sdmfDateLen {
			return Message{}, fmt.Errorf("%w: SDMF caller ID body of %d bytes has no number after the date", ErrField, len(body))
		}
		date, num := string(body[:sdmfDateLen]), string(body[sdmfDateLen:])
		if err := checkDate(date); err != nil {
			return Message{}, err
		}
		if err := checkPrintable("number", num); err != nil {
			return Message{}, err
		}
		m.DateTime = date
		if num == "O" || num == "P" { // GR-30: out of area, private
			m.NumberAbsence = num
		} else {
			m.Number = num
		}
		return m, nil
	case TypeSDMFWaiting:
		switch string(body) {
		case string([]byte{sdmfWaitingOn, sdmfWaitingOn, sdmfWaitingOn}):
			m.Waiting = WaitingOn
		case string([]byte{sdmfWaitingOff, sdmfWaitingOff, sdmfWaitingOff}):
			m.Waiting = WaitingOff
		default:
			return Message{}, fmt.Errorf("%w: SDMF message waiting body % X is neither 42 42 42 nor 6F 6F 6F", ErrField, body)
		}
		return m, nil
	}
	ps, err := params(body)
	if err != nil {
		return Message{}, err
	}
	m.Params = ps
	fields(&m)
	return m, nil
}

// params splits a message body into {type length value} parameters; the
// values share body's memory.
func params(body []byte) ([]Param, error) {
	var ps []Param
	for i := 0; i < len(body); {
		if i+2 > len(body) {
			return nil, fmt.Errorf("%w: parameter at byte %d has no length byte", ErrParam, i+2)
		}
		t, n := body[i], int(body[i+1])
		if i+2+n > len(body) {
			return nil, fmt.Errorf("%w: parameter 0x%02X at byte %d says %d bytes, %d remain", ErrParam, t, i+2, n, len(body)-i-2)
		}
		ps = append(ps, Param{Type: t, Value: body[i+2 : i+2+n : i+2+n]})
		i += 2 + n
	}
	return ps, nil
}
