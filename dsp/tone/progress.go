package tone

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/goertzel"
)

// Progress is a recognised call-progress tone.
type Progress uint8

// The call-progress tones a ProgressDetector recognises.
const (
	ProgressNone     Progress = iota // no tone recognised
	ProgressDial                     // steady dial tone
	ProgressRingback                 // the far end is ringing
	ProgressBusy                     // the far end is busy, or has hung up
	ProgressReorder                  // congestion or an invalid number (fast busy)
	ProgressSIT                      // special information tone: the call cannot be completed
)

// String returns the tone's name: "none", "dial", "ringback", "busy",
// "reorder" or "sit".
func (p Progress) String() string {
	switch p {
	case ProgressNone:
		return "none"
	case ProgressDial:
		return "dial"
	case ProgressRingback:
		return "ringback"
	case ProgressBusy:
		return "busy"
	case ProgressReorder:
		return "reorder"
	case ProgressSIT:
		return "sit"
	}
	return "progress(" + strconv.Itoa(int(p)) + ")"
}

// ProgressEvent is a call-progress tone recognised in a stream.
type ProgressEvent struct {
	Kind  Progress
	Start int64 // first sample of the first tone burst of the recognised cadence
	Pos   int64 // where the recognition happened
}

// Analysis: 10 ms sub-blocks summed into 50 ms windows (20 Hz resolution,
// so 400 and 425 Hz, and 440 and 480 Hz, fall on separate bins).
const (
	pSub     = dsp.Rate / 100 // 10 ms
	pNSub    = 5
	pWin     = pSub * pNSub // 50 ms
	maxFreqs = 8            // plan frequencies (bins kept coherent across sub-blocks)
	maxSets  = 12
	// pMinShare is the share of the window's energy a tone set must carry;
	// it is also the share of the window a burst must fill to count, so
	// bursts are seen pMinShare·pWin late and end (1−pMinShare)·pWin late.
	pMinShare   = 0.7
	pMemberMin  = 0.15 // each tone of a set carries at least this share
	pMinLevel   = -40  // dBm0, total
	pDebounce   = 2    // windows that confirm a change of state
	pHistory    = 16   // completed on/off segments remembered
	quietForget = 6 * time.Second
)

var (
	pOnLag  = int64(pMinShare * pWin)
	pOffLag = int64((1 - pMinShare) * pWin)
)

// toneSet is a set of frequencies, as indexes into progressFreqs.
type toneSet struct {
	idx [3]int
	n   int
}

// template is one cadence the detector knows.
type template struct {
	kind    Progress
	set     int     // index into progressSets
	pattern []int64 // on, off, … in samples
	cycles  int     // repetitions needed to recognise it
	tight   bool    // segments within ±7 % (BusyCycles 2)
}

// tables is what the ProgressDetector knows, derived from the plans.
type tables struct {
	freqs     []float64
	sets      []toneSet
	templates []template
	dialMin   []int64 // per set: steady samples that make dial tone, 0 if never dial
}

var progress = buildTables()

// buildTables collects every frequency, frequency set and cadence of the
// plans.
func buildTables() tables {
	return buildTablesCycles(3)
}

