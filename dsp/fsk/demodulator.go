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
	firTaps     = 17       // baseband low-pass length (odd, linear phase)
	maxWin      = 32       // longest bit correlator, samples (baud ≥ 250)
	squelchDBm0 = -48      // GR-30: reject −48.2 dBm
	powerAlpha  = 1.0 / 32 // slow power: about 4 ms
	fastAlpha   = 1.0 / 6  // fast power: about a bit
	dropRatio   = 1.0 / 20 // fast power 13 dB under slow: the carrier stopped
	markSkip    = 8        // products after the idle start still touched by the stop bit's left neighbour
	markLag     = 16       // products before an edge that already see it
	markMin     = 32       // products needed to report MarkHz (≈ 5 bits)
	resyncGain  = 0.5      // share of a transition's timing error corrected
	levelAlpha  = 1.0 / 8  // mark level smoothing in a mark run, per sample
	maxShift    = 1.5      // largest twist correction of a crossing, samples
)

type demodState uint8

const (
	stNoCarrier demodState = iota // squelched
	stWaitMark                    // carrier present, no mark seen yet
	stIdle                        // in a mark run, hunting a start bit
	stByte                        // inside a character
)

// Demodulator is a non-coherent FSK receiver with a UART: it turns samples
// into Bytes. Its zero value is not usable; call NewDemodulator.
type Demodulator struct {
	p       Params
	spb     float64
	fc      float64 // centre frequency, Hz
	rot     complex128
	lo      complex128 // e^{-j·2π·fc·n/Rate}
	taps    [firTaps]float64
	buf     [2 * firTaps]complex128
	bi      int
	prev    complex128
	win     int        // correlator length: one bit, rounded
	rm, rs  complex128 // per-sample rotation to bring mark, space to DC
	pm, ps  complex128 // their running phasors
	cm, cs  [maxWin]complex128
	sm, ss  complex128 // their sums
	ci      int
	power   float64 // slow
	fast    float64
	on, off float64
	delay   float64 // input-to-decision delay in samples
	hzPer   float64 // Hz per radian per sample

	burst    int
	state    demodState
	last     float64 // previous decision value
	edge     float64 // start edge, decision time base
	next     float64 // next bit centre, decision time base
	k        int     // bit index within the character
	value    byte
	pwsum    float64
	pwn      int
	idleFrom float64 // where the current mark run began, decision time base
	idleN    int64   // first product index that may count toward MarkHz
	prods    [markLag]complex128
	acc      complex128
	accN     int
	gm, gs   float64 // mark and space correlator energies over a full bit, this burst; 0 until measured
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
	d.fc = float64(p.Mark+p.Space) / 2
	w := 2 * math.Pi * d.fc / dsp.Rate
	d.rot = complex(math.Cos(w), -math.Sin(w))
	d.hzPer = dsp.Rate / (2 * math.Pi)
	// Low-pass: pass the tones (±|Space−Mark|/2 after mixing) and the first
	// sidebands of keying (Baud/2), Hamming-windowed sinc.
	cut := math.Abs(float64(p.Space-p.Mark))/2 + p.Baud/2
	var sum float64
	for i := range d.taps {
		n := float64(i - (firTaps-1)/2)
		h := 2 * cut / dsp.Rate
		if n != 0 {
			h = math.Sin(2*math.Pi*cut/dsp.Rate*n) / (math.Pi * n)
		}
		h *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/(firTaps-1))
		d.taps[i] = h
		sum += h
	}
	for i := range d.taps {
		d.taps[i] /= sum
	}
	// A sine of peak A mixes down to a phasor of magnitude A/2.
	a := dsp.Peak(squelchDBm0) / 2
	d.on = a * a
	d.off = d.on / 2 // 3 dB hysteresis
	// Bit correlators: one bit long, on the baseband mark and space tones.
	d.win = min(maxWin, max(2, int(math.Round(d.spb))))
	wm := 2 * math.Pi * (float64(p.Mark) - d.fc) / dsp.Rate
	ws := 2 * math.Pi * (float64(p.Space) - d.fc) / dsp.Rate
	d.rm = complex(math.Cos(wm), -math.Sin(wm))
	d.rs = complex(math.Cos(ws), -math.Sin(ws))
	d.delay = float64(firTaps-1)/2 + float64(d.win-1)/2
	d.Reset()
	return d
}

// Params returns the layer d receives.
func (d *Demodulator) Params() Params { return d.p }

// Reset forgets all state, as if d were new.
func (d *Demodulator) Reset() {
	d.lo = 1
	d.buf = [2 * firTaps]complex128{}
	d.bi = 0
	d.prev = 0
	d.pm, d.ps = 1, 1
	d.cm, d.cs = [maxWin]complex128{}, [maxWin]complex128{}
	d.sm, d.ss = 0, 0
	d.ci = 0
	d.power = 0
	d.fast = 0
	d.state = stNoCarrier
	d.burst = 0
	d.last = 0
	d.acc, d.accN = 0, 0
	d.gm, d.gs = 0, 0
}

