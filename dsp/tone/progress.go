package tone

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/linetap/linetap/dsp"
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
)

// String returns the tone's name: "none", "dial", "ringback", "busy" or
// "reorder".
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
	maxFreqs = 8
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
			t := template{kind: k.kind, set: setOf(k.cad), cycles: 3}
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

// segment is one stretch of a single state: a tone set, or none (−1).
type segment struct {
	set        int
	start, end int64
}

// ProgressDetector recognises call-progress tones. Its zero value is not
// ready; use NewProgressDetector.
type ProgressDetector struct {
	coef [maxFreqs]float64
	a, b [maxFreqs]complex128
	rot  [maxFreqs]complex128
	ph   [maxFreqs]complex128
	s1   [maxFreqs]float64
	s2   [maxFreqs]float64

	n      int
	energy float64
	sub    [pNSub][maxFreqs]complex128
	subE   [pNSub]float64
	head   int
	seen   int

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
}

// NewProgressDetector returns a detector ready for a stream.
func NewProgressDetector() *ProgressDetector {
	d := &ProgressDetector{}
	for k, f := range progress.freqs {
		w := 2 * math.Pi * f / dsp.Rate
		d.coef[k] = 2 * math.Cos(w)
		d.a[k] = cis(-w * (pSub - 1))
		d.b[k] = cis(-w)
		d.rot[k] = cis(-w * pSub)
	}
	d.Reset()
	return d
}

func cis(phi float64) complex128 { return complex(math.Cos(phi), math.Sin(phi)) }

// Reset forgets the stream.
func (d *ProgressDetector) Reset() {
	for k := range d.ph {
		d.ph[k] = 1
		d.s1[k], d.s2[k] = 0, 0
	}
	d.n, d.energy, d.head, d.seen = 0, 0, 0, 0
	d.sub = [pNSub][maxFreqs]complex128{}
	d.subE = [pNSub]float64{}
	d.started = false
	d.cur, d.pend, d.pendN = -1, -1, 0
	d.histN, d.histH = 0, 0
	d.last, d.quietFor = ProgressNone, 0
}

// Tone reports whether a call-progress tone (any frequency set of the
// plans) is sounding now.
func (d *ProgressDetector) Tone() bool { return d.cur >= 0 }

// Process consumes x, whose first sample is at position pos, and appends
// an event each time a tone is first recognised: dial tone once steady,
// ringback after one cycle, busy and reorder after three (DOMAIN.md §4).
// It allocates nothing when out has capacity.
func (d *ProgressDetector) Process(x []int16, pos int64, out []ProgressEvent) []ProgressEvent {
	if !d.started {
		d.origin, d.started = pos, true
		d.curStart = pos
	}
	nf := len(progress.freqs)
	for i, s := range x {
		v := float64(s)
		d.energy += v * v
		for k := range nf {
			s0 := v + d.coef[k]*d.s1[k] - d.s2[k]
			d.s2[k], d.s1[k] = d.s1[k], s0
		}
		if d.n++; d.n == pSub {
			out = d.endSub(pos+int64(i)+1, out)
		}
	}
	return out
}

// endSub closes the sub-block ending before sample t.
func (d *ProgressDetector) endSub(t int64, out []ProgressEvent) []ProgressEvent {
	for k := range progress.freqs {
		y := complex(d.s1[k], 0) - d.b[k]*complex(d.s2[k], 0)
		d.sub[d.head][k] = d.ph[k] * d.a[k] * y
		ph := d.ph[k] * d.rot[k]
		d.ph[k] = ph / complex(math.Hypot(real(ph), imag(ph)), 0)
		d.s1[k], d.s2[k] = 0, 0
	}
	d.subE[d.head] = d.energy
	d.energy, d.n = 0, 0
	d.head = (d.head + 1) % pNSub
	if d.seen < pNSub {
		d.seen++
		if d.seen < pNSub {
			return out
		}
	}
	return d.step(d.classify(), t, out)
}

// classify returns the tone set the last window holds, −1 for none.
func (d *ProgressDetector) classify() int {
	var w [maxFreqs]complex128
	var e float64
	for j := range pNSub {
		for k := range progress.freqs {
			w[k] += d.sub[j][k]
		}
		e += d.subE[j]
	}
	mean := e / pWin
	if dsp.DBm0(math.Sqrt(mean)) < pMinLevel {
		return -1
	}
	var share [maxFreqs]float64
	for k := range progress.freqs {
		// A sine of amplitude A gives |W| = A·pWin/2: power A²/2.
		share[k] = 2 * (real(w[k])*real(w[k]) + imag(w[k])*imag(w[k])) / (pWin * pWin) / mean
	}
	best, bestShare := -1, pMinShare
	for i, s := range progress.sets {
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
		if m := progress.dialMin[d.cur]; m > 0 && d.last != ProgressDial && t-d.curStart >= m {
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
	for _, tp := range progress.templates {
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
