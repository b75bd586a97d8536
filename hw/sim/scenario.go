package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/tone"
)

// Scenario limits and defaults. Levels are in dBm0 (DOMAIN.md: a full-scale
// sine is +3.14 dBm0).
const (
	// MaxLines is the highest line count a scenario may use (hw.Format).
	MaxLines = 64
	// MaxLength is the longest pass a scenario may describe.
	MaxLength = 24 * time.Hour

	defaultNoiseDBm0 = -65 // idle-channel noise of a quiet line
	defaultNearDBm0  = -12 // the near end (the office phone) is close to the tap
	defaultFarDBm0   = -20 // the far end arrives through the network's loss
	defaultCIDDBm0   = -13 // GR-30 accepts −4.2 … −36.2 dBm; −13.5 is typical
	defaultDTMFDBm0  = -8  // per tone; Q.23 senders sit near −6 … −9 dBm0
	defaultPickup    = time.Second
	defaultBusy      = 4 * time.Second
	defaultDialTone  = 2 * time.Second
	defaultToneOn    = 100 * time.Millisecond
	defaultToneOff   = 150 * time.Millisecond
	defaultPostDial  = 1500 * time.Millisecond
	defaultRingback  = 2
	defaultTail      = 2 * time.Second
	lineGuard        = time.Second            // idle time a line needs between two calls
	cidAfterRing     = 500 * time.Millisecond // GR-30: data ≥ 500 ms after the first ring ends
	cidBeforeRing    = 200 * time.Millisecond // GR-30 [?]: data ends ≥ 200 ms before the second ring
	answerAfterCID   = 300 * time.Millisecond // nobody answers in the middle of the data
	farGoneToBusy    = 700 * time.Millisecond // the exchange's delay before busy tone
	answerInRingback = 700 * time.Millisecond // the far end answers in the first ringback silence
	dialToneDelay    = 80 * time.Millisecond  // exchange applies dial tone after the loop closes
	eventMargin      = 200 * time.Millisecond // room for sensor latency after a call's last change
	maxTalk          = 2 * time.Hour          // per call
	maxDigits        = 32
	maxRings         = 30
)

// Call is one call of a scenario, as written and as laid out on its line.
type Call struct {
	// Source is the line number of the call in the scenario text.
	Source int
	// Line is the phone line (channel) the call is on.
	Line int
	// Outbound is true for a call the near end placed.
	Outbound bool
	// At is the call's start: the first ring, or off-hook.
	At time.Duration
	// Country selects the tone plan (tone.PlanFor).
	Country string

	// CallerID is the on-hook caller-ID message of an inbound call; its
	// Standard is empty when none is sent.
	CallerID callerid.Message
	// Rings is the number of ring cycles (inbound).
	Rings int
	// Pickup is the delay from the end of the last ring to the answer.
	Pickup time.Duration

	// Digits are the DTMF digits dialled (outbound), each ToneOn long with
	// ToneOff between them, after DialTone of dial tone.
	Digits                    string
	ToneOn, ToneOff, DialTone time.Duration
	PostDial                  time.Duration
	Ringback                  int  // ringback cycles before the answer
	Reversal                  bool // polarity reversal at the far end's answer

	// Answered says whether the call is answered; Talk is then how long
	// the two sides talk.
	Answered bool
	Talk     time.Duration
	// FarHangUp says the far end leaves first: busy tone for Busy, then
	// the near end goes on-hook. Otherwise the near end hangs up.
	FarHangUp bool
	Busy      time.Duration

	// Levels of the near and far voices, the caller-ID FSK and each DTMF
	// tone, in dBm0.
	NearDBm0, FarDBm0, CIDDBm0, DTMFDBm0 float64

	// Timeline within the pass, computed by the parser: the answer (zero
	// if unanswered) and the end (the last change of line state).
	Answer, End time.Duration

	segs   []segment // audio, in start order
	events []event   // line-state changes without sensor latency
}

// Scenario is a parsed scenario: a set of calls on lines, one pass long.
// It is immutable once parsed and may be shared by several Banks.
type Scenario struct {
	calls      []Call
	length     int64 // samples per pass
	noiseDBm0  float64
	lines      int // highest line used + 1
	trimLines  bool
	lengthLine int // source line of "length", 0 if derived
	err        error
}

