// Command gen writes the golden corpus of `linetap analyze`: small WAV files
// made with linetap's own synthesizers, each with a .jsonl file of the events
// that were sent (the truth, not the analyser's output), and two files that
// are not valid WAVs. Run it from the repository root:
//
//	go run ./testdata/analyze/gen
//
// The output is deterministic (seeded noise), so rerunning it changes
// nothing unless a synthesizer changed.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/tone"
)

const dir = "testdata/analyze"

// line is one expected event, with the field names of analyze --json.
// Pointers and any give nulls where the analyser prints null.
type line map[string]any

// file is one corpus file under construction: channels at 8 kHz, the
// events sent on them, and how to store it.
type file struct {
	name   string
	rate   int  // stored rate; the channels are upsampled to it
	bits   int  // 8, 16, 24, 32
	float  bool // 32-bit IEEE float
	chans  [][]int16
	events []line
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func samples(d time.Duration) int { return tone.Samples(d) }

func secs(n int) float64 { return math.Round(float64(n)*1000/dsp.Rate) / 1000 }

func silence(x []int16, d time.Duration) []int16 { return append(x, make([]int16, samples(d))...) }

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	return v
}

// digits appends DTMF key presses and records one dtmf event per key.
func (f *file) digits(ch int, s string, on, off time.Duration) {
	for i := range len(s) {
		f.events = append(f.events, line{"ch": ch, "t": secs(len(f.chans[ch])), "type": "dtmf", "digit": s[i : i+1], "dur": on.Seconds()})
		f.chans[ch] = must(dtmf.AppendDigits(f.chans[ch], s[i:i+1], on, off, -10))
	}
}

// cid appends a caller-ID transmission and records its event at the first
// byte's start bit (for DTMF CLIP, the first digit): the standard's
// seizure and mark bits at 1200 baud come first (GR-30, EN 300 659-1: 300
// and 180, 480 bits = 3200 samples; BT SIN227 96 and 55; NTT 80 marks).
func (f *file) cid(ch int, m callerid.Message, ev line) {
	o := callerid.DefaultOptionsFor(m.Standard, -12)
	pre := 0
	if m.Standard != callerid.DTMFCLIP {
		pre = (o.SeizureBits + o.MarkBits) * dsp.Rate / 1200
	}
	ev["ch"], ev["t"], ev["type"] = ch, secs(len(f.chans[ch])+pre), "callerid"
	ev["standard"] = string(m.Standard)
	for _, k := range []string{"number", "name", "datetime", "number_absence", "name_absence"} {
		if _, ok := ev[k]; !ok {
			ev[k] = nil
		}
	}
	f.events = append(f.events, ev)
	f.chans[ch] = append(f.chans[ch], must(callerid.SynthOptions(m, o))...)
}

// ring appends ringing voltage for on (tone.AppendRing removes it RingTail
// before the end of what it is given) and records a ring event.
func (f *file) ring(ch int, freq dsp.Hz, on time.Duration) {
	f.events = append(f.events, line{"ch": ch, "t": secs(len(f.chans[ch])), "type": "ring", "dur": on.Seconds()})
	f.chans[ch] = tone.AppendRing(f.chans[ch], freq, on+tone.RingTail)
}

// pad makes every channel as long as the longest plus d of silence.
func (f *file) pad(d time.Duration) {
	n := 0
	for _, c := range f.chans {
		n = max(n, len(c))
	}
	for i := range f.chans {
		f.chans[i] = silence(f.chans[i][:len(f.chans[i]):len(f.chans[i])], ms(0))
		f.chans[i] = append(f.chans[i], make([]int16, n-len(f.chans[i])+samples(d))...)
	}
}

// noise adds a seeded noise floor at about −60 dBm0.
func (f *file) noise(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, c := range f.chans {
		for i := range c {
			c[i] = sat(float64(c[i]) + rng.NormFloat64()*7)
		}
	}
}

func sat(v float64) int16 { return int16(max(-32768, min(32767, math.Round(v)))) }

