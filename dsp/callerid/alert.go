package callerid

import (
	"math"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// The dual-tone alerting signal: CAS (Telcordia GR-30, off-hook) and DT-AS
// (ETSI EN 300 659-1, BT SIN227), 2130 and 2750 Hz together.
const (
	AlertLowHz  dsp.Hz = 2130
	AlertHighHz dsp.Hz = 2750
)

// AlertDetector decision parameters.
const (
	alertHop      = 40     // samples per decision (5 ms)
	alertWin      = 80     // analysis window, two hops (10 ms)
	alertMaxOff   = 0.02   // frequency offset accepted, of nominal (BT: ±1.1 %, Bellcore ±0.5 %)
	alertShare    = 0.75   // share of the window's energy the two tones carry
	alertMinDBm0  = -40.0  // per tone (Bellcore: −14 to −32 dBm)
	alertTwistDB  = 10.0   // largest level difference of the two tones
	alertMinDur   = 55     // ms: shortest alert reported (Bellcore 75–85 ms)
	alertMaxDur   = 135    // ms: longest (BT 88–110 ms; ETSI DT-AS up to 100 ms)
	alertMissHops = 2      // failed decisions that end a tone
	alertRenorm   = 1 << 8 // hops between phasor renormalisations
)

// Alert is one dual-tone alerting signal (CAS, DT-AS) the AlertDetector
// heard.
type Alert struct {
	// Start and End are the sample positions of its first sample and of
	// the first sample after it, estimated to a few samples.
	Start, End int64
	// LowHz and HighHz are the measured frequencies of the two tones.
	LowHz, HighHz dsp.Hz
	// LowDBm0 and HighDBm0 are their levels.
	LowDBm0, HighDBm0 float64
}

// Duration returns how long the alert lasted.
func (a Alert) Duration() time.Duration {
	return time.Duration(a.End-a.Start) * time.Second / dsp.Rate
}

type alertTone struct {
	c, s  [alertHop]float32 // cos ωk, −sin ωk, k < alertHop
	step  complex128        // e^{−jω·alertHop}
	ph    complex128        // e^{−jω·(first sample of the hop)}
	hop   [2]complex128     // the last two hops' sums
	win   complex128        // previous window, for the phase step
	hz    float64
	gain2 float64 // 2/alertWin²: |X|² to power
}

// AlertDetector finds the 2130 + 2750 Hz alerting tone in a stream of
// 8 kHz samples. Every 5 ms it analyses the last 10 ms at both frequencies
// (phase-coherently, so that the phase step between windows measures each
// tone's frequency) and accepts the window when both tones are within 2 %
// of nominal, at least −40 dBm0 each, within 10 dB of each other, and
// together carry three quarters of the window's energy. A run of accepted
// windows from 55 to 135 ms long is an Alert; its edges are placed by how
// much of the first and last windows the tones filled. Its zero value is
// not usable; call NewAlertDetector.
type AlertDetector struct {
	t       [2]alertTone
	n       int // samples in the current hop
	hops    int64
	e       [2]float64 // the last two hops' energies
	minPow  float64
	active  bool
	misses  int
	first   int64      // end of the first accepted window
	frac0   [2]float64 // each tone's amplitude in it
	last    int64      // start of the last accepted window
	lastAmp [2]float64
	fullAmp [2]float64
	sumHz   [2]float64
	sumPow  [2]float64
	count   int
	started bool
	origin  int64
}

// NewAlertDetector returns an AlertDetector ready for a stream.
func NewAlertDetector() *AlertDetector {
	d := &AlertDetector{}
	for i, f := range []dsp.Hz{AlertLowHz, AlertHighHz} {
		w := 2 * math.Pi * float64(f) / dsp.Rate
		t := &d.t[i]
		for k := range t.c {
			t.c[k] = float32(math.Cos(w * float64(k)))
			t.s[k] = float32(-math.Sin(w * float64(k)))
		}
		t.step = complex(math.Cos(w*alertHop), -math.Sin(w*alertHop))
		t.hz = float64(f)
		t.gain2 = 2.0 / (alertWin * alertWin)
	}
	p := dsp.Peak(alertMinDBm0)
	d.minPow = p * p / 2
	d.Reset()
	return d
}

// Reset forgets the stream: an alert in progress is dropped.
func (d *AlertDetector) Reset() {
	for i := range d.t {
		d.t[i].ph = 1
		d.t[i].hop = [2]complex128{}
		d.t[i].win = 0
	}
	d.n, d.hops = 0, 0
	d.e = [2]float64{}
	d.active, d.started = false, false
}

// Process consumes x, whose first sample is at position pos, and appends
// an Alert for every alerting tone that ended within it (reported 10 ms
// after its end). It allocates nothing when out has capacity.
func (d *AlertDetector) Process(x []int16, pos int64, out []Alert) []Alert {
	if !d.started {
		d.origin, d.started = pos, true
	}
	for len(x) > 0 {
		k := min(len(x), alertHop-d.n)
		var r0, i0, r1, i1, e float32
		c0, s0 := d.t[0].c[d.n:d.n+k], d.t[0].s[d.n:d.n+k]
		c1, s1 := d.t[1].c[d.n:d.n+k], d.t[1].s[d.n:d.n+k]
		for i, v := range x[:k] {
			f := float32(v)
			e += f * f
			r0 += f * c0[i]
			i0 += f * s0[i]
			r1 += f * c1[i]
			i1 += f * s1[i]
		}
		d.t[0].hop[1] += complex(float64(r0), float64(i0))
		d.t[1].hop[1] += complex(float64(r1), float64(i1))
		d.e[1] += float64(e)
		d.n += k
		x, pos = x[k:], pos+int64(k)
		if d.n == alertHop {
			out = d.endHop(pos, out)
		}
	}
	return out
}

// Flush appends an alert still in progress at the end of the stream.
func (d *AlertDetector) Flush(out []Alert) []Alert {
	if d.active {
		out = d.finish(out)
	}
	return out
}

// endHop closes the hop ending just before sample t.
func (d *AlertDetector) endHop(t int64, out []Alert) []Alert {
	var ok bool
	var hz, pow [2]float64
	var amp [2]float64
	for i := range d.t { // the hop's sums to the absolute time origin
		d.t[i].hop[1] *= d.t[i].ph
	}
	if d.hops >= 1 {
		ok = true
		energy := d.e[0] + d.e[1]
		var tones float64
		for i := range d.t {
			tt := &d.t[i]
			w := tt.hop[0] + tt.hop[1]
			// The phase step between windows one hop apart measures the
			// offset from nominal.
			prev := tt.win
			tt.win = w
			step := w * complex(real(prev), -imag(prev))
			off := math.Atan2(imag(step), real(step)) * dsp.Rate / (2 * math.Pi * alertHop)
			if prev == 0 || math.Abs(off) > alertMaxOff*tt.hz {
				ok = false
			}
			a2 := real(w)*real(w) + imag(w)*imag(w)
			// A tone off nominal by off Hz loses sinc² of its power in a
			// rectangular window; put it back.
			g := sinc(off * alertWin / dsp.Rate)
			pow[i] = a2 * tt.gain2 / (g * g)
			hz[i] = tt.hz + off
			tones += pow[i] * alertWin
			amp[i] = math.Sqrt(a2)
		}
		switch {
		case !ok:
		case tones < alertShare*energy:
			ok = false
		case pow[0] < d.minPow || pow[1] < d.minPow:
			ok = false
		case math.Abs(10*math.Log10(pow[1]/pow[0])) > alertTwistDB:
			ok = false
		}
	}
	// Shift the hop history and advance the phasors by one hop.
	for i := range d.t {
		tt := &d.t[i]
		tt.hop[0], tt.hop[1] = tt.hop[1], 0
		tt.ph *= tt.step
		if d.hops%alertRenorm == 0 {
			m := real(tt.ph)*real(tt.ph) + imag(tt.ph)*imag(tt.ph)
			tt.ph *= complex((3-m)/2, 0)
		}
	}
	d.e[0], d.e[1] = d.e[1], 0
	d.hops++
	d.n = 0
	return d.decide(ok, t, amp, hz, pow, out)
}

func sinc(x float64) float64 {
	if math.Abs(x) < 1e-9 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// decide follows runs of accepted windows; the window just decided ends
// at sample t.
func (d *AlertDetector) decide(ok bool, t int64, amp, hz, pow [2]float64, out []Alert) []Alert {
	if ok {
		if !d.active {
			d.active = true
			d.first, d.frac0 = t, amp
			d.fullAmp = [2]float64{}
			d.sumHz, d.sumPow, d.count = [2]float64{}, [2]float64{}, 0
		}
		d.misses = 0
		for i := range hz {
			// The full amplitude is the mean over the windows between the
			// first and the last, which leakage from the other tone makes
			// ripple by a few per cent.
			if d.count >= 2 {
				d.fullAmp[i] += d.lastAmp[i]
			}
			d.sumHz[i] += hz[i]
			d.sumPow[i] += pow[i]
		}
		d.count++
		d.last, d.lastAmp = t-alertWin, amp
		return out
	}
	if d.active {
		if d.misses++; d.misses >= alertMissHops {
			out = d.finish(out)
		}
	}
	return out
}

// finish reports the run of accepted windows if it lasted like an alert.
func (d *AlertDetector) finish(out []Alert) []Alert {
	d.active = false
	if d.count < 3 {
		return out // under 20 ms of tone
	}
	for i := range d.fullAmp {
		d.fullAmp[i] /= float64(d.count - 2)
	}
	// The tones fill the first and last windows by the ratio of their
	// amplitude to the full one.
	var f0, f1 float64
	for i := range d.t {
		off := d.sumHz[i]/float64(d.count) - d.t[i].hz
		f0 += fill(d.frac0[i]/d.fullAmp[i], off) / 2
		f1 += fill(d.lastAmp[i]/d.fullAmp[i], off) / 2
	}
	a := Alert{
		Start:  d.first - int64(math.Round(f0*alertWin)),
		End:    d.last + int64(math.Round(f1*alertWin)),
		LowHz:  dsp.Hz(d.sumHz[0] / float64(d.count)),
		HighHz: dsp.Hz(d.sumHz[1] / float64(d.count)),
	}
	a.LowDBm0 = powDBm0(d.sumPow[0] / float64(d.count))
	a.HighDBm0 = powDBm0(d.sumPow[1] / float64(d.count))
	ms := (a.End - a.Start) * 1000 / dsp.Rate
	if ms < alertMinDur || ms > alertMaxDur {
		return out
	}
	return append(out, a)
}

// fill returns the share of a window a tone off nominal by off Hz covers
// when its amplitude there is ratio times that in a full window: a
// partial sum of L samples has amplitude ∝ L·sinc(off·L/Rate), so L is
// found by fixed-point iteration.
func fill(ratio, off float64) float64 {
	ratio = min(1, ratio)
	full := sinc(off * alertWin / dsp.Rate)
	f := ratio
	for range 4 {
		f = min(1, ratio*full/sinc(off*f*alertWin/dsp.Rate))
	}
	return f
}

// powDBm0 is the level of a sine of mean power p (LSB²).
func powDBm0(p float64) float64 { return dsp.DBm0(math.Sqrt(p)) }

// AppendAlert appends the dual-tone alerting signal (2130 + 2750 Hz) for
// d, each tone at levelDBm0: GR-30 CAS lasts 75–85 ms, BT's idle-state
// tone alert 88–110 ms.
func AppendAlert(dst []int16, d time.Duration, levelDBm0 float64) []int16 {
	return tone.AppendTone(dst, []dsp.Hz{AlertLowHz, AlertHighHz}, levelDBm0, d)
}
