package callerid

import (
	"fmt"
	"math/bits"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/fsk"
)

const (
	minSeizure = 5  // 0x55 bytes (50 bits) before a message counts; GR-30 sends 30, BT SIN227 at least 9.6
	minMarks   = 40 // mark bits before the type byte; GR-30 sends 180, BT SIN227 ≥ 55
	seizureGap = 4  // mark bits a seizure byte may follow (noise, a damaged byte before)
	seizureBad = 3  // damaged bytes a seizure may hold (noise; the one straddling seizure and marks)
	maxGap     = 30 // mark bits between message bytes; GR-30 allows ≤ 20 extra, BT up to 9
	// seizureRest is how many seizure bytes in a row make the DTMF and
	// alert detectors rest until the message after them has been read.
	seizureRest = 2
	// minType2Marks is the mark run before an off-hook (Type 2) message,
	// which has no channel seizure: GR-30 sends 58–75 ms (70–90 bits).
	minType2Marks = 50
	// type2Alert is how long after an alert tone (CAS) a damaged Type 2
	// message may start and still be reported: the phone acknowledges
	// within about 165 ms and the FSK follows 0–500 ms later (GR-30).
	type2Alert = 12000 // samples, 1.5 s
	v23Above   = 1250  // Hz: a mark run above this is V.23 (1300 Hz), below Bell 202 (1200 Hz)
	// btMarks tells BT SIN227 from ETSI on V.23: ETSI sends 180 ± 25
	// marks (EN 300 659-1 §6.1.3); a V.23 message after fewer than btMarks
	// is BT's (SIN227: at least 55). (The seizure length is no help: BT
	// allows 96–315 bits, ETSI sends 300, and noise shortens the count.)
	btMarks = 130
	// levelDrop is how much weaker than the message's mean, in dB, a byte
	// right after it may be and still count as the same signal. A
	// transmission's bytes agree within a fraction of a dB.
	levelDrop = 3
)

// The energy gates: most of the time a line carries nothing the Receiver
// looks for, so the detectors only run while there is signal, and a
// signal whose power lies where theirs does.
const (
	gateBlock = 64    // samples per gate decision (8 ms)
	gateDBm0  = -50   // a block below the power of a sine at this level is quiet (FSK squelch −48, GR-30)
	gateClip  = 32000 // LSB: a block that reaches this is clipped (ringing)
	gateLoud  = 2     // loud blocks in a row that open a gate; the blocks before are run too, so no onset is lost
	gateKeep  = 2     // blocks kept for that: gateLoud, the first of which may have caught only the onset
	fskHold   = 4     // quiet blocks (32 ms) before the FSK demodulator stops: longer than a noise dip inside a message
	toneHold  = 10    // quiet blocks (80 ms) before the DTMF and alert detectors stop: longer than the DTMF detector takes to report a digit
)

// The band tests of the gates. A tone of frequency f gives its first
// difference 4·sin²(πf/Rate) = u times its energy, and its second
// difference u² times; a block whose energy lies between the u of two
// frequencies a < b has (u−a)(b−u) ≥ 0 on average, that is
// (a+b)·E1 − E2 − ab·E0 ≥ 0 for the energies E0, E1, E2 of the block and
// its differences, and the more so the nearer its middle. Voiced speech
// (under 1 kHz) and fricatives (over 3 kHz) make it negative. Each test
// is written in integers: k1·E1 − k2·E2 − k0·E0 > 0.
const (
	// FSK, 920–2670 Hz (u 0.5–3.0) with a margin of 0.15·E0: Bell 202 and
	// V.23 at their twist limits with noise at 10 dB SNR pass every
	// block; the hw/sim voices pass 4–7 % of their blocks (the first
	// difference's share alone passed 17–44 %).
	fskK1, fskK2, fskK0 = 70, 20, 33 // ×20: 3.5·E1 − E2 − (1.5+0.15)·E0
	// DTMF, 680–1790 Hz (u 0.25–1.8) with a margin of 0.04·E0; and the
	// alert tone, 1920–2810 Hz (u 2.2–3.5) with 0.05·E0: every DTMF
	// digit and the alert tone at their lowest levels with noise at 15
	// dB SNR pass; the voices pass 10–14 % of their blocks (the first
	// difference's share alone passed 50–78 %).
	dtmfK1, dtmfK2, dtmfK0    = 205, 100, 49 // ×100: 2.05·E1 − E2 − (0.45+0.04)·E0
	alertK1, alertK2, alertK0 = 114, 20, 155 // ×20: 5.7·E1 − E2 − (7.7+0.05)·E0
)

