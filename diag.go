package linetap

import (
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/linetap/linetap/hw"
)

// Sizes of the diagnostics' histories.
const (
	diagCallerIDs = 10 // caller-ID decodes kept per line
	diagHooks     = 10 // hook and polarity events kept per line
	diagCadence   = 16 // ring on/off durations kept per ring
)

// LineDiag is one line's diagnostics for the technician. Caller numbers and
// names are as received: Masked hides them from people who may not see
// caller data.
type LineDiag struct {
	Line  int       `json:"line"`
	Name  string    `json:"name"`
	State LineState `json:"state"`
	// LevelDBm0 is the recent audio level (−100 for silence).
	LevelDBm0 float64 `json:"level_dbm0"`
	// NoiseFloorDBm0 is the line's idle noise floor as the engine
	// estimates it (it falls at once to a quieter block and creeps up
	// 2.5 dB/s); −100 before any audio.
	NoiseFloorDBm0 float64 `json:"noise_floor_dbm0"`
	// Clipping counts the 20 ms blocks in which the input reached full
	// scale (ringing does; speech should not), LastClip the latest.
	Clipping int64     `json:"clipping"`
	LastClip time.Time `json:"last_clip,omitzero"`
	// LastRing is the latest ringing heard from the line sensor, nil if
	// none since the recorder started.
	LastRing *RingDiag `json:"last_ring"`
	// CallerID holds the latest caller-ID decodes, newest first, damaged
	// messages included.
	CallerID []CallerIDDiag `json:"callerid"`
	// Hook holds the latest hook, hook-flash and polarity events, newest
	// first.
	Hook []HookDiag `json:"hook"`
	// VoltageV is the line's tip–ring voltage, nil without a voltmeter.
	VoltageV *float64 `json:"voltage_v"`
	// LastCall is when the latest call on the line began.
	LastCall time.Time `json:"last_call,omitzero"`
}

// RingDiag is one ringing: when it began and its cadence, the durations of
// ring on, off, on, … in milliseconds (DOMAIN.md §1 lists the countries'
// cadences; US 2000/4000, UK 400/200/400/2000). The last entry is still
// growing while the line rings.
type RingDiag struct {
	At        time.Time `json:"at"`
	CadenceMS []int     `json:"cadence_ms"`
}

