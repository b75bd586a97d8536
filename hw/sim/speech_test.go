package sim_test

import (
	"math"
	"math/cmplx"
	"slices"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/hw/sim"
)

// activeLevel is the power level of the 20 ms frames above −45 dBm0, and
// the fraction of frames that are.
func activeLevel(s []int16) (float64, float64) {
	var sum float64
	n, frames := 0, 0
	for i := 0; i+160 <= len(s); i += 160 {
		frames++
		if levelDBm0(s[i:i+160]) > -45 {
			for _, x := range s[i : i+160] {
				sum += float64(x) * float64(x)
			}
			n += 160
		}
	}
	if n == 0 {
		return -100, 0
	}
	return dsp.DBm0(math.Sqrt(sum / float64(n))), float64(n/160) / float64(frames)
}

// spectrum returns the mean power spectrum of s in 4096-point frames
// (Hann window); bin k is k·8000/4096 Hz.
func spectrum(s []int16) []float64 {
	const n = 4096
	p := make([]float64, n/2)
	buf := make([]complex128, n)
	for off := 0; off+n <= len(s); off += n / 2 {
		for i := range n {
			w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/n)
			buf[i] = complex(float64(s[off+i])*w, 0)
		}
		fft(buf)
		for k := range p {
			p[k] += real(buf[k])*real(buf[k]) + imag(buf[k])*imag(buf[k])
		}
	}
	return p
}

// fft is an in-place radix-2 transform.
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
				wk *= w
			}
		}
	}
}

func bandShare(p []float64, lo, hi float64) float64 {
	var in, all float64
	for k, x := range p {
		f := float64(k) * dsp.Rate / 4096
		all += x
		if f >= lo && f < hi {
			in += x
		}
	}
	return in / all
}

// pitches estimates f0 in each voiced 40 ms frame by normalised
// autocorrelation over lags of 60–400 Hz.
func pitches(s []int16) []float64 {
	var out []float64
	const n = 320
	for off := 0; off+n+140 <= len(s); off += n {
		if levelDBm0(s[off:off+n]) < -30 {
			continue
		}
		var r [135]float64
		best := 0.0
		for lag := 20; lag < len(r); lag++ {
			var xy, xx, yy float64
			for i := range n {
				x, y := float64(s[off+i]), float64(s[off+i+lag])
				xy += x * y
				xx += x * x
				yy += y * y
			}
			r[lag] = xy / math.Sqrt(xx*yy+1)
			best = max(best, r[lag])
		}
		if best < 0.6 {
			continue
		}
		// The first peak close to the best: multiples of the period
		// correlate as well as the period itself.
		for lag := 29; lag < len(r)-1; lag++ { // from 276 Hz: F1 rings at shorter lags
			if r[lag] >= 0.9*best && r[lag] >= r[lag-1] && r[lag] >= r[lag+1] {
				out = append(out, dsp.Rate/float64(lag))
				break
			}
		}
	}
	return out
}

func TestVoiceIsSpeechLike(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4, 5, 6, 7, 8} {
		for _, target := range []float64{-12, -20} {
			v := sim.NewVoice(seed, target)
			s := v.Append(nil, 30*time.Second)
			if len(s) != 30*dsp.Rate {
				t.Fatalf("Append gave %d samples for 30 s", len(s))
			}
			level, active := activeLevel(s)
			if math.Abs(level-target) > 3 {
				t.Errorf("seed %d: active level %.1f dBm0, want %.0f ± 3", seed, level, target)
			}
			if active < 0.4 || active > 0.9 {
				t.Errorf("seed %d: %.0f %% of frames active: no pauses, or no speech", seed, 100*active)
			}
			p := spectrum(s)
			if share := bandShare(p, 300, 3400); share < 0.9 {
				t.Errorf("seed %d: only %.0f %% of the energy in 300–3400 Hz", seed, 100*share)
			}
			for _, band := range [][2]float64{{300, 800}, {800, 1600}, {1600, 3400}} {
				if share := bandShare(p, band[0], band[1]); share < 0.03 {
					t.Errorf("seed %d: %.1f %% of the energy in %v Hz: not spread", seed, 100*share, band)
				}
			}
			// Not a tone: no 50 Hz band holds much of the energy.
			for f := 0.0; f < 4000; f += 50 {
				if share := bandShare(p, f, f+50); share > 0.25 {
					t.Errorf("seed %d: %.0f %% of the energy within 50 Hz of %.0f Hz: tonal", seed, 100*share, f)
				}
			}
			f0 := pitches(s)
			if len(f0) < 100 {
				t.Errorf("seed %d: %d voiced frames in 30 s", seed, len(f0))
				continue
			}
			slices.Sort(f0)
			lo, hi := f0[len(f0)/20], f0[len(f0)*19/20]
			if lo < 85 || hi > 260 || hi-lo < 12 {
				t.Errorf("seed %d: pitch from %.0f to %.0f Hz, want a varying pitch within 90–250 Hz", seed, lo, hi)
			}
		}
	}
}

func TestVoicesDiffer(t *testing.T) {
	median := func(seed int64) float64 {
		f0 := pitches(sim.NewVoice(seed, -12).Append(nil, 10*time.Second))
		slices.Sort(f0)
		return f0[len(f0)/2]
	}
	var ms []float64
	for seed := range int64(8) {
		ms = append(ms, median(seed))
	}
	slices.Sort(ms)
	if ms[len(ms)-1]-ms[0] < 40 {
		t.Fatalf("8 seeds, median pitches %v: the voices are all alike", ms)
	}
	a := sim.NewVoice(1, -12).Append(nil, time.Second)
	b := sim.NewVoice(1, -12).Append(nil, time.Second)
	if !slices.Equal(a, b) {
		t.Fatal("one seed, two different voices")
	}
}

func BenchmarkVoice(b *testing.B) {
	v := sim.NewVoice(1, -12)
	buf := make([]int16, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		buf = v.Append(buf[:0], 20*time.Millisecond)
	}
	b.ReportMetric(float64(b.N)*0.02/b.Elapsed().Seconds(), "voice-s/s")
}