// Calls returns a copy of the scenario's calls, in start order.
func (sc *Scenario) Calls() []Call {
	out := make([]Call, len(sc.calls))
	for i, c := range sc.calls {
		c.segs, c.events = nil, nil
		out[i] = c
	}
	return out
}

// Duration is the length of one pass of the scenario.
func (sc *Scenario) Duration() time.Duration { return samplesToDuration(sc.length) }

// Lines is the number of lines the scenario uses (its highest line + 1).
func (sc *Scenario) Lines() int { return sc.lines }

// segKind is what a segment of a line's audio holds.
type segKind uint8

const (
	segPCM     segKind = iota + 1 // pre-rendered samples (caller ID, DTMF)
	segRing                       // a ring burst, rendered when reached
	segCadence                    // a call-progress tone, rendered when reached
	segClick                      // a hook or polarity transient
	segTalk                       // a conversation, synthesised as it plays
)

// segment is a run of audio on one line, in samples from the pass start.
type segment struct {
	kind       segKind
	start, end int64
	pcm        []int16      // segPCM
	freq       dsp.Hz       // segRing
	cadence    tone.Cadence // segCadence
	call       int          // index of the call (segTalk seeds)
	near, far  float64      // segTalk levels
	nearFirst  bool         // segTalk: who speaks first
}

// event is a line-state change at a sample offset of the pass, before the
// sensor's latency is added.
type event struct {
	at   int64
	line int
	kind eventKind
}

type eventKind uint8

const (
	evRingOn eventKind = iota + 1
	evRingOff
	evOffHook
	evOnHook
	evReversal
)

// ParseScenario reads a scenario in the text format described in the
// package documentation. Errors name the line number and the field.
func ParseScenario(r io.Reader) (*Scenario, error) {
	p := parser{sc: &Scenario{noiseDBm0: defaultNoiseDBm0}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		p.n++
		if err := p.line(sc.Text()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: after line %d: %w", ErrScenario, p.n, err)
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.sc, nil
}

type parser struct {
	sc         *Scenario
	n          int
	length     time.Duration
	haveLength bool
	haveNoise  bool
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrScenario, p.n, fmt.Sprintf(format, args...))
}

func (p *parser) line(text string) error {
	f, err := splitFields(text)
	if err != nil {
		return p.errorf("%v", err)
	}
	if len(f) == 0 {
		return nil
	}
	switch f[0] {
	case "length":
		if p.haveLength {
			return p.errorf("length: given twice")
		}
		if len(f) != 2 {
			return p.errorf("length: want \"length <duration>\", like \"length 120s\"")
		}
		d, err := parseDuration(f[1])
		if err != nil || d <= 0 || d > MaxLength {
			return p.errorf("length: %q is not a duration in (0, %v]", f[1], MaxLength)
		}
		p.length, p.haveLength, p.sc.lengthLine = d, true, p.n
		return nil
	case "noise":
		if p.haveNoise {
			return p.errorf("noise: given twice")
		}
		if len(f) != 2 {
			return p.errorf("noise: want \"noise <dBm0>\", like \"noise -65\"")
		}
		v, err := parseLevel(f[1], -100, -20)
		if err != nil {
			return p.errorf("noise: %v", err)
		}
		p.sc.noiseDBm0, p.haveNoise = v, true
		return nil
	case "inbound", "outbound":
		c, err := p.call(f[0] == "outbound", f[1:])
		if err != nil {
			return err
		}
		p.sc.calls = append(p.sc.calls, c)
		return nil
	}
	return p.errorf("unknown keyword %q (want inbound, outbound, length or noise)", f[0])
}

// keys each kind of call accepts.
var (
	commonKeys   = []string{"line", "at", "country", "answer", "talk", "hangup", "busy", "near", "far"}
	inboundKeys  = []string{"cid", "number", "name", "date", "absence", "name-absence", "cid-level", "rings", "pickup"}
	outboundKeys = []string{"digits", "tone-on", "tone-off", "dialtone", "postdial", "dtmf-level", "ringback", "reversal"}
)

func (p *parser) call(outbound bool, fields []string) (Call, error) {
	kind := "inbound"
	allowed := inboundKeys
	if outbound {
		kind, allowed = "outbound", outboundKeys
	}
	kv := map[string]string{}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return Call{}, p.errorf("%s: %q is not key=value", kind, f)
		}
		if !slices.Contains(commonKeys, k) && !slices.Contains(allowed, k) {
			return Call{}, p.errorf("%s: unknown field %q", kind, k)
		}
		if _, dup := kv[k]; dup {
			return Call{}, p.errorf("%s: %s given twice", kind, k)
		}
		kv[k] = v
	}
	f := fieldReader{p: p, kind: kind, kv: kv}
	c := Call{
		Source:   p.n,
		Outbound: outbound,
		Line:     f.int("line", -1, 0, MaxLines-1),
		At:       f.duration("at", -1, 0, MaxLength),
		Country:  strings.ToUpper(f.str("country", "US")),
		Answered: f.bool("answer", true),
		NearDBm0: f.level("near", defaultNearDBm0, -40, 0),
		FarDBm0:  f.level("far", defaultFarDBm0, -40, 0),
	}
	hang := f.str("hangup", "near")
	switch hang {
	case "near":
	case "far":
		c.FarHangUp = true
	default:
		f.fail("hangup", "%q is not near or far", hang)
	}
	c.Busy = f.duration("busy", defaultBusy, 0, time.Hour)
	if c.Answered {
		c.Talk = f.duration("talk", -1, time.Second, maxTalk)
	} else {
		for _, k := range []string{"talk", "hangup", "busy", "pickup", "reversal"} {
			if _, ok := kv[k]; ok {
				f.fail(k, "makes no sense with answer=no")
			}
		}
	}
	if f.err != nil {
		return Call{}, f.err
	}
	plan, err := tone.PlanFor(c.Country)
	if err != nil {
		return Call{}, p.errorf("%s: country: %v", kind, err)
	}
	if outbound {
		p.outbound(&c, &f)
	} else {
		p.inbound(&c, &f)
	}
	if f.err != nil {
		return Call{}, f.err
	}
	if err := c.layout(plan); err != nil {
		return Call{}, p.errorf("%s: %v", kind, err)
	}
	return c, nil
}