// buildTablesCycles is buildTables with busy and reorder recognised after
// cycles repetitions.
func buildTablesCycles(cycles int) tables {
	var tb tables
	countries := make([]string, 0, len(plans))
	for c := range plans {
		countries = append(countries, c)
	}
	sort.Strings(countries)
	for _, c := range countries {
		p := plans[c]
		for _, cad := range []Cadence{p.Dial, p.Ringback, p.Busy, p.Reorder} {
			for _, f := range cad.Freqs {
				if !slices.Contains(tb.freqs, float64(f)) {
					tb.freqs = append(tb.freqs, float64(f))
				}
			}
		}
	}
	sort.Float64s(tb.freqs)
	setOf := func(c Cadence) int {
		var s toneSet
		for _, f := range c.Freqs {
			s.idx[s.n] = slices.Index(tb.freqs, float64(f))
			s.n++
		}
		sort.Ints(s.idx[:s.n])
		if i := slices.Index(tb.sets, s); i >= 0 {
			return i
		}
		tb.sets = append(tb.sets, s)
		tb.dialMin = append(tb.dialMin, 0)
		return len(tb.sets) - 1
	}
	for _, c := range countries {
		p := plans[c]
		for _, k := range []struct {
			kind Progress
			cad  Cadence
		}{{ProgressRingback, p.Ringback}, {ProgressBusy, p.Busy}, {ProgressReorder, p.Reorder}} {
			t := template{kind: k.kind, set: setOf(k.cad), cycles: cycles}
			if k.kind == ProgressRingback {
				t.cycles = 1
			}
			for _, d := range k.cad.Pattern {
				t.pattern = append(t.pattern, int64(Samples(d)))
			}
			if !slices.ContainsFunc(tb.templates, func(o template) bool {
				return o.kind == t.kind && o.set == t.set && slices.Equal(o.pattern, t.pattern)
			}) {
				tb.templates = append(tb.templates, t)
			}
		}
	}
	// Dial tone is a steady tone of a dial set, held for 1 s or, where the
	// same frequencies also make a cadence, longer than any burst of it.
	for _, c := range countries {
		s := setOf(plans[c].Dial)
		long := int64(Samples(time.Second))
		for _, t := range tb.templates {
			if t.set != s {
				continue
			}
			for i := 0; i < len(t.pattern); i += 2 {
				_, hi := window(t.pattern[i])
				long = max(long, hi+int64(Samples(50*time.Millisecond)))
			}
		}
		tb.dialMin[s] = long
	}
	return tb
}

// window is the range of durations (samples) accepted for a pattern step
// of nominal p: about −20 %…+16 % (DOMAIN.md §4, US windows) widened by
// 25 ms for the detector's 10 ms steps.
func window(p int64) (lo, hi int64) {
	slack := int64(Samples(25 * time.Millisecond))
	return p*8/10 - slack, p*116/100 + slack
}

// tightWindow is the range of durations accepted for a pattern step of
// nominal p when busy is recognised after two cycles: ±7 % (DOMAIN.md §4,
// Asterisk's busy tolerance) plus 10 ms for the detector's 10 ms steps.
func tightWindow(p int64) (lo, hi int64) {
	slack := int64(Samples(10 * time.Millisecond))
	return p*93/100 - slack, p*107/100 + slack
}

// segment is one stretch of a single state: a tone set, or none (−1).
type segment struct {
	set        int
	start, end int64
}

// SIT recognition (ITU-T E.180 §8 / Q.35: three tones 950, 1400 and
// 1800 Hz ±50 Hz, each 330 ± 70 ms, gaps up to 30 ms; the North American
// variants 913.8|985.2, 1370.6|1428.5 and 1776.7 Hz in 274 or 380 ms
// segments, DOMAIN.md §4). Each 10 ms sub-block is labelled with the SIT
// tone that carries most of its energy; the bins are 10 ms wide (±100 Hz
// main lobe), so ±50 Hz costs at most 3.9 dB.
var sitHz = [3]float64{950, 1400, 1800}

const (
	sitShare = 0.3 // share of the sub-block's energy the SIT bin must carry (0.39 for a clean tone 50 Hz off)
	sitMinMs = 200 // shortest segment accepted: 330 − 70 ms, less 60 ms for the 10 ms decisions and a ramp
	sitMaxMs = 420 // longest: 330 + 70 ms, plus 20 ms
	sitGapMs = 40  // longest gap between segments: 30 ms, plus 10 ms
	sitRuns  = 8   // label runs remembered
	phPeriod = 100 // sub-blocks after which every whole-Hz bin's phasor repeats (1 s)
	nBins    = 12  // plan bins (≤ maxFreqs) and SIT bins, padded to whole passes of four
	sitBin0  = maxFreqs
)

// binTables are the Goertzel coefficients and phasors every
// ProgressDetector shares.
type binTables struct {
	coef [nBins]float64
	b    [maxFreqs]complex128
	// rot[i][k] = e^{−jω(pSub·i + pSub−1)}: turns y = s1 − e^{−jω}s2 into
	// Σx[n]e^{−jωn} of sub-block i (mod phPeriod) from the stream origin.
	rot [phPeriod][maxFreqs]complex128
}