// DTMF CLIP: digits 70 ms apart (DOMAIN.md §3); a longer pause than
// clipGap ends a transmission that has not seen its end digit.
const (
	clipGap     = 2400 // samples: 300 ms between one digit's end and the next one's start
	clipLatency = 480  // samples: the DTMF detector reports a digit 45 ms after it ends
)

// gateState is one gate: open, how many loud blocks in a row, and how
// many quiet blocks since the last loud one.
type gateState struct {
	open  bool
	loud  int
	quiet int
}

// gatePower is the block energy, in LSB², of a sine at gateDBm0.
var gatePower = func() int64 { p := dsp.Peak(gateDBm0); return int64(p * p / 2 * gateBlock) }()

// Receiver listens to one line for caller ID in every standard the package
// knows, with no configuration. It demodulates FSK once for both layers
// (Bell 202 and V.23 share the centre frequency 1700 Hz), finds the
// channel seizure and mark preamble (or, for Type 2, the mark run alone),
// frames a message by its length byte or, for NTT, its DLE frame,
// recognises the standard by the mark frequency, the preamble and the
// message type; it also hears DTMF CLIP and alert tones. It appends one
// Message per transmission; a damaged one comes out with Err set (never as
// good data). See the package documentation for the gates in front.
type Receiver struct {
	// Energy gate.
	blk     [gateBlock]int16 // the block being filled
	bn      int
	blkPos  int64
	hist    [gateKeep][gateBlock]int16 // the blocks before it, oldest first
	histPos [gateKeep]int64
	nHist   int       // how many of them there are
	last    int16     // the sample before the block
	last2   int16     // and the one before that
	fsk     gateState // the FSK demodulator's gate
	tones   gateState // the DTMF and alert detectors' gate
	now     int64     // position after the last sample seen

	demod   *fsk.Demodulator
	spb     float64
	bytes   []fsk.Byte
	seizure int // seizure bytes of the seizure being heard
	runs    int // seizure bytes of the preamble the message follows
	bad     int // bytes in the seizure that were not seizure
	inMsg   bool
	raw     [max(maxBody+3, nttMaxFrame)]byte
	ntt     bool // the message is an NTT frame (ends at DLE ETX and its CRC)
	dleOpen bool // NTT: the last character was an unpaired DLE
	crcLeft int  // NTT: CRC bytes still to come
	n, need int
	framing int // index+1 of the first byte with a framing error
	start   int64
	lastPos int64
	markHz  dsp.Hz
	marks   int
	burst   int     // fsk.Byte.Burst of the message's bytes
	level   float64 // sum of their fsk.Byte.LevelDBm0
	// pending is a complete, good message held until the line has been
	// quiet for a while: bytes right after its checksum mean the length
	// byte was damaged, and then it is not good data.
	pending    Message
	hasPending bool

	// Alert tones, for Type 2.
	alert     *AlertDetector
	alerts    []Alert
	lastAlert Alert
	alerted   bool

	// DTMF CLIP.
	det       *dtmf.Detector
	evs       []dtmf.Event
	clip      [clipMaxDigits]byte
	cn        int
	clipStart int64 // first digit's start
	clipLast  int64 // last digit's start
	clipEnd   int64 // last digit's end
}

// NewReceiver returns a Receiver in its initial state.
func NewReceiver() *Receiver {
	r := &Receiver{
		demod:  fsk.NewDemodulator(fsk.Bell202),
		spb:    fsk.Bell202.SamplesPerBit(),
		bytes:  make([]fsk.Byte, 0, 2*gateBlock/6+2),
		det:    dtmf.NewDetector(),
		evs:    make([]dtmf.Event, 0, 4),
		alert:  NewAlertDetector(),
		alerts: make([]Alert, 0, 2),
	}
	r.Reset()
	return r
}

// Reset forgets all state, as if r were new; a message in progress is
// dropped without being reported.
func (r *Receiver) Reset() {
	r.bn, r.nHist, r.last, r.last2 = 0, 0, 0, 0
	r.fsk, r.tones = gateState{}, gateState{}
	r.demod.Reset()
	r.det.Reset()
	r.alert.Reset()
	r.alerted = false
	r.cn = 0
	r.hunt()
	r.pending, r.hasPending = Message{}, false
}

