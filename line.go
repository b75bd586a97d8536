package linetap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"sync/atomic"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/level"
	"github.com/linetap/linetap/dsp/tone"
	"github.com/linetap/linetap/hw"
)

// Timing of the line state machine.
const (
	// ringTimeout ends an unanswered call: longer than the longest silent
	// part of any ring cadence (SE 1/5 s, DOMAIN.md §1).
	ringTimeout = 6500 * time.Millisecond
	// cidHold keeps a caller-ID message heard on an idle line (ETSI
	// before-ring: data, then the first ring within 700 ms + 500 ms).
	cidHold = 5 * time.Second
	// answerSpeech is how much non-tone audio after the last dialled digit
	// marks an outbound call as answered when no polarity reversal does.
	answerSpeech = 500 * time.Millisecond
	// speechDBm0 is the least block level that counts as speech for
	// outbound answer detection.
	speechDBm0 = -50
	// speechOverFloor is how far above the line's noise floor speech is.
	speechOverFloor = 15
	// floorRise is how fast the noise-floor estimate creeps up, in dB per
	// block (2.5 dB/s): it follows a noisier line within seconds but not
	// the pauses of a conversation.
	floorRise = 0.05
)

// line is one phone line: its audio, detectors and state machine. It is
// used only from the engine's goroutine.
type line struct {
	e     *Engine
	idx   int
	cfg   LineConfig
	codec codec.Codec

	x          []int16 // this block, deinterleaved
	lx         []int16 // scratch: the block for live listeners
	ring       []int16 // the last len(ring) samples, indexed by position mod len
	blockStart int64
	blockLoud  bool
	floorDBm0  float64 // the line's noise floor, estimated

	dtmf  *dtmf.Detector
	mask  *mask // nil unless the line masks DTMF
	cid   *callerid.Receiver
	prog  *tone.ProgressDetector
	meter *level.Meter
	vad   *level.VAD

	digits []dtmf.Event
	msgs   []callerid.Message
	progs  []tone.ProgressEvent
	voice  bool

	state LineState
	since int64

	cur   *activeCall   // the call in progress (nil when idle)
	calls []*activeCall // every call still recording (cur and any in post-roll)

	listen  listenHub
	pending atomic.Bool // SetLine left settings to apply at idle

	silentFrom int64 // idle digital silence since (−1: sound)
	noVoltFrom int64 // idle without line voltage since (−1: voltage)
	gainQ      int32 // the line's gain, Q12 (gainUnity: none)
	diag       diagState

	ringOn      bool
	lastRingOff int64

	pendingCID    CallerID
	pendingCIDPos int64
	hasPendingCID bool

	loudRun   int   // outbound answer: blocks of loud non-tone audio
	loudStart int64 // where the run began
	lastDigit int64 // end of the last digit
}

// activeCall is a call being recorded.
type activeCall struct {
	rec     Call
	trigger int64 // position of the trigger (the record's Start)
	from    int64 // first stored sample
	to      int64 // first sample not stored, or −1 while open
	cursor  int64 // next sample to store
	pcm     []int16
	seq     uint32
	stored  int64
	codec   codec.Codec // the line's codec when the call began
	hash    hash.Hash
	sum     [sha256.Size]byte
	dirty   bool // the record changed since the last flush
	done    bool // all audio is in pcm; the record is final
	farHang bool
	capped  bool // capUnstored has dropped audio of it
}

// lookupCodec finds line idx's codec.
func lookupCodec(idx int, name string) (codec.Codec, error) {
	c, err := codec.Lookup(name)
	if err != nil {
		return nil, &ConfigError{Field: fmt.Sprintf("lines[%d].codec", idx), Msg: err.Error()}
	}
	return c, nil
}

func newLine(e *Engine, idx int, cfg LineConfig) (*line, error) {
	c, err := lookupCodec(idx, cfg.Codec)
	if err != nil {
		return nil, err
	}
	// Busy after two cycles: people hang up a second or two after the far
	// end has gone, and two cycles raised no false busy on the talk-off
	// corpus (BENCHMARKS.md, Tones).
	prog, err := tone.NewProgressDetectorOptions(tone.ProgressOptions{BusyCycles: 2})
	if err != nil {
		return nil, err
	}
	// The ring holds the pre-roll plus two seconds for late line events.
	n := e.samples(time.Duration(e.cfg.PreRoll)+2*time.Second) + BlockFrames
	l := &line{
		e:      e,
		idx:    idx,
		cfg:    cfg,
		codec:  c,
		x:      make([]int16, BlockFrames),
		lx:     make([]int16, BlockFrames),
		ring:   make([]int16, n),
		dtmf:   dtmf.NewDetector(),
		cid:    callerid.NewReceiver(),
		prog:   prog,
		meter:  level.NewMeter(200 * time.Millisecond),
		vad:    level.NewVAD(cfg.VOXThreshold, time.Duration(cfg.VOXHangover)),
		digits: make([]dtmf.Event, 0, 8),
		msgs:   make([]callerid.Message, 0, 2),
		progs:  make([]tone.ProgressEvent, 0, 4),
		state:  LineIdle,
		// The first block sets the floor; it then falls at once and
		// rises slowly.
		floorDBm0: 100,
		gainQ:     gainQ(cfg.GainDB),
	}
	l.diag.ringEdge = -1
	l.silentFrom, l.noVoltFrom = -1, -1
	if cfg.MaskDTMF {
		l.mask = newMask(e)
	}
	return l, nil
}

