package dtmf

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/goertzel"
)

// Event is one key press.
type Event struct {
	Digit byte  // '0'-'9', '*', '#', 'A'-'D'
	Start int64 // first sample of the key press
	End   int64 // first sample after it
}

// Detector timing and thresholds; see doc.go for the design.
const (
	subLen  = 40 // 5 ms sub-block
	nSub    = 4  // sub-blocks in one analysis window
	winLen  = subLen * nSub
	history = nSub + 2 // the window now, 5 ms and 10 ms before
	startBy = 2        // agreeing decisions that begin a key press
	endBy   = 9        // missing decisions (45 ms) that end one
	// maxTwistStepDB is how far the twist of the two decisions that begin
	// a key press may differ: a key press's twist is steady (with 1 dB
	// allowed, no key press of the tests is lost, not even at 4 dB SNR),
	// a formant drifting past a steady note mostly is not.
	maxTwistStepDB         = 1.5
	minFrac                = 0.8       // share of window energy the two tones carry
	maxOff                 = 0.02      // frequency offset accepted, of nominal (Q.24: ±1.5 % accept, ±3.5 % reject)
	minTwistDB, maxTwistDB = -9.0, 5.0 // Q.24: −8…+4 dB must be accepted
	minLevelDBm0           = -40.0     // Q.24: accept to −36 dBm0, reject ≤ −50 dBm0
	// minKeyLen is the shortest key press reported, as estimated from its
	// Start and End: Q.24 must accept 40 ms and may reject less; 8 ms is
	// left for the estimates' error. Speech that briefly lines up a row
	// and a column (a formant under a steady note) rarely lasts this long.
	minKeyLen = 32 * dsp.Rate / 1000
)

// Pending (the early suspicion a masker acts on) looks at the newest
// pendLen samples, every sub-block.
const (
	pendSubs    = 2                       // sub-blocks in the pending window: 10 ms
	pendLen     = pendSubs * subLen       // samples in it
	pendFrac    = 0.7                     // share of its energy the strongest row and column carry
	pendLevel   = 0.5                     // each at least this share of minPower (−3 dB: leakage of an off-nominal tone)
	pendTwistDB = 12.0                    // |twist| allowed
	pendHold    = 2                       // sub-blocks Pending stays set after the last suspicion
	pendEarly   = pendLen + subLen        // how far before a suspicion Start is placed
	phasePeriod = dsp.Rate / subLen       // sub-blocks after which every nominal frequency's phasor repeats (all are whole Hz multiples of 1 Hz; 200 sub-blocks = 1 s)
	pendMinE    = pendLen * 2 * pendLevel // in units of minPower
)

// MaxPendingLatency is the longest time from the first sample of a DTMF
// tone to the end of the sub-block after which Pending reports it: measured
// by TestPendingLatency over every digit, levels −4…−36 dBm0, twists
// −8…+4 dB and frequency errors of ±1.5 %.
const MaxPendingLatency = 14 * time.Millisecond

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

// bank is what every Detector shares: the eight frequencies' Goertzel
// coefficients and the phasors that put each sub-block's DFT on one time
// origin.
type bank struct {
	hz   [8]float64
	coef [8]float64 // 2cos ω
	b    [8]complex128
	// rot[i][k] = e^{−jω(subLen·i + subLen−1)}: with y = s1 − e^{−jω}s2
	// after subLen Goertzel steps, rot·y is Σx[n]e^{−jωn} over sub-block i
	// (mod phasePeriod) with n counted from the stream's time origin.
	rot [phasePeriod][8]complex128
	// g2min[k] is the window's power gain for a tone maxOff from
	// frequency k: the least the gates may assume.
	g2min [8]float64
	// hp is the dial-tone high-pass; hpGain2[k] its power gain at
	// frequency k.
	hp    [hpStages]biquad
	hpRun hpRun
	hpVec hpKern // the same filter in vector form
	// dft is the table of the sub-block DFT in vector form.
	dft     dftKern
	hpGain2 [8]float64
	// hpGainFine[k][i] is the power gain at hz[k]·(1−gainSpan) +
	// i·gainStep Hz, for the frequencies a decision measures.
	hpGainFine [8][]float64
	// hpDelay[k] is the high-pass's group delay at frequency k, in whole
	// samples: a key press's Start and End are moved back by it (see
	// digitDelay).
	hpDelay [8]int64
}