// voice appends d of a sustained voiced sound: harmonics of a 120 Hz pitch
// shaped by two formants, at a syllable rate of 4 Hz, about −20 dBm0.
func voice(x []int16, d time.Duration) []int16 {
	n := samples(d)
	for i := range n {
		t := float64(i) / dsp.Rate
		f0 := 120 + 8*math.Sin(2*math.Pi*1.3*t)
		var v float64
		for h := 1; h*120 < 3400; h++ {
			fh := float64(h) * 120
			g := math.Exp(-sq((fh-600)/150)) + 0.5*math.Exp(-sq((fh-1700)/250)) + 0.05
			v += g / float64(h) * math.Sin(2*math.Pi*f0*float64(h)*t+float64(h*h))
		}
		env := 0.6 + 0.4*math.Sin(2*math.Pi*4*t)
		x = append(x, sat(1500*env*v))
	}
	return x
}

func sq(v float64) float64 { return v * v }

// upsample interpolates 8 kHz samples to rate with a Hann-windowed sinc of
// 32 taps each side (band-limited: no images above 4 kHz to speak of).
func upsample(x []int16, rate int) []int16 {
	if rate == dsp.Rate {
		return x
	}
	n := len(x) * rate / dsp.Rate
	y := make([]int16, n)
	const half = 32
	for i := range y {
		t := float64(i) * dsp.Rate / float64(rate)
		c := int(math.Floor(t))
		var s float64
		for k := c - half + 1; k <= c+half; k++ {
			if k < 0 || k >= len(x) {
				continue
			}
			u := t - float64(k)
			w := 0.5 + 0.5*math.Cos(math.Pi*u/half)
			sinc := 1.0
			if u != 0 {
				sinc = math.Sin(math.Pi*u) / (math.Pi * u)
			}
			s += float64(x[k]) * sinc * w
		}
		y[i] = sat(s)
	}
	return y
}

// wav encodes f as a RIFF/WAVE file.
func (f *file) wav() []byte {
	chans := make([][]int16, len(f.chans))
	for i, c := range f.chans {
		chans[i] = upsample(c, f.rate)
	}
	n := len(chans[0])
	bps := f.bits / 8
	var data bytes.Buffer
	var b [4]byte
	for i := range n {
		for _, c := range chans {
			v := c[i]
			switch {
			case f.float:
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)/32768))
			case f.bits == 8:
				b[0] = byte(max(0, min(255, int(math.Round(float64(v)/256))+128)))
			case f.bits == 16:
				binary.LittleEndian.PutUint16(b[:], uint16(v))
			case f.bits == 24:
				binary.LittleEndian.PutUint32(b[:], uint32(int32(v)<<8))
			default:
				binary.LittleEndian.PutUint32(b[:], uint32(int32(v)<<16))
			}
			data.Write(b[:bps])
		}
	}
	tag := uint16(1)
	if f.float {
		tag = 3
	}
	var w bytes.Buffer
	le := func(v any) { _ = binary.Write(&w, binary.LittleEndian, v) }
	w.WriteString("RIFF")
	le(uint32(4 + 8 + 16 + 8 + data.Len()))
	w.WriteString("WAVEfmt ")
	le(uint32(16))
	le(tag)
	le(uint16(len(chans)))
	le(uint32(f.rate))
	le(uint32(f.rate * len(chans) * bps))
	le(uint16(len(chans) * bps))
	le(uint16(f.bits))
	w.WriteString("data")
	le(uint32(data.Len()))
	w.Write(data.Bytes())
	return w.Bytes()
}

func (f *file) write() {
	path := filepath.Join(dir, f.name)
	must(0, os.WriteFile(path+".wav", f.wav(), 0o644))
	var j bytes.Buffer
	for _, e := range f.events {
		e["file"] = f.name + ".wav"
		j.Write(must(json.Marshal(e)))
		j.WriteByte('\n')
	}
	must(0, os.WriteFile(path+".jsonl", j.Bytes(), 0o644))
}