// take deinterleaves the line's channel of a block into x and the ring.
func (l *line) take(buf []int16, channels, n int, start int64) {
	l.x = l.x[:n]
	x := l.x
	ch := l.cfg.Channel
	var energy int64
	var lo, hi int16
	if g := l.gainQ; g != gainUnity {
		for i := range x {
			s := buf[i*channels+ch]
			lo, hi = min(lo, s), max(hi, s)
			s = amplify(s, g)
			x[i] = s
			energy += int64(s) * int64(s)
		}
	} else {
		for i := range x {
			s := buf[i*channels+ch]
			x[i] = s
			energy += int64(s) * int64(s)
			lo, hi = min(lo, s), max(hi, s)
		}
	}
	if hi > silencePeak || lo < -silencePeak || l.cur != nil {
		l.silentFrom = -1
	} else if l.silentFrom < 0 {
		l.silentFrom = start
	}
	if hi == math.MaxInt16 || lo <= -math.MaxInt16 {
		// The ADC's full scale: ringing, or a tap too hot for the input.
		l.diag.clipBlocks++
		l.diag.lastClip = l.e.wallAt(start)
	}
	r := int64(len(l.ring))
	p := start % r
	for i := 0; i < n; {
		m := copy(l.ring[p:], x[i:])
		i += m
		p = 0
	}
	l.blockStart = start
	rms := math.Sqrt(float64(energy) / float64(n))
	lvl := dsp.DBm0(rms)
	if lvl < l.floorDBm0 {
		l.floorDBm0 = lvl
	} else {
		l.floorDBm0 += floorRise
	}
	l.blockLoud = lvl > speechDBm0 && lvl > l.floorDBm0+speechOverFloor
}

// detect runs the detectors the line's state needs and appends their
// events, placed on sample positions.
func (l *line) detect(start int64, out []placedEvent) []placedEvent {
	x := l.x
	l.meter.Process(x)
	voice := l.vad.Process(x)
	if voice != l.voice {
		l.voice = voice
		k := evVoiceOff
		if voice {
			k = evVoiceOn
		}
		out = append(out, placedEvent{pos: start, line: l.idx, kind: k})
	}
	// Caller ID runs in every state: on-hook before and between rings, and
	// during a call for Type 2 (call waiting). Its gates make it cheap on
	// a line that carries no FSK.
	l.msgs = l.cid.Process(x, start, l.msgs[:0])
	for i := range l.msgs {
		m := &l.msgs[i]
		ev := placedEvent{pos: m.End, line: l.idx, kind: evCallerID, cidErr: m.Err}
		if m.Err == nil {
			ev.cid = callerIDOf(m)
		} else {
			ev.cid.Standard = string(m.Standard)
		}
		out = append(out, ev)
	}
	inCall := l.cur != nil && l.state != LineRinging
	// A masked line runs its DTMF detector all the time: a tone keyed
	// just before a call starts must be masked in the call's pre-roll.
	if inCall || l.mask != nil {
		l.digits = l.dtmf.Process(x, start, l.digits[:0])
		if l.mask != nil {
			l.mask.update(l.dtmf, l.digits, start+int64(len(x)))
		}
		for _, d := range l.digits {
			out = append(out, placedEvent{pos: d.Start, line: l.idx, kind: evDigit, digit: d.Digit, end: d.End})
		}
	}
	if inCall {
		l.progs = l.prog.Process(x, start, l.progs[:0])
		for _, p := range l.progs {
			if p.Kind == tone.ProgressBusy || p.Kind == tone.ProgressReorder {
				out = append(out, placedEvent{pos: p.Start, line: l.idx, kind: evBusy})
			}
		}
	}
	return out
}