var bins = func() (bt binTables) {
	for k, f := range progress.freqs {
		w := 2 * math.Pi * f / dsp.Rate
		bt.coef[k] = 2 * math.Cos(w)
		bt.b[k] = cis(-w)
		for i := range phPeriod {
			// ω·n mod 2π from whole numbers (every plan frequency is whole Hz).
			cyc := (int64(f) * int64(pSub*i+pSub-1)) % dsp.Rate
			bt.rot[i][k] = cis(-2 * math.Pi * float64(cyc) / dsp.Rate)
		}
	}
	for j, f := range sitHz {
		bt.coef[sitBin0+j] = 2 * math.Cos(2*math.Pi*f/dsp.Rate)
	}
	return bt
}()

// ProgressOptions tunes a ProgressDetector; the zero value is the default.
type ProgressOptions struct {
	// BusyCycles is how many on/off cycles of a busy or reorder tone make
	// it recognised: 0 means 3 (DOMAIN.md §4 quotes Asterisk's minimum of
	// 3). 2 recognises a far-end hang-up one cycle sooner (about 1 s of
	// US busy) but only when every segment is within ±7 % of its nominal
	// length (plus 10 ms for the detector's 10 ms steps); 3 to 8 use the
	// wide windows of DOMAIN.md §4.
	BusyCycles int
}

// progressFast is the tables for BusyCycles 2.
var progressFast = func() tables {
	tb := buildTablesCycles(2)
	for i := range tb.templates {
		if tb.templates[i].kind != ProgressRingback {
			tb.templates[i].tight = true
		}
	}
	// A cadence outside ±7 % is still recognised after three cycles.
	for _, t := range progress.templates {
		if t.kind != ProgressRingback {
			tb.templates = append(tb.templates, t)
		}
	}
	return tb
}()

// ProgressDetector recognises call-progress tones. Its zero value is not
// ready; use NewProgressDetector.
type ProgressDetector struct {
	tb *tables

	buf [pSub]float64 // the sub-block being filled
	n   int

	sub   [pNSub][maxFreqs]complex128
	subE  [pNSub]float64
	head  int
	seen  int
	phase int // sub-blocks since Reset, mod phPeriod

	origin  int64
	started bool

	cur      int   // debounced state: set index, −1 for none
	curStart int64 // where it began
	pend     int
	pendN    int
	pendAt   int64

	hist  [pHistory]segment
	histN int // segments stored, up to pHistory
	histH int // next slot

	last     Progress // last kind reported
	quietFor int64    // samples since the last tone

	// SIT: runs of sub-block labels (0 none, 1–3 the SIT tones).
	sitRun  [sitRuns]sitRun
	sitN    int
	sitLast int64 // Pos of the last SIT reported
}

// sitRun is a run of one SIT label, in samples.
type sitRun struct {
	label      int
	start, end int64
}

// NewProgressDetector returns a detector ready for a stream, with the
// default options.
func NewProgressDetector() *ProgressDetector {
	d := &ProgressDetector{tb: &progress}
	d.Reset()
	return d
}

// NewProgressDetectorOptions returns a detector with options o; options
// out of range are an error naming the field.
func NewProgressDetectorOptions(o ProgressOptions) (*ProgressDetector, error) {
	d := &ProgressDetector{tb: &progress}
	switch {
	case o.BusyCycles == 0 || o.BusyCycles == 3:
	case o.BusyCycles == 2:
		d.tb = &progressFast
	case o.BusyCycles > 3 && o.BusyCycles <= 8:
		tb := buildTablesCycles(o.BusyCycles)
		d.tb = &tb
	default:
		return nil, fmt.Errorf("%w: BusyCycles %d: want 2 to 8 (0 for 3)", ErrOptions, o.BusyCycles)
	}
	d.Reset()
	return d, nil
}

func cis(phi float64) complex128 { return complex(math.Cos(phi), math.Sin(phi)) }

// Reset forgets the stream.
func (d *ProgressDetector) Reset() {
	tb := d.tb
	*d = ProgressDetector{tb: tb}
	d.cur, d.pend = -1, -1
	d.sitLast = math.MinInt64
}

// Tone reports whether a call-progress tone (any frequency set of the
// plans) is sounding now.
func (d *ProgressDetector) Tone() bool { return d.cur >= 0 }