var tab = func() (t bank) {
	t.hp = designHighPass()
	t.hpRun = runForm(&t.hp)
	t.hpVec = vecForm(&t.hpRun)
	freqs := append(rowHz[:], colHz[:]...)
	for k, f := range freqs {
		w := 2 * math.Pi * float64(f) / dsp.Rate
		t.hz[k] = float64(f)
		t.coef[k] = 2 * math.Cos(w)
		t.b[k] = cmplxExp(-w)
		for i := range phasePeriod {
			// With the high-pass's gain, which highPass leaves out.
			t.rot[i][k] = complex(t.hpRun.g, 0) * phasor(f, subLen*i+subLen-1)
		}
		g := gain(maxOff * float64(f))
		t.g2min[k] = g * g
	}
	t.dft = dftForm(&t.hz, t.hpRun.g)
	for k, f := range freqs {
		t.hpGain2[k] = powerGain(&t.hp, float64(f))
		t.hpDelay[k] = int64(math.Round(groupDelay(&t.hp, float64(f))))
		lo, hi := float64(f)*(1-gainSpan), float64(f)*(1+gainSpan)
		for g := lo; g <= hi+gainStep; g += gainStep {
			t.hpGainFine[k] = append(t.hpGainFine[k], powerGain(&t.hp, g))
		}
	}
	return t
}()

// The table of the high-pass's power gain around each DTMF frequency:
// ±gainSpan (beyond maxOff) in steps of gainStep Hz, interpolated.
const (
	gainSpan = 0.025
	gainStep = 0.25
)

// hpGainAt is the high-pass's power gain at f Hz, near frequency k.
func hpGainAt(k int, f float64) float64 {
	t := tab.hpGainFine[k]
	x := (f - tab.hz[k]*(1-gainSpan)) / gainStep
	i := int(x)
	if x < 0 || i+1 >= len(t) {
		return powerGain(&tab.hp, f)
	}
	a := x - float64(i)
	return t[i] + a*(t[i+1]-t[i])
}

func cmplxExp(phi float64) complex128 { return complex(math.Cos(phi), math.Sin(phi)) }

// phasor is e^{−jωn} for frequency f (whole Hz), ω·n mod 2π computed
// exactly from whole numbers.
func phasor(f dsp.Hz, n int) complex128 {
	cyc := (int64(f) * int64(n)) % dsp.Rate
	return cmplxExp(-2 * math.Pi * float64(cyc) / dsp.Rate)
}

// Detector finds DTMF key presses in a stream of 8 kHz samples. Its zero
// value is not ready; use NewDetector.
type Detector struct {
	n int // samples in the sub-block being filled: raw[head]

	// Ring of the last history sub-blocks: samples, DFT per frequency and
	// energy; head is the next slot.
	raw   [history][subLen]int16   // as received (the speech check)
	hp    [history][subLen]float64 // through the dial-tone high-pass (everything else)
	hpZ   hpState                  // high-pass memory
	sub   [history][8]complex128   // valid where done
	done  [history][2]bool
	subPh [history]int     // phase index of the sub-block
	subE  [history]float64 // Σx²
	subD  [history]float64 // Σ(x[n]−x[n−1])²
	head  int
	seen  int // sub-blocks since Reset, up to history
	phase int // sub-blocks since Reset, mod phasePeriod

	origin  int64 // first sample position fed since Reset
	started bool

	cand      byte // digit of the last decision, 0 if none
	candN     int
	candStart int64
	candTwist float64 // dB, of the candidate's first decision

	active   bool
	digit    byte
	start    int64 // reported start: the energy onset (see onset)
	decStart int64 // start as the first agreeing decision estimated it
	delay    int64 // the high-pass's delay of this digit's onset
	relDelay int64 // and of its release
	prevEnd  int64 // End of the last key press reported
	lastEnd  int64
	misses   int
	lastSeen int64 // one past the last sample fed

	pendOn    bool
	pendStart int64
	pendLeft  int
}