// apply runs one event through the state machine; it reports whether the
// line's visible status changed.
func (l *line) apply(ev *placedEvent) bool {
	switch l.cfg.Trigger {
	case TriggerHook:
		return l.applyHook(ev)
	case TriggerVOX:
		return l.applyVOX(ev)
	default:
		return l.applyCommon(ev)
	}
}

func (l *line) applyHook(ev *placedEvent) bool {
	if ev.kind != evSensor {
		return l.applyCommon(ev)
	}
	switch ev.sensor {
	case hw.RingOn, hw.RingOff:
		l.diagRing(ev.pos, ev.sensor == hw.RingOn)
	case hw.OffHook, hw.OnHook, hw.PolarityReversal, hw.HookFlash:
		l.diagHook(ev.pos, ev.sensor)
	}
	switch ev.sensor {
	case hw.RingOn:
		l.ringOn = true
		if l.cur == nil {
			l.start(ev.pos, Inbound, LineRinging)
			return true
		}
	case hw.RingOff:
		l.ringOn = false
		l.lastRingOff = ev.pos
	case hw.OffHook:
		switch {
		case l.cur == nil:
			l.start(ev.pos, Outbound, LineDialling)
			return true
		case l.state == LineRinging:
			l.answer(ev.pos)
			return true
		}
	case hw.PulseDigit:
		// A rotary dial's digit, decoded from the hook input: handled
		// like a DTMF digit.
		if ev.digit != 0 {
			d := *ev
			d.kind, d.end = evDigit, ev.pos
			return l.applyCommon(&d)
		}
	case hw.HookFlash:
		// A recall to the exchange (transfer, call waiting): the call
		// goes on.
		if l.cur != nil {
			l.e.log.Info("hook flash", "line", l.idx, "call", l.cur.rec.ID)
		}
	case hw.PolarityReversal:
		// On many exchanges the battery reverses when the called party
		// answers: the only answer supervision an analog line gives.
		if l.state == LineDialling {
			l.answer(ev.pos)
			return true
		}
	case hw.OnHook:
		if l.cur != nil && l.state != LineRinging {
			reason := EndNearHangUp
			if l.cur.farHang {
				reason = EndFarHangUp
			}
			l.end(ev.pos, reason)
			return true
		}
	}
	return false
}

func (l *line) applyVOX(ev *placedEvent) bool {
	switch ev.kind {
	case evVoiceOn:
		if l.cur == nil {
			l.start(ev.pos, Unknown, LineConnected)
			l.cur.rec.Answer = l.cur.rec.Start
			return true
		}
	case evVoiceOff:
		if l.cur != nil {
			// The VAD reports the end a hangover after the voice stopped.
			end := max(ev.pos-l.e.samples(time.Duration(l.cfg.VOXHangover)), l.cur.trigger)
			l.end(end, EndSilence)
			return true
		}
	case evBusy:
		if l.cur != nil {
			l.end(ev.pos, EndFarHangUp)
			return true
		}
	}
	return l.applyCommon(ev)
}

// applyCommon handles detector events the same way for every trigger.
func (l *line) applyCommon(ev *placedEvent) bool {
	switch ev.kind {
	case evCallerID:
		l.diagCallerID(ev.pos, ev.cid, ev.cidErr)
		if ev.cidErr != nil {
			l.e.log.Warn("caller ID damaged", "line", l.idx, "err", ev.cidErr)
			return false
		}
		if l.cur != nil && l.state == LineRinging {
			l.cur.rec.CallerID = ev.cid
			l.cur.dirty = true
			return true
		}
		if l.cur != nil && l.state == LineConnected {
			// Type 2: another caller is waiting.
			l.cur.rec.CallWaiting = append(l.cur.rec.CallWaiting, ev.cid)
			l.cur.dirty = true
			return true
		}
		if l.cur == nil {
			l.pendingCID, l.pendingCIDPos, l.hasPendingCID = ev.cid, ev.pos, true
		}
	case evDigit:
		c := l.cur
		if c == nil {
			return false
		}
		if l.state == LineDialling {
			c.rec.Dialled += string(ev.digit)
			l.lastDigit = ev.end
			l.loudRun = 0
		} else if l.mask != nil {
			c.rec.DTMF += "*" // PCI DSS: what was keyed is not kept
		} else {
			c.rec.DTMF += string(ev.digit)
		}
		c.dirty = true
		return true
	case evBusy:
		if l.cur != nil && l.state == LineConnected && !l.cur.farHang {
			l.cur.farHang = true
			l.e.log.Info("far end hung up", "line", l.idx, "call", l.cur.rec.ID)
		}
	}
	return false
}

