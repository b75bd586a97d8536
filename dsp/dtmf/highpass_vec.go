package dtmf

// The high-pass in vector form, four outputs a step. Its three sections'
// poles are multiplied out into one recursion of order six,
//
//	y[n] = u[n] + c1·y[n−1] + … + c6·y[n−6],
//
// with u the sixth difference of the input, and that recursion is unrolled
// over a block of four: with h its impulse response (h0 = 1,
// hₘ = Σₖ cₖ·hₘ₋ₖ),
//
//	y[n+i] = Σⱼ≤ᵢ hᵢ₋ⱼ·u[n+j] + Σₖ mₖ[i]·y[n−k],  i = 0…3, k = 1…6,
//
// where mₖ[i] is what y[n−k] alone, with no input, makes of y[n+i]. The
// four lanes of a block are computed at once. Only four multiply-adds and
// an addition, in two chains of two, wait on the block before, where the
// three sections in scalar form chain a multiply and an addition per
// sample each: a section's chain of four samples takes as long as the
// whole block here. The sixth difference is the FIR 1, −6, 15, −20, 15, −6,
// 1 over whole numbers, exact in float64 as the scalar form's integer
// differences are. Order six in direct form is safe in float64 here: the
// poles lie 0.05 or more apart, and TestHighPassVecMatchesScalar bounds
// the difference from the cascade at 10⁻⁹ of the signal.

// hpKern is the vector form's table, read by highpass_amd64.s: fir the
// FIR's coefficients other than ±1; t[j] the lanes that multiply input j
// of the block (hᵢ₋ⱼ, zero for i < j); m[k−1] those that multiply the
// output k samples before it.
type hpKern struct {
	fir [3][4]float64 // offset 0: −6, 15, −20 in every lane
	t   [4][4]float64 // offset 96
	m   [6][4]float64 // offset 224
}

// vecForm returns the table of the vector form for l.
func vecForm(l *hpRun) (k hpKern) {
	for i, c := range []float64{-6, 15, -20} {
		k.fir[i] = [4]float64{c, c, c, c}
	}
	// The recursion's coefficients: 1 − Σcₖz⁻ᵏ = Π (1 − n1·z⁻¹ − n2·z⁻²).
	a := []float64{1}
	for s := range hpStages {
		next := make([]float64, len(a)+2)
		for i, v := range a {
			next[i] += v
			next[i+1] -= l.n1[s] * v
			next[i+2] -= l.n2[s] * v
		}
		a = next
	}
	var c [7]float64
	for i := 1; i < len(a); i++ {
		c[i] = -a[i]
	}
	// Run the recursion from each unit input and each unit past output.
	run := func(past [7]float64, in [4]float64) (out [4]float64) {
		var y [11]float64 // y[6−k] is y[n−k]; y[6+i] is y[n+i]
		for k := 1; k <= 6; k++ {
			y[6-k] = past[k]
		}
		for i := range 4 {
			v := in[i]
			for j := 1; j <= 6; j++ {
				v += c[j] * y[6+i-j]
			}
			y[6+i] = v
			out[i] = v
		}
		return out
	}
	for j := range 4 {
		var in [4]float64
		in[j] = 1
		k.t[j] = run([7]float64{}, in)
	}
	for kk := 1; kk <= 6; kk++ {
		var past [7]float64
		past[kk] = 1
		k.m[kk-1] = run(past, [4]float64{})
	}
	return k
}