func (p *parser) inbound(c *Call, f *fieldReader) {
	c.Rings = f.int("rings", -1, 1, maxRings)
	c.Pickup = f.duration("pickup", defaultPickup, 0, time.Minute)
	c.CIDDBm0 = f.level("cid-level", defaultCIDDBm0, -40, 0)
	std := f.str("cid", "none")
	cidKeys := []string{"number", "name", "date", "absence", "name-absence", "cid-level"}
	switch std {
	case "none":
		for _, k := range cidKeys {
			if _, ok := f.kv[k]; ok {
				f.fail(k, "needs a caller-ID standard (cid=bell202-sdmf, bell202-mdmf, etsi-v23, bt, ntt or dtmf-clip)")
			}
		}
		return
	case string(callerid.Bell202SDMF), string(callerid.Bell202MDMF), string(callerid.ETSI),
		string(callerid.BT), string(callerid.NTT), string(callerid.DTMFCLIP):
	default:
		f.fail("cid", "%q is not none, bell202-sdmf, bell202-mdmf, etsi-v23, bt, ntt or dtmf-clip", std)
		return
	}
	m := callerid.Message{
		Standard:      callerid.Standard(std),
		Number:        f.str("number", ""),
		Name:          f.str("name", ""),
		DateTime:      f.str("date", defaultDate(c.At)),
		NumberAbsence: f.str("absence", ""),
		NameAbsence:   f.str("name-absence", ""),
	}
	if m.Standard == callerid.DTMFCLIP || m.Standard == callerid.NTT {
		// Neither carries the date and time.
		if _, ok := f.kv["date"]; ok {
			f.fail("date", "%s carries no date", m.Standard)
		}
		m.DateTime = ""
	} else if !digitsOnly(m.DateTime) || len(m.DateTime) != 8 {
		f.fail("date", "%q is not MMDDHHMM", m.DateTime)
	}
	for k, v := range map[string]string{"absence": m.NumberAbsence, "name-absence": m.NameAbsence} {
		if v != "" && v != "O" && v != "P" {
			f.fail(k, "%q is not O (unavailable) or P (private)", v)
		}
	}
	switch {
	case m.Number == "" && m.NumberAbsence == "":
		f.fail("number", "missing: give number= or absence=O|P")
	case m.Number != "" && m.NumberAbsence != "":
		f.fail("absence", "given with a number")
	case m.Name != "" && m.NameAbsence != "":
		f.fail("name-absence", "given with a name")
	case (m.Standard == callerid.Bell202SDMF || m.Standard == callerid.NTT || m.Standard == callerid.DTMFCLIP) &&
		(m.Name != "" || m.NameAbsence != ""):
		what := map[callerid.Standard]string{callerid.Bell202SDMF: "SDMF", callerid.NTT: "NTT J-CLIP",
			callerid.DTMFCLIP: "DTMF caller ID"}[m.Standard]
		f.fail("name", "%s carries no name; use bell202-mdmf, etsi-v23 or bt", what)
	}
	if f.err != nil {
		return
	}
	pcm, err := callerid.Synth(m, c.CIDDBm0)
	if err != nil {
		f.fail("cid", "%v", err)
		return
	}
	c.CallerID = m
	c.segs = append(c.segs, segment{kind: segPCM, pcm: pcm}) // placed by layout
}

