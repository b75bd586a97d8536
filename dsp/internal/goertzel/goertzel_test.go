package goertzel_test

import (
	"math"
	"testing"

	"github.com/linetap/linetap/dsp/internal/goertzel"
)

// TestFourMatchesTheDFT checks the recursion against a direct DFT: the
// power |s1 − e^{−jω}s2|² after N steps is |Σ x[n] e^{−jωn}|².
func TestFourMatchesTheDFT(t *testing.T) {
	const n = 160
	x := make([]float64, n)
	for i := range x {
		x[i] = 1000*math.Sin(2*math.Pi*697*float64(i)/8000) + 300*math.Cos(2*math.Pi*1336*float64(i)/8000+0.3)
	}
	freqs := [4]float64{697, 770, 1336, 1633}
	var c [4]float64
	for k, f := range freqs {
		c[k] = 2 * math.Cos(2*math.Pi*f/8000)
	}
	a1, a2, b1, b2, c1, c2, e1, e2 := goertzel.Four(x, c[0], c[1], c[2], c[3])
	s := [4][2]float64{{a1, a2}, {b1, b2}, {c1, c2}, {e1, e2}}
	for k, f := range freqs {
		w := 2 * math.Pi * f / 8000
		var re, im float64
		for i, v := range x {
			re += v * math.Cos(w*float64(i))
			im -= v * math.Sin(w*float64(i))
		}
		want := re*re + im*im
		s1, s2 := s[k][0], s[k][1]
		got := s1*s1 + s2*s2 - c[k]*s1*s2
		if math.Abs(got-want) > 1e-6*want+1e-6 {
			t.Errorf("%v Hz: power %g, want %g", f, got, want)
		}
	}
}
