package sim

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
)

// The speech synthesizer: a glottal pulse train (Rosenberg's polynomial-free
// trigonometric pulse, differentiated for lip radiation) with jittered,
// intonated pitch, through a cascade of formant resonators (the unity-DC-gain
// two-pole sections of Klatt's 1980 cascade synthesizer) that glide between
// vowel targets, plus noise for fricatives and plosive bursts, shaped by
// syllable envelopes, word gaps and pauses. It is not meant to be
// intelligible, only to have what detectors see in speech: a changing,
// harmonic-rich spectrum across the telephone band with pauses.

// vowels are formant targets F1, F2, F3 in Hz of an adult male voice
// (Peterson & Barney 1952, average of men): i ɪ ɛ æ ɑ ɔ ʊ u ʌ ɝ.
var vowels = [...][3]float64{
	{270, 2290, 3010}, {390, 1990, 2550}, {530, 1840, 2480}, {660, 1720, 2410},
	{730, 1090, 2440}, {570, 840, 2410}, {440, 1020, 2240}, {300, 870, 2240},
	{640, 1190, 2390}, {490, 1350, 1690},
}

// nasal is the formant pattern of a nasal murmur (m, n): a low first
// formant and weak upper ones.
var nasal = [3]float64{250, 1100, 2300}

const (
	fs          = float64(dsp.Rate)
	minF0       = 90.0                 // Hz: the lowest pitch the voices use
	maxF0       = 250.0                // Hz: the highest
	coefEvery   = 32                   // samples between formant coefficient updates (4 ms)
	glideCoef   = 0.12                 // per update: formant glide, about 30 ms time constant
	envCoef     = 0.012                // per sample: envelope slew, about 10 ms
	quietLevel  = 1e-4                 // envelope below which a silent voice is skipped
	calibration = 2 * dsp.Rate         // samples of speech a voice measures itself on
	agcCoef     = 1.0 / (4 * dsp.Rate) // AGC: a 4 s mean of the active power
)

// resonator is a two-pole section with unity gain at DC (Klatt 1980):
// y[n] = a·x[n] + b·y[n−1] + c·y[n−2].
type resonator struct {
	a, b, c, y1, y2 float64
}

func (r *resonator) set(f, bw float64) {
	rad := math.Exp(-math.Pi * bw / fs)
	r.c = -rad * rad
	r.b = 2 * rad * math.Cos(2*math.Pi*f/fs)
	r.a = 1 - r.b - r.c
}

func (r *resonator) step(x float64) float64 {
	y := r.a*x + r.b*r.y1 + r.c*r.y2
	r.y2, r.y1 = r.y1, y
	return y
}

// biquad is a second-order section in direct form I.
type biquad struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

