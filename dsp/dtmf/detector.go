package dtmf

import (
	"math"

	"github.com/linetap/linetap/dsp"
)

// Event is one key press.
type Event struct {
	Digit byte  // '0'-'9', '*', '#', 'A'-'D'
	Start int64 // first sample of the key press
	End   int64 // first sample after it
}

// Detector timing and thresholds; see doc.go for the design.
const (
	subLen                 = 40 // 5 ms sub-block
	nSub                   = 4  // sub-blocks in one analysis window
	winLen                 = subLen * nSub
	history                = nSub + 2  // the window now, 5 ms and 10 ms before
	startBy                = 2         // agreeing decisions that begin a key press
	endBy                  = 9         // missing decisions (45 ms) that end one
	minFrac                = 0.8       // share of window energy the two tones carry
	maxOff                 = 0.02      // frequency offset accepted, of nominal (Q.24: ±1.5 % accept, ±3.5 % reject)
	minTwistDB, maxTwistDB = -9.0, 5.0 // Q.24: −8…+4 dB must be accepted
	minLevelDBm0           = -40.0     // Q.24: accept to −36 dBm0, reject ≤ −50 dBm0
)

// Harmonic check: voiced speech is a comb of harmonics of its pitch, so
// two DTMF-like harmonics come with neighbours; a real key press has none.
const (
	spanLen      = winLen + 2*subLen // the samples the decision looked at: 30 ms
	minPitch     = 85.0              // Hz: lowest pitch checked (beyond 3 Hann bins of 33 Hz)
	maxPitchDiv  = 4                 // the tones may be up to 4 harmonics apart
	neighbourDB  = -20.0             // a neighbour this close to the weaker tone is speech
	harmonicSlop = 0.1               // how close to a whole multiple counts as a harmonic
)

// hann is the window the harmonic check analyses spanLen samples with.
var hann = func() (w [spanLen]float64) {
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/spanLen)
	}
	return w
}()

// minPower is the mean power, in LSB², of a sine at minLevelDBm0.
var minPower = func() float64 { p := dsp.Peak(minLevelDBm0); return p * p / 2 }()

// filter is one frequency's sub-block DFT, by Goertzel recursion.
type filter struct {
	coef   float64    // 2cos ω
	a, b   complex128 // e^{−jω(subLen−1)}, e^{−jω}: turn the recursion into Σx[n]e^{−jωn}
	rot    complex128 // e^{−jω·subLen}: one sub-block of time
	hz     float64
	s1, s2 float64
}

// Detector finds DTMF key presses in a stream of 8 kHz samples. Its zero
// value is not ready; use NewDetector.
type Detector struct {
	f  [8]filter
	ph [8]complex128 // e^{−jω n0} for the current sub-block's first sample

	raw  [spanLen]float64 // the last spanLen samples, a ring
	rawN int              // next slot of raw

	n      int     // samples in the current sub-block
	energy float64 // Σx² of the current sub-block
	// Ring of the last history sub-blocks: DFT per frequency and energy.
	sub  [history][8]complex128
	subE [history]float64
	head int // next slot of the ring
	seen int // sub-blocks since Reset, up to history

	origin  int64 // first sample position fed since Reset
	started bool

	cand      byte // digit of the last decision, 0 if none
	candN     int
	candStart int64

	active   bool
	digit    byte
	start    int64
	lastEnd  int64
	misses   int
	lastSeen int64 // one past the last sample fed
}

// NewDetector returns a Detector ready for a stream.
func NewDetector() *Detector {
	d := &Detector{}
	freqs := append(rowHz[:], colHz[:]...)
	for k, f := range freqs {
		w := 2 * math.Pi * float64(f) / dsp.Rate
		d.f[k] = filter{
			coef: 2 * math.Cos(w),
			a:    cmplxExp(-w * (subLen - 1)),
			b:    cmplxExp(-w),
			rot:  cmplxExp(-w * subLen),
			hz:   float64(f),
		}
	}
	d.Reset()
	return d
}

func cmplxExp(phi float64) complex128 { return complex(math.Cos(phi), math.Sin(phi)) }

// Reset forgets the stream: any key press in progress is dropped.
func (d *Detector) Reset() {
	for k := range d.f {
		d.f[k].s1, d.f[k].s2 = 0, 0
		d.ph[k] = 1
	}
	d.n, d.energy, d.head, d.seen = 0, 0, 0, 0
	d.raw, d.rawN = [spanLen]float64{}, 0
	d.sub = [history][8]complex128{}
	d.subE = [history]float64{}
	d.started = false
	d.cand, d.candN = 0, 0
	d.active = false
	d.misses = 0
}