// CallerIDDiag is one caller-ID decode; Error says why a damaged message
// was refused (checksum, length, framing …).
type CallerIDDiag struct {
	At       time.Time `json:"at"`
	Standard string    `json:"standard,omitempty"`
	Number   string    `json:"number,omitempty"`
	Name     string    `json:"name,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// HookDiag is one line-sensor event: "off-hook", "on-hook",
// "polarity-reversal" or "hook-flash".
type HookDiag struct {
	At    time.Time `json:"at"`
	Event string    `json:"event"`
}

// Masked returns d with every caller number masked to its last two digits
// (MaskNumber) and every caller name removed: what a technician, who may
// not see caller data, is shown.
func (d LineDiag) Masked() LineDiag {
	cids := make([]CallerIDDiag, len(d.CallerID))
	for i, c := range d.CallerID {
		c.Number = MaskNumber(c.Number)
		c.Name = ""
		c.Error = maskDigitRuns(c.Error)
		cids[i] = c
	}
	d.CallerID = cids
	return d
}

// MaskNumber replaces every character of a phone number but its last two
// digits with "•": "5551234" → "•••••34".
func MaskNumber(s string) string {
	r := []rune(s)
	keep := 0
	for i := len(r) - 1; i >= 0; i-- {
		if keep < 2 && unicode.IsDigit(r[i]) {
			keep++
			continue
		}
		r[i] = '•'
	}
	var b strings.Builder
	b.Grow(len(s) + 2*len(r))
	for _, c := range r {
		b.WriteRune(c)
	}
	return b.String()
}

// maskDigitRuns masks every run of three or more digits in s (a decoder's
// error may quote the digits it got).
func maskDigitRuns(s string) string {
	var b strings.Builder
	run := 0
	flush := func(i int) {
		if run >= 3 {
			b.WriteString(MaskNumber(s[i-run : i]))
		} else {
			b.WriteString(s[i-run : i])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

// diagState is what the engine keeps per line for LineDiag, in fixed
// arrays so that updating it never allocates. The line owns one on the
// engine's goroutine; the live hub holds a copy made at each publish.
type diagState struct {
	floor      float64
	clipBlocks int64
	lastClip   time.Time
	lastCall   time.Time

	ringAt   time.Time
	ringEdge int64 // position of the latest ring edge (−1: never rang)
	ringOn   bool
	cadence  [diagCadence]int32 // ms
	ncadence int

	cids [diagCallerIDs]CallerIDDiag // a ring: next is the oldest
	ncid int
	hook [diagHooks]HookDiag
	nhk  int
}

// diagRing records a ring-on or ring-off at pos for the cadence.
func (l *line) diagRing(pos int64, on bool) {
	d := &l.diag
	e := l.e
	if on && (d.ringEdge < 0 || pos-d.ringEdge > e.samples(ringTimeout)) {
		// A new ringing.
		d.ringAt, d.ringEdge, d.ringOn, d.ncadence = e.wallAt(pos), pos, true, 0
		return
	}
	if d.ringEdge < 0 || on == d.ringOn {
		return
	}
	if d.ncadence < diagCadence {
		d.cadence[d.ncadence] = int32((pos - d.ringEdge) * 1000 / int64(e.rate))
		d.ncadence++
	}
	d.ringEdge, d.ringOn = pos, on
}

// diagCallerID records a caller-ID decode or a damaged message.
func (l *line) diagCallerID(pos int64, cid CallerID, err error) {
	c := CallerIDDiag{At: l.e.wallAt(pos), Standard: cid.Standard}
	if err != nil {
		c.Error = err.Error()
	} else {
		c.Number, c.Name = cid.Number, cid.Name
		if c.Number == "" && cid.NumberAbsence != "" {
			c.Number = cid.NumberAbsence
		}
	}
	d := &l.diag
	d.cids[d.ncid%diagCallerIDs] = c
	d.ncid++
}

// diagHook records a hook or polarity event.
func (l *line) diagHook(pos int64, k hw.EventKind) {
	d := &l.diag
	d.hook[d.nhk%diagHooks] = HookDiag{At: l.e.wallAt(pos), Event: k.String()}
	d.nhk++
}

// Diagnostics returns every line's diagnostics, as of the latest status
// update (at most 200 ms of audio old).
func (e *Engine) Diagnostics() []LineDiag {
	h := &e.live
	h.mu.Lock()
	out := make([]LineDiag, len(e.lines))
	for i := range out {
		st := h.cur[i]
		d := &h.diag[i]
		ld := LineDiag{
			Line: i, Name: st.Name, State: st.State, LevelDBm0: st.LevelDBm0,
			NoiseFloorDBm0: d.floor, Clipping: d.clipBlocks, LastClip: d.lastClip, LastCall: d.lastCall,
			CallerID: make([]CallerIDDiag, 0, min(d.ncid, diagCallerIDs)),
			Hook:     make([]HookDiag, 0, min(d.nhk, diagHooks)),
		}
		if !d.ringAt.IsZero() {
			r := &RingDiag{At: d.ringAt, CadenceMS: make([]int, d.ncadence)}
			for j := range r.CadenceMS {
				r.CadenceMS[j] = int(d.cadence[j])
			}
			ld.LastRing = r
		}
		for j := d.ncid - 1; j >= 0 && j >= d.ncid-diagCallerIDs; j-- {
			ld.CallerID = append(ld.CallerID, d.cids[j%diagCallerIDs])
		}
		for j := d.nhk - 1; j >= 0 && j >= d.nhk-diagHooks; j-- {
			ld.Hook = append(ld.Hook, d.hook[j%diagHooks])
		}
		out[i] = ld
	}
	h.mu.Unlock()
	if e.volts != nil {
		for i := range out {
			if v, ok := e.volts.LineVoltage(i); ok && !math.IsNaN(v) {
				out[i].VoltageV = &v
			}
		}
	}
	return out
}