// NewDetector returns a Detector ready for a stream.
func NewDetector() *Detector {
	d := &Detector{}
	d.Reset()
	return d
}

// Reset forgets the stream: any key press in progress is dropped.
func (d *Detector) Reset() {
	*d = Detector{}
}

// Pending reports whether a DTMF tone is suspected or being received now,
// before it is validated as a key press: from at most MaxPendingLatency
// after the tone's first sample until it has been gone for about 10 ms.
// start is an estimate of the tone's first sample that errs early. Speech
// sometimes sets it; it is meant for masking audio, not for digits.
func (d *Detector) Pending() (start int64, ok bool) {
	return d.pendStart, d.pendOn
}

// Process consumes x, whose first sample is at position pos, and appends
// an Event for every key press that ended within it (reported 45 ms after
// the key is released). It allocates nothing when out has capacity.
func (d *Detector) Process(x []int16, pos int64, out []Event) []Event {
	if !d.started {
		d.origin, d.started = pos, true
	}
	d.lastSeen = pos + int64(len(x))
	for len(x) > 0 {
		k := copy(d.raw[d.head][d.n:], x)
		d.n += k
		x = x[k:]
		pos += int64(k)
		if d.n == subLen {
			d.n = 0
			out = d.endSub(pos, out)
		}
	}
	return out
}

// Flush appends a key press still held at the end of the stream and
// forgets it.
func (d *Detector) Flush(out []Event) []Event {
	if d.active {
		out = d.emit(out, d.lastSeen)
	}
	d.cand, d.candN = 0, 0
	d.pendOn, d.pendLeft = false, 0
	return out
}

// endSub closes the sub-block ending just before sample t and makes a
// decision when a full history is available. The sub-block's DFT is only
// computed when a decision needs it (see dft).
func (d *Detector) endSub(t int64, out []Event) []Event {
	h := d.head
	raw, hp := &d.raw[h], &d.hp[h]
	var er, e, e1 float64 // the energies without the high-pass's gain
	if vec {
		er = rawEnergyVec(raw)
	} else {
		er = rawEnergy(raw)
	}
	switch {
	case er < hpQuiet*minPower:
		// Nothing a key press could be part of: no filtered samples, and
		// the filter's state let go.
		*hp = [subLen]float64{}
		last := d.hpZ.y[hpStages-1][3] // the last output before the block
		d.hpZ = hpState{}
		e1 = last * last
	case vec:
		e, e1 = highPassVec(hp, raw, &d.hpZ, &tab.hpVec)
	default:
		e, e1 = highPass(hp, raw, &d.hpZ)
	}
	d.subE[h], d.subD[h] = e*tab.hpRun.g2, e1*tab.hpRun.g2
	d.subPh[h], d.done[h] = d.phase, [2]bool{}
	d.head = (h + 1) % history
	if d.phase++; d.phase == phasePeriod {
		d.phase = 0
	}
	if d.seen < history {
		d.seen++
	}
	suspect := d.seen >= pendSubs && d.suspect()
	if d.seen >= history {
		out = d.step(t, out)
	}
	d.updatePending(t, suspect)
	return out
}

// rawEnergy is Σx² of a sub-block as received.
func rawEnergy(raw *[subLen]int16) float64 {
	// Two squares at a time fit a uint32 (2·32768² = 2³¹), which leaves
	// one 64-bit addition per pair.
	var sq uint64
	for i := 1; i < subLen; i += 2 { // the form the compiler proves in bounds
		a, b := int32(raw[i-1]), int32(raw[i])
		sq += uint64(uint32(a*a) + uint32(b*b))
	}
	return float64(sq)
}

