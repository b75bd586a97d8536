package fsk

import (
	"math"

	"github.com/linetap/linetap/dsp"
)

// Byte is one asynchronous character a Demodulator framed.
type Byte struct {
	// Value is the eight data bits, LSB first on the line.
	Value byte
	// Pos is the sample position of the start bit's leading edge.
	Pos int64
	// Framing is set when the stop bit was not a mark.
	Framing bool
	// Marks is the number of whole idle mark bits between the previous
	// byte's stop bit (or the carrier's appearance) and this start bit: 0
	// for back-to-back bytes, about 180 after a GR-30 mark run.
	Marks int
	// MarkHz is the mean frequency of that idle run, or 0 when it was too
	// short (under about five bits) to measure.
	MarkHz dsp.Hz
	// Burst numbers the stretch of carrier the byte was framed in: it goes
	// up by one each time the squelch opens (after silence, or after the
	// level fell by 13 dB or more), so bytes with equal Burst came from one
	// uninterrupted signal.
	Burst int
	// LevelDBm0 is the level of the signal in the demodulator's band
	// during the byte, as the level of a sine of that power. Bytes of one
	// transmission have nearly equal levels; noise framed after it is
	// weaker by the signal-to-noise ratio.
	LevelDBm0 float64
}

const (
	tabLen      = 80       // correlator table period: 100 Hz steps at dsp.Rate, so 1200, 1300, 2100, 2200 Hz repeat exactly
	ringLen     = 64       // history rings, a power of two above the longest lag
	scratchLen  = 64       // samples correlated before deciding on them (a power of two)
	maxBox      = 24       // longest box of the correlators, samples (baud ≥ 250)
	squelchDBm0 = -48      // GR-30: reject −48.2 dBm
	powerAlpha  = 1.0 / 16 // slow power per decision: about 4 ms
	fastAlpha   = 1.0 / 3  // fast power per decision: about a bit
	dropRatio   = 1.0 / 20 // fast power 13 dB under slow: the carrier stopped
	zmLen       = 256      // mark correlator history: scratchLen plus two lags
	markEvery   = 4        // samples per MarkHz phase step (a power of two, a multiple of decideEvery)
	decideEvery = 2        // samples per decision (correlate's loop assumes 2)
	markMin     = 8        // phase steps needed to report MarkHz (≈ 5 bits)
	resyncGain  = 0.5      // share of a transition's timing error corrected
	levelAlpha  = 1.0 / 2  // mark level smoothing in a mark run, per phase step
	maxShift    = 1.5      // largest twist correction of a crossing, samples
)

type demodState uint8

const (
	stNoCarrier demodState = iota // squelched
	stWaitMark                    // carrier present, no mark seen yet
	stIdle                        // in a mark run, hunting a start bit
	stByte                        // inside a character
)

// pair is one value of each correlator, mark and space, each a complex
// number packed in an int64: the imaginary part times 2^32 plus the real
// part. Sums and products by a sample of packed numbers are the packed
// sums and products, so one integer operation does the work of two; a
// part comes back out exactly as long as it fits an int32 (unpack).
type pair struct{ m, s int64 }

// unpack returns the real and imaginary parts of the packed complex
// number z.
func unpack(z int64) (re, im int64) {
	re = int64(int32(z))
	return re, (z - re) >> 32
}

