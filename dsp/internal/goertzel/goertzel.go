// Package goertzel is the Goertzel recursion that the DTMF and the
// call-progress detectors both run: Four, four frequencies at once, two
// samples a step, with the state in registers; Eight, eight at once, which
// on x86-64 with AVX2 and FMA runs as four-lane vectors in about the time
// Four takes (eight_amd64.s).
//
// # Caveats
//
//   - x must hold an even number of samples; a last odd sample is ignored.
//   - Eight's vector form fuses each multiply and addition, so its states
//     differ from Four's in the last bits (TestEightMatchesFour).
package goertzel

// Four runs the recursions s = x + c·s1 − s2 of the four frequencies with
// coefficients ca, cb, cc, ce (each 2cos ω) over x, and returns each one's
// last two states (s1, s2).
func Four(x []float64, ca, cb, cc, ce float64) (a1, a2, b1, b2, c1, c2, e1, e2 float64) {
	x = x[:len(x)&^1]
	for i := 1; i < len(x); i += 2 { // the form the compiler proves in bounds
		v, w := x[i-1], x[i]
		a2 = (v - a2) + ca*a1
		b2 = (v - b2) + cb*b1
		c2 = (v - c2) + cc*c1
		e2 = (v - e2) + ce*e1
		a1 = (w - a1) + ca*a2
		b1 = (w - b1) + cb*b2
		c1 = (w - c1) + cc*c2
		e1 = (w - e1) + ce*e2
	}
	return
}
