package dtmf

import (
	"math"
	"math/cmplx"
	"slices"

	"github.com/linetap/linetap/dsp"
)

// The single-tone comb check: a partial of voiced speech or of a note
// comes with its neighbours f ± f0 on both sides, a DTMF tone with none.
// A formant that lines up with a steady note (hold music under speech)
// makes a row and a column that are not harmonics of one pitch, so the
// pair check in voiced misses it; this looks at each tone on its own in
// the spectrum of the decision's 30 ms.
const (
	fftLen     = 256                        // the span, zero-padded
	fftBin     = float64(dsp.Rate) / fftLen // Hz per bin: 31.25
	combMinBin = 3                          // 94 Hz: the lowest pitch looked for (the tone's Hann main lobe is ±2 bins)
	combMaxBin = 13                         // 406 Hz: the highest
	combDB     = -18.0                      // a neighbour this close to the tone counts (both sides)
	combOneDB  = -15.0                      // and in the one-sided check, which looks at more places
	combLoudDB = 12.0                       // nor this much stronger (in the one-sided check)
	// combFarDB is how far under the tone a partial still counts in the
	// two-sided check when it is a spectral peak that also stands
	// combFloorDB above the span's noise floor (the median of bins
	// floorLo…floorHi−1): a voice whose formant leaves one harmonic far
	// above its neighbours (TestTalkOffVoiceOverNote's female /a/:
	// neighbours 18.3–22.7 dB under the harmonic next to the note) still
	// shows them well above the deep troughs between its harmonics,
	// where white noise loud enough to make a bin that close to the tone
	// (SNR under about 10 dB per tone) also fills the median.
	combFarDB     = -24.0
	combFloorDB   = 12.0
	combFarMinBin = 4     // 125 Hz: clear of the tone's own main lobe
	combFarSymHz  = 8.0   // how far the two spacings may differ in it
	floorLo       = 10    // 312 Hz
	floorHi       = 109   // 3406 Hz
	clipLevel     = 30000 // a span with a sample this large may have been clipped
)

// fftTab holds the twiddles and the bit-reversal permutation of an
// fftLen-point FFT.
var fftTab = func() (t struct {
	tw  [fftLen / 2]complex128
	rev [fftLen]uint8
}) {
	for k := range t.tw {
		t.tw[k] = cmplx.Exp(complex(0, -2*math.Pi*float64(k)/fftLen))
	}
	const bits = 8 // log2(fftLen)
	for i := range t.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		t.rev[i] = uint8(r)
	}
	return t
}()

// powerSpectrum writes |X[k]|² of w, zero-padded to fftLen, for k up to
// fftLen/2 (radix-2, decimation in time).
func powerSpectrum(p *[fftLen/2 + 1]float64, w *[spanLen]float64) {
	var x [fftLen]complex128
	for i, v := range w {
		x[fftTab.rev[i]] = complex(v, 0)
	}
	for size := 2; size <= fftLen; size <<= 1 {
		half, step := size/2, fftLen/size
		for s := 0; s < fftLen; s += size {
			for k := range half {
				a, b := x[s+k], x[s+k+half]*fftTab.tw[k*step]
				x[s+k], x[s+k+half] = a+b, a-b
			}
		}
	}
	for k := range p {
		p[k] = real(x[k])*real(x[k]) + imag(x[k])*imag(x[k])
	}
}

// peakNear is the largest of p within one bin of frequency f.
func peakNear(p *[fftLen/2 + 1]float64, f float64) float64 {
	b := int(math.Round(f / fftBin))
	var m float64
	for k := max(b-1, 0); k <= min(b+1, len(p)-1); k++ {
		m = max(m, p[k])
	}
	return m
}

// peakHz is the frequency of the spectral peak at bin m, interpolated by
// the parabola through the logarithms of it and its neighbours.
func peakHz(p *[fftLen/2 + 1]float64, m int) float64 {
	a, c, e := math.Log(p[m-1]), math.Log(p[m]), math.Log(p[m+1])
	den := a - 2*c + e
	if !(den < 0) { // flat or not a peak: NaN and 0 too
		return float64(m) * fftBin
	}
	return (float64(m) + 0.5*(a-e)/den) * fftBin
}

// noiseFloor is the median of p over bins floorLo…floorHi−1.
func noiseFloor(p *[fftLen/2 + 1]float64) float64 {
	var v [floorHi - floorLo]float64
	copy(v[:], p[floorLo:floorHi])
	slices.Sort(v[:])
	return v[len(v)/2]
}

