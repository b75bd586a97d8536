package dtmf

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/linetap/linetap/dsp/internal/goertzel"
)

// scalarDFT is the sub-block DFT as the scalar form computes it: goertzel.Four
// over rows and columns, then each frequency's phasor.
func scalarDFT(x *[subLen]float64, phase int) (out [8]complex128) {
	for k0 := 0; k0 < 8; k0 += 4 {
		var s1, s2 [4]float64
		s1[0], s2[0], s1[1], s2[1], s1[2], s2[2], s1[3], s2[3] = goertzel.Four(x[:], tab.coef[k0], tab.coef[k0+1], tab.coef[k0+2], tab.coef[k0+3])
		for j := range 4 {
			k := k0 + j
			b := tab.b[k]
			out[k] = tab.rot[phase][k] * complex(s1[j]-real(b)*s2[j], -imag(b)*s2[j])
		}
	}
	return out
}

// TestDFTVecMatchesScalar checks the vector DFT against the scalar one on
// tones, noise and steps, at every sub-block phase: the two are the same
// sum in another order, so they agree to rounding.
func TestDFTVecMatchesScalar(t *testing.T) {
	if !vec {
		t.Skip("no vector DFT on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for phase := range phasePeriod {
		var x [subLen]float64
		f := 600 + 1200*rng.Float64()
		for i := range x {
			x[i] = 5000*math.Sin(2*math.Pi*f*float64(i)/8000+rng.Float64()) + 300*rng.NormFloat64()
			if phase%3 == 0 && i > 25 {
				x[i] += 8000
			}
		}
		var got [8]complex128
		dftVec(&x, &tab.dft, &tab.dft.r[phase], &got)
		want := scalarDFT(&x, phase)
		var scale float64
		for _, v := range x {
			scale += math.Abs(v)
		}
		scale *= tab.hpRun.g
		for k := range want {
			if cmplx.Abs(got[k]-want[k]) > 1e-10*scale {
				t.Fatalf("phase %d, frequency %v Hz: %v, scalar %v", phase, tab.hz[k], got[k], want[k])
			}
		}
	}
}

// BenchmarkDFT times the eight frequencies' DFT of one sub-block, in each
// form.
func BenchmarkDFT(b *testing.B) {
	var x [subLen]float64
	for i := range x {
		x[i] = 3000 * math.Sin(float64(i))
	}
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			scalarDFT(&x, 7)
		}
	})
	if !vec {
		return
	}
	var out [8]complex128
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			dftVec(&x, &tab.dft, &tab.dft.r[7], &out)
		}
	})
}