// Flush appends what Process still holds at the end of a stream: a message
// waiting out its quiet period, or one cut short (with ErrTruncated).
func (r *Receiver) Flush(out []Message) []Message {
	if r.bn > 0 && r.fsk.open {
		out = r.runFSK(r.blk[:r.bn], r.blkPos, false, out)
	}
	if r.bn > 0 && r.tones.open {
		out = r.runTones(r.blk[:r.bn], r.blkPos, false, out)
	}
	r.bn = 0
	r.evs = r.det.Flush(r.evs[:0])
	for _, e := range r.evs {
		out = r.digit(e, out)
	}
	out = r.clipCut(out)
	if r.hasPending {
		out = r.emit(r.pending, out)
		r.pending, r.hasPending = Message{}, false
	}
	if r.inMsg {
		out = r.emit(r.truncated(), out)
	}
	return out
}

func (r *Receiver) hunt() {
	r.seizure, r.bad, r.inMsg = 0, 0, false
	r.ntt, r.dleOpen, r.crcLeft = false, false, 0
	r.n, r.need, r.framing = 0, 0, 0
}

// Process appends the messages completed within x (which starts at sample
// pos and continues the stream) to out and returns it. Between messages it
// allocates nothing.
func (r *Receiver) Process(x []int16, pos int64, out []Message) []Message {
	for len(x) > 0 {
		if r.bn == 0 {
			r.blkPos = pos
		}
		n := copy(r.blk[r.bn:], x)
		r.bn += n
		x, pos = x[n:], pos+int64(n)
		if r.bn == gateBlock {
			out = r.block(out)
			r.bn = 0
		}
	}
	return out
}

// block decides whether the full block r.blk carries signal and runs the
// detectors over it (and the blocks before, when a gate opens, so the
// onset is not lost).
func (r *Receiver) block(out []Message) []Message {
	if r.fsk.open && (r.inMsg || r.seizure >= seizureRest) {
		// An FSK message (or its seizure) is coming in: the FSK gate
		// stays open without measuring the block (the demodulator's
		// squelch hears the carrier go, and the message's timeouts
		// end it), and the tone detectors rest.
		r.last = r.blk[gateBlock-1]
		r.fsk.loud, r.fsk.quiet = gateLoud, 0
		r.tones = gateState{}
		out = r.runFSK(r.blk[:], r.blkPos, false, out)
		r.keep()
		return r.timeouts(out)
	}
	// The block's energy and peak first: a quiet line (most of the time)
	// needs no more.
	var e0 int64
	var hi, lo int16
	b := &r.blk
	for i := 0; i < gateBlock; i += 2 { // two at a time: fewer moves between iterations
		v0, v1 := b[i], b[i+1]
		w0, w1 := int64(v0), int64(v1)
		e0 += w0*w0 + w1*w1
		hi, lo = max(hi, v0, v1), min(lo, v0, v1)
	}
	// Ringing clips the ADC (DOMAIN.md §1); caller ID never comes during
	// it and is never that loud (−4 dBm0 peaks at 14,400 LSB, two DTMF
	// tones at 28,800), so a clipped block counts as quiet.
	base := e0 > gatePower && max(int32(hi), -int32(lo)) < gateClip
	var fskBand, toneBand bool
	if base {
		var e1, e2 int64
		p1, p2 := int64(r.last), int64(r.last2)
		for i := 0; i < gateBlock; i += 2 {
			w0, w1 := int64(b[i]), int64(b[i+1])
			a1, b1 := w0-p1, w1-w0
			a2, b2 := a1-(p1-p2), b1-a1
			e1 += a1*a1 + b1*b1
			e2 += a2*a2 + b2*b2
			p2, p1 = w0, w1
		}
		fskBand = fskK1*e1-fskK2*e2-fskK0*e0 > 0
		toneBand = dtmfK1*e1-dtmfK2*e2-dtmfK0*e0 > 0 || alertK1*e1-alertK2*e2-alertK0*e0 > 0
	}
	r.last, r.last2 = b[gateBlock-1], b[gateBlock-2]
	out = r.gate(&r.fsk, base && fskBand, fskHold, r.runFSK, out)
	// While an FSK message is coming, or its channel seizure (two 0x55
	// bytes in a row, which neither DTMF nor an alert tone can frame), no
	// DTMF or alert tone can: the tone detectors rest, and start afresh
	// after it.
	if r.inMsg || r.seizure >= seizureRest {
		r.tones = gateState{}
	} else {
		out = r.gate(&r.tones, base && toneBand, toneHold, r.runTones, out)
	}
	r.keep()
	return r.timeouts(out)
}