// Demodulator is a non-coherent FSK receiver with a UART: it turns samples
// into Bytes. Its zero value is not usable; call NewDemodulator.
type Demodulator struct {
	p     Params
	spb   float64
	box   int                         // length of each of the two boxes, samples
	lag   int                         // the MarkHz phase step in samples: a whole correlator window and one more, 2·box
	tab   [2 * tabLen]pair            // e^{-jωk} of the mark and space correlators, fixed point: two periods
	buf   [2*maxBox + scratchLen]pair // the second integrators: the 2·box values before the chunk, then the chunk's
	ri    int                         // ring index of the next sample
	dv    [scratchLen]int64           // decision values (es − em) from correlate
	pv    [scratchLen]int64           // energies (es + em) from correlate
	zm    [zmLen]int64                // the mark correlator, packed, by ring index
	i1    pair                        // first integrators: Σ x[k]·tab[k], wrapping
	i2    pair                        // second integrators: Σ i1, wrapping
	fm    float64                     // the mark correlator's frequency, Hz
	pwK   float64                     // correlator energy to baseband power
	power float64                     // slow
	fast  float64                     //
	on    float64                     // squelch thresholds, baseband power
	off   float64                     //
	delay float64                     // input-to-decision delay in samples
	hzPer float64                     // Hz per radian per sample

	burst    int
	state    demodState
	lastD    int64   // previous decision value es − em
	lastP    int64   // previous es + em
	edge     float64 // start edge, decision time base
	next     float64 // next bit centre, decision time base
	nextN    int64   // the first sample at or after next
	k        int     // bit index within the character
	value    byte
	pwsum    float64 // baseband power summed at the character's bit centres
	pwn      int
	idleFrom float64 // where the current mark run began, decision time base
	idleN    int64   // first product index that may count toward MarkHz
	acc      complex128
	accN     int
	gm, gs   float64 // mark and space correlator energies over a full bit, this burst; 0 until measured
	shift    float64 // twistShift, for the character being read
}

// NewDemodulator returns a receiver for p. Params that do not Validate
// give a demodulator that frames nothing.
func NewDemodulator(p Params) *Demodulator {
	d := &Demodulator{p: p}
	if p.Validate() != nil {
		d.state = stNoCarrier
		d.on = math.Inf(1)
		d.off = math.Inf(1)
		return d
	}
	d.spb = p.SamplesPerBit()
	d.hzPer = dsp.Rate / (2 * math.Pi)
	// Two non-coherent correlators, on the mark and the space tone
	// (rounded to the table's 100 Hz steps), straight on the samples, with
	// a triangular window about 1⅓ bits long: two sliding boxes of ¾ bit
	// (5 samples at 1200 baud) one after the other, sums of integers that
	// never drift. The triangle hears the mirror image (at negative
	// frequency) of its own tone at −24 dB or less, and the other tone at
	// −10 to −13 dB, which the energy difference tolerates; its smoothing
	// keeps noise from moving the decision value's zero crossings: in the
	// sensitivity sweep at 10 dB SNR the receiver lost 17 % of messages
	// with a one-bit box window, none with the triangle.
	d.box = min(maxBox, max(1, int(math.Round(0.75*d.spb))))
	d.lag = 2 * d.box
	step := float64(dsp.Rate) / tabLen
	d.fm = math.Round(float64(p.Mark)/step) * step
	fs := math.Round(float64(p.Space)/step) * step
	// Fixed point: |x| ≤ 2^15 and a sum of box² products stays within
	// 2^30, so its square, and the sum of two squares, fit an int64.
	q := math.Floor(float64(1<<15) / float64(d.box*d.box))
	for k := range d.tab {
		wm := 2 * math.Pi * d.fm / dsp.Rate * float64(k)
		ws := 2 * math.Pi * fs / dsp.Rate * float64(k)
		d.tab[k] = pair{
			int64(math.Round(-q*math.Sin(wm)))<<32 + int64(math.Round(q*math.Cos(wm))),
			int64(math.Round(-q*math.Sin(ws)))<<32 + int64(math.Round(q*math.Cos(ws))),
		}
	}
	// A sine of peak A on a correlator's tone gives |S| = A·box²·q/2; the
	// power is kept in baseband terms, (A/2)².
	g := float64(d.box*d.box) * q
	d.pwK = 1 / (g * g)
	a := dsp.Peak(squelchDBm0) / 2
	d.on = a * a
	d.off = d.on / 2             // 3 dB hysteresis
	d.delay = float64(d.box - 1) // the triangle's peak
	d.Reset()
	return d
}

// Params returns the layer d receives.
func (d *Demodulator) Params() Params { return d.p }

