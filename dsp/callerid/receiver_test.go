package callerid_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/fsk"
	"github.com/linetap/linetap/dsp/internal/dsptest"
)

const spb = 20.0 / 3 // samples per bit at 1200 baud

// messages is one of every kind the package can synthesize.
var messages = []callerid.Message{
	{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"},
	{Standard: callerid.Bell202SDMF, DateTime: "01010000", NumberAbsence: "O"},
	{Standard: callerid.Bell202SDMF, DateTime: "12312359", NumberAbsence: "P"},
	{Standard: callerid.Bell202SDMF, Type: 0x06, Waiting: callerid.WaitingOn},
	{Standard: callerid.Bell202SDMF, Type: 0x06, Waiting: callerid.WaitingOff},
	{Standard: callerid.Bell202MDMF, DateTime: "03141592", Number: "8005551212", Name: "SMITH JOE"},
	{Standard: callerid.Bell202MDMF, Params: mdmfAll},
	{Standard: callerid.Bell202MDMF, Type: 0x82, Waiting: callerid.WaitingOn},
	{Standard: callerid.ETSI, DateTime: "03141592", Number: "8005551212", Name: "SMITH JOE"},
	{Standard: callerid.ETSI, Params: etsiAll},
	{Standard: callerid.ETSI, Type: 0x82, Params: []callerid.Param{{0x0B, []byte{0xFF}}, {0x13, []byte{3}}}},
	{Standard: callerid.ETSI, Type: 0x86, Params: []callerid.Param{{0x20, []byte("0150")}}},
	{Standard: callerid.ETSI, Type: 0x89, Params: []callerid.Param{{0x50, []byte("CALL ME")}}},
}

const lead = 800 // silence before a transmission, samples

// receive runs a fresh Receiver over silence, x, silence and Flush.
func receive(x []int16) []callerid.Message {
	in := append(make([]int16, lead), x...)
	in = append(in, make([]int16, 800)...)
	r := callerid.NewReceiver()
	return r.Flush(r.Process(in, 0, nil))
}

// checkMessage compares a received message with what was sent, and its
// positions with where the modulator put the bytes.
func checkMessage(t *testing.T, got []callerid.Message, m callerid.Message, o callerid.Options) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1: %+v", len(got), got)
	}
	g := got[0]
	if g.Err != nil {
		t.Fatalf("Err %v (raw % X)", g.Err, g.Raw)
	}
	raw, _ := callerid.Encode(m)
	want, err := callerid.Decode(raw, m.Standard.Phys())
	if err != nil {
		t.Fatal(err)
	}
	if g.Standard != m.Standard || !bytes.Equal(g.Raw, raw) || g.Type != want.Type ||
		g.DateTime != want.DateTime || g.Number != want.Number || g.Name != want.Name ||
		g.NumberAbsence != want.NumberAbsence || g.NameAbsence != want.NameAbsence ||
		g.Waiting != want.Waiting || !reflect.DeepEqual(g.Params, want.Params) {
		t.Errorf("got  %+v\nwant %+v", g, want)
	}
	bit := spb / (o.Phys.Baud / 1200)
	if o.Phys.Baud == 0 {
		bit = spb
	}
	start := lead + float64(o.SeizureBits+o.MarkBits)*bit
	end := start + float64((len(raw)-1)*(9+o.StopBits))*bit
	if math.Abs(float64(g.Start)-start) > 2*bit || math.Abs(float64(g.End)-end) > 2*bit {
		t.Errorf("at %d..%d, sent at %.0f..%.0f", g.Start, g.End, start, end)
	}
}

func physOf(m callerid.Message) fsk.Params {
	if m.Standard == callerid.ETSI {
		return fsk.V23
	}
	return fsk.Bell202
}