// keep keeps the block just run for a gate that opens later, and moves
// the clock past it.
func (r *Receiver) keep() {
	if r.nHist == gateKeep {
		copy(r.hist[:], r.hist[1:])
		copy(r.histPos[:], r.histPos[1:])
		r.nHist--
	}
	r.hist[r.nHist], r.histPos[r.nHist] = r.blk, r.blkPos
	r.nHist++
	r.now = r.blkPos + gateBlock
}

// gate runs one gate for the full block r.blk: it opens after gateLoud
// loud blocks in a row (and then runs the kept blocks before too, so the
// onset is not lost) and closes after hold quiet blocks.
func (r *Receiver) gate(g *gateState, loud bool, hold int, run func(x []int16, pos int64, reset bool, out []Message) []Message, out []Message) []Message {
	if loud {
		g.loud++
	} else {
		g.loud = 0
	}
	if !g.open {
		if g.loud < gateLoud {
			return out
		}
		g.open, g.quiet = true, 0
		if r.nHist == 0 {
			out = run(nil, r.blkPos, true, out)
		}
		for i := range r.nHist {
			out = run(r.hist[i][:], r.histPos[i], i == 0, out)
		}
	}
	out = run(r.blk[:], r.blkPos, false, out)
	if loud {
		g.quiet = 0
	} else if g.quiet++; g.quiet > hold {
		g.open = false
	}
	return out
}

// runFSK feeds samples starting at pos to the FSK demodulator, reset
// first when the gate has just opened.
func (r *Receiver) runFSK(x []int16, pos int64, reset bool, out []Message) []Message {
	if reset {
		r.demod.Reset()
	}
	r.bytes = r.demod.Process(x, pos, r.bytes[:0])
	for _, b := range r.bytes {
		out = r.byteIn(b, out)
	}
	return out
}

// runTones feeds samples starting at pos to the alert and DTMF detectors.
func (r *Receiver) runTones(x []int16, pos int64, reset bool, out []Message) []Message {
	if reset {
		r.alert.Reset()
		r.det.Reset()
	}
	r.alerts = r.alert.Process(x, pos, r.alerts[:0])
	if n := len(r.alerts); n > 0 {
		r.lastAlert, r.alerted = r.alerts[n-1], true
	}
	r.evs = r.det.Process(x, pos, r.evs[:0])
	for _, e := range r.evs {
		out = r.digit(e, out)
	}
	return out
}

// digit takes one DTMF key press towards a DTMF CLIP transmission: from a
// start digit (A, B, D) to an end digit (C, #).
func (r *Receiver) digit(e dtmf.Event, out []Message) []Message {
	if r.cn > 0 && e.Start-r.clipEnd > clipGap {
		out = r.clipCut(out)
	}
	if r.cn == 0 {
		if e.Digit != 'A' && e.Digit != 'B' && e.Digit != 'D' {
			return out // dialled digits, not caller ID
		}
		r.clipStart = e.Start
	}
	r.clip[r.cn] = e.Digit
	r.cn++
	r.clipLast, r.clipEnd = e.Start, e.End
	if (e.Digit == 'C' || e.Digit == '#') && r.cn > 1 || r.cn == len(r.clip) {
		m, err := DecodeDTMF(string(r.clip[:r.cn]))
		if err != nil {
			m = Message{Standard: DTMFCLIP, Raw: []byte(string(r.clip[:r.cn])), Err: err}
		}
		m.Start, m.End = r.clipStart, r.clipLast
		r.cn = 0
		out = append(out, m)
	}
	return out
}

// clipCut ends a DTMF CLIP transmission that stopped before its end digit:
// an error when more than the start digit came.
func (r *Receiver) clipCut(out []Message) []Message {
	if r.cn > 1 {
		out = append(out, Message{Standard: DTMFCLIP, Raw: []byte(string(r.clip[:r.cn])), Start: r.clipStart, End: r.clipLast,
			Err: fmt.Errorf("%w: %q has no end digit (C or #)", ErrTruncated, r.clip[:r.cn])})
	}
	r.cn = 0
	return out
}