func (p *parser) outbound(c *Call, f *fieldReader) {
	c.Digits = f.str("digits", "")
	c.ToneOn = f.duration("tone-on", defaultToneOn, 20*time.Millisecond, 2*time.Second)
	c.ToneOff = f.duration("tone-off", defaultToneOff, 20*time.Millisecond, 10*time.Second)
	c.DialTone = f.duration("dialtone", defaultDialTone, 0, time.Minute)
	c.PostDial = f.duration("postdial", defaultPostDial, 0, time.Minute)
	c.DTMFDBm0 = f.level("dtmf-level", defaultDTMFDBm0, -40, 0)
	c.Ringback = f.int("ringback", defaultRingback, 0, maxRings)
	c.Reversal = f.bool("reversal", false)
	if c.Digits == "" {
		f.fail("digits", "missing")
	} else if len(c.Digits) > maxDigits {
		f.fail("digits", "%d digits, at most %d", len(c.Digits), maxDigits)
	}
	if f.err != nil {
		return
	}
	pcm, err := dtmf.AppendDigits(nil, c.Digits, c.ToneOn, c.ToneOff, c.DTMFDBm0)
	if err != nil {
		f.fail("digits", "%v", err)
		return
	}
	c.segs = append(c.segs, segment{kind: segPCM, pcm: pcm})
}

// splitFields splits a scenario line into blank-separated fields, where
// a value may be double-quoted to hold blanks (name="ACME CORP"); the quotes
// are removed. A '#' that begins a word starts a comment; inside a word it
// is a character (digits=*12#).
func splitFields(text string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quoted, inField := false, false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case in:
			if c == '"' {
				in = false
				if i+1 < len(text) && text[i+1] != ' ' && text[i+1] != '\t' && text[i+1] != '\r' {
					return nil, fmt.Errorf("text after a closing quote at column %d", i+2)
				}
				continue
			}
			cur.WriteByte(c)
		case c == '#' && !inField: // within a word it is a DTMF digit
			i = len(text)
		case c == ' ' || c == '\t' || c == '\r':
			if inField {
				out = append(out, cur.String())
				cur.Reset()
				inField, quoted = false, false
			}
		case c == '"':
			if quoted || !strings.HasSuffix(cur.String(), "=") {
				return nil, fmt.Errorf("quote at column %d: only a whole value may be quoted (key=\"value\")", i+1)
			}
			in, quoted, inField = true, true, true
		default:
			if quoted {
				return nil, fmt.Errorf("text after a closing quote at column %d", i+1)
			}
			cur.WriteByte(c)
			inField = true
		}
	}
	if in {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inField {
		out = append(out, cur.String())
	}
	return out, nil
}

// defaultDate is the caller-ID date of a call at offset at: 1 January,
// 09:00 plus at.
func defaultDate(at time.Duration) string {
	m := int(at/time.Minute) + 9*60
	return fmt.Sprintf("0101%02d%02d", (m/60)%24, m%60)
}

// fieldReader reads typed fields, keeping the first error.
type fieldReader struct {
	p    *parser
	kind string
	kv   map[string]string
	err  error
}

