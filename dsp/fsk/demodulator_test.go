package fsk_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/fsk"
	"github.com/linetap/linetap/dsp/internal/dsptest"
)

// offset returns p with both tones scaled by (1+carrier) and the baud rate
// by (1+baud).
func offset(p fsk.Params, carrier, baud float64) fsk.Params {
	p.Name = fmt.Sprintf("%s%+g%%carrier%+g%%baud", p.Name, carrier*100, baud*100)
	p.Mark *= dsp.Hz(1 + carrier)
	p.Space *= dsp.Hz(1 + carrier)
	p.Baud *= 1 + baud
	return p
}

// addNoise adds white Gaussian noise snrDB below a sine of levelDBm0.
func addNoise(x []int16, levelDBm0, snrDB float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	sigma := dsp.Peak(levelDBm0) / math.Sqrt2 * math.Pow(10, -snrDB/20)
	for i, v := range x {
		s := math.Round(float64(v) + rng.NormFloat64()*sigma)
		x[i] = int16(max(math.MinInt16, min(math.MaxInt16, s)))
	}
}

type sent struct {
	value byte
	pos   float64 // start edge, samples
	marks int
}

// transmit modulates data after lead marks, inserting extra[i] marks
// before byte i, and records where each start bit begins.
func transmit(p fsk.Params, levelDBm0 float64, lead int, data []byte, extra []int) ([]int16, []sent) {
	m := fsk.NewModulator(p, levelDBm0)
	x := make([]int16, 200) // silence first: the squelch must open
	x = m.AppendBits(x, 1, lead)
	spb := p.SamplesPerBit()
	bits := float64(lead)
	var s []sent
	for i, b := range data {
		e := 0
		if extra != nil {
			e = extra[i]
		}
		x = m.AppendBits(x, 1, e)
		bits += float64(e)
		s = append(s, sent{b, 200 + bits*spb, e})
		x = m.AppendBytes(x, []byte{b}, 1)
		bits += 10
	}
	x = m.AppendBits(x, 1, 10)
	return append(x, make([]int16, 200)...), s
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i*37 + 11) // every value, in an order with varied neighbours
	}
	return b
}

func TestDemodulatorRoundTrip(t *testing.T) {
	var layers []fsk.Params
	for _, p := range []fsk.Params{fsk.Bell202, fsk.V23} {
		for _, c := range []float64{-0.01, 0, 0.01} { // GR-30: carrier ±1 %
			for _, b := range []float64{-0.01, 0, 0.01} { // baud ±1 %
				layers = append(layers, offset(p, c, b))
			}
		}
	}
	layers = append(layers, offset(fsk.V23, 0.015, 0), offset(fsk.V23, -0.015, 0)) // EN 300 659-1: ±1.5 %
	data := allBytes()
	rng := rand.New(rand.NewPCG(7, 7))
	extra := make([]int, len(data))
	for i := range extra {
		extra[i] = rng.IntN(21) // GR-30: up to 20 extra marks between bytes
	}
	for _, p := range layers {
		for _, level := range []float64{-4, -20, -36} {
			for _, gaps := range []bool{false, true} {
				name := fmt.Sprintf("%s/%gdBm0/gaps=%v", p.Name, level, gaps)
				t.Run(name, func(t *testing.T) {
					e := extra
					if !gaps {
						e = nil
					}
					x, want := transmit(p, level, 60, data, e)
					demod := fsk.NewDemodulator(fsk.Bell202)
					if p.Mark > 1250 {
						demod = fsk.NewDemodulator(fsk.V23)
					}
					got := demod.Process(x, 0, nil)
					checkBytes(t, p, got, want)
					for i, g := range got {
						if math.Abs(g.LevelDBm0-level) > 1 { // keying transients dip the envelope by about 0.5 dB
							t.Errorf("byte %d: level %.2f dBm0, sent %g", i, g.LevelDBm0, level)
							break
						}
					}
				})
			}
		}
	}
}

func checkBytes(t *testing.T, p fsk.Params, got []fsk.Byte, want []sent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d bytes, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Value != w.value || g.Framing {
			t.Errorf("byte %d: %+v, want value 0x%02X", i, g, w.value)
		}
		if d := math.Abs(float64(g.Pos) - w.pos); d > 2 {
			t.Errorf("byte %d at %d, sent at %.1f", i, g.Pos, w.pos)
		}
		if i > 0 && g.Marks != w.marks {
			t.Errorf("byte %d after %d marks, sent %d", i, g.Marks, w.marks)
		}
		if g.MarkHz != 0 && math.Abs(float64(g.MarkHz-p.Mark)) > 5 {
			t.Errorf("byte %d: mark run measured %.1f Hz, sent %.1f", i, g.MarkHz, p.Mark)
		}
	}
	if got[0].MarkHz == 0 {
		t.Errorf("60 lead marks not measured")
	}
}

