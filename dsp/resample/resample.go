package resample

import (
	"errors"
	"fmt"
	"math"

	"github.com/linetap/linetap/dsp"
)

// Errors returned by this package.
var (
	// ErrRate is returned by New for an input rate it cannot convert.
	ErrRate = errors.New("resample: unsupported sample rate")
)

// MaxPhases is the largest interpolation factor L of one stage (its output
// rate divided by the greatest common divisor of input and output rates)
// that New accepts: 320 is what 11 025 Hz needs.
const MaxPhases = 1000

// MaxRate is the fastest input rate New accepts, in hertz: twice the
// fastest rate sound cards offer, and a bound on the filter's length.
const MaxRate = 384000

// Filter design (see the package documentation).
const (
	passHz      = 3400.0 // G.712: the telephone band ends at 3.4 kHz
	stopHz      = 4000.0 // the output's Nyquist frequency
	attenuation = 70.0   // dB designed, for ≥ 60 dB measured at 4 kHz
	// midRate is the rate a fast input is first brought to. Its stage
	// only has to stop what would fold below 4 kHz (from midRate − 4 kHz
	// up), a wide transition that needs few taps; the narrow 3.4–4 kHz
	// transition is then cut at the lower rate.
	midRate = 2 * dsp.Rate
)

// stage is one rational L/M polyphase FIR.
type stage struct {
	l, m int       // output/input ratio L/M in lowest terms
	taps int       // K: taps per polyphase branch
	coef []float32 // coef[p*taps+j]: branch p, tap j, oldest input first
	buf  []float32 // the last taps inputs, twice over: buf[w:w+taps]
	w    int       // next write index in buf, in [0, taps)
	frac int       // high-rate offset of the next output past the newest input
	skip int       // outputs still to drop (the filter delay)
	lag  int       // the filter delay in output samples
}

// Resampler converts one stream to dsp.Rate. Its zero value is not usable;
// call New. A Resampler is not safe for concurrent use.
type Resampler struct {
	rate   int
	l, m   int // overall ratio L/M
	stages [2]stage
	n      int   // stages in use: 0 (8 kHz), 1 or 2
	nIn    int64 // input samples consumed
	nOut   int64 // output samples delivered
}