// highPass is a Butterworth high-pass biquad at f (RBJ audio-EQ cookbook).
func highPass(f, q float64) biquad {
	w := 2 * math.Pi * f / fs
	alpha := math.Sin(w) / (2 * q)
	cw := math.Cos(w)
	a0 := 1 + alpha
	return biquad{
		b0: (1 + cw) / 2 / a0, b1: -(1 + cw) / a0, b2: (1 + cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

// lowPass is a Butterworth low-pass biquad at f (RBJ audio-EQ cookbook).
func lowPass(f, q float64) biquad {
	w := 2 * math.Pi * f / fs
	alpha := math.Sin(w) / (2 * q)
	cw := math.Cos(w)
	a0 := 1 + alpha
	return biquad{
		b0: (1 - cw) / 2 / a0, b1: (1 - cw) / a0, b2: (1 - cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

func (q *biquad) step(x float64) float64 {
	y := q.b0*x + q.b1*q.x1 + q.b2*q.x2 - q.a1*q.y1 - q.a2*q.y2
	q.x2, q.x1 = q.x1, x
	q.y2, q.y1 = q.y1, y
	return y
}

// rng is a splitmix64 generator: fast, seeded, and copyable by value.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// float returns a uniform number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between returns a uniform number in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// gauss returns an approximately normal number (mean 0, variance 1): the
// sum of four uniform 16-bit parts of one draw (Irwin–Hall).
func (r *rng) gauss() float64 {
	v := r.next()
	s := float64(v&0xFFFF) + float64(v>>16&0xFFFF) + float64(v>>32&0xFFFF) + float64(v>>48)
	// Four U(0, 65536): mean 131070, variance 4·65536²/12.
	return (s - 131070) * (1 / 37837.23)
}

// mix derives an independent seed from a seed and a tag.
func mix(seed uint64, tags ...uint64) uint64 {
	r := rng{s: seed}
	for _, t := range tags {
		r.s ^= t * 0xD6E8FEB86659FD93
		r.next()
	}
	return r.next()
}

// phase is what a voice is articulating.
type phase uint8

const (
	phSilence phase = iota
	phFricative
	phClosure
	phBurst
	phNasal
	phVowel
)

// Voice is a seeded formant speech synthesizer: one speaker with its own
// pitch, vocal-tract length, speaking rate and breathiness. It talks in
// spurts of syllables (consonant, vowel), with word gaps and pauses.
type Voice struct {
	rng    rng
	gain   float64
	target float64 // RMS of active speech, LSB
	power  float64 // running mean square of active raw output (AGC)
	f0Base float64 // Hz
	fScale float64 // vocal-tract scaling of the formants
	rate   float64 // speaking-rate factor (>1 is slower)
	breath float64 // aspiration noise relative to voicing

	// Glottal source.
	t, period  float64 // position in the period and its length, samples
	flow1      float64 // previous glottal flow
	f0, accent float64

	// Vocal tract.
	res  [4]resonator
	fcur [3]float64
	ftgt [3]float64
	bw   [3]float64
	fric resonator
	band [4]biquad // telephone band-pass
	ctr  int

	// Articulation.
	ph          phase
	left        int // samples left in the phase
	env, envTgt float64
	voicing     float64 // voiced excitation amplitude of the phase
	noise       float64 // noise excitation amplitude of the phase
	talkLeft    int     // samples left of the spurt
	spurt, pos  int     // the spurt's length and position, for declination
	afterVowel  bool    // the next unit is a gap decision

	auto      bool // Append: start spurts by itself
	autoPause int
}

// NewVoice returns a voice whose character and speech come from seed and
// whose active speech level is about levelDBm0.
func NewVoice(seed int64, levelDBm0 float64) *Voice {
	v := new(Voice)
	v.init(uint64(seed), levelDBm0)
	return v
}

func (v *Voice) init(seed uint64, levelDBm0 float64) {
	*v = Voice{rng: rng{s: seed}}
	r := &v.rng
	if r.float() < 0.5 {
		v.f0Base, v.fScale = r.between(100, 135), r.between(0.97, 1.05)
	} else {
		v.f0Base, v.fScale = r.between(175, 210), r.between(1.12, 1.2)
	}
	v.rate = r.between(0.85, 1.15)
	v.breath = r.between(0.02, 0.08)
	v.bw = [3]float64{r.between(60, 90), r.between(80, 120), r.between(120, 180)}
	v.fcur = vowels[4]
	for i := range v.fcur {
		v.fcur[i] *= v.fScale
	}
	v.ftgt = v.fcur
	v.res[3].set(3500, 250)
	// Fourth-order Butterworth high-pass at 300 Hz and low-pass at
	// 3400 Hz: two sections each, with Q 0.541 and 1.307.
	v.band = [4]biquad{
		highPass(300, 0.5412), highPass(300, 1.3066),
		lowPass(3400, 0.5412), lowPass(3400, 1.3066),
	}
	v.f0, v.accent = v.f0Base, 1
	v.period = fs / v.f0
	v.gain = 1
	v.left = 1
	v.target = dsp.Peak(levelDBm0) / math.Sqrt2
	// Calibrate on a copy: two seconds of this voice's own speech, with
	// the power measured where the syllable envelope is up (the active
	// speech of ITU-T P.56, roughly). A slow AGC in next keeps the level
	// there as the vowels change.
	cal := *v
	cal.speak(calibration)
	var sum float64
	n := 0
	for range calibration {
		y := cal.next()
		if cal.env > 0.5 {
			sum += y * y
			n++
		}
	}
	if n > 0 && sum > 0 {
		v.power = sum / float64(n)
		v.gain = v.target / math.Sqrt(v.power)
	}
}

// speak starts a talk-spurt of n samples (the voice finishes its syllable).
func (v *Voice) speak(n int) {
	v.talkLeft, v.spurt, v.pos = n, n, 0
	if v.ph == phSilence && v.left > 40 {
		v.left = 40
	}
}

// speaking reports whether the voice is in a talk-spurt.
func (v *Voice) speaking() bool { return v.talkLeft > 0 || v.ph != phSilence }

func (v *Voice) ms(lo, hi float64) int {
	return int(v.rng.between(lo, hi) * v.rate * fs / 1000)
}

// advance starts the next articulation phase.
func (v *Voice) advance() {
	r := &v.rng
	if v.talkLeft <= 0 {
		v.ph, v.left, v.envTgt, v.voicing, v.noise = phSilence, 80, 0, 0, 0
		return
	}
	switch {
	case v.afterVowel:
		v.afterVowel = false
		p := r.float()
		switch {
		case p < 0.6: // straight into the next syllable
			v.left = 0
		case p < 0.88: // word gap
			v.left = v.ms(50, 150)
		default: // phrase pause
			v.left = v.ms(200, 450)
		}
		v.ph, v.envTgt, v.voicing, v.noise = phSilence, 0, 0, 0
		if v.left == 0 {
			v.advance()
			return
		}
	case v.ph == phClosure:
		v.ph, v.left, v.envTgt, v.voicing, v.noise = phBurst, v.ms(8, 18), 0.6, 0, 1
		v.fric.set(r.between(1500, 3000), 1500)
	case v.ph == phSilence || v.ph == phVowel:
		if p := r.float(); p < 0.3 {
			v.ph, v.left, v.envTgt, v.voicing, v.noise = phFricative, v.ms(50, 110), 0.35, 0, 1
			v.fric.set(r.between(2200, 3300), r.between(700, 1400))
		} else if p < 0.5 {
			v.ph, v.left, v.envTgt, v.voicing, v.noise = phClosure, v.ms(25, 50), 0, 0, 0
		} else if p < 0.7 {
			v.ph, v.left, v.envTgt, v.voicing, v.noise = phNasal, v.ms(40, 80), 0.45, 1, 0
			for i := range v.ftgt {
				v.ftgt[i] = nasal[i] * v.fScale
			}
		} else {
			v.vowel()
		}
	default: // after a consonant
		v.vowel()
	}
	v.talkLeft -= v.left
}

func (v *Voice) vowel() {
	r := &v.rng
	t := vowels[int(r.next()%uint64(len(vowels)))]
	for i := range v.ftgt {
		v.ftgt[i] = t[i] * v.fScale * r.between(0.95, 1.05)
	}
	v.ph, v.left, v.voicing, v.noise = phVowel, v.ms(90, 240), 1, 0
	v.envTgt = r.between(0.65, 1)
	v.accent = r.between(0.9, 1.15)
	v.afterVowel = true
}

// next returns the voice's next sample (before quantisation).
func (v *Voice) next() float64 {
	for v.left <= 0 {
		v.advance()
	}
	v.left--
	if v.spurt > 0 {
		v.pos++
	}
	v.env += (v.envTgt - v.env) * envCoef
	if v.envTgt == 0 && v.env < quietLevel {
		return 0 // silent: skip the synthesis
	}
	r := &v.rng
	if v.ctr--; v.ctr < 0 {
		v.ctr = coefEvery
		for i := range v.fcur {
			v.fcur[i] += (v.ftgt[i] - v.fcur[i]) * glideCoef
			v.res[i].set(v.fcur[i], v.bw[i])
		}
	}
	var x float64
	if v.voicing > 0 {
		// Rosenberg (1971) pulse: opening 40 % of the period, closing 16 %.
		tp, tn := 0.4*v.period, 0.16*v.period
		var flow float64
		switch {
		case v.t < tp:
			flow = 0.5 * (1 - math.Cos(math.Pi*v.t/tp))
		case v.t < tp+tn:
			flow = math.Cos(math.Pi * (v.t - tp) / (2 * tn))
		}
		x = (flow - v.flow1) * v.voicing // lip radiation: first difference
		v.flow1 = flow
		x += v.breath * r.gauss() * 0.1
		if v.t++; v.t >= v.period {
			v.t -= v.period
			// Declination over the spurt, an accent per vowel, and
			// ±1 % jitter per period.
			decl := 1.08
			if v.spurt > 0 {
				decl -= 0.18 * float64(v.pos) / float64(v.spurt)
			}
			tgt := v.f0Base * v.accent * decl
			v.f0 += (tgt - v.f0) * 0.25
			f0 := min(max(v.f0*(1+0.01*(2*r.float()-1)), minF0), maxF0)
			v.period = fs / f0
		}
	}
	y := x
	for i := range v.res {
		y = v.res[i].step(y)
	}
	if v.noise > 0 {
		y += v.fric.step(r.gauss()*v.noise) * 0.08
	}
	// The telephone band (ITU-T G.712: 300–3400 Hz).
	for i := range v.band {
		y = v.band[i].step(y)
	}
	out := y * v.env
	if v.env > 0.5 && v.power > 0 {
		v.power += (out*out - v.power) * agcCoef
		if v.ctr == 0 {
			v.gain = v.target / math.Sqrt(v.power)
		}
	}
	return out * v.gain
}

// Append appends d of monologue: talk-spurts of one to five seconds with
// pauses between them.
func (v *Voice) Append(dst []int16, d time.Duration) []int16 {
	v.auto = true
	for range durationToSamples(d) {
		if !v.speaking() {
			if v.autoPause <= 0 {
				v.autoPause = v.ms(300, 900)
			}
			if v.autoPause--; v.autoPause == 0 {
				v.speak(v.ms(1000, 5000))
			}
		}
		dst = append(dst, clip(v.next()))
	}
	return dst
}

func clip(x float64) int16 {
	switch {
	case x >= 32767:
		return 32767
	case x <= -32768:
		return -32768
	}
	return int16(math.Round(x))
}

// conversation is two voices taking turns: the near end (the office phone,
// louder at the tap) and the far end.
type conversation struct {
	rng   rng
	v     [2]Voice // 0 near, 1 far
	turn  int
	left  int  // samples to the next decision
	inGap bool // between spurts
	first bool // the opening "hello" is still to come
	bcAt  int  // samples to a backchannel of the listener, 0 for none
}

func (c *conversation) reset(seed uint64, nearDBm0, farDBm0 float64, nearFirst bool) {
	c.rng = rng{s: seed}
	c.v[0].init(mix(seed, 1), nearDBm0)
	c.v[1].init(mix(seed, 2), farDBm0)
	c.turn = 1
	if nearFirst {
		c.turn = 0
	}
	c.inGap, c.first, c.bcAt = true, true, 0
	c.left = int(c.rng.between(0.25, 0.7) * fs) // pick-up to "hello"
}

func (c *conversation) decide() {
	r := &c.rng
	if c.inGap {
		c.inGap = false
		var d int
		if c.first {
			c.first = false
			d = int(r.between(0.6, 1.3) * fs)
		} else {
			// Spurts of about 1–5 s, most of them short.
			d = int((0.8 + 4.2*r.float()*r.float()) * fs)
		}
		c.v[c.turn].speak(d)
		c.left = d
		if d > int(2.5*fs) && r.float() < 0.35 {
			c.bcAt = int(r.between(0.8, float64(d)/fs-0.8) * fs)
		}
		return
	}
	c.inGap = true
	c.left = int(r.between(0.15, 0.9) * fs)
	if r.float() < 0.8 {
		c.turn = 1 - c.turn
	}
}

func (c *conversation) next() float64 {
	for c.left <= 0 {
		c.decide()
	}
	c.left--
	if c.bcAt > 0 {
		if c.bcAt--; c.bcAt == 0 {
			c.v[1-c.turn].speak(int(c.rng.between(0.25, 0.5) * fs)) // "mm-hm"
		}
	}
	return c.v[0].next() + c.v[1].next()
}