func TestReceiverConformance(t *testing.T) {
	for _, m := range messages {
		for _, level := range []float64{-4, -20, -36} { // GR-30: −4.2..−36.2 dBm
			for _, carrier := range []float64{-0.01, 0, 0.01} { // GR-30: ±1 %
				for _, baud := range []float64{-0.01, 0, 0.01} { // GR-30: 1200 ±1 %
					for _, stop := range []int{1, 21} { // GR-30: ≤ 20 extra marks between bytes
						name := fmt.Sprintf("%s-%02X/%gdBm0/carrier%+g%%/baud%+g%%/stop%d", m.Standard, m.Type, level, carrier*100, baud*100, stop)
						t.Run(name, func(t *testing.T) {
							o := callerid.DefaultOptions(level)
							o.Phys = physOf(m)
							o.Phys.Mark *= dsp.Hz(1 + carrier)
							o.Phys.Space *= dsp.Hz(1 + carrier)
							o.Phys.Baud *= 1 + baud
							o.StopBits = stop
							x, err := callerid.SynthOptions(m, o)
							if err != nil {
								t.Fatal(err)
							}
							checkMessage(t, receive(x), m, o)
						})
					}
				}
			}
		}
	}
}

func TestReceiverNoise(t *testing.T) {
	// White noise over the whole band, before and after the transmission
	// too: 20 dB SNR across the level range (this bar), 10 dB SNR
	// at a middle level (the conformance suite's, reached already).
	type cond struct{ level, snr float64 }
	for _, m := range messages {
		for _, c := range []cond{{-4, 20}, {-36, 20}, {-20, 10}} {
			level, snr := c.level, c.snr
			for seed := uint64(1); seed <= 3; seed++ {
				t.Run(fmt.Sprintf("%s-%02X/%gdBm0/snr%g/seed%d", m.Standard, m.Type, level, snr, seed), func(t *testing.T) {
					o := callerid.DefaultOptions(level)
					x, err := callerid.SynthOptions(m, o)
					if err != nil {
						t.Fatal(err)
					}
					in := append(make([]int16, lead), x...)
					in = append(in, make([]int16, 800)...)
					addNoise(in, level, snr, seed)
					r := callerid.NewReceiver()
					checkMessage(t, r.Flush(r.Process(in, 0, nil)), m, o)
				})
			}
		}
	}
}

func addNoise(x []int16, levelDBm0, snrDB float64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	sigma := dsp.Peak(levelDBm0) / math.Sqrt2 * math.Pow(10, -snrDB/20)
	for i, v := range x {
		x[i] = sat(float64(v) + rng.NormFloat64()*sigma)
	}
}

func sat(v float64) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, math.Round(v))))
}

func TestReceiverFlippedBit(t *testing.T) {
	// Every single flipped bit of a message gives exactly one message, with
	// Err set and no data.
	for _, m := range []callerid.Message{messages[0], messages[9]} {
		raw, err := callerid.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(raw) * 8 {
			bad := bytes.Clone(raw)
			bad[i/8] ^= 1 << (i % 8)
			x, err := callerid.SynthRaw(bad, m.Standard, callerid.DefaultOptions(-20))
			if err != nil {
				t.Fatal(err)
			}
			got := receive(x)
			if len(got) != 1 || got[0].Err == nil {
				t.Errorf("%s: bit %d of byte %d flipped: %+v", m.Standard, i%8, i/8, got)
				continue
			}
			if g := got[0]; g.Number != "" || g.Name != "" || g.DateTime != "" || g.Params != nil {
				t.Errorf("damaged message carries data: %+v", g)
			}
		}
	}
}

func TestReceiverDamage(t *testing.T) {
	m := messages[5]
	raw, _ := callerid.Encode(m)
	o := callerid.DefaultOptions(-15)
	full, _ := callerid.SynthOptions(m, o)
	cut := full[:len(full)-534] // the last 8 bytes never come

	// A byte without its stop bit, the rest intact.
	mod := fsk.NewModulator(fsk.Bell202, -15)
	framed := make([]int16, 0, len(full)+100)
	for i := range 300 {
		framed = mod.AppendBits(framed, i&1, 1)
	}
	framed = mod.AppendBits(framed, 1, 180)
	framed = mod.AppendBytes(framed, raw[:5], 1)
	framed = mod.AppendBytes(framed, raw[5:6], 0)
	framed = mod.AppendBits(framed, 0, 1) // a space where the stop bit belongs
	framed = mod.AppendBits(framed, 1, 3)
	framed = mod.AppendBytes(framed, raw[6:], 1)
	framed = mod.AppendBits(framed, 1, 8)

	// A good message whose burst goes on: its length byte was wrong.
	long, _ := callerid.SynthRaw(append(bytes.Clone(raw), 0x31, 0x32, 0x33), m.Standard, o)

	for _, c := range []struct {
		name string
		x    []int16
		want error
	}{
		{"truncated", cut, callerid.ErrTruncated},
		{"bytes after checksum", long, callerid.ErrLength},
		{"framing", framed, callerid.ErrFraming},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := receive(c.x)
			if len(got) != 1 || !errors.Is(got[0].Err, c.want) {
				t.Fatalf("got %+v, want one message with %v", got, c.want)
			}
			if got[0].Number != "" || got[0].Params != nil {
				t.Errorf("damaged message carries data: %+v", got[0])
			}
		})
	}
}