// tick runs the state machine's timers at the end of a block.
func (l *line) tick(end int64) bool {
	switch {
	case l.cfg.Trigger == TriggerAlways:
		if l.cur == nil {
			l.start(l.blockStart, Unknown, LineConnected)
			l.cur.rec.Answer = l.cur.rec.Start
			return true
		}
		if limit := l.cur.trigger + l.e.samples(time.Duration(l.cfg.MaxCall)); end >= limit {
			l.end(limit, EndSplit)
			// An always-on line is never idle: it takes new settings at a
			// split. The ended call's audio is in the ring already, at
			// its gain, and keeps its codec.
			if l.pending.Load() && l.applySettings() && l.cfg.Trigger != TriggerAlways {
				l.listen.setInCall(false)
				return true
			}
			l.start(limit, Unknown, LineConnected)
			l.cur.rec.Answer = l.cur.rec.Start
			return true
		}
	case l.state == LineRinging && !l.ringOn && end-l.lastRingOff > l.e.samples(ringTimeout):
		l.end(l.lastRingOff, EndUnanswered)
		return true
	case l.state == LineDialling && l.cur.rec.Dialled != "":
		// Without polarity reversal, an outbound call is answered when
		// speech that is not a call-progress tone follows the dialling.
		if !l.blockLoud || l.prog.Tone() || l.blockStart < l.lastDigit {
			if l.loudRun > 0 {
				l.loudRun--
			}
			if l.prog.Tone() {
				l.loudRun = 0
			}
			return false
		}
		if l.loudRun == 0 {
			l.loudStart = l.blockStart
		}
		l.loudRun++
		if int64(l.loudRun)*BlockFrames >= l.e.samples(answerSpeech) {
			l.answer(l.loudStart)
			return true
		}
	}
	if l.hasPendingCID && end-l.pendingCIDPos > l.e.samples(cidHold) {
		l.hasPendingCID = false
	}
	return false
}

// start begins a call whose trigger is at pos.
func (l *line) start(pos int64, dir Direction, state LineState) {
	e := l.e
	id, err := e.store.NewCallID()
	if err != nil {
		// The call records on; it gets its ID at a later commit.
		e.log.Error("no call ID yet", "line", l.idx, "err", err)
		id = 0
	}
	from := pos
	if l.cfg.Trigger != TriggerAlways {
		from -= e.samples(time.Duration(e.cfg.PreRoll))
	}
	oldest := e.pos + int64(len(l.x)) - int64(len(l.ring))
	from = max(from, oldest, 0)
	c := &activeCall{
		trigger: pos,
		from:    from,
		to:      -1,
		cursor:  from,
		pcm:     make([]int16, 0, e.samples(time.Duration(e.cfg.PreRoll)+time.Duration(e.cfg.CommitInterval))+2*BlockFrames),
		codec:   l.codec,
		hash:    sha256.New(),
		dirty:   true,
	}
	c.rec = Call{
		ID:         id,
		Line:       l.idx,
		LineName:   l.cfg.Name,
		Direction:  dir,
		State:      StateRecording,
		Trigger:    l.cfg.Trigger,
		Start:      e.wallAt(pos),
		AudioStart: e.wallAt(from),
		Rate:       e.rate,
		Codec:      l.codec.Name(),
	}
	if l.hasPendingCID && dir == Inbound {
		c.rec.CallerID = l.pendingCID
		l.hasPendingCID = false
	}
	for _, g := range e.gaps {
		if g.covers(l.cfg.Channel) {
			c.addGap(g)
		}
	}
	l.cur = c
	l.calls = append(l.calls, c)
	l.diag.lastCall = c.rec.Start
	l.listen.setInCall(true)
	l.state, l.since = state, pos
	l.loudRun, l.lastDigit = 0, pos
	if l.mask == nil {
		l.dtmf.Reset() // a masked line's detector runs on between calls
	}
	l.prog.Reset()
	e.statsMu.Lock()
	e.stats.Calls++
	e.statsMu.Unlock()
	e.log.Info("call started", "line", l.idx, "call", id, "direction", dir)
}

func (l *line) answer(pos int64) {
	if l.state == LineRinging {
		// The caller-ID receiver holds a message briefly after its last
		// byte; take it before the receiver stops at the answer.
		l.msgs = l.cid.Flush(l.msgs[:0])
		for i := range l.msgs {
			m := &l.msgs[i]
			cid := CallerID{Standard: string(m.Standard)}
			if m.Err == nil {
				cid = callerIDOf(m)
				l.cur.rec.CallerID = cid
			}
			l.diagCallerID(m.End, cid, m.Err)
		}
	}
	l.cur.rec.Answer = l.e.wallAt(pos)
	l.cur.dirty = true
	l.state, l.since = LineConnected, pos
	l.prog.Reset()
}