func TestDemodulatorCrossLayer(t *testing.T) {
	// Both layers are centred on 1700 Hz: either demodulator decodes both,
	// and MarkHz tells them apart.
	for _, tx := range []fsk.Params{fsk.Bell202, fsk.V23} {
		for _, rx := range []fsk.Params{fsk.Bell202, fsk.V23} {
			t.Run(tx.Name+"->"+rx.Name, func(t *testing.T) {
				x, want := transmit(tx, -20, 100, []byte("0930122460955512"), nil)
				checkBytes(t, tx, fsk.NewDemodulator(rx).Process(x, 0, nil), want)
			})
		}
	}
}

func TestDemodulatorNoise(t *testing.T) {
	// 20 dB SNR white noise over the whole band: no byte lost or wrong.
	data := allBytes()
	for _, p := range []fsk.Params{fsk.Bell202, fsk.V23} {
		for _, level := range []float64{-4, -36} {
			t.Run(fmt.Sprintf("%s/%gdBm0", p.Name, level), func(t *testing.T) {
				x, want := transmit(p, level, 60, data, nil)
				addNoise(x, level, 20, 3)
				got := fsk.NewDemodulator(p).Process(x, 0, nil)
				// Noise before the carrier may frame stray bytes; match the
				// sent ones by position.
				j := 0
				for _, g := range got {
					if j < len(want) && math.Abs(float64(g.Pos)-want[j].pos) <= 2 {
						if g.Value != want[j].value || g.Framing {
							t.Errorf("byte %d: %+v, want 0x%02X", j, g, want[j].value)
						}
						j++
					}
				}
				if j != len(want) {
					t.Errorf("matched %d of %d bytes", j, len(want))
				}
			})
		}
	}
}

func TestDemodulatorFraming(t *testing.T) {
	m := fsk.NewModulator(fsk.Bell202, -10)
	x := m.AppendBits(nil, 1, 30)
	x = m.AppendBytes(x, []byte{0x31}, 1)
	x = m.AppendBytes(x, []byte{0x00}, 0) // no stop bit…
	x = m.AppendBits(x, 0, 1)             // …but a space where it belongs
	x = m.AppendBits(x, 1, 20)
	x = m.AppendBytes(x, []byte{0x32}, 1)
	x = m.AppendBits(x, 1, 5)
	got := fsk.NewDemodulator(fsk.Bell202).Process(x, 0, nil)
	if len(got) != 3 || got[0].Framing || !got[1].Framing || got[1].Value != 0x00 || got[2].Value != 0x32 || got[2].Framing {
		t.Fatalf("got %+v", got)
	}
}

func TestDemodulatorSquelch(t *testing.T) {
	data := []byte("0123456789")
	for _, c := range []struct {
		level float64
		bytes int
	}{{-44, len(data)}, {-52, 0}, {-60, 0}} {
		t.Run(fmt.Sprintf("%gdBm0", c.level), func(t *testing.T) {
			x, _ := transmit(fsk.Bell202, c.level, 40, data, nil)
			if got := fsk.NewDemodulator(fsk.Bell202).Process(x, 0, nil); len(got) != c.bytes {
				t.Errorf("%d bytes, want %d", len(got), c.bytes)
			}
		})
	}
}

func TestDemodulatorBursts(t *testing.T) {
	a, _ := transmit(fsk.Bell202, -10, 30, []byte("ab"), nil)
	b, _ := transmit(fsk.Bell202, -10, 30, []byte("cd"), nil)
	// c drops by 20 dB mid-stream without silence: a new burst.
	m := fsk.NewModulator(fsk.Bell202, -10)
	c := m.AppendBits(nil, 1, 30)
	c = m.AppendBytes(c, []byte("e"), 1)
	m2 := fsk.NewModulator(fsk.Bell202, -30)
	c = m2.AppendBits(c, 1, 30)
	c = m2.AppendBytes(c, []byte("f"), 1)
	c = m2.AppendBits(c, 1, 5)
	x := append(append(a, b...), c...)
	got := fsk.NewDemodulator(fsk.Bell202).Process(x, 0, nil)
	var s string
	for _, g := range got {
		s += fmt.Sprintf("%c%d ", g.Value, g.Burst)
	}
	if want := "a1 b1 c2 d2 e3 f4 "; s != want {
		t.Errorf("bytes and bursts %q, want %q", s, want)
	}
}