// Process consumes x, whose first sample is at position pos, and appends
// an event each time a tone is first recognised: dial tone once steady,
// ringback after one cycle, busy and reorder after three (DOMAIN.md §4;
// see ProgressOptions) and SIT after its third segment. It allocates
// nothing when out has capacity.
func (d *ProgressDetector) Process(x []int16, pos int64, out []ProgressEvent) []ProgressEvent {
	if !d.started {
		d.origin, d.started = pos, true
		d.curStart = pos
	}
	for len(x) > 0 {
		k := min(len(x), pSub-d.n)
		for i, s := range x[:k] {
			d.buf[d.n+i] = float64(s)
		}
		d.n += k
		x = x[k:]
		pos += int64(k)
		if d.n == pSub {
			d.n = 0
			out = d.endSub(pos, out)
		}
	}
	return out
}

// pGate is the least sub-block energy worth analysing: a tone at
// pMinLevel filling pMinShare of it.
var pGate = func() float64 { a := dsp.Peak(pMinLevel); return pMinShare * a * a / 2 * pSub }()

// pMinMean is the mean power (LSB²) of a signal at pMinLevel dBm0.
var pMinMean = func() float64 { a := dsp.Peak(pMinLevel); return a * a / 2 }()

// endSub closes the sub-block ending before sample t.
func (d *ProgressDetector) endSub(t int64, out []ProgressEvent) []ProgressEvent {
	var e float64
	for _, v := range d.buf {
		e += v * v
	}
	slot := &d.sub[d.head]
	label := 0
	if e < pGate {
		*slot = [maxFreqs]complex128{}
	} else {
		var s1, s2 [nBins]float64
		goertzel.Eight(d.buf[:], (*[8]float64)(bins.coef[:8]), (*[8]float64)(s1[:8]), (*[8]float64)(s2[:8]))
		for k := 8; k < nBins; k += 4 {
			s1[k], s2[k], s1[k+1], s2[k+1], s1[k+2], s2[k+2], s1[k+3], s2[k+3] = goertzel.Four(d.buf[:], bins.coef[k], bins.coef[k+1], bins.coef[k+2], bins.coef[k+3])
		}
		rot := &bins.rot[d.phase]
		for k := range slot {
			b := bins.b[k]
			slot[k] = rot[k] * complex(s1[k]-real(b)*s2[k], -imag(b)*s2[k])
		}
		// SIT: the power of a sine of amplitude A in a pSub-sample bin is
		// (A·pSub/2)², its energy A²/2·pSub.
		for j := range sitHz {
			k := sitBin0 + j
			p := s1[k]*s1[k] + s2[k]*s2[k] - bins.coef[k]*s1[k]*s2[k]
			if 2*p/pSub >= sitShare*e {
				label = j + 1
			}
		}
	}
	d.subE[d.head] = e
	d.head = (d.head + 1) % pNSub
	if d.phase++; d.phase == phPeriod {
		d.phase = 0
	}
	out = d.sitStep(label, t, out)
	if d.seen < pNSub {
		d.seen++
		if d.seen < pNSub {
			return out
		}
	}
	return d.step(d.classify(), t, out)
}

// sitStep adds the label of the sub-block ending before t and reports SIT
// when the last runs are its three segments in order.
func (d *ProgressDetector) sitStep(label int, t int64, out []ProgressEvent) []ProgressEvent {
	if d.sitN > 0 {
		r := &d.sitRun[(d.sitN-1)%sitRuns]
		if r.label == label {
			r.end = t
			return out
		}
	}
	// A run ends: look at what has been completed before starting the next.
	out = d.sitMatch(t, out)
	d.sitRun[d.sitN%sitRuns] = sitRun{label: label, start: t - pSub, end: t}
	d.sitN++
	return out
}

// sitMatch checks whether the completed runs end with the three SIT
// segments, separated by gaps of at most sitGapMs.
func (d *ProgressDetector) sitMatch(t int64, out []ProgressEvent) []ProgressEvent {
	lo, hi := int64(Samples(sitMinMs*time.Millisecond)), int64(Samples(sitMaxMs*time.Millisecond))
	gap := int64(Samples(sitGapMs * time.Millisecond))
	want := 3
	var first int64
	for i := d.sitN - 1; i >= 0 && i >= d.sitN-sitRuns; i-- {
		r := d.sitRun[i%sitRuns]
		dur := r.end - r.start
		switch {
		case r.label == want && dur >= lo && dur <= hi:
			first = r.start
			if want--; want == 0 {
				if first > d.sitLast {
					d.sitLast = t
					out = append(out, ProgressEvent{Kind: ProgressSIT, Start: max(first, d.origin), Pos: t})
				}
				return out
			}
		case r.label != want && dur <= gap && want < 3:
			// a short gap (or flicker) between segments
		default:
			return out
		}
	}
	return out
}