// dft returns the DFT of ring slot i at the four rows (half 0) or the four
// columns (half 1), computing it on first use. The vector form
// (dft_vec.go) computes both halves at once, in less time than the scalar
// form takes for one.
func (d *Detector) dft(i, half int) *[8]complex128 {
	slot := &d.sub[i]
	if d.done[i][half] {
		return slot
	}
	if vec {
		dftVec(&d.hp[i], &tab.dft, &tab.dft.r[d.subPh[i]], slot)
		d.done[i] = [2]bool{true, true}
		return slot
	}
	d.done[i][half] = true
	k0 := 4 * half
	var s1, s2 [4]float64
	s1[0], s2[0], s1[1], s2[1], s1[2], s2[2], s1[3], s2[3] = goertzel.Four(d.hp[i][:], tab.coef[k0], tab.coef[k0+1], tab.coef[k0+2], tab.coef[k0+3])
	rot := &tab.rot[d.subPh[i]]
	for j := range 4 {
		k := k0 + j
		b := tab.b[k]
		y := complex(s1[j]-real(b)*s2[j], -imag(b)*s2[j])
		slot[k] = rot[k] * y
	}
	return slot
}

// Spectral gate: Σ(x[n]−x[n−1])² / Σx² is the power-weighted mean of
// 2 − 2cos ω over the signal's spectrum. When a share f of the energy lies
// in the DTMF band (697·(1−maxOff) … 1633·(1+maxOff) Hz) the ratio is at
// least f·bandLo and at most f·bandHi + (1−f)·4; speech, hum and hiss
// mostly fall outside and skip the filter bank. gateSlack allows for the
// edges of a short block.
var bandLo, bandHi = func() (lo, hi float64) {
	lo = 2 - 2*math.Cos(2*math.Pi*float64(rowHz[0])*(1-maxOff)/dsp.Rate)
	hi = 2 - 2*math.Cos(2*math.Pi*float64(colHz[3])*(1+maxOff)/dsp.Rate)
	return lo, hi
}()

const gateSlack = 0.85

// inBand reports whether a block of energy e and difference energy e1
// could carry share f of its energy in the DTMF band.
func inBand(e, e1, f float64) bool {
	return e1 >= gateSlack*f*bandLo*e && gateSlack*e1 <= (f*bandHi+(1-f)*4)*e
}

// updatePending sets Pending from this sub-block's suspicion and the
// validated key press, if any.
func (d *Detector) updatePending(t int64, suspect bool) {
	if suspect || (d.active && d.misses == 0) {
		if !d.pendOn {
			d.pendOn = true
			d.pendStart = max(t-pendEarly, d.origin)
		}
		if d.active {
			d.pendStart = min(d.pendStart, d.start)
		}
		d.pendLeft = pendHold
		return
	}
	if d.pendOn {
		if d.pendLeft--; d.pendLeft <= 0 {
			d.pendOn = false
		}
	}
}

// suspect reports whether the newest pendLen samples look like a DTMF
// tone pair: the strongest row and column each near the minimum level,
// within pendTwistDB of each other, carrying pendFrac of the energy.
func (d *Detector) suspect() bool {
	i0 := (d.head - 1 + history) % history
	i1 := (d.head - 2 + history) % history
	e := d.subE[i0] + d.subE[i1]
	if e < pendMinE*minPower || !inBand(e, d.subD[i0]+d.subD[i1], pendFrac) {
		return false
	}
	// Columns first: the weaker group must hold a share of the energy
	// (twist within ±pendTwistDB), which most speech fails.
	// A sine of amplitude A gives |W| = A·pendLen/2: power A²/2.
	const scale = 2.0 / (pendLen * pendLen)
	lim := pendLevel * minPower / scale
	a, b := d.dft(i0, 1), d.dft(i1, 1)
	var pc float64
	for k := 4; k < 8; k++ {
		pc = max(pc, abs2(a[k]+b[k]))
	}
	if pc < lim || pc*scale*pendLen < pendMinShare*e {
		return false
	}
	a, b = d.dft(i0, 0), d.dft(i1, 0)
	var pr float64
	for k := range 4 {
		pr = max(pr, abs2(a[k]+b[k]))
	}
	if pr < lim {
		return false
	}
	if (pr+pc)*scale*pendLen < pendFrac*e {
		return false
	}
	r := pc / pr
	return r < pendTwistRatio && r > 1/pendTwistRatio
}