// New returns a Resampler from rate (in hertz) to dsp.Rate. A rate below
// dsp.Rate or above MaxRate, or one that needs more than MaxPhases
// branches, is an error naming it.
func New(rate int) (*Resampler, error) {
	if rate < dsp.Rate {
		return nil, fmt.Errorf("%w: %d Hz is below %d Hz", ErrRate, rate, dsp.Rate)
	}
	if rate > MaxRate {
		return nil, fmt.Errorf("%w: %d Hz is above %d Hz", ErrRate, rate, MaxRate)
	}
	g := gcd(rate, dsp.Rate)
	r := &Resampler{rate: rate, l: dsp.Rate / g, m: rate / g}
	switch {
	case rate == dsp.Rate:
	case rate <= midRate:
		r.n = 1
		if err := r.stages[0].design(rate, dsp.Rate, stopHz); err != nil {
			return nil, err
		}
	default:
		r.n = 2
		if err := r.stages[0].design(rate, midRate, midRate-stopHz); err != nil {
			return nil, err
		}
		if err := r.stages[1].design(midRate, dsp.Rate, stopHz); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// design builds a polyphase Kaiser-windowed sinc from in to out hertz,
// passing to passHz and stopping from stop.
func (s *stage) design(in, out int, stop float64) error {
	g := gcd(in, out)
	s.l, s.m = out/g, in/g
	if s.l > MaxPhases {
		return fmt.Errorf("%w: %d Hz needs %d polyphase branches (at most %d)", ErrRate, in, s.l, MaxPhases)
	}
	hi := float64(in) * float64(s.l) // the conceptual high rate
	// Kaiser's formulas (Oppenheim & Schafer, Discrete-Time Signal
	// Processing, §7.5.3): β from the attenuation, length from the
	// transition width Δω in radians per high-rate sample.
	beta := 0.1102 * (attenuation - 8.7)
	dw := 2 * math.Pi * (stop - passHz) / hi
	n := math.Ceil((attenuation - 7.95) / (2.285 * dw))
	// Centre the sinc on a multiple of M so that dropping lag outputs
	// aligns output n with input time n/out exactly.
	half := int(math.Ceil(n / 2))
	s.lag = (half + s.m - 1) / s.m
	s.skip = s.lag
	c := s.lag * s.m
	length := 2*c + 1
	s.taps = (length + s.l - 1) / s.l
	proto := make([]float64, s.taps*s.l)
	fc := (passHz + stop) / 2 / hi // cut-off, cycles per high-rate sample
	i0b := besselI0(beta)
	for i := range length {
		x := float64(i - c)
		v := 2 * fc
		if x != 0 {
			v = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		t := x / float64(c)
		w := besselI0(beta*math.Sqrt(1-t*t)) / i0b
		proto[i] = float64(s.l) * v * w // gain L restores the level lost to zero-stuffing
	}
	// Branch p holds proto[p + k·L], k = 0…K−1, which multiply the inputs
	// x[n−k]; store them oldest input first for a forward dot product.
	s.coef = make([]float32, s.l*s.taps)
	for p := range s.l {
		for k := range s.taps {
			s.coef[p*s.taps+(s.taps-1-k)] = float32(proto[p+k*s.l])
		}
	}
	s.buf = make([]float32, 2*s.taps)
	return nil
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// by its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 500; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Clone returns a new Resampler for the same rate, at the start of a
// stream, sharing r's filter coefficients (which are never written after
// New), so that the channels of one file cost one filter design.
func (r *Resampler) Clone() *Resampler {
	c := *r
	for i := range c.n {
		c.stages[i].buf = make([]float32, len(r.stages[i].buf))
	}
	c.Reset()
	return &c
}

// Rate returns the input rate r converts from.
func (r *Resampler) Rate() int { return r.rate }

// Taps returns the number of multiply-adds per output sample (0 at 8 kHz).
func (r *Resampler) Taps() int {
	switch r.n {
	case 1:
		return r.stages[0].taps
	case 2:
		return r.stages[0].taps*midRate/dsp.Rate + r.stages[1].taps
	}
	return 0
}

// MaxOut returns the most output samples Process can append for n input
// samples; an out slice with that much spare capacity is never grown.
func (r *Resampler) MaxOut(n int) int {
	return int((int64(n)*int64(r.l))/int64(r.m)) + 2
}

// Process appends to out the 8 kHz samples that the input block x completes
// and returns it. Blocks may have any length, including zero. It allocates
// nothing when out has MaxOut(len(x)) spare capacity.
func (r *Resampler) Process(x []int16, out []int16) []int16 {
	r.nIn += int64(len(x))
	switch r.n {
	case 0:
		r.nOut += int64(len(x))
		return append(out, x...)
	case 1:
		for _, v := range x {
			out = r.push1(float32(v), out)
		}
	default:
		for _, v := range x {
			out = r.push2(float32(v), out)
		}
	}
	return out
}

// push1 feeds one input sample through a single stage.
func (r *Resampler) push1(v float32, out []int16) []int16 {
	s := &r.stages[0]
	s.put(v)
	for s.frac < s.l {
		if y, ok := s.next(); ok {
			out = append(out, clip(y))
			r.nOut++
		}
	}
	s.frac -= s.l
	return out
}

// push2 feeds one input sample through both stages.
func (r *Resampler) push2(v float32, out []int16) []int16 {
	a, b := &r.stages[0], &r.stages[1]
	a.put(v)
	for a.frac < a.l {
		y, ok := a.next()
		if !ok {
			continue
		}
		b.put(y)
		for b.frac < b.l {
			if z, ok := b.next(); ok {
				out = append(out, clip(z))
				r.nOut++
			}
		}
		b.frac -= b.l
	}
	a.frac -= a.l
	return out
}

// put adds one input sample to the stage's history.
func (s *stage) put(v float32) {
	s.buf[s.w] = v
	s.buf[s.w+s.taps] = v
	if s.w++; s.w == s.taps {
		s.w = 0
	}
}

// next computes the output at the stage's current phase and advances it;
// ok is false while the filter delay is being dropped.
func (s *stage) next() (y float32, ok bool) {
	p := s.frac
	s.frac += s.m
	if s.skip > 0 {
		s.skip--
		return 0, false
	}
	k := s.taps
	return dot(s.coef[p*k:p*k+k], s.buf[s.w:s.w+k]), true
}

// dot is the inner product of two equally long slices, four lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func clip(v float32) int16 {
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}

// Flush appends the output samples still held in the filters at the end
// of a stream, so that the whole stream gives ⌈N·8000/rate⌉ samples for N
// input samples, and returns out. The Resampler is then Reset.
func (r *Resampler) Flush(out []int16) []int16 {
	if r.n > 0 {
		want := (r.nIn*int64(r.l) + int64(r.m) - 1) / int64(r.m)
		start := len(out)
		for r.nOut < want {
			if r.n == 1 {
				out = r.push1(0, out)
			} else {
				out = r.push2(0, out)
			}
		}
		if over := int(r.nOut - want); over > 0 {
			out = out[:max(start, len(out)-over)]
		}
	}
	r.Reset()
	return out
}

// Reset forgets the stream, as if r were new.
func (r *Resampler) Reset() {
	for i := range r.n {
		s := &r.stages[i]
		clear(s.buf)
		s.w, s.frac, s.skip = 0, 0, s.lag
	}
	r.nIn, r.nOut = 0, 0
}