// inComb reports whether the tone at f (Hz) has partials on both sides at
// the same distance, 94–406 Hz away, within combDB of its own power (or
// within combFarDB and combFloorDB above floor, the span's noise floor;
// or one next to it and another within five spacings, each a spectral
// peak within combOneDB and no more than combLoudDB above it). A
// side that falls within 3 bins of the other tone (at other Hz) is looked
// for one distance further out instead: the other tone's main lobe is
// there, and when it is a note a harmonic of the voice hides under it.
// When the span was clipped, the distance to the other tone itself is
// skipped: clipping puts intermodulation products there.
func inComb(p *[fftLen/2 + 1]float64, f, other, floor float64, clipped bool) bool {
	tone := peakNear(p, f)
	limit := tone * math.Pow(10, combDB/10)
	far := max(tone*math.Pow(10, combFarDB/10), floor*math.Pow(10, combFloorDB/10))
	b := int(math.Round(f / fftBin))
	bo := int(math.Round(other / fftBin))
	// side returns whether a partial lies d bins from b (d < 0: below),
	// or 2d when d is the other tone's place.
	side := func(d int) bool {
		c := b + d
		if abs(c-bo) <= 3 {
			c = b + 2*d
			if abs(c-bo) <= 3 {
				return false
			}
		}
		if c < 2 || c+1 >= len(p) {
			return false
		}
		return max(p[c-1], p[c], p[c+1]) > limit
	}
	// farSide finds, for the farther tier, a spectral peak above far
	// within a bin of the place side would look at, and returns the
	// pitch it implies: its distance from f, interpolated between bins,
	// over the number of spacings it lies from f (a skirt of the tone's
	// own main lobe, or of a dial tone's, is no peak).
	farSide := func(d int) (pitch float64, ok bool) {
		c, n := b+d, 1.0
		if abs(c-bo) <= 3 {
			c, n = b+2*d, 2
			if abs(c-bo) <= 3 {
				return 0, false
			}
		}
		if c < 2 || c+2 >= len(p) {
			return 0, false
		}
		best := -1
		for m := c - 1; m <= c+1; m++ {
			if p[m] > far && p[m] >= p[m-1] && p[m] >= p[m+1] && (best < 0 || p[m] > p[best]) {
				best = m
			}
		}
		if best < 0 {
			return 0, false
		}
		return math.Abs(peakHz(p, best)-f) / n, true
	}
	for k := combMinBin; k <= combMaxBin; k++ {
		if clipped && abs(k-abs(bo-b)) <= 1 {
			continue
		}
		if side(-k) && side(k) {
			return true
		}
		if k < combFarMinBin {
			continue
		}
		// The farther tier asks more of the comb: both partials peaks,
		// at one spacing from f within combFarSymHz, as the harmonics
		// either side of a voice's harmonic are; a key press under a
		// voice rarely sits that exactly halfway between two of its
		// partials.
		lo, okLo := farSide(-k)
		hi, okHi := farSide(k)
		if okLo && okHi && math.Abs(lo-hi) <= combFarSymHz {
			return true
		}
	}
	// A voice whose formant holds one harmonic well above the rest: the
	// harmonic next to the tone on one side and another within five
	// spacings on either side, each a peak of the spectrum, neither far stronger than
	// the tone (a dial tone under a key press is).
	limit *= math.Pow(10, (combOneDB-combDB)/10)
	loud := limit * math.Pow(10, (combLoudDB-combOneDB)/10)
	at := func(c int) bool {
		if c < 3 || c+2 >= len(p) || abs(c-bo) <= 3 {
			return false
		}
		for m := c - 1; m <= c+1; m++ {
			if p[m] > limit && p[m] < loud && p[m] >= p[m-1] && p[m] >= p[m+1] {
				return true
			}
		}
		return false
	}
	fb := f / fftBin
	for hb := 2 * combMinBin; hb <= 2*combMaxBin; hb++ {
		step := float64(hb) / 2
		if clipped && math.Abs(step-math.Abs(float64(bo-b))) <= 1 {
			continue
		}
		n, adjacent := 0, false
		for j := 1; j <= 5; j++ {
			for _, sgn := range [2]float64{-1, 1} {
				if at(int(math.Round(fb + sgn*float64(j)*step))) {
					n++
					adjacent = adjacent || j == 1
				}
			}
		}
		if adjacent && n >= 2 {
			return true
		}
	}
	return false
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