// pendTwistRatio is pendTwistDB as a power ratio.
var pendTwistRatio = math.Pow(10, pendTwistDB/10)

// pendMinShare is the least share of the energy either group's tone can
// carry when the two carry pendFrac within pendTwistRatio of each other:
// p ≥ (pendFrac − p)/pendTwistRatio.
var pendMinShare = pendFrac / (1 + pendTwistRatio)

// step makes the decision for the window ending before t.
func (d *Detector) step(t int64, out []Event) []Event {
	digit, frac0, frac1, twist := d.decide()
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
	if digit == d.cand && math.Abs(twist-d.candTwist) <= maxTwistStepDB {
		d.candN++
	} else {
		d.cand, d.candN, d.candTwist = digit, 1, twist
		// The earlier window ends 10 ms before t and the tone fills the
		// last frac0 of it.
		d.candStart = t - 2*subLen - int64(frac0*winLen)
	}
	if d.candN >= startBy {
		d.active, d.digit, d.misses = true, digit, 0
		d.delay, d.relDelay = digitDelay(digit)
		// Never before the origin, nor inside the key press reported last.
		floor := max(d.origin, d.prevEnd)
		d.start = max(min(d.candStart, d.onset(t))-d.delay, floor)
		d.decStart = max(d.candStart-d.delay, floor)
		d.lastEnd = t - winLen + int64(frac1*winLen)
		d.cand, d.candN = 0, 0
	}
	return out
}

// digitDelay is the high-pass's group delay for digit's tone pair: the
// larger of its two tones' (the pair is complete only when both have
// arrived) and the smaller (it is broken as soon as one has gone).
func digitDelay(digit byte) (onset, release int64) {
	for r := range keypad {
		for c := range keypad[r] {
			if keypad[r][c] == digit {
				a, b := tab.hpDelay[r], tab.hpDelay[4+c]
				return max(a, b), min(a, b)
			}
		}
	}
	return 0, 0
}

// onset estimates where the tone that fills the newest sub-blocks began,
// from the sub-block energies before t: sub-blocks as loud as the newest
// two are full of it, and the first quieter one is filled in proportion
// to its energy. It looks back at most 3 sub-blocks before the first
// agreeing decision's estimate (a tone that follows speech without a
// pause is not traced into the speech).
func (d *Detector) onset(t int64) int64 {
	ref := (d.subE[d.slotIdx(0)] + d.subE[d.slotIdx(1)]) / 2
	if ref <= 0 {
		return t
	}
	for j := 0; j < history; j++ {
		e := d.subE[d.slotIdx(j)]
		if e >= 0.8*ref {
			continue
		}
		fill := min(e/ref, 1)
		return max(t-int64(j*subLen)-int64(fill*subLen), d.candStart-3*subLen)
	}
	return max(t-history*subLen, d.candStart-3*subLen)
}

// emit appends the key press in progress, ending no later than limit.
func (d *Detector) emit(out []Event, limit int64) []Event {
	end := min(d.lastEnd-d.relDelay, limit)
	end = max(end, d.start+1)
	// The length test uses the start the decisions alone support: the
	// energy onset may reach back into a sound that preceded the tone.
	if end-d.decStart >= minKeyLen {
		out = append(out, Event{Digit: d.digit, Start: d.start, End: end})
		d.prevEnd = end
	}
	d.active, d.misses = false, 0
	return out
}

// slotIdx returns the ring slot j (0 ≤ j < history) sub-blocks before
// the newest.
func (d *Detector) slotIdx(j int) int { return int(ringSlot[d.head][j]) }