func (f *fieldReader) fail(key, format string, args ...any) {
	if f.err == nil {
		f.err = f.p.errorf("%s: %s: %s", f.kind, key, fmt.Sprintf(format, args...))
	}
}

func (f *fieldReader) str(key, def string) string {
	if v, ok := f.kv[key]; ok {
		if v == "" {
			f.fail(key, "empty")
		}
		return v
	}
	return def
}

// int reads a whole number in [lo, hi]; def < lo means required.
func (f *fieldReader) int(key string, def, lo, hi int) int {
	v, ok := f.kv[key]
	if !ok {
		if def < lo {
			f.fail(key, "missing")
		}
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi || v != strconv.Itoa(n) {
		f.fail(key, "%q is not a whole number in %d..%d", v, lo, hi)
	}
	return n
}

// duration reads a Go duration ("20s", "1m30s", "250ms") in [lo, hi];
// def < 0 means required.
func (f *fieldReader) duration(key string, def, lo, hi time.Duration) time.Duration {
	v, ok := f.kv[key]
	if !ok {
		if def < 0 {
			f.fail(key, "missing")
		}
		return def
	}
	d, err := parseDuration(v)
	if err != nil || d < lo || d > hi {
		f.fail(key, "%q is not a duration in [%v, %v]", v, lo, hi)
	}
	return d
}

func (f *fieldReader) level(key string, def, lo, hi float64) float64 {
	v, ok := f.kv[key]
	if !ok {
		return def
	}
	l, err := parseLevel(v, lo, hi)
	if err != nil {
		f.fail(key, "%v", err)
	}
	return l
}

func (f *fieldReader) bool(key string, def bool) bool {
	v, ok := f.kv[key]
	if !ok {
		return def
	}
	switch v {
	case "yes":
		return true
	case "no":
		return false
	}
	f.fail(key, "%q is not yes or no", v)
	return def
}

// parseDuration is time.ParseDuration without signs.
func parseDuration(s string) (time.Duration, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("not a duration")
	}
	return time.ParseDuration(s)
}

func parseLevel(s string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a level in dBm0 between %g and %g", s, lo, hi)
	}
	return v, nil
}

