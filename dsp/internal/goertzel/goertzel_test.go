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

// TestEightMatchesFour checks Eight, in whichever form this CPU runs it,
// against two runs of Four over noise and tones.
func TestEightMatchesFour(t *testing.T) {
	var coef [8]float64
	for k, f := range []float64{697, 770, 852, 941, 1209, 1336, 1477, 1633} {
		coef[k] = 2 * math.Cos(2*math.Pi*f/8000)
	}
	for _, n := range []int{0, 2, 40, 41, 160} {
		x := make([]float64, n)
		for i := range x {
			x[i] = 9000*math.Sin(float64(i)*0.55) + float64((i*7919)%2001-1000)
		}
		var s1, s2 [8]float64
		goertzel.Eight(x, &coef, &s1, &s2)
		for k := 0; k < 8; k += 4 {
			want := [8]float64{}
			want[0], want[1], want[2], want[3], want[4], want[5], want[6], want[7] = goertzel.Four(x, coef[k], coef[k+1], coef[k+2], coef[k+3])
			for j := range 4 {
				for h, got := range []float64{s1[k+j], s2[k+j]} {
					w := want[2*j+h]
					if math.Abs(got-w) > 1e-9*(math.Abs(w)+float64(n)*9000) {
						t.Errorf("%d samples, frequency %d, s%d: %v, Four gives %v", n, k+j, h+1, got, w)
					}
				}
			}
		}
	}
}

// BenchmarkEight times the eight recursions over a DTMF sub-block of 40 samples.
func BenchmarkEight(b *testing.B) {
	var coef [8]float64
	for k := range coef {
		coef[k] = 2 * math.Cos(float64(k+3)*0.2)
	}
	x := make([]float64, 40)
	for i := range x {
		x[i] = float64(i%17 - 8)
	}
	var s1, s2 [8]float64
	for b.Loop() {
		goertzel.Eight(x, &coef, &s1, &s2)
	}
}

// BenchmarkFourTwice is what Eight replaces: the same work as two runs of Four.
func BenchmarkFourTwice(b *testing.B) {
	x := make([]float64, 40)
	for i := range x {
		x[i] = float64(i%17 - 8)
	}
	var sink float64
	for b.Loop() {
		a1, a2, b1, b2, c1, c2, e1, e2 := goertzel.Four(x, 1.1, 1.2, 1.3, 1.4)
		f1, f2, g1, g2, h1, h2, i1, i2 := goertzel.Four(x, 0.1, 0.2, 0.3, 0.4)
		sink += a1 + a2 + b1 + b2 + c1 + c2 + e1 + e2 + f1 + f2 + g1 + g2 + h1 + h2 + i1 + i2
	}
	_ = sink
}