// Reset forgets all state, as if d were new.
func (d *Demodulator) Reset() {
	d.buf = [2*maxBox + scratchLen]pair{}
	d.zm = [zmLen]int64{}
	d.ri = 0
	d.i1, d.i2 = pair{}, pair{}
	d.power = 0
	d.fast = 0
	d.state = stNoCarrier
	d.burst = 0
	d.lastD, d.lastP = 0, 0
	d.acc, d.accN = 0, 0
	d.gm, d.gs = 0, 0
}

// crossing returns where, between the previous sample (0) and this one
// (1), the normalised decision value (es − em)/(es + em) went through zero.
func crossing(d0, p0, d1, p1 int64) float64 {
	if p0 == 0 || p1 == 0 {
		return 1
	}
	// s0/(s0−s1) with s = d/p, in one division.
	a, b := float64(d0)*float64(p1), float64(d1)*float64(p0)
	if a == b {
		return 1
	}
	return a / (a - b)
}

// Process appends the bytes completed within x (which starts at sample
// pos) to out and returns it. It allocates nothing when out has capacity.
func (d *Demodulator) Process(x []int16, pos int64, out []Byte) []Byte {
	if d.spb == 0 {
		return out
	}
	for len(x) > 0 {
		m := min(len(x), scratchLen)
		nd, i0, k0 := d.correlate(x[:m], pos)
		out = d.decide(nd, pos+int64(i0), k0, out)
		x, pos = x[m:], pos+int64(m)
	}
	return out
}

// correlate runs the correlators over x (at most scratchLen samples from
// position pos) and leaves, for every second sample, the decision value,
// the energy in d.dv and d.pv (and the mark correlator in d.zm, by
// decision number); it returns how many, the offset in x of the first,
// and its decision number. It works in two loops,
// each with few enough values for the compiler to keep them all in
// registers: the integrators over every sample, then the combs and
// energies where a decision needs them.
func (d *Demodulator) correlate(x []int16, pos int64) (n, i0, k0 int) {
	// The table is indexed by the absolute position, so how a stream is
	// cut into calls changes nothing. It holds two periods, so that a
	// chunk never wraps around it.
	ti := int((pos%tabLen + tabLen) % tabLen)
	box, h := d.box, 2*d.box
	tab := d.tab[ti : ti+len(x)]
	buf := d.buf[h : h+len(x)]
	tab, buf = tab[:len(x)], buf[:len(x)] // the lengths the compiler needs to drop its bounds checks
	i1m, i1s, i2m, i2s := d.i1.m, d.i1.s, d.i2.m, d.i2.s
	for i, v := range x {
		f := int64(v)
		i1m += f * tab[i].m
		i1s += f * tab[i].s
		i2m += i1m
		i2s += i1s
		buf[i] = pair{i2m, i2s}
	}
	d.i1, d.i2 = pair{i1m, i1s}, pair{i2m, i2s}
	// The combs, a box and two boxes back: a triangular window 2·box−1
	// long. A decision follows every sample that leaves the count of
	// samples even.
	ri := d.ri
	j := 0
	i0 = 1 - ri&1
	k0 = (ri + i0 + 1) / decideEvery
	now, one, two := d.buf[h:h+len(x)], d.buf[h-box:h-box+len(x)], d.buf[:len(x)]
	for i := i0; i < len(now) && i < len(one) && i < len(two); i += decideEvery {
		c, a, b := now[i], one[i], two[i]
		tm, ts := c.m-2*a.m+b.m, c.s-2*a.s+b.s
		d.zm[(k0+j)&(zmLen-1)] = tm
		// The decision value: es − em > 0 is space, < 0 mark.
		mr, mi := unpack(tm)
		sr, si := unpack(ts)
		em, es := mr*mr+mi*mi, sr*sr+si*si
		j &= scratchLen - 1
		d.dv[j], d.pv[j] = es-em, es+em
		j++
	}
	d.ri = ri + len(x)
	// The last 2·box values, for the combs of the next chunk.
	copy(d.buf[:h], d.buf[len(x):len(x)+h])
	return j, i0, k0
}