// Process consumes x, whose first sample is at position pos, and appends
// an Event for every key press that ended within it (reported 45 ms after
// the key is released). It allocates nothing when out has capacity.
func (d *Detector) Process(x []int16, pos int64, out []Event) []Event {
	if !d.started {
		d.origin, d.started = pos, true
	}
	for i, s := range x {
		v := float64(s)
		d.energy += v * v
		d.raw[d.rawN] = v
		if d.rawN++; d.rawN == spanLen {
			d.rawN = 0
		}
		for k := range d.f {
			f := &d.f[k]
			s0 := v + f.coef*f.s1 - f.s2
			f.s2, f.s1 = f.s1, s0
		}
		d.n++
		if d.n == subLen {
			out = d.endSub(pos+int64(i)+1, out)
		}
	}
	d.lastSeen = pos + int64(len(x))
	return out
}

// Flush appends a key press still held at the end of the stream and
// forgets it.
func (d *Detector) Flush(out []Event) []Event {
	if d.active {
		out = d.emit(out, d.lastSeen)
	}
	d.cand, d.candN = 0, 0
	return out
}

// endSub closes a sub-block ending just before sample t and makes a
// decision when a full history is available.
func (d *Detector) endSub(t int64, out []Event) []Event {
	slot := &d.sub[d.head]
	for k := range d.f {
		f := &d.f[k]
		y := complex(f.s1, 0) - f.b*complex(f.s2, 0)
		slot[k] = d.ph[k] * f.a * y
		ph := d.ph[k] * f.rot
		// Keep the phasor on the unit circle.
		d.ph[k] = ph / complex(math.Hypot(real(ph), imag(ph)), 0)
		f.s1, f.s2 = 0, 0
	}
	d.subE[d.head] = d.energy
	d.energy, d.n = 0, 0
	d.head = (d.head + 1) % history
	if d.seen < history {
		d.seen++
		if d.seen < history {
			return out
		}
	}
	digit, frac0, frac1 := d.decide()
	if digit == 0 {
		d.cand, d.candN = 0, 0
		if d.active {
			d.misses++
			if d.misses >= endBy {
				out = d.emit(out, t)
			}
		}
		return out
	}
	if d.active {
		if digit == d.digit {
			d.misses = 0
			d.lastEnd = max(d.lastEnd, t-winLen+int64(frac1*winLen))
			return out
		}
		out = d.emit(out, t)
	}
	if digit == d.cand {
		d.candN++
	} else {
		d.cand, d.candN = digit, 1
		// The earlier window ends 10 ms before t and the tone fills the
		// last frac0 of it.
		d.candStart = t - 2*subLen - int64(frac0*winLen)
	}
	if d.candN >= startBy {
		d.active, d.digit, d.misses = true, digit, 0
		d.start = max(d.candStart, d.origin)
		d.lastEnd = t - winLen + int64(frac1*winLen)
		d.cand, d.candN = 0, 0
	}
	return out
}

// emit appends the key press in progress, ending no later than limit.
func (d *Detector) emit(out []Event, limit int64) []Event {
	end := min(d.lastEnd, limit)
	end = max(end, d.start+1)
	out = append(out, Event{Digit: d.digit, Start: d.start, End: end})
	d.active, d.misses = false, 0
	return out
}

// window sums the nSub sub-blocks ending back sub-blocks before the newest.
func (d *Detector) window(back int) (w [8]complex128, e float64) {
	for j := range nSub {
		idx := (d.head - 1 - back - j + 2*history) % history
		for k := range w {
			w[k] += d.sub[idx][k]
		}
		e += d.subE[idx]
	}
	return w, e
}