// timeouts releases a held message once the line has been quiet after it,
// and cuts short a message whose next byte is overdue.
func (r *Receiver) timeouts(out []Message) []Message {
	if r.cn > 0 && r.now-r.clipEnd > clipGap+clipLatency {
		out = r.clipCut(out)
	}
	if float64(r.now-r.lastPos) > float64(10+maxGap+2)*r.spb {
		if r.hasPending { // quiet after the checksum: the message stands
			out = r.emit(r.pending, out)
			r.pending, r.hasPending = Message{}, false
		}
		if r.inMsg {
			out = r.emit(r.truncated(), out)
		}
	}
	return out
}

func (r *Receiver) byteIn(b fsk.Byte, out []Message) []Message {
	if r.hasPending {
		m := r.pending
		r.pending, r.hasPending = Message{}, false
		gap := float64(b.Pos-r.lastPos)/r.spb - 10
		same := !b.Framing && b.LevelDBm0 >= r.level/float64(len(m.Raw))-levelDrop
		if gap <= maxGap+1 && b.Burst == r.burst && same {
			// GR-30: the message ends at its checksum; more bytes on the
			// same carrier at the same level mean the length byte was
			// wrong. (Noise after the carrier frames bytes too, but
			// weaker by the signal-to-noise ratio.)
			start, end := m.Start, m.End
			m = r.damaged(m.Raw, fmt.Errorf("%w: bytes continue after the %d the length byte announced", ErrLength, len(m.Raw)))
			m.Start, m.End = start, end
		}
		out = r.emit(m, out)
	}
	if r.inMsg {
		if gap := float64(b.Pos-r.lastPos)/r.spb - 10; gap > maxGap+1 || b.Burst != r.burst {
			out = r.emit(r.truncated(), out)
		} else {
			return r.msgByte(b, out)
		}
	}
	// A seizure byte is 0x55 (GR-30: 0101…), or one bit off it in noise.
	seizureLike := !b.Framing && bits.OnesCount8(b.Value^0x55) <= 1
	switch {
	case b.Value == withParity(dle) && b.Marks >= minMarks && !b.Framing: // NTT: a mark run, then DLE SOH
		r.begin(b, r.seizure)
		r.ntt = true
		return r.msgByte(b, out)
	case seizureLike && b.Marks <= seizureGap && r.seizure > 0: // GR-30 channel seizure 0101…
		r.seizure++
	case seizureLike && b.Marks < minMarks: // a seizure begins
		r.seizure, r.bad = 1, 0
	case r.seizure >= minSeizure && b.Marks >= minMarks && !b.Framing: // GR-30: marks, then the message type
		r.begin(b, r.seizure)
		return r.msgByte(b, out)
	case b.Marks >= minType2Marks && !b.Framing && (knownType(ETSI, b.Value) || b.Value == TypeSDMFCallerID || b.Value == TypeSDMFWaiting):
		// GR-30 off-hook (Type 2): a mark run and no seizure.
		r.begin(b, 0)
		return r.msgByte(b, out)
	case r.seizure > 0 && b.Marks < minMarks && r.bad < seizureBad:
		// A seizure byte damaged by noise, or the character framed across
		// the end of the seizure and the first marks (a start bit on an
		// even seizure bit).
		r.bad++
	default:
		r.seizure, r.bad = 0, 0
	}
	return out
}

// begin starts a message at its first byte b, after seizure bytes of
// channel seizure.
func (r *Receiver) begin(b fsk.Byte, seizure int) {
	r.inMsg = true
	r.start = b.Pos
	r.markHz = b.MarkHz
	r.marks = b.Marks
	r.runs = seizure
	r.burst = b.Burst
	r.level = 0
	r.n, r.need, r.framing = 0, 0, 0
}