// decide runs the squelch and the UART over the m decisions correlate
// left, the first at position pos with decision number k0 and one every
// decideEvery samples, appending complete bytes to out. Each state has its
// own loop, which does only what that state needs.
func (d *Demodulator) decide(m int, pos int64, k0 int, out []Byte) []Byte {
	dvs := d.dv[:m]
	pvs := d.pv[:len(dvs)]
	power, fast := d.power, d.fast
	lastD, lastP := d.lastD, d.lastP
	on, off, k := d.on, d.off, d.pwK
	i := 0
	for i < len(dvs) {
		switch d.state {
		case stNoCarrier:
			for ; i < len(dvs); i++ {
				j := i
				pw := float64(pvs[j]) * k
				power += (pw - power) * powerAlpha
				fast += (pw - fast) * fastAlpha
				lastD, lastP = dvs[j], pvs[j]
				if fast > on && power > on && fast > power*dropRatio {
					d.state = stWaitMark
					d.burst++
					i++
					break
				}
			}
		case stWaitMark:
			for ; i < len(dvs); i++ {
				j := i
				dv, pv := dvs[j], pvs[j]
				pw := float64(pv) * k
				power += (pw - power) * powerAlpha
				fast += (pw - fast) * fastAlpha
				lastD, lastP = dv, pv
				if fast < off || fast < power*dropRatio {
					d.lostCarrier()
					i++
					break
				}
				if dv < 0 {
					n := pos + int64(decideEvery*j)
					d.startIdle(float64(n), n+int64(2*d.lag))
					i++
					break
				}
			}
		case stIdle:
			for ; i < len(dvs); i++ {
				j := i
				dv, pv := dvs[j], pvs[j]
				pw := float64(pv) * k
				power += (pw - power) * powerAlpha
				fast += (pw - fast) * fastAlpha
				if fast < off || fast < power*dropRatio {
					d.lostCarrier()
					lastD, lastP = dv, pv
					i++
					break
				}
				n := pos + int64(decideEvery*j)
				if k := k0 + j; k&(markEvery/decideEvery-1) == 0 && n-int64(d.lag) >= d.idleN {
					d.markStep(k)
				}
				if dv > 0 && lastD <= 0 {
					// Start bit: interpolate the zero crossing, and move
					// it by the twist's bias (see twistShift).
					d.shift = d.twistShift()
					d.edge = float64(n-decideEvery) + decideEvery*crossing(lastD, lastP, dv, pv) - d.shift
					d.setNext(d.edge + d.spb/2)
					d.k = 0
					d.value = 0
					d.pwsum, d.pwn = 0, 0
					d.state = stByte
					lastD, lastP = dv, pv
					i++
					break
				}
				lastD, lastP = dv, pv
			}
		case stByte:
			for ; i < len(dvs); i++ {
				j := i
				dv, pv := dvs[j], pvs[j]
				pw := float64(pv) * k
				power += (pw - power) * powerAlpha
				fast += (pw - fast) * fastAlpha
				if fast < off || fast < power*dropRatio {
					d.lostCarrier()
					lastD, lastP = dv, pv
					i++
					break
				}
				n := pos + int64(decideEvery*j)
				// Every transition inside the character re-times the
				// bits still to come, by half the error: carrier and
				// baud offsets (±1 %) and twist, which moves the start
				// edge, would otherwise push the last bits' decisions
				// off centre.
				if (dv^lastD) < 0 && d.k >= 1 {
					tc := float64(n-decideEvery) + decideEvery*crossing(lastD, lastP, dv, pv)
					if dv > 0 {
						tc -= d.shift
					} else {
						tc += d.shift
					}
					if e := tc - (d.next - d.spb/2); math.Abs(e) < d.spb/3 {
						d.setNext(d.next + e*resyncGain)
					}
				}
				lastD, lastP = dv, pv
				if n+decideEvery/2 < d.nextN {
					continue
				}
				// A bit's centre: the window holds mostly that bit,
				// and its energy is the level.
				d.pwsum += pw
				d.pwn++
				out = d.bit(dv < 0, (pv+dv)/2, n, out)
				if d.state != stByte {
					i++
					break
				}
			}
		}
	}
	d.power, d.fast = power, fast
	d.lastD, d.lastP = lastD, lastP
	return out
}