func newFile(name string, rate, bits, channels int) *file {
	return &file{name: name, rate: rate, bits: bits, chans: make([][]int16, channels)}
}

func main() {
	// DTMF: the digits, then a repeated digit after a 45 ms pause (Q.24:
	// a pause ≥ 40 ms separates two equal digits). A to D are left out:
	// they frame DTMF caller ID (A<number>C, B<code>C, D<number>C), which
	// callerid.Receiver decodes from any digits it hears.
	f := newFile("dtmf", 8000, 16, 1)
	f.chans[0] = silence(nil, ms(200))
	f.digits(0, "0123456789*#", ms(60), ms(60))
	f.chans[0] = silence(f.chans[0], ms(200))
	f.digits(0, "55", ms(50), ms(45))
	f.pad(ms(300))
	f.noise(1)
	f.write()

	// GR-30 SDMF after the first US ring (≥ 500 ms after it).
	f = newFile("callerid-sdmf", 8000, 16, 1)
	f.chans[0] = silence(nil, ms(200))
	f.ring(0, 20, ms(2000))
	f.chans[0] = silence(f.chans[0], ms(600))
	f.cid(0, callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"},
		line{"number": "6095551212", "datetime": "09301224"})
	f.pad(ms(400))
	f.noise(2)
	f.write()

	// GR-30 MDMF with a name.
	f = newFile("callerid-mdmf", 8000, 16, 1)
	f.chans[0] = silence(nil, ms(300))
	f.cid(0, callerid.Message{Standard: callerid.Bell202MDMF, DateTime: "11221530", Number: "0123456789", Name: "LINETAP TEST"},
		line{"number": "0123456789", "name": "LINETAP TEST", "datetime": "11221530"})
	f.pad(ms(400))
	f.noise(3)
	f.write()

	// ETSI EN 300 659-3 over V.23, number withheld, stored as 24-bit PCM.
	f = newFile("callerid-etsi", 8000, 24, 1)
	f.chans[0] = silence(nil, ms(300))
	f.cid(0, callerid.Message{Standard: callerid.ETSI, DateTime: "01020304", NumberAbsence: "P", Name: "ANNA"},
		line{"number_absence": "P", "name": "ANNA", "datetime": "01020304"})
	f.pad(ms(400))
	f.noise(4)
	f.write()

	// BT SIN227 with its shortest preamble, NTT J-CLIP and DTMF CLIP (the
	// Swedish A…C variant and a withheld number, B10), one per channel.
	f = newFile("callerid-bt-ntt-dtmf", 8000, 16, 3)
	for ch := range f.chans {
		f.chans[ch] = silence(nil, ms(300))
	}
	f.cid(0, callerid.Message{Standard: callerid.BT, DateTime: "05061718", Number: "01632960002", Name: "BT TEST"},
		line{"number": "01632960002", "name": "BT TEST", "datetime": "05061718"})
	f.cid(1, callerid.Message{Standard: callerid.NTT, Number: "0312345678"},
		line{"number": "0312345678"})
	f.cid(2, callerid.Message{Standard: callerid.DTMFCLIP, Number: "46701234567"},
		line{"number": "46701234567"})
	f.chans[2] = silence(f.chans[2], ms(500))
	f.cid(2, callerid.Message{Standard: callerid.DTMFCLIP, NumberAbsence: "P"},
		line{"number_absence": "P"})
	f.pad(ms(400))
	f.noise(10)
	f.write()

	// A damaged SDMF message: the DOMAIN.md test vector with its checksum
	// 0x51 changed to 0x52.
	f = newFile("callerid-error", 8000, 16, 1)
	f.chans[0] = silence(nil, ms(300))
	raw := append([]byte{0x04, 0x12}, "093012246095551212"...)
	raw = append(raw, 0x52)
	f.events = append(f.events, line{"ch": 0, "t": secs(len(f.chans[0]) + 3200), "type": "callerid_error",
		"standard": "bell202-sdmf", "error": "checksum", "raw": fmt.Sprintf("%x", raw)})
	f.chans[0] = append(f.chans[0], must(callerid.SynthRaw(raw, callerid.Bell202SDMF, callerid.DefaultOptions(-12)))...)
	f.pad(ms(400))
	f.noise(5)
	f.write()

	// Rings of three countries (DOMAIN.md §1), one per channel, 8-bit PCM:
	// UK double ring 0.4/0.2/0.4/2.0 at 25 Hz, DE 1/4 at 25 Hz, JP 1/2 at
	// 16 Hz.
	f = newFile("rings", 8000, 8, 3)
	for ch := range f.chans {
		f.chans[ch] = silence(nil, ms(300))
	}
	for range 2 {
		f.ring(0, 25, ms(400))
		f.chans[0] = silence(f.chans[0], ms(200)-tone.RingTail)
		f.ring(0, 25, ms(400))
		f.chans[0] = silence(f.chans[0], ms(2000)-tone.RingTail)
	}
	f.ring(1, 25, ms(1000))
	for range 2 {
		f.ring(2, 16, ms(1000))
		f.chans[2] = silence(f.chans[2], ms(2000)-tone.RingTail)
	}
	f.pad(0)
	f.noise(6)
	f.write()

	// Call progress: US busy, reorder and dial, UK ringback, DE busy (the
	// 425 Hz family, 0.48/0.48 s).
	f = newFile("progress", 8000, 16, 5)
	us := must(tone.PlanFor("US"))
	uk := must(tone.PlanFor("UK"))
	de := must(tone.PlanFor("DE"))
	for ch, c := range []tone.Cadence{us.Busy, us.Reorder, us.Dial, uk.Ringback, de.Busy} {
		f.chans[ch] = silence(nil, ms(200))
		f.events = append(f.events, line{"ch": ch, "t": 0.2, "type": "tone", "tone": c.Name})
		f.chans[ch] = c.Append(f.chans[ch], ms(3600))
	}
	f.pad(ms(200))
	f.noise(7)
	f.write()

	// Special information tones: ITU-T E.180 and a North American one.
	f = newFile("sit", 8000, 16, 2)
	for ch, s := range []tone.SIT{tone.StandardSIT, tone.NorthAmericanSIT} {
		f.chans[ch] = silence(nil, ms(200))
		f.events = append(f.events, line{"ch": ch, "t": 0.2, "type": "tone", "tone": "sit"})
		f.chans[ch] = s.Append(f.chans[ch])
	}
	f.pad(ms(300))
	f.noise(11)
	f.write()

	// 16 kHz, 32-bit float: a voice, then two digits.
	f = newFile("voice-16k", 16000, 32, 1)
	f.float = true
	f.chans[0] = silence(nil, ms(300))
	f.events = append(f.events, line{"ch": 0, "t": 0.3, "type": "voice", "dur": 1.0})
	f.chans[0] = voice(f.chans[0], ms(1000))
	f.chans[0] = silence(f.chans[0], ms(400))
	f.digits(0, "7#", ms(80), ms(80))
	f.pad(ms(400))
	f.noise(8)
	f.write()

	// 44.1 kHz stereo: digits on the left, SDMF caller ID on the right.
	f = newFile("stereo-44k", 44100, 16, 2)
	f.chans[0] = silence(nil, ms(300))
	f.digits(0, "159", ms(70), ms(70))
	f.chans[1] = silence(nil, ms(200))
	f.cid(1, callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "12312359", NumberAbsence: "O"},
		line{"number_absence": "O", "datetime": "12312359"})
	f.pad(ms(300))
	f.noise(9)
	f.write()

	// Not WAVs: the DTMF file cut in half, and text.
	dtmfWAV := must(os.ReadFile(filepath.Join(dir, "dtmf.wav")))
	must(0, os.WriteFile(filepath.Join(dir, "truncated.wav"), dtmfWAV[:len(dtmfWAV)/2], 0o644))
	must(0, os.WriteFile(filepath.Join(dir, "not-a-wav.wav"), []byte("linetap: this is not a WAV file\n"), 0o644))
}