func (r *Receiver) msgByte(b fsk.Byte, out []Message) []Message {
	r.raw[r.n] = b.Value
	r.n++
	r.level += b.LevelDBm0
	r.lastPos = b.Pos
	if b.Framing && r.framing == 0 {
		r.framing = r.n
	}
	if r.ntt {
		return r.nttByte(b, out)
	}
	if r.n == 2 {
		r.need = int(r.raw[1]) + 3
	}
	if r.n < 2 || r.n < r.need {
		return out
	}
	raw := r.raw[:r.n]
	phys := r.phys()
	m, err := Decode(raw, phys)
	if err == nil && r.framing > 0 {
		err = fmt.Errorf("%w: byte %d of the message had no stop bit", ErrFraming, r.framing-1)
	}
	if err != nil {
		m = r.damaged(raw, err)
		m.Start, m.End = r.start, r.lastPos
		r.hunt()
		return r.emit(m, out)
	}
	m.Standard = r.standard(m.Type)
	r.preamble(&m)
	m.Start, m.End = r.start, r.lastPos
	r.hunt()
	r.pending, r.hasPending = m, true
	return out
}

// nttByte follows an NTT frame to the CRC after its DLE ETX.
func (r *Receiver) nttByte(b fsk.Byte, out []Message) []Message {
	c := b.Value & 0x7F
	done := false
	switch {
	case r.n == 1:
		return out
	case r.n == 2 && b.Value != withParity(soh) && r.runs >= minSeizure:
		// After a channel seizure, a damaged first byte of a GR-30 or
		// ETSI message (0x80 with a bit flipped is DLE): frame it by its
		// length byte instead.
		r.ntt = false
		r.need = int(r.raw[1]) + 3
		return out
	case r.n == 2 && b.Value != withParity(soh):
		r.hunt() // DLE without SOH: not a frame
		return out
	case r.crcLeft > 0:
		r.crcLeft--
		done = r.crcLeft == 0
	case r.dleOpen:
		r.dleOpen = false
		if c == etx {
			r.crcLeft = 2
		}
	case c == dle:
		r.dleOpen = true
	}
	if !done && r.n < len(r.raw) {
		return out
	}
	raw := r.raw[:r.n]
	m, err := DecodeNTT(raw)
	if err == nil && r.framing > 0 {
		err = fmt.Errorf("%w: byte %d of the frame had no stop bit", ErrFraming, r.framing-1)
	}
	if err != nil {
		m = r.damaged(raw, err)
	} else {
		r.preamble(&m)
	}
	m.Start, m.End = r.start, r.lastPos
	r.hunt()
	return r.emit(m, out)
}

// LastAlert returns the last alert tone (CAS, DT-AS) the Receiver heard,
// and false when it has heard none since it was made or Reset.
func (r *Receiver) LastAlert() (Alert, bool) { return r.lastAlert, r.alerted }

// emit appends m unless it is a damaged message that began without a
// channel seizure and without an alert tone before it: speech can frame a
// mark run and a plausible first byte, and is not a message.
func (r *Receiver) emit(m Message, out []Message) []Message {
	if m.Err != nil && m.SeizureBits == 0 && m.Standard != NTT &&
		!(r.alerted && m.Start-r.lastAlert.End >= 0 && m.Start-r.lastAlert.End <= type2Alert) {
		return out
	}
	return append(out, m)
}

// phys tells the layer by the mark run before the message.
func (r *Receiver) phys() string {
	if r.markHz > v23Above {
		return "v23"
	}
	return "bell202"
}

// standard names the standard of a message of type typ by the layer and
// the preamble it came with.
func (r *Receiver) standard(typ byte) Standard {
	switch {
	case r.ntt:
		return NTT
	case r.phys() == "v23" && r.marks < btMarks:
		return BT // SIN227's shorter preamble
	case r.phys() == "v23":
		return ETSI
	case typ < 0x80:
		return Bell202SDMF
	}
	return Bell202MDMF
}

// preamble records what was heard before the message.
func (r *Receiver) preamble(m *Message) {
	m.SeizureBits = 10 * r.runs
	m.MarkBits = r.marks
}

func (r *Receiver) damaged(raw []byte, err error) Message {
	m := Message{Raw: append([]byte(nil), raw...), Err: err}
	if len(raw) > 0 {
		m.Type = raw[0]
	}
	m.Standard = r.standard(m.Type)
	r.preamble(&m)
	return m
}

func (r *Receiver) truncated() Message {
	err := fmt.Errorf("%w: %d of %d bytes arrived", ErrTruncated, r.n, max(r.need, 3))
	m := r.damaged(r.raw[:r.n], err)
	m.Start, m.End = r.start, r.lastPos
	r.hunt()
	return m
}