// setNext sets the time of the next bit decision.
func (d *Demodulator) setNext(t float64) {
	d.next = t
	d.nextN = int64(math.Ceil(t))
}

// lostCarrier shuts the squelch.
func (d *Demodulator) lostCarrier() {
	d.state = stNoCarrier
	d.gm, d.gs = 0, 0
}

// markStep adds one phase step of the mark correlator to the mark run's
// frequency measurement, a window late (the steps just before a start bit
// already see it), at decision number k. The mark correlator
// turns by the tone's offset from its own frequency every sample: its
// phase step over a whole window measures the mark frequency. (Over a
// window, not a sample: the noise in two windows that do not overlap is
// uncorrelated, so it cannot pull the estimate towards the correlator's
// frequency, and the mirror image weighs 1/lag as much.)
func (d *Demodulator) markStep(k int) {
	ar, ai := unpack(d.zm[(k-d.lag/decideEvery)&(zmLen-1)])
	br, bi := unpack(d.zm[(k-2*d.lag/decideEvery)&(zmLen-1)])
	fr, fi, gr, gi := float64(ar), float64(ai), float64(br), float64(bi)
	d.acc += complex(fr*gr+fi*gi, fi*gr-fr*gi)
	d.accN++
	d.gm += (fr*fr + fi*fi - d.gm) * levelAlpha
}

// bit takes the decision at a bit's centre at sample n: mark or space,
// with es the space correlator's energy.
func (d *Demodulator) bit(mark bool, es int64, n int64, out []Byte) []Byte {
	switch {
	case d.k == 0 && mark: // a glitch, not a start bit
		d.state = stIdle
	case d.k == 0:
		// The start bit fills the window: its energy is the space
		// tone's level.
		if d.gs == 0 {
			d.gs = float64(es)
		} else {
			d.gs += (float64(es) - d.gs) * 0.5
		}
		d.shift = d.twistShift()
	case d.k <= 8:
		if mark {
			d.value |= 1 << (d.k - 1)
		}
	default:
		out = append(out, d.byteOut(!mark))
		if mark {
			// The first step whose two windows hold no sample of the
			// bit before the stop bit.
			d.startIdle(d.next+d.spb/2, n+int64(2*d.lag)-int64(d.spb/2))
		} else {
			d.state = stWaitMark
		}
	}
	d.k++
	d.setNext(d.next + d.spb)
	return out
}

// twistShift returns how late a mark-to-space crossing of the decision
// value comes (early for space-to-mark) when the tones differ in level: the
// correlators balance when the space fills Am/(Am+As) of the
// window, not half of it. Zero until both levels have been measured in
// this burst.
func (d *Demodulator) twistShift() float64 {
	if d.gm <= 0 || d.gs <= 0 {
		return 0
	}
	am, as := math.Sqrt(d.gm), math.Sqrt(d.gs)
	// Near its peak the triangle's area moves by 1/box of the whole per
	// sample.
	return max(-maxShift, min(maxShift, (am/(am+as)-0.5)*float64(d.box)))
}

// startIdle begins a mark run counted from time from (decision time base);
// products from index n on may measure its frequency.
func (d *Demodulator) startIdle(from float64, n int64) {
	d.state = stIdle
	d.idleFrom = from
	d.idleN = n
	d.acc, d.accN = 0, 0
}

func (d *Demodulator) byteOut(framing bool) Byte {
	b := Byte{
		Value:   d.value,
		Pos:     int64(math.Round(d.edge - d.delay)),
		Framing: framing,
		Marks:   int(math.Round((d.edge - d.idleFrom) / d.spb)),
		Burst:   d.burst,
	}
	if d.pwn > 0 {
		// A sine of peak A has a baseband power of (A/2)², RMS A/√2.
		b.LevelDBm0 = dsp.DBm0(math.Sqrt(2 * d.pwsum / float64(d.pwn)))
	}
	if b.Marks < 0 {
		b.Marks = 0
	}
	if d.accN >= markMin {
		b.MarkHz = dsp.Hz(d.fm + math.Atan2(imag(d.acc), real(d.acc))/float64(d.lag)*d.hzPer)
	}
	return b
}