// ringSlot[head][j] is (head − 1 − j) mod history: a table, since the
// ring is indexed several times a sub-block and history is no power of
// two.
var ringSlot = func() (t [history][history]uint8) {
	for h := range t {
		for j := range t[h] {
			t[h][j] = uint8((h - 1 - j + 2*history) % history)
		}
	}
	return t
}()

// windowAt sums frequency k over the nSub sub-blocks ending back
// sub-blocks before the newest.
func (d *Detector) windowAt(back, k int) (w complex128) {
	for j := range nSub {
		w += d.sub[d.slotIdx(back+j)][k]
	}
	return w
}

// energyAt sums the energy of the nSub sub-blocks ending back sub-blocks
// before the newest.
func (d *Detector) energyAt(back int) (e float64) {
	for j := range nSub {
		e += d.subE[d.slotIdx(back+j)]
	}
	return e
}

// colMinShare is the least share of a window's energy the column tone of
// an accepted key press carries: with the pair at minFrac and the twist at
// least minTwistDB (less 1 dB for the high-pass's ripple and leakage),
// pc ≥ t·(minFrac − pc) for t the twist as a power ratio.
var colMinShare = func() float64 {
	t := math.Pow(10, (minTwistDB-1)/10)
	return t * minFrac / (1 + t)
}()

// diffAt sums the difference energy of the nSub sub-blocks ending back
// sub-blocks before the newest.
func (d *Detector) diffAt(back int) (e float64) {
	for j := range nSub {
		e += d.subD[d.slotIdx(back+j)]
	}
	return e
}

// decide returns the digit the last windows hold (0 for none) and the
// share of each window's energy its tones carry, capped at 1. Cheap
// bounds reject most windows before any frequency is measured.
func (d *Detector) decide() (digit byte, frac0, frac1, twist float64) {
	e1, e0 := d.energyAt(0), d.energyAt(2)
	if e1 < minFrac*2*minPower*winLen || e0 <= 0 {
		return 0, 0, 0, 0
	}
	if !inBand(e1, d.diffAt(0), minFrac) || !inBand(e0, d.diffAt(2), minFrac) {
		return 0, 0, 0, 0
	}
	// Upper bounds of each tone's power (LSB²) after the offset
	// correction, columns first: with twist at least minTwistDB the
	// column carries at least colMinShare of the energy.
	const scale = 2.0 / (winLen * winLen)
	i0, i1, i2, i3 := d.slotIdx(0), d.slotIdx(1), d.slotIdx(2), d.slotIdx(3)
	var p [8]float64
	for half := 1; half >= 0; half-- {
		for j := range nSub {
			d.dft(d.slotIdx(j), half)
		}
		for k := 4 * half; k < 4*half+4; k++ {
			p[k] = abs2(d.sub[i0][k] + d.sub[i1][k] + d.sub[i2][k] + d.sub[i3][k])
		}
		if half == 1 {
			c := 4 + strongest(p[4:])
			if uc := p[c] * scale / tab.g2min[c]; uc*winLen < colMinShare*e1 {
				return 0, 0, 0, 0
			}
		}
	}
	r := strongest(p[:4])
	c := 4 + strongest(p[4:])
	ur, uc := p[r]*scale/tab.g2min[r], p[c]*scale/tab.g2min[c]
	if ur < minPower*tab.hpGain2[r] || uc < minPower*tab.hpGain2[c] || (ur+uc)*winLen < minFrac*e1 {
		return 0, 0, 0, 0
	}
	for j := nSub; j < history; j++ {
		d.dft(d.slotIdx(j), 0)
		d.dft(d.slotIdx(j), 1)
	}
	pr1, pr0, fr, ok := d.tonePower(r)
	if !ok {
		return 0, 0, 0, 0
	}
	pc1, pc0, fc, ok := d.tonePower(c)
	if !ok {
		return 0, 0, 0, 0
	}
	// Level and twist are of the tones as received: undo the high-pass.
	// At the measured frequencies: the ripple differs across ±2 %.
	gr, gc := hpGainAt(r, fr), hpGainAt(c, fc)
	if pr1 < minPower*gr || pc1 < minPower*gc {
		return 0, 0, 0, 0
	}
	// A first, loose twist from the windows' DFTs: their leakage and the
	// offset correction's error move it by up to about 2 dB, depending on
	// how the tone lies against the sub-blocks.
	twist = 10 * math.Log10((pc1+pc0)/(pr1+pr0)*gr/gc)
	if twist < minTwistDB-twistSlackDB || twist > maxTwistDB+twistSlackDB {
		return 0, 0, 0, 0
	}
	frac1 = (pr1 + pc1) * winLen / e1
	frac0 = (pr0 + pc0) * winLen / e0
	if frac1 < minFrac || frac0 < minFrac {
		return 0, 0, 0, 0
	}
	// The twist that decides: both tones at their measured frequencies
	// over the decision's 30 ms with a Hann window, whose sidelobes 14 bins
	// away are 80 dB down and whose main lobe is flat within 0.2 dB over
	// the frequency estimate's error. Both tones share one envelope, so a
	// window the tone fills only in part still gives their ratio.
	// A key press under way needs it only when the first estimate is
	// near a limit (within twistSlackDB, more than its error): the
	// decisions that begin one compare their twists (step).
	digit = keypad[r][c-4]
	going := d.active && digit == d.digit
	if !going || twist < minTwistDB+twistSlackDB || twist > maxTwistDB-twistSlackDB {
		if twist = d.hannTwist(fr, fc, gr, gc); twist < minTwistDB || twist > maxTwistDB {
			return 0, 0, 0, 0
		}
	}
	// Speech is checked for on the decision that would begin a key press
	// only: not on a key press already under way, nor on the first of the
	// agreeing decisions (the second looks at 25 of the same 30 ms).
	starts := !going && digit == d.cand && d.candN+1 >= startBy
	if starts && d.voiced(fr, fc) {
		return 0, 0, 0, 0
	}
	return digit, min(frac0, 1), min(frac1, 1), twist
}

