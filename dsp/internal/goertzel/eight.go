package goertzel

// Eight runs the recursions of the eight frequencies whose coefficients
// (2cos ω) are coef over x, and stores each one's last two states in s1
// and s2. Where the CPU allows (eight_amd64.s) the eight run at once, with
// a fused multiply-add a step, so the states differ from Four's by
// rounding only.
func Eight(x []float64, coef *[8]float64, s1, s2 *[8]float64) {
	x = x[:len(x)&^1]
	if vecEight {
		eightVec(x, coef, s1, s2)
		return
	}
	eightScalar(x, coef, s1, s2)
}

// eightScalar is Eight as two runs of Four.
func eightScalar(x []float64, coef *[8]float64, s1, s2 *[8]float64) {
	for k := 0; k < 8; k += 4 {
		s1[k], s2[k], s1[k+1], s2[k+1], s1[k+2], s2[k+2], s1[k+3], s2[k+3] = Four(x, coef[k], coef[k+1], coef[k+2], coef[k+3])
	}
}