func digitsOnly(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// finish checks the calls against each other and fixes the pass length.
func (p *parser) finish() error {
	sc := p.sc
	slices.SortStableFunc(sc.calls, func(a, b Call) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	var last time.Duration
	prev := map[int]*Call{}
	for i := range sc.calls {
		c := &sc.calls[i]
		if q := prev[c.Line]; q != nil && c.At < q.End+lineGuard {
			return fmt.Errorf("%w: line %d: line=%d: the call overlaps the one of line %d, which keeps the line busy until %v (+%v idle)",
				ErrScenario, c.Source, c.Line, q.Source, q.End, lineGuard)
		}
		prev[c.Line] = c
		last = max(last, c.End)
		sc.lines = max(sc.lines, c.Line+1)
		for j := range c.segs {
			if c.segs[j].kind == segTalk {
				c.segs[j].call = i
			}
		}
	}
	length := last + defaultTail
	if p.haveLength {
		if p.length < last+eventMargin {
			return fmt.Errorf("%w: line %d: length %v is shorter than the calls, which end at %v (+%v)",
				ErrScenario, sc.lengthLine, p.length, last, eventMargin)
		}
		length = p.length
	}
	if len(sc.calls) == 0 && !p.haveLength {
		return fmt.Errorf("%w: no calls and no length: nothing to simulate", ErrScenario)
	}
	sc.length = durationToSamples(length)
	return nil
}

// layout places the call's audio segments and line events on the pass's
// sample clock, from the tone plan of its country.
func (c *Call) layout(plan tone.Plan) error {
	var pre []segment // PCM rendered by the parser: caller ID or DTMF
	pre, c.segs = c.segs, nil
	t := durationToSamples(c.At)
	add := func(s segment) { c.segs = append(c.segs, s) }
	ev := func(at int64, k eventKind) { c.events = append(c.events, event{at: at, line: c.Line, kind: k}) }
	click := func(at int64) { add(segment{kind: segClick, start: at, end: at + int64(len(clickPCM))}) }

	var answer int64
	if !c.Outbound {
		pat := plan.Ring.Pattern
		if len(pat) == 0 || len(pat)%2 != 0 {
			return fmt.Errorf("country: %s ring cadence %v is not on/off pairs", plan.Country, pat)
		}
		lastBurstEnd, cidEnd := int64(0), int64(0)
		for r := range c.Rings {
			for k := 0; k < len(pat); k += 2 {
				on, off := durationToSamples(pat[k]), durationToSamples(pat[k+1])
				add(segment{kind: segRing, start: t, end: t + on, freq: plan.Ring.Freq})
				ev(t, evRingOn)
				ev(t+on, evRingOff)
				lastBurstEnd = t + on
				t += on + off
			}
			if r == 0 && len(pre) > 0 {
				// GR-30: caller ID ≥ 500 ms after the first ring ends
				// (EN 300 659-1 after-ring: 500–2000 ms), finished
				// ≥ 200 ms before the second; the exchange waits longer
				// if the message needs it.
				s := pre[0]
				s.start = lastBurstEnd + durationToSamples(cidAfterRing)
				s.end = s.start + int64(len(s.pcm))
				add(s)
				cidEnd = s.end
				if need := s.end + durationToSamples(cidBeforeRing); c.Rings > 1 && t < need {
					t = need
				}
			}
		}
		if !c.Answered {
			c.End = samplesToDuration(lastBurstEnd)
			return nil
		}
		answer = lastBurstEnd + durationToSamples(c.Pickup)
		if cidEnd > 0 {
			answer = max(answer, cidEnd+durationToSamples(answerAfterCID))
		}
		if c.Rings > 0 && answer >= t && c.Pickup > 0 {
			// Answering after the silence would mean another ring.
			return fmt.Errorf("pickup: %v is longer than the silence after the last ring", c.Pickup)
		}
		ev(answer, evOffHook)
		click(answer)
	} else {
		ev(t, evOffHook)
		click(t)
		t += durationToSamples(dialToneDelay)
		if d := durationToSamples(c.DialTone); d > 0 {
			add(segment{kind: segCadence, start: t, end: t + d, cadence: plan.Dial})
			t += d
		}
		s := pre[0]
		s.start, s.end = t, t+int64(len(s.pcm))
		add(s)
		t = s.end + durationToSamples(c.PostDial)
		var rb int64
		if per := plan.Ringback.Period(); per > 0 {
			// Answered in the first silence after the last burst.
			on := durationToSamples(plan.Ringback.Pattern[0])
			full := durationToSamples(per)
			if c.Answered {
				rb = int64(max(c.Ringback-1, 0))*full + on + durationToSamples(answerInRingback)
			} else {
				rb = int64(c.Ringback) * full
			}
		} else {
			rb = int64(c.Ringback) * durationToSamples(time.Second)
		}
		if c.Ringback == 0 {
			rb = 0
		}
		if rb > 0 {
			add(segment{kind: segCadence, start: t, end: t + rb, cadence: plan.Ringback})
		}
		t += rb
		if !c.Answered {
			ev(t, evOnHook)
			click(t)
			c.End = samplesToDuration(t)
			return nil
		}
		answer = t
		if c.Reversal {
			ev(answer, evReversal)
			click(answer)
		}
	}
	c.Answer = samplesToDuration(answer)
	talk := durationToSamples(c.Talk)
	add(segment{kind: segTalk, start: answer, end: answer + talk,
		near: c.NearDBm0, far: c.FarDBm0, nearFirst: !c.Outbound})
	t = answer + talk
	if c.FarHangUp {
		t += durationToSamples(farGoneToBusy)
		if d := durationToSamples(c.Busy); d > 0 {
			add(segment{kind: segCadence, start: t, end: t + d, cadence: plan.Busy})
			t += d
		}
	}
	ev(t, evOnHook)
	click(t)
	c.End = samplesToDuration(t)
	return nil
}

// durationToSamples rounds d to the nearest sample at dsp.Rate.
func durationToSamples(d time.Duration) int64 { return int64(tone.Samples(d)) }

// samplesToDuration is the exact time of sample n (125 µs each at 8 kHz).
func samplesToDuration(n int64) time.Duration {
	return time.Duration(n) * (time.Second / dsp.Rate)
}