// voiced reports whether the tones at fr and fc (measured, Hz) look like
// two partials of one comb with their neighbours present: for every
// spacing f0 = (fc−fr)/m of which fr is a whole multiple (a harmonic
// series) or an odd multiple of f0/2 (odd harmonics only), the partials
// next to the two tones are measured, and two within neighbourDB of the
// weaker tone mark the pair as speech or music.
func (d *Detector) voiced(fr, fc float64) bool {
	var w [spanLen]float64
	i := 0
	peak, ew := 0.0, 0.0
	for j := history - 1; j >= 0; j-- {
		for _, s := range &d.raw[d.slotIdx(j)] {
			v := float64(s)
			peak = max(peak, math.Abs(v))
			v *= hann[i]
			w[i] = v
			ew += v * v
			i++
		}
	}
	pr, pc := spanPower(&w, fr), spanPower(&w, fc)
	limit := min(pr, pc) * math.Pow(10, neighbourDB/10)
	// A tone whose Hann transform peaks at |X|² holds 3|X|²/spanLen of
	// the windowed energy. When what the two tones leave is less than a
	// third of what one partial at the lowest level any check here counts
	// (combFarDB under the weaker tone; the other checks ask for more)
	// would hold, there is no comb to find. What they leave is never far
	// below zero for two sines alone; when it is, partials next to them
	// have added to their transforms, and the checks run.
	lowest := min(pr, pc) * math.Pow(10, min(neighbourDB, combFarDB)/10) / spanLen
	if leftover := ew - 3*(pr+pc)/spanLen; leftover < lowest && leftover > -lowest {
		return false
	}
	for m := 1; m <= maxPitchDiv; m++ {
		f0 := (fc - fr) / float64(m)
		if f0 < minPitch {
			break
		}
		// fr a whole multiple of f0: a harmonic series (voiced speech);
		// an odd one of f0/2: the odd harmonics of a square-, triangle- or
		// clarinet-like tone (whose 3rd and 5th harmonics of C4, 785 and
		// 1308 Hz, sit 9 dB apart on a row and a column).
		h := 2 * fr / f0
		if math.Abs(h-math.Round(h)) > 2*harmonicSlop {
			continue
		}
		// Two neighbours make a comb; one alone may be a third tone,
		// which Q.24 asks to tolerate at −16 dB.
		n := 0
		if spanPower(&w, fr-f0) > limit {
			n++
		}
		if spanPower(&w, fc+f0) > limit {
			n++
		}
		if m > 1 && n < 2 && spanPower(&w, fr+f0) > limit {
			n++
		}
		if n >= 2 {
			return true
		}
	}
	var p [fftLen/2 + 1]float64
	powerSpectrum(&p, &w)
	clipped := peak >= clipLevel
	floor := noiseFloor(&p)
	return inComb(&p, fr, fc, floor, clipped) || inComb(&p, fc, fr, floor, clipped)
}

