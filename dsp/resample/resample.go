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

// MaxPhases is the largest interpolation factor L (8000 divided by the
// greatest common divisor of 8000 and the input rate) that New accepts:
// 320 is what 11 025 Hz needs.
const MaxPhases = 1000

// Filter design (see the package documentation).
const (
	passHz      = 3400.0 // G.712: the telephone band ends at 3.4 kHz
	stopHz      = 4000.0 // the output's Nyquist frequency
	cutoffHz    = (passHz + stopHz) / 2
	attenuation = 70.0 // dB designed, for ≥ 60 dB measured at 4 kHz
)

// Resampler converts one stream to dsp.Rate. Its zero value is not usable;
// call New. A Resampler is not safe for concurrent use.
type Resampler struct {
	rate int
	l, m int       // output/input ratio L/M in lowest terms
	taps int       // K: taps per polyphase branch
	coef []float32 // coef[p*taps+j]: branch p, tap j, oldest input first
	buf  []float32 // the last taps inputs, twice over: buf[w:w+taps]
	w    int       // next write index in buf, in [0, taps)
	frac int       // high-rate offset of the next output past the newest input
	skip int       // outputs still to drop (the filter delay)
	lag  int       // the filter delay in output samples
	nIn  int64     // input samples consumed
	nOut int64     // output samples delivered
}

// New returns a Resampler from rate (in hertz) to dsp.Rate. A rate below
// dsp.Rate, or one that needs more than MaxPhases branches, is an error
// naming it.
func New(rate int) (*Resampler, error) {
	if rate < dsp.Rate {
		return nil, fmt.Errorf("%w: %d Hz is below %d Hz", ErrRate, rate, dsp.Rate)
	}
	g := gcd(rate, dsp.Rate)
	l, m := dsp.Rate/g, rate/g
	if l > MaxPhases {
		return nil, fmt.Errorf("%w: %d Hz needs %d polyphase branches (at most %d)", ErrRate, rate, l, MaxPhases)
	}
	r := &Resampler{rate: rate, l: l, m: m}
	if rate == dsp.Rate {
		return r, nil
	}
	r.design()
	return r, nil
}

// design builds the polyphase Kaiser-windowed sinc.
func (r *Resampler) design() {
	hi := float64(r.rate) * float64(r.l) // the conceptual high rate
	// Kaiser's formulas (Oppenheim & Schafer, Discrete-Time Signal
	// Processing, §7.5.3): β from the attenuation, length from the
	// transition width Δω in radians per high-rate sample.
	beta := 0.1102 * (attenuation - 8.7)
	dw := 2 * math.Pi * (stopHz - passHz) / hi
	n := math.Ceil((attenuation - 7.95) / (2.285 * dw))
	// Centre the sinc on a multiple of M so that dropping skip outputs
	// aligns output n with input time n/8000 exactly.
	half := int(math.Ceil(n / 2))
	skip := (half + r.m - 1) / r.m
	c := skip * r.m
	length := 2*c + 1
	r.taps = (length + r.l - 1) / r.l
	r.skip, r.lag = skip, skip
	proto := make([]float64, r.taps*r.l)
	fc := cutoffHz / hi // cycles per high-rate sample
	i0b := besselI0(beta)
	for i := 0; i < length; i++ {
		x := float64(i - c)
		s := 2 * fc
		if x != 0 {
			s = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		t := x / float64(c)
		w := besselI0(beta*math.Sqrt(1-t*t)) / i0b
		proto[i] = float64(r.l) * s * w // gain L restores the level lost to zero-stuffing
	}
	// Branch p holds proto[p + k·L], k = 0…K−1, which multiply the inputs
	// x[n−k]; store them oldest input first for a forward dot product.
	r.coef = make([]float32, r.l*r.taps)
	for p := 0; p < r.l; p++ {
		for k := 0; k < r.taps; k++ {
			r.coef[p*r.taps+(r.taps-1-k)] = float32(proto[p+k*r.l])
		}
	}
	r.buf = make([]float32, 2*r.taps)
}

// Clone returns a new Resampler for the same rate, at the start of a
// stream, sharing r's filter coefficients (which are never written after
// New), so that the channels of one file cost one filter design.
func (r *Resampler) Clone() *Resampler {
	c := *r
	if r.buf != nil {
		c.buf = make([]float32, len(r.buf))
	}
	c.Reset()
	return &c
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

// Rate returns the input rate r converts from.
func (r *Resampler) Rate() int { return r.rate }

// Taps returns the number of multiply-adds per output sample (1 at 8 kHz).
func (r *Resampler) Taps() int { return max(r.taps, 1) }

// MaxOut returns the most output samples Process can append for n input
// samples; an out slice with that much spare capacity is never grown.
func (r *Resampler) MaxOut(n int) int {
	return int((int64(n)*int64(r.l))/int64(r.m)) + 2
}

// Process appends to out the 8 kHz samples that the input block x completes
// and returns it. Blocks may have any length, including zero. It allocates
// nothing when out has MaxOut(len(x)) spare capacity.
func (r *Resampler) Process(x []int16, out []int16) []int16 {
	if r.coef == nil {
		r.nIn += int64(len(x))
		r.nOut += int64(len(x))
		return append(out, x...)
	}
	for _, v := range x {
		out = r.push(float32(v), out)
	}
	r.nIn += int64(len(x))
	return out
}

// push adds one input sample and appends the outputs it completes.
func (r *Resampler) push(v float32, out []int16) []int16 {
	k := r.taps
	r.buf[r.w] = v
	r.buf[r.w+k] = v
	r.w++
	if r.w == k {
		r.w = 0
	}
	win := r.buf[r.w : r.w+k]
	for r.frac < r.l {
		if r.skip > 0 {
			r.skip--
		} else {
			c := r.coef[r.frac*k : r.frac*k+k]
			out = append(out, clip(dot(c, win)))
			r.nOut++
		}
		r.frac += r.m
	}
	r.frac -= r.l
	return out
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

// Flush appends the output samples still held in the filter at the end of
// a stream, so that the whole stream gives ⌈N·8000/rate⌉ samples for N
// input samples, and returns out. The Resampler is then Reset.
func (r *Resampler) Flush(out []int16) []int16 {
	if r.coef != nil {
		want := (r.nIn*int64(r.l) + int64(r.m) - 1) / int64(r.m)
		for r.nOut < want {
			out = r.push(0, out)
		}
		if over := int(r.nOut - want); over > 0 {
			out = out[:len(out)-over]
		}
	}
	r.Reset()
	return out
}

// Reset forgets the stream, as if r were new.
func (r *Resampler) Reset() {
	clear(r.buf)
	r.w, r.frac, r.nIn, r.nOut = 0, 0, 0, 0
	r.skip = r.lag
}