// classify returns the tone set the last window holds, −1 for none.
func (d *ProgressDetector) classify() int {
	var w [maxFreqs]complex128
	var e float64
	for j := range pNSub {
		for k := range d.tb.freqs {
			w[k] += d.sub[j][k]
		}
		e += d.subE[j]
	}
	mean := e / pWin
	if mean < pMinMean {
		return -1
	}
	var share [maxFreqs]float64
	for k := range d.tb.freqs {
		// A sine of amplitude A gives |W| = A·pWin/2: power A²/2.
		share[k] = 2 * (real(w[k])*real(w[k]) + imag(w[k])*imag(w[k])) / (pWin * pWin) / mean
	}
	best, bestShare := -1, pMinShare
	for i, s := range d.tb.sets {
		var sum float64
		ok := true
		for _, k := range s.idx[:s.n] {
			sum += share[k]
			ok = ok && share[k] >= pMemberMin
		}
		if ok && sum >= bestShare {
			best, bestShare = i, sum
		}
	}
	return best
}

// step advances the state machine by one 10 ms decision at time t.
func (d *ProgressDetector) step(raw int, t int64, out []ProgressEvent) []ProgressEvent {
	if raw == d.cur {
		d.pendN = 0
	} else if raw == d.pend && d.pendN > 0 {
		d.pendN++
	} else {
		d.pend, d.pendN, d.pendAt = raw, 1, t
	}
	if d.pendN >= pDebounce {
		edge := d.pendAt
		switch {
		case d.cur < 0:
			edge -= pOnLag
		case raw < 0:
			edge -= pOffLag
		default:
			edge -= pWin / 2
		}
		edge = max(edge, d.curStart+1, d.origin)
		d.push(segment{set: d.cur, start: d.curStart, end: edge})
		d.cur, d.curStart, d.pendN = raw, edge, 0
		if raw >= 0 {
			out = d.matchCadence(t, out)
		}
	}
	if d.cur < 0 {
		d.quietFor += pSub
		if d.quietFor >= int64(Samples(quietForget)) {
			d.last = ProgressNone
		}
	} else {
		d.quietFor = 0
		if m := d.tb.dialMin[d.cur]; m > 0 && d.last != ProgressDial && t-d.curStart >= m {
			d.last = ProgressDial
			out = append(out, ProgressEvent{Kind: ProgressDial, Start: d.curStart, Pos: t})
		}
	}
	return out
}

func (d *ProgressDetector) push(s segment) {
	d.hist[d.histH] = s
	d.histH = (d.histH + 1) % pHistory
	d.histN = min(d.histN+1, pHistory)
}

// seg returns the i-th most recent completed segment (0 is the newest).
func (d *ProgressDetector) seg(i int) segment {
	return d.hist[(d.histH-1-i+2*pHistory)%pHistory]
}

// matchCadence runs when a burst begins: it looks for a known cadence that
// the completed segments end with, and reports the best fitting one.
func (d *ProgressDetector) matchCadence(t int64, out []ProgressEvent) []ProgressEvent {
	best, bestErr, bestStart := ProgressNone, math.Inf(1), int64(0)
	for _, tp := range d.tb.templates {
		L := len(tp.pattern)
		need := tp.cycles * L
		if need > d.histN {
			continue
		}
		for r := 0; r < L; r += 2 {
			var errSum float64
			ok := true
			for j := 0; j < need && ok; j++ {
				s := d.seg(need - 1 - j)
				p := tp.pattern[(r+j)%L]
				want := -1
				if j%2 == 0 {
					want = tp.set
				}
				lo, hi := window(p)
				if tp.tight {
					lo, hi = tightWindow(p)
				}
				dur := s.end - s.start
				ok = s.set == want && dur >= lo && dur <= hi
				errSum += math.Abs(math.Log(float64(max(dur, 1)) / float64(p)))
			}
			if ok && errSum/float64(need) < bestErr {
				best, bestErr, bestStart = tp.kind, errSum/float64(need), d.seg(need-1).start
			}
		}
	}
	if best != ProgressNone && best != d.last {
		d.last = best
		out = append(out, ProgressEvent{Kind: best, Start: bestStart, Pos: t})
	}
	return out
}