// twistSlackDB is how far beyond the twist limits the first, loose
// estimate may lie before hannTwist settles it.
const twistSlackDB = 3.0

// hannTwist returns the twist in dB of the tones at fr and fc (Hz, as
// measured) over the last spanLen high-passed samples, Hann windowed,
// corrected by the high-pass's power gains gr and gc at those frequencies.
func (d *Detector) hannTwist(fr, fc, gr, gc float64) float64 {
	cr := 2 * math.Cos(2*math.Pi*fr/dsp.Rate)
	cc := 2 * math.Cos(2*math.Pi*fc/dsp.Rate)
	var r1, r2, c1, c2 float64
	i := 0
	for j := history - 1; j >= 0; j-- {
		for _, v := range &d.hp[d.slotIdx(j)] {
			v *= hann[i]
			i++
			r1, r2 = (v-r2)+cr*r1, r1
			c1, c2 = (v-c2)+cc*c1, c1
		}
	}
	pr := r1*r1 + r2*r2 - cr*r1*r2
	pc := c1*c1 + c2*c2 - cc*c1*c2
	if pr <= 0 || pc <= 0 {
		return math.Inf(-1)
	}
	return 10 * math.Log10(pc/pr*gr/gc)
}

// spanPower is the power at f of w, the last spanLen samples Hann
// windowed (by Goertzel recursion; only run for candidate digits).
func spanPower(w *[spanLen]float64, f float64) float64 {
	if f <= 0 || f >= dsp.Rate/2 {
		return 0
	}
	coef := 2 * math.Cos(2*math.Pi*f/dsp.Rate)
	var s1, s2 float64
	for _, v := range w {
		s1, s2 = (v-s2)+coef*s1, s1
	}
	return s1*s1 + s2*s2 - coef*s1*s2
}

// strongest returns the index of the largest value in p.
func strongest(p []float64) int {
	best, bi := -1.0, 0
	for i, v := range p {
		if v > best {
			best, bi = v, i
		}
	}
	return bi
}

// tonePower measures frequency k's offset from nominal across the three
// windows and returns its mean power (LSB²) in the newest and oldest,
// corrected for the window's loss at that offset; ok is false when the
// offset is out of tolerance.
func (d *Detector) tonePower(k int) (p1, p0, hz float64, ok bool) {
	w1, wm, w0 := d.windowAt(0, k), d.windowAt(1, k), d.windowAt(2, k)
	// Phase advance over 5 ms (unambiguous to ±100 Hz), then over 10 ms
	// for precision, unwrapped with the first.
	coarse := phase(w1, wm)
	fine := phase(w1, w0)
	want := 2 * coarse
	fine += 2 * math.Pi * math.Round((want-fine)/(2*math.Pi))
	off := fine * dsp.Rate / (2 * math.Pi * 2 * subLen)
	if math.Abs(off) > maxOff*tab.hz[k] {
		return 0, 0, 0, false
	}
	g := gain(off)
	// A sine of amplitude A gives |W| = A·winLen/2·g: power A²/2.
	scale := 2 / (winLen * winLen * g * g)
	return abs2(w1) * scale, abs2(w0) * scale, tab.hz[k] + off, true
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