func TestReceiverStream(t *testing.T) {
	// Three transmissions in one stream, fed in random chunks, with a
	// Reset-equivalent fresh receiver giving the same answer in one call.
	var in []int16
	var starts []int
	for _, m := range []callerid.Message{messages[0], messages[9], messages[6]} {
		x, err := callerid.Synth(m, -18)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, make([]int16, 4000)...)
		starts = append(starts, len(in))
		in = append(in, x...)
	}
	in = append(in, make([]int16, 4000)...)
	whole := callerid.NewReceiver().Process(in, 5000, nil)
	if len(whole) != 3 {
		t.Fatalf("%d messages, want 3", len(whole))
	}
	for i, m := range whole {
		want := float64(5000+starts[i]) + 480*spb
		if m.Err != nil || math.Abs(float64(m.Start)-want) > 2*spb {
			t.Errorf("message %d: start %d (want %.0f), err %v", i, m.Start, want, m.Err)
		}
	}
	r := callerid.NewReceiver()
	rng := rand.New(rand.NewPCG(5, 5))
	var parts []callerid.Message
	for i := 0; i < len(in); {
		n := min(len(in)-i, 1+rng.IntN(2000))
		parts = r.Process(in[i:i+n], 5000+int64(i), parts)
		i += n
	}
	if fmt.Sprint(parts) != fmt.Sprint(whole) {
		t.Errorf("chunked %+v\nwhole %+v", parts, whole)
	}
	// Reset in the middle of a message drops it and starts afresh.
	r.Reset()
	half := starts[1] + 480*7
	if got := r.Process(in[:half], 5000, nil); len(got) != 1 {
		t.Fatalf("first half: %d messages", len(got))
	}
	r.Reset()
	if got := r.Flush(r.Process(in[half:], 5000+int64(half), nil)); len(got) != 1 || got[0].Number != "2125551234" {
		t.Errorf("after Reset: %+v", got)
	}
}

// Signals that are not caller ID: the Receiver must say nothing about them.
// dtmf is dialled digits: the 12 keys of a phone, without the A–D that
// start and end DTMF caller ID.
func dtmf(level float64) []int16 {
	rows := []float64{697, 770, 852, 941}
	cols := []float64{1209, 1336, 1477}
	var x []int16
	a := dsp.Peak(level)
	for d := 0; d < 12*4; d++ {
		r, c := rows[d%4], cols[d/4%3]
		for n := range 560 { // 70 ms tone
			t := float64(n) / dsp.Rate
			x = append(x, sat(a*math.Sin(2*math.Pi*r*t)+a*math.Sin(2*math.Pi*c*t)))
		}
		x = append(x, make([]int16, 560)...)
	}
	return x
}

func ringing(hz float64) []int16 {
	x := make([]int16, 2*dsp.Rate)
	for n := range x {
		x[n] = sat(3 * 32767 * math.Sin(2*math.Pi*hz*float64(n)/dsp.Rate)) // clips
	}
	return append(x, make([]int16, dsp.Rate)...)
}