// Process appends the bytes completed within x (which starts at sample
// pos) to out and returns it. It allocates nothing when out has capacity.
func (d *Demodulator) Process(x []int16, pos int64, out []Byte) []Byte {
	if d.spb == 0 {
		return out
	}
	for i, v := range x {
		n := pos + int64(i)
		// Mix down around the centre frequency.
		f := float64(v)
		z := complex(f*real(d.lo), f*imag(d.lo))
		d.lo *= d.rot
		if n&63 == 0 { // keep the phasors on the unit circle, at absolute positions so chunking cannot change results
			d.lo = unit(d.lo)
			d.pm = unit(d.pm)
			d.ps = unit(d.ps)
		}
		d.buf[d.bi] = z
		d.buf[d.bi+firTaps] = z
		d.bi++
		if d.bi == firTaps {
			d.bi = 0
		}
		// Linear phase: the taps are symmetric, so pair the samples.
		win := d.buf[d.bi : d.bi+firTaps]
		const half = (firTaps - 1) / 2
		y := complex(d.taps[half], 0) * win[half]
		for j := range half {
			y += complex(d.taps[j], 0) * (win[j] + win[firTaps-1-j])
		}
		// The phase step between samples measures the mark frequency.
		// (Only a mark run's frequency is measured.)
		var prod complex128
		if d.state == stIdle || d.state == stWaitMark {
			prod = y * complex(real(d.prev), -imag(d.prev))
		}
		d.prev = y
		// Non-coherent matched filters: the energy of each tone over the
		// last bit. s > 0 is space, s < 0 mark.
		ym, ys := y*d.pm, y*d.ps
		d.sm += ym - d.cm[d.ci] // running sums over the last bit
		d.ss += ys - d.cs[d.ci]
		d.cm[d.ci], d.cs[d.ci] = ym, ys
		d.pm *= d.rm
		d.ps *= d.rs
		if d.ci++; d.ci == d.win {
			d.ci = 0
		}
		sm, ss := d.sm, d.ss
		em := real(sm)*real(sm) + imag(sm)*imag(sm)
		es := real(ss)*real(ss) + imag(ss)*imag(ss)
		var s float64
		if em+es > 0 {
			s = (es - em) / (es + em)
		}
		pw := real(y)*real(y) + imag(y)*imag(y)
		d.power += (pw - d.power) * powerAlpha
		d.fast += (pw - d.fast) * fastAlpha

		lagged := d.prods[uint64(n)%markLag]
		d.prods[uint64(n)%markLag] = prod

		if d.state != stNoCarrier && (d.fast < d.off || d.fast < d.power*dropRatio) {
			d.state = stNoCarrier
			d.gm, d.gs = 0, 0
		}
		switch d.state {
		case stNoCarrier:
			if d.fast > d.on && d.power > d.on && d.fast > d.power*dropRatio {
				d.state = stWaitMark
				d.burst++
			}
		case stWaitMark:
			if s < 0 {
				d.startIdle(float64(n), n)
			}
		case stIdle:
			if n-markLag >= d.idleN {
				d.acc += lagged
				d.accN++
				d.gm += (em - d.gm) * levelAlpha
			}
			if s > 0 && d.last <= 0 {
				// Start bit: interpolate the zero crossing, and move it by
				// the twist's bias (see twistShift).
				d.edge = float64(n-1) + d.last/(d.last-s) - d.twistShift()
				d.next = d.edge + d.spb/2
				d.k = 0
				d.value = 0
				d.pwsum, d.pwn = 0, 0
				d.state = stByte
			}
		case stByte:
			d.pwsum += pw
			d.pwn++
			// Every transition inside the character re-times the bits
			// still to come, by half the error: carrier and baud offsets
			// (±1 %) and twist, which moves the start edge, would
			// otherwise push the last bits' decisions off centre.
			if d.k >= 1 && (s > 0) != (d.last > 0) && s != d.last {
				tc := float64(n-1) + d.last/(d.last-s)
				if s > 0 {
					tc -= d.twistShift()
				} else {
					tc += d.twistShift()
				}
				if e := tc - (d.next - d.spb/2); math.Abs(e) < d.spb/3 {
					d.next += e * resyncGain
				}
			}
			if float64(n) >= d.next {
				mark := s < 0
				switch {
				case d.k == 0 && mark: // a glitch, not a start bit
					d.state = stIdle
				case d.k == 0:
					// The start bit fills the window: its energy is the
					// space tone's level.
					if d.gs == 0 {
						d.gs = es
					} else {
						d.gs += (es - d.gs) * 0.5
					}
				case d.k <= 8:
					if mark {
						d.value |= 1 << (d.k - 1)
					}
				default:
					out = append(out, d.byteOut(!mark))
					if mark {
						d.startIdle(d.next+d.spb/2, n+markSkip)
					} else {
						d.state = stWaitMark
					}
				}
				d.k++
				d.next += d.spb
			}
		}
		d.last = s
	}
	return out
}

// twistShift returns how late a mark-to-space crossing of the decision
// value comes (early for space-to-mark) when the tones differ in level: the
// one-bit correlators balance when the space fills Am/(Am+As) of the
// window, not half of it. Zero until both levels have been measured in
// this burst.
func (d *Demodulator) twistShift() float64 {
	if d.gm <= 0 || d.gs <= 0 {
		return 0
	}
	am, as := math.Sqrt(d.gm), math.Sqrt(d.gs)
	return max(-maxShift, min(maxShift, (am/(am+as)-0.5)*float64(d.win)))
}

// startIdle begins a mark run counted from time from (decision time base);
// products from index n on may measure its frequency.
func (d *Demodulator) startIdle(from float64, n int64) {
	d.state = stIdle
	d.idleFrom = from
	d.idleN = n
	d.acc, d.accN = 0, 0
}

func unit(z complex128) complex128 {
	m := real(z)*real(z) + imag(z)*imag(z)
	return z * complex((3-m)/2, 0)
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
		// A sine of peak A mixes down to a phasor of magnitude A/2: RMS A/√2.
		b.LevelDBm0 = dsp.DBm0(2 * math.Sqrt(d.pwsum/float64(d.pwn)) / math.Sqrt2)
	}
	if b.Marks < 0 {
		b.Marks = 0
	}
	if d.accN >= markMin {
		b.MarkHz = dsp.Hz(d.fc + math.Atan2(imag(d.acc), real(d.acc))*d.hzPer)
	}
	return b
}