// decide returns the digit the last windows hold (0 for none) and the
// share of each window's energy its tones carry, capped at 1.
func (d *Detector) decide() (digit byte, frac0, frac1 float64) {
	w1, e1 := d.window(0)
	wm, _ := d.window(1)
	w0, e0 := d.window(2)
	if e1 <= 0 || e0 <= 0 {
		return 0, 0, 0
	}
	r := strongest(w1[:4])
	c := 4 + strongest(w1[4:])
	pr1, pr0, fr, ok := d.tonePower(r, w1, wm, w0)
	if !ok {
		return 0, 0, 0
	}
	pc1, pc0, fc, ok := d.tonePower(c, w1, wm, w0)
	if !ok {
		return 0, 0, 0
	}
	if pr1 < minPower || pc1 < minPower {
		return 0, 0, 0
	}
	twist := 10 * math.Log10(pc1/pr1)
	if twist < minTwistDB || twist > maxTwistDB {
		return 0, 0, 0
	}
	frac1 = (pr1 + pc1) * winLen / e1
	frac0 = (pr0 + pc0) * winLen / e0
	if frac1 < minFrac || frac0 < minFrac {
		return 0, 0, 0
	}
	if d.voiced(fr, fc) {
		return 0, 0, 0
	}
	return keypad[r][c-4], min(frac0, 1), min(frac1, 1)
}

// voiced reports whether the tones at fr and fc (measured, Hz) look like
// two harmonics of one pitch with their neighbours present: for every
// pitch (fc−fr)/m of which fr is a whole multiple, the harmonics next to
// the two tones are measured, and one within neighbourDB of the weaker
// tone marks the pair as speech.
func (d *Detector) voiced(fr, fc float64) bool {
	pr, pc := d.spanPower(fr), d.spanPower(fc)
	limit := min(pr, pc) * math.Pow(10, neighbourDB/10)
	for m := 1; m <= maxPitchDiv; m++ {
		f0 := (fc - fr) / float64(m)
		if f0 < minPitch {
			break
		}
		h := fr / f0
		if math.Abs(h-math.Round(h)) > harmonicSlop {
			continue
		}
		if d.spanPower(fr-f0) > limit || d.spanPower(fc+f0) > limit {
			return true
		}
		if m > 1 && d.spanPower(fr+f0) > limit {
			return true
		}
	}
	return false
}

// spanPower is the power at f over the last spanLen samples, Hann
// windowed (by Goertzel recursion; only run for candidate digits).
func (d *Detector) spanPower(f float64) float64 {
	if f <= 0 || f >= dsp.Rate/2 {
		return 0
	}
	coef := 2 * math.Cos(2*math.Pi*f/dsp.Rate)
	var s1, s2 float64
	for i := range spanLen {
		j := d.rawN + i
		if j >= spanLen {
			j -= spanLen
		}
		s0 := d.raw[j]*hann[i] + coef*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coef*s1*s2
}

// strongest returns the index of the largest magnitude in w.
func strongest(w []complex128) int {
	best, bi := -1.0, 0
	for i, v := range w {
		if m := real(v)*real(v) + imag(v)*imag(v); m > best {
			best, bi = m, i
		}
	}
	return bi
}

// tonePower measures frequency k's offset from nominal across the three
// windows and returns its mean power (LSB²) in the newest and oldest,
// corrected for the window's loss at that offset; ok is false when the
// offset is out of tolerance.
func (d *Detector) tonePower(k int, w1, wm, w0 [8]complex128) (p1, p0, hz float64, ok bool) {
	// Phase advance over 5 ms (unambiguous to ±100 Hz), then over 10 ms
	// for precision, unwrapped with the first.
	coarse := phase(w1[k], wm[k])
	fine := phase(w1[k], w0[k])
	want := 2 * coarse
	fine += 2 * math.Pi * math.Round((want-fine)/(2*math.Pi))
	off := fine * dsp.Rate / (2 * math.Pi * 2 * subLen)
	if math.Abs(off) > maxOff*d.f[k].hz {
		return 0, 0, 0, false
	}
	g := gain(off)
	// A sine of amplitude A gives |W| = A·winLen/2·g: power A²/2.
	scale := 2 / (winLen * winLen * g * g)
	return abs2(w1[k]) * scale, abs2(w0[k]) * scale, d.f[k].hz + off, true
}

// phase returns the angle of a·conj(b).
func phase(a, b complex128) float64 {
	p := a * complex(real(b), -imag(b))
	return math.Atan2(imag(p), real(p))
}

func abs2(v complex128) float64 { return real(v)*real(v) + imag(v)*imag(v) }

// gain is the amplitude response of a winLen-sample DFT to a tone off Hz
// from its frequency (the Dirichlet kernel).
func gain(off float64) float64 {
	x := math.Pi * off / dsp.Rate
	if math.Abs(x) < 1e-9 {
		return 1
	}
	return math.Abs(math.Sin(winLen*x) / (winLen * math.Sin(x)))
}