// speech is a voiced-speech-like signal: a glottal-ish harmonic series on a
// wandering pitch, shaped by two formants, syllable by syllable.
func speech(level float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]int16, 8*dsp.Rate)
	ph := 0.0
	f0, f1, f2 := 120.0, 500.0, 1500.0
	for n := range x {
		if n%1600 == 0 { // a new syllable every 200 ms
			f0 = 90 + rng.Float64()*200
			f1 = 300 + rng.Float64()*600
			f2 = 900 + rng.Float64()*1600
		}
		f := f0 * (1 + 0.05*math.Sin(2*math.Pi*3*float64(n)/dsp.Rate))
		ph += 2 * math.Pi * f / dsp.Rate
		env := math.Sin(math.Pi * float64(n%1600) / 1600)
		var s float64
		for k := 1; float64(k)*f < 3800; k++ {
			h := float64(k) * f
			g := 1/(1+math.Pow((h-f1)/100, 2)) + 0.5/(1+math.Pow((h-f2)/150, 2))
			s += g / float64(k) * math.Sin(float64(k)*ph)
		}
		x[n] = sat(dsp.Peak(level) * env * s)
	}
	return x
}

func TestReceiverSilentOnNonFSK(t *testing.T) {
	noise := func(level float64) []int16 {
		x := make([]int16, 10*dsp.Rate)
		rng := rand.New(rand.NewPCG(11, 11))
		for i := range x {
			x[i] = sat(rng.NormFloat64() * dsp.Peak(level) / math.Sqrt2)
		}
		return x
	}
	tone := func(hz, level float64) []int16 {
		x := make([]int16, 2*dsp.Rate)
		for n := range x {
			x[n] = sat(dsp.Peak(level) * math.Sin(2*math.Pi*hz*float64(n)/dsp.Rate))
		}
		return x
	}
	for _, c := range []struct {
		name string
		x    []int16
	}{
		{"dtmf -4dBm0", dtmf(-4)}, {"dtmf -20dBm0", dtmf(-20)},
		{"ringing 20Hz clipped", ringing(20)}, {"ringing 25Hz clipped", ringing(25)},
		{"speech -10dBm0", speech(-10, 1)}, {"speech -25dBm0", speech(-25, 2)},
		{"noise -10dBm0", noise(-10)}, {"noise -30dBm0", noise(-30)},
		{"mark tone", tone(1200, -10)}, {"space tone", tone(2200, -10)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := receive(c.x); len(got) != 0 {
				t.Errorf("%d messages from non-FSK input: %+v", len(got), got)
			}
		})
	}
}

func TestReceiverAllocs(t *testing.T) {
	// Speech, and FSK that frames bytes but no message (a carrier with
	// data and no preamble): the gates, the FSK demodulator and the
	// framers allocate nothing.
	m := fsk.NewModulator(fsk.V23, -15)
	carrier := m.AppendBits(nil, 1, 20)
	carrier = m.AppendBytes(carrier, []byte("no preamble, no message here"), 1)
	for _, c := range []struct {
		name string
		x    []int16
	}{{"speech", speech(-15, 4)}, {"fsk", carrier}} {
		t.Run(c.name, func(t *testing.T) {
			r := callerid.NewReceiver()
			out := make([]callerid.Message, 0, 4)
			if a := testing.AllocsPerRun(3, func() { out = r.Process(c.x, 0, out[:0]) }); a != 0 {
				t.Errorf("%v allocations per call without messages", a)
			}
			if len(out) != 0 {
				t.Errorf("messages %+v", out)
			}
		})
	}
}

func FuzzReceiver(f *testing.F) {
	x, _ := callerid.Synth(messages[0], -10)
	seed := dsptest.Bytes(x)
	f.Add(seed, uint16(100))
	f.Add([]byte{1, 2, 3}, uint16(1))
	f.Fuzz(func(t *testing.T, b []byte, block uint16) {
		x := dsptest.Samples(b)
		r := callerid.NewReceiver()
		var out []callerid.Message
		step := int(block%4096) + 1
		for i := 0; i < len(x); i += step {
			out = r.Process(x[i:min(len(x), i+step)], int64(i), out)
		}
		for _, m := range r.Flush(out) {
			if m.Err == nil && m.Standard == "" {
				t.Fatalf("good message without a standard: %+v", m)
			}
			if m.Err != nil && (m.Number != "" || m.Params != nil) {
				t.Fatalf("damaged message carries data: %+v", m)
			}
		}
	})
}
