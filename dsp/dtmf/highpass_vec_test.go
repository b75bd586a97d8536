package dtmf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHighPassVecMatchesScalar runs the vector form and the scalar form
// of the high-pass side by side over streams of noise, tones, full-scale
// square waves and silence, and checks that every output sample and every
// block's energies agree, the state carried across blocks
// included. (The receiver skips the filter for quiet blocks; this runs
// both on every block.)
func TestHighPassVecMatchesScalar(t *testing.T) {
	if !vec {
		t.Skip("no vector high-pass on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for stream := range 20 {
		var zs, zv hpState
		var ys, yv [subLen]float64
		for blk := range 400 {
			var x [subLen]int16
			for i := range x {
				n := blk*subLen + i
				switch (stream + blk/25) % 4 {
				case 0: // noise at random levels
					x[i] = int16(rng.NormFloat64() * float64(int(1)<<(stream%14)))
				case 1: // dial tone and a key press
					v := 9000*math.Sin(2*math.Pi*350*float64(n)/8000) + 9000*math.Sin(2*math.Pi*440*float64(n)/8000) +
						3000*math.Sin(2*math.Pi*697*float64(n)/8000) + 3000*math.Sin(2*math.Pi*1209*float64(n)/8000)
					x[i] = int16(v)
				case 2: // full scale, both signs
					x[i] = -32768
					if n/20%2 == 0 {
						x[i] = 32767
					}
				case 3: // silence
				}
			}
			es, e1s := highPass(&ys, &x, &zs)
			ev, e1v := highPassVec(&yv, &x, &zv, &tab.hpVec)
			var scale float64
			for _, v := range ys {
				scale = max(scale, math.Abs(v))
			}
			tol := 1e-9*scale + 1e-9
			for i := range ys {
				if math.Abs(ys[i]-yv[i]) > tol {
					t.Fatalf("stream %d block %d sample %d: vector %v, scalar %v", stream, blk, i, yv[i], ys[i])
				}
			}
			if !close(ev, es) || !close(e1v, e1s) {
				t.Fatalf("stream %d block %d: energies %v %v, scalar %v %v", stream, blk, ev, e1v, es, e1s)
			}
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-9 }

// BenchmarkHighPass times one sub-block through each form of the filter.
func BenchmarkHighPass(b *testing.B) {
	var x [subLen]int16
	for i := range x {
		x[i] = int16(i*997%2000 - 1000)
	}
	var y [subLen]float64
	b.Run("scalar", func(b *testing.B) {
		var z hpState
		for b.Loop() {
			highPass(&y, &x, &z)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subLen), "ns/sample")
	})
	if !vec {
		return
	}
	b.Run("vector", func(b *testing.B) {
		var z hpState
		for b.Loop() {
			highPassVec(&y, &x, &z, &tab.hpVec)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subLen), "ns/sample")
	})
}

// TestRawEnergyVec checks the vector Σx² against the scalar one, full
// scale of both signs included (where a pair's sum of squares is 2³¹).
func TestRawEnergyVec(t *testing.T) {
	if !vec {
		t.Skip("no vector forms on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 2000 {
		var x [subLen]int16
		for i := range x {
			switch n % 4 {
			case 0:
				x[i] = -32768
			case 1:
				x[i] = int16(rng.Uint32())
			case 2:
				x[i] = []int16{-32768, 32767}[rng.IntN(2)]
			case 3:
				x[i] = int16(rng.NormFloat64() * 100)
			}
		}
		if got, want := rawEnergyVec(&x), rawEnergy(&x); got != want {
			t.Fatalf("case %d: %v, want %v (%v)", n, got, want, x)
		}
	}
}