// end ends the current call at pos; recording goes on for the post-roll.
func (l *line) end(pos int64, reason EndReason) {
	c := l.cur
	if c == nil {
		return
	}
	pos = max(pos, c.trigger)
	c.rec.End = l.e.wallAt(pos)
	c.rec.Duration = c.rec.End.Sub(c.rec.Start)
	c.rec.EndReason = reason
	c.dirty = true
	c.to = pos
	if reason != EndSplit && l.cfg.Trigger != TriggerAlways {
		c.to += l.e.samples(time.Duration(l.e.cfg.PostRoll))
	}
	// An end known only later (an unanswered call, VOX) keeps the audio
	// up to the moment it became known: what is stored is never cut.
	c.to = max(c.to, c.cursor)
	c.clipGaps()
	l.cur = nil
	if reason != EndSplit {
		l.listen.setInCall(false)
	}
	l.state, l.since = LineIdle, pos
	l.ringOn = false
	l.cid.Reset()
	l.e.log.Info("call ended", "line", l.idx, "call", c.rec.ID, "reason", reason,
		"dialled", c.rec.Dialled, "number", c.rec.CallerID.Number)
}

// record moves audio up to end from the ring into every recording call.
func (l *line) record(end int64) {
	r := int64(len(l.ring))
	if l.mask != nil {
		// Masked audio is stored a delay behind, so that a tone is known
		// before its first sample is stored.
		end -= l.mask.delay
	}
	oldest := end - r // what a new call's pre-roll could still take
	for _, c := range l.calls {
		stop := end
		if c.to >= 0 && c.to < stop {
			stop = c.to
		}
		for c.cursor < stop {
			p := c.cursor % r
			n := min(stop-c.cursor, r-p)
			at := len(c.pcm)
			c.pcm = append(c.pcm, l.ring[p:p+n]...)
			if l.mask != nil {
				l.mask.apply(c.pcm[at:], c.cursor)
			}
			c.cursor += n
		}
		oldest = min(oldest, c.cursor)
		if c.to >= 0 && c.cursor >= c.to && !c.done {
			c.done = true
			c.rec.State = StateComplete
			c.dirty = true
		}
	}
	if l.mask != nil {
		l.mask.prune(oldest)
	}
}

// flush encodes every call's new audio into b, with the records that
// changed, and forgets calls that are complete. A call still without an
// ID (the store could not give one) keeps its audio until it gets one.
func (l *line) flush(b *batch) {
	keep := l.calls[:0]
	for _, c := range l.calls {
		if c.rec.ID == 0 {
			id, err := l.e.store.NewCallID()
			if err != nil {
				c.capUnstored(l.e)
				keep = append(keep, c)
				continue
			}
			c.rec.ID = id
		}
		if len(c.pcm) > 0 {
			start := len(b.data)
			b.data = c.codec.Encode(b.data, c.pcm)
			data := b.data[start:len(b.data):len(b.data)]
			c.hash.Write(data)
			b.Chunks = append(b.Chunks, Chunk{Call: c.rec.ID, Seq: c.seq, Offset: c.stored, Samples: len(c.pcm), Data: data})
			c.seq++
			c.stored += int64(len(c.pcm))
			c.pcm = c.pcm[:0]
			c.rec.Samples = c.stored
			c.rec.SHA256 = hex.EncodeToString(c.hash.Sum(c.sum[:0]))
			c.dirty = true
		}
		if c.dirty {
			b.Calls = append(b.Calls, c.rec)
			c.dirty = false
		}
		if !c.done {
			keep = append(keep, c)
		}
	}
	for i := len(keep); i < len(l.calls); i++ {
		l.calls[i] = nil
	}
	l.calls = keep
}

// shutdown ends whatever is recording at pos, without post-roll.
func (l *line) shutdown(pos int64) {
	if l.cur != nil {
		l.end(pos, EndShutdown)
	}
	for _, c := range l.calls {
		if c.to < 0 || c.to > pos {
			c.to = pos
			c.clipGaps()
		}
	}
	if l.mask != nil {
		l.mask.delay = 0 // no more audio is coming: store the rest, masked
	}
	l.record(pos)
}

func callerIDOf(m *callerid.Message) CallerID {
	return CallerID{Number: m.Number, Name: m.Name, DateTime: m.DateTime,
		NumberAbsence: m.NumberAbsence, NameAbsence: m.NameAbsence, Standard: string(m.Standard)}
}