func TestDemodulatorChunking(t *testing.T) {
	x, _ := transmit(fsk.Bell202, -15, 50, allBytes(), nil)
	addNoise(x, -15, 15, 9)
	whole := fsk.NewDemodulator(fsk.Bell202).Process(x, 1000, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	d := fsk.NewDemodulator(fsk.Bell202)
	var parts []fsk.Byte
	for i := 0; i < len(x); {
		n := min(len(x)-i, 1+rng.IntN(300))
		parts = d.Process(x[i:i+n], 1000+int64(i), parts)
		i += n
	}
	if fmt.Sprint(parts) != fmt.Sprint(whole) {
		t.Fatalf("chunked %v\nwhole %v", parts, whole)
	}
	if whole[0].Pos < 1000 {
		t.Errorf("positions ignore pos: %d", whole[0].Pos)
	}
	d.Reset()
	if again := d.Process(x, 1000, nil); fmt.Sprint(again) != fmt.Sprint(whole) {
		t.Errorf("after Reset: %v", again)
	}
}

func TestDemodulatorAllocs(t *testing.T) {
	x, _ := transmit(fsk.Bell202, -15, 50, allBytes(), nil)
	d := fsk.NewDemodulator(fsk.Bell202)
	out := make([]fsk.Byte, 0, 512)
	if a := testing.AllocsPerRun(5, func() { out = d.Process(x, 0, out[:0]) }); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
	if len(out) == 0 {
		t.Error("no bytes")
	}
}

func FuzzDemodulator(f *testing.F) {
	x, _ := transmit(fsk.V23, -10, 20, []byte("fuzz"), nil)
	seed := dsptest.Bytes(x)
	f.Add(seed, int64(0))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80}, int64(-5))
	f.Fuzz(func(t *testing.T, b []byte, pos int64) {
		x := dsptest.Samples(b)
		d := fsk.NewDemodulator(fsk.Bell202)
		for _, g := range d.Process(x, pos, nil) {
			if g.Marks < 0 {
				t.Fatalf("negative marks: %+v", g)
			}
		}
	})
}

func BenchmarkDemodulator(b *testing.B) {
	x, _ := transmit(fsk.Bell202, -15, 50, allBytes(), nil)
	d := fsk.NewDemodulator(fsk.Bell202)
	out := make([]fsk.Byte, 0, 512)
	b.ReportAllocs()
	cpu0 := dsptest.CPUTime()
	for b.Loop() {
		d.Reset()
		out = d.Process(x, 0, out[:0])
	}
	dsptest.ReportAudio(b, len(x), cpu0)
	if len(out) != 256 {
		b.Fatalf("%d bytes", len(out))
	}
}

func Example() {
	// Send "42" in Bell 202 after a short mark run, then receive it.
	m := fsk.NewModulator(fsk.Bell202, -20)
	x := m.AppendBits(nil, 1, 40)
	x = m.AppendBytes(x, []byte("42"), 1)
	x = m.AppendBits(x, 1, 5)
	for _, b := range fsk.NewDemodulator(fsk.Bell202).Process(x, 0, nil) {
		layer := "unmeasured"
		if b.MarkHz > 1250 {
			layer = "V.23"
		} else if b.MarkHz > 0 {
			layer = "Bell 202"
		}
		fmt.Printf("%q at sample %d after %d marks (%s)\n", b.Value, b.Pos, b.Marks, layer)
	}
	// Output:
	// '4' at sample 267 after 40 marks (Bell 202)
	// '2' at sample 333 after 0 marks (unmeasured)
}

func TestDemodulatorTwist(t *testing.T) {
	// GR-30 receivers accept twist −6…+10 dB, EN 300 659-1 ±6 dB: every
	// byte value, after a mark run, with the space tone that much louder
	// or quieter, and start bits where they were sent.
	data := allBytes()
	for _, p := range []fsk.Params{fsk.Bell202, fsk.V23} {
		for _, twist := range []float64{-6, 6, 10} {
			t.Run(fmt.Sprintf("%s/%+gdB", p.Name, twist), func(t *testing.T) {
				m := fsk.NewModulator(p, -20)
				m.SetTwist(twist)
				x := make([]int16, 200)
				x = m.AppendBits(x, 1, 80)
				x = m.AppendBytes(x, data, 1)
				x = m.AppendBits(x, 1, 10)
				x = append(x, make([]int16, 200)...)
				got := fsk.NewDemodulator(p).Process(x, 0, nil)
				if len(got) != len(data) {
					t.Fatalf("%d bytes, want %d", len(got), len(data))
				}
				for i, g := range got {
					want := 200 + (80+10*float64(i))*p.SamplesPerBit()
					if g.Value != data[i] || g.Framing || math.Abs(float64(g.Pos)-want) > 2 {
						t.Errorf("byte %d: %+v, want 0x%02X at %.0f", i, g, data[i], want)
					}
				}
			})
		}
	}
}
