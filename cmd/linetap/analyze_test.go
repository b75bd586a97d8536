package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/hw/sim"
)

// corpus is every file of testdata/analyze; a missing one fails the test.
var corpus = []string{
	"dtmf.wav", "callerid-sdmf.wav", "callerid-mdmf.wav", "callerid-etsi.wav", "callerid-bt-ntt-dtmf.wav",
	"callerid-error.wav", "rings.wav", "progress.wav", "sit.wav", "voice-16k.wav", "stereo-44k.wav",
}

// Tolerances of the golden comparison, in seconds, between the time (t) and
// duration (dur) the analyser reports and those the generator sent. Every
// other field must match exactly, except callerid_error's "error", which
// must contain the expected text.
var tolerance = map[string]float64{
	"dtmf":           0.005, // onset and length estimated to a few samples
	"callerid":       0.005, // the first start bit
	"callerid_error": 0.005,
	"ring":           0.050, // issue 3: cadences within ±50 ms
	"tone":           0.050, // the first burst of the recognised cadence
	"voice":          0.030, // 10 ms VAD frames, two to start
}

// TestGolden runs analyze --json on the whole corpus at once, with a
// truncated file and a text file among the WAVs, and compares each file's
// events with the .jsonl the generator wrote from what it sent.
func TestGolden(t *testing.T) {
	t.Chdir(filepath.Join("..", "..", "testdata", "analyze"))
	args := append([]string{"analyze", "--json", "truncated.wav"}, corpus...)
	args = append(args, "not-a-wav.wav")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("analyze with two bad files: %v (exit %d), want exit 1", err, exitCode(err))
	}
	for _, want := range []string{
		"truncated.wav: truncated WAV file: data chunk declares",
		"not-a-wav.wav: not a WAV file: does not start with RIFF",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q does not say %q", stderr.String(), want)
		}
	}
	got := map[string][]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		f, _ := e["file"].(string)
		got[f] = append(got[f], e)
	}
	for _, name := range corpus {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(strings.TrimSuffix(name, ".wav") + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			var want []map[string]any
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				var e map[string]any
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatalf("expected line %q: %v", l, err)
				}
				want = append(want, e)
			}
			compareEvents(t, got[name], want)
		})
	}
}

// compareEvents matches every expected event with one reported event and
// fails on what is left over on either side.
func compareEvents(t *testing.T, got, want []map[string]any) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && sameEvent(g, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing %v", w)
		}
	}
	for i, g := range got {
		if !used[i] {
			t.Errorf("unexpected %v", g)
		}
	}
}

func sameEvent(g, w map[string]any) bool {
	typ, _ := w["type"].(string)
	if len(g) != len(w) {
		return false
	}
	for k, wv := range w {
		gv, ok := g[k]
		if !ok {
			return false
		}
		switch k {
		case "t", "dur":
			gf, ok1 := gv.(float64)
			wf, ok2 := wv.(float64)
			if !ok1 || !ok2 || math.Abs(gf-wf) > tolerance[typ]+1e-9 {
				return false
			}
		case "error":
			gs, _ := gv.(string)
			ws, _ := wv.(string)
			if !strings.Contains(gs, ws) {
				return false
			}
		default:
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				return false
			}
		}
	}
	return true
}

// TestAnalyzeText checks the readable format: one line per event with the
// file, channel, time and what was found, exactly for given events, and in
// shape for a run on a corpus file (whose times the detectors estimate).
func TestAnalyzeText(t *testing.T) {
	cases := []struct {
		e    event
		want string
	}{
		{event{ch: 0, pos: 2400, kind: "dtmf", dur: 560, digit: '5'}, "x.wav ch0     0.300 s  dtmf           5 (0.07 s)"},
		{event{ch: 1, pos: 4800, kind: "callerid", dur: -1, msg: callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "12312359", NumberAbsence: "O"}},
			"x.wav ch1     0.600 s  callerid       bell202-sdmf number - (absent: O), name -, date 12312359"},
		{event{ch: 0, pos: 5600, kind: "callerid", dur: -1, msg: callerid.Message{Standard: callerid.ETSI, Number: "0123", Name: "ANNA", Waiting: callerid.WaitingOn}},
			"x.wav ch0     0.700 s  callerid       etsi-v23 number 0123, name ANNA, date -, message waiting on"},
		{event{ch: 2, pos: 80000, kind: "callerid_error", dur: -1, msg: callerid.Message{Err: errors.New("callerid: checksum mismatch")}},
			"x.wav ch2    10.000 s  callerid_error -: callerid: checksum mismatch"},
		{event{ch: 3, pos: 8, kind: "ring", dur: 16000}, "x.wav ch3     0.001 s  ring           (2 s)"},
		{event{ch: 0, pos: 1600, kind: "tone", dur: -1, tone: "busy"}, "x.wav ch0     0.200 s  tone           busy"},
		{event{ch: 0, pos: 123456, kind: "voice", dur: 8004}, "x.wav ch0    15.432 s  voice          (1.001 s)"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeText(w, "x.wav", c.e)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(b.String(), "\n"); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}

	t.Chdir(filepath.Join("..", "..", "testdata", "analyze"))
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "stereo-44k.wav"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	line := regexp.MustCompile(`^stereo-44k\.wav ch[01] +\d+\.\d{3} s  (dtmf|callerid) +\S`)
	kinds := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not in the text format", l)
			continue
		}
		kinds[m[1]]++
	}
	if kinds["dtmf"] != 3 || kinds["callerid"] != 1 {
		t.Errorf("%v, want 3 dtmf lines and 1 callerid", kinds)
	}
}

func TestAnalyzeUsage(t *testing.T) {
	for _, args := range [][]string{{"analyze"}, {"analyze", "--json"}, {"analyze", "--bogus", "x.wav"}} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), "linetap analyze [--json] FILE.wav") {
			t.Errorf("%q: %v, stderr %q; want a usage error", args, err, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "--help"}, &stdout, &stderr); err != nil || !strings.HasPrefix(stdout.String(), analyzeUsage) {
		t.Errorf("--help: %v, stdout %q", err, stdout.String())
	}
	stdout.Reset()
	err := run(context.Background(), []string{"analyze", filepath.Join(t.TempDir(), "missing.wav")}, &stdout, &stderr)
	if err == nil || !strings.Contains(stderr.String(), "missing.wav") {
		t.Errorf("missing file: %v, stderr %q", err, stderr.String())
	}
}

// wavSpec describes a WAV built by makeWAV.
type wavSpec struct {
	tag        uint16 // 1 PCM, 3 float, 0xFFFE extensible
	sub        uint16 // the extensible sub-format
	bits, rate int
	frames     [][]int16 // per frame, one sample per channel
}

// makeWAV encodes s; samples are stored from 16-bit values as the format
// needs (8-bit: top byte, 24/32-bit: shifted up, float: v/32768).
func makeWAV(s wavSpec) []byte {
	ch := len(s.frames[0])
	bps := s.bits / 8
	var data bytes.Buffer
	for _, f := range s.frames {
		for _, v := range f {
			var b [4]byte
			switch {
			case s.tag == 3 || s.sub == 3:
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)/32768))
			case s.bits == 8:
				b[0] = byte(v>>8) + 128
			case s.bits == 16:
				binary.LittleEndian.PutUint16(b[:], uint16(v))
			case s.bits == 24:
				binary.LittleEndian.PutUint32(b[:], uint32(int32(v)<<8))
			default:
				binary.LittleEndian.PutUint32(b[:], uint32(int32(v)<<16))
			}
			data.Write(b[:bps])
		}
	}
	var fmtc bytes.Buffer
	le := func(w io.Writer, v any) { _ = binary.Write(w, binary.LittleEndian, v) }
	le(&fmtc, s.tag)
	le(&fmtc, uint16(ch))
	le(&fmtc, uint32(s.rate))
	le(&fmtc, uint32(s.rate*ch*bps))
	le(&fmtc, uint16(ch*bps))
	le(&fmtc, uint16(s.bits))
	if s.tag == 0xFFFE {
		le(&fmtc, uint16(22))     // cbSize
		le(&fmtc, uint16(s.bits)) // valid bits
		le(&fmtc, uint32(0))      // channel mask
		le(&fmtc, s.sub)
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	var w bytes.Buffer
	w.WriteString("RIFF")
	le(&w, uint32(4+8+fmtc.Len()+8+data.Len()))
	w.WriteString("WAVEfmt ")
	le(&w, uint32(fmtc.Len()))
	w.Write(fmtc.Bytes())
	w.WriteString("data")
	le(&w, uint32(data.Len()))
	w.Write(data.Bytes())
	return w.Bytes()
}

// readAll reads every frame of a WAV with the analyser's reader.
func readAll(b []byte) (rate int, chans [][]int16, err error) {
	w, err := newWAVReader(bytes.NewReader(b), "x.wav")
	if err != nil {
		return 0, nil, err
	}
	blk := make([][]int16, w.channels)
	for i := range blk {
		blk[i] = make([]int16, readBlockSize)
	}
	chans = make([][]int16, w.channels)
	for {
		n, err := w.next(blk)
		if errors.Is(err, io.EOF) {
			return w.rate, chans, nil
		}
		if err != nil {
			return 0, nil, err
		}
		for i := range chans {
			chans[i] = append(chans[i], blk[i][:n]...)
		}
	}
}

// TestWAVFormats reads every supported sample format, mono and
// multichannel, and checks each sample.
func TestWAVFormats(t *testing.T) {
	var frames [][]int16
	for i := range 5000 { // more than one read block
		v := int16(i*37 - 30000)
		frames = append(frames, []int16{v}) // mono
	}
	multi := make([][]int16, 5000)
	for i := range multi {
		v := int16(i*13 - 20000)
		multi[i] = []int16{v, -v, 32767, -32768, int16(i)}
	}
	cases := []struct {
		name string
		spec wavSpec
		step int16 // the format's resolution in 16-bit LSB
	}{
		{"8-bit mono", wavSpec{tag: 1, bits: 8, rate: 8000}, 256},
		{"16-bit mono", wavSpec{tag: 1, bits: 16, rate: 8000}, 1},
		{"24-bit stereo", wavSpec{tag: 1, bits: 24, rate: 48000}, 1},
		{"32-bit 5 channels", wavSpec{tag: 1, bits: 32, rate: 96000}, 1},
		{"float 5 channels", wavSpec{tag: 3, bits: 32, rate: 44100}, 1},
		{"extensible 16-bit", wavSpec{tag: 0xFFFE, sub: 1, bits: 16, rate: 16000}, 1},
		{"extensible float", wavSpec{tag: 0xFFFE, sub: 3, bits: 32, rate: 22050}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.frames = frames
			switch {
			case strings.Contains(c.name, "channels"):
				c.spec.frames = multi
			case strings.Contains(c.name, "stereo"):
				c.spec.frames = make([][]int16, len(multi))
				for i := range multi {
					c.spec.frames[i] = multi[i][:2]
				}
			}
			rate, chans, err := readAll(makeWAV(c.spec))
			if err != nil {
				t.Fatal(err)
			}
			if rate != c.spec.rate || len(chans) != len(c.spec.frames[0]) {
				t.Fatalf("%d Hz, %d channels; want %d Hz, %d", rate, len(chans), c.spec.rate, len(c.spec.frames[0]))
			}
			for i, f := range c.spec.frames {
				for ch, v := range f {
					want := v
					if c.step > 1 {
						want = v &^ (c.step - 1)
					}
					if chans[ch][i] != want {
						t.Fatalf("frame %d channel %d: %d, want %d", i, ch, chans[ch][i], want)
					}
				}
			}
		})
	}
}

// TestWAVErrors checks that malformed files get an error naming what is
// wrong, of the right kind.
func TestWAVErrors(t *testing.T) {
	good := makeWAV(wavSpec{tag: 1, bits: 16, rate: 8000, frames: [][]int16{{1}, {2}, {3}, {4}}})
	set := func(b []byte, off int, v uint32) []byte {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	set16 := func(b []byte, off int, v uint16) []byte {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint16(c[off:], v)
		return c
	}
	cases := []struct {
		name string
		b    []byte
		kind error
		says string
	}{
		{"empty", nil, errNotWAV, "shorter than a RIFF header"},
		{"text", []byte("hello, this is not a WAV at all"), errNotWAV, "does not start with RIFF"},
		{"AIFF", append([]byte("FORM\x00\x00\x00\x10AIFF"), make([]byte, 20)...), errNotWAV, "does not start with RIFF"},
		{"no data chunk", good[:36], errNotWAV, "no data chunk"},
		{"cut in the samples", good[:len(good)-3], errTruncated, "data chunk declares 8 bytes, file holds 5"},
		{"odd data size", set(good, 40, 7), errTruncated, "not a whole number of 2-byte frames"},
		{"huge data chunk", set(good, 40, 0xFFFFFFF0), errTruncated, "data chunk declares 4294967280 bytes"},
		{"huge fmt chunk", set(good, 16, 0x7FFFFFF0), errNotWAV, "fmt chunk of 2147483632 bytes"},
		{"huge unknown chunk", append(append(bytes.Clone(good[:12]), "LIST\xF0\xFF\xFF\x7F"...), good[12:]...), errTruncated, `"LIST" chunk at byte 12 declares`},
		{"no channels", set16(good, 22, 0), errWAVFormat, "0 channels (1 to 64)"},
		{"100 channels", set16(good, 22, 100), errWAVFormat, "100 channels"},
		{"4 kHz", set(good, 24, 4000), errWAVFormat, "sample rate 4000 Hz"},
		{"12-bit", set16(good, 34, 12), errWAVFormat, "12-bit samples of format tag 0x0001"},
		{"µ-law", set16(good, 20, 7), errWAVFormat, "format tag 0x0007"},
		{"44 057 Hz", set(good, 24, 44057), errWAVFormat, "44057 Hz needs 16000 polyphase branches"},
		{"data before fmt", append(append(bytes.Clone(good[:12]), "data\x00\x00\x00\x00"...), good[12:]...), errNotWAV, "data chunk before any fmt chunk"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := analyze(bytes.NewReader(c.b), "x.wav")
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "x.wav: ") {
				t.Fatalf("%v; want %v saying %q, starting with the file name", err, c.kind, c.says)
			}
		})
	}
}

// FuzzWAVReader feeds arbitrary bytes to the WAV reader: it must return an
// error of its own kinds or read exactly the frames its header declares,
// and never panic or allocate more than the file justifies.
func FuzzWAVReader(f *testing.F) {
	f.Add(makeWAV(wavSpec{tag: 1, bits: 16, rate: 8000, frames: [][]int16{{1, 2}, {3, 4}}}))
	f.Add(makeWAV(wavSpec{tag: 0xFFFE, sub: 3, bits: 32, rate: 48000, frames: [][]int16{{1}, {-5}}}))
	f.Add(makeWAV(wavSpec{tag: 1, bits: 8, rate: 11025, frames: [][]int16{{100}}}))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, chans, err := readAll(b)
		if err != nil {
			if !errors.Is(err, errNotWAV) && !errors.Is(err, errTruncated) && !errors.Is(err, errWAVFormat) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		if rate < minWAVRate || len(chans) == 0 || len(chans[0])*len(chans) > len(b) {
			t.Fatalf("%d Hz, %d channels of %d frames from %d bytes", rate, len(chans), len(chans[0]), len(b))
		}
		if _, err := analyze(bytes.NewReader(b), "x.wav"); err != nil && !errors.Is(err, errWAVFormat) {
			t.Fatalf("reads, but analyze fails: %v", err)
		}
	})
}

// BenchmarkAnalyze runs the whole analyser (WAV decoding, resampling and
// every detector) over the golden corpus held in memory.
func BenchmarkAnalyze(b *testing.B) {
	dir := filepath.Join("..", "..", "testdata", "analyze")
	for _, name := range []string{"dtmf.wav", "progress.wav", "stereo-44k.wav"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		w, err := newWAVReader(bytes.NewReader(raw), name)
		if err != nil {
			b.Fatal(err)
		}
		audio := float64(w.frames*int64(w.channels)) / float64(w.rate) // channel-seconds
		b.Run(fmt.Sprintf("%s/%dHz/%dch", name, w.rate, w.channels), func(b *testing.B) {
			for b.Loop() {
				if _, err := analyze(bytes.NewReader(raw), name); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(audio*float64(b.N)/b.Elapsed().Seconds(), "channel-s/s")
		})
	}
}

// pcmWAV encodes interleaved 16-bit samples as a WAV file.
func pcmWAV(rate, channels int, pcm []int16) []byte {
	var w bytes.Buffer
	le := func(v any) { _ = binary.Write(&w, binary.LittleEndian, v) }
	w.WriteString("RIFF")
	le(uint32(36 + 2*len(pcm)))
	w.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(2 * rate * channels))
	le(uint16(2 * channels))
	le(uint16(16))
	w.WriteString("data")
	le(uint32(2 * len(pcm)))
	le(pcm)
	return w.Bytes()
}

// simPCM renders a scenario of testdata/sim on lines lines as interleaved
// 8 kHz samples.
func simPCM(t *testing.T, scenario string, lines int) []int16 {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "sim", scenario))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	bank, err := sim.New(sc, sim.Options{Lines: lines, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var pcm []int16
	buf := make([]int16, lines*160)
	for {
		n, _, err := bank.Read(buf)
		pcm = append(pcm, buf[:lines*n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := bank.Close(); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// TestAnalyzeSim analyses simulated traffic (testdata/sim: caller ID of
// several standards, rings of the US, UK and DE cadences, speech, far-end
// hang-ups with busy tone, outbound calls with dial tone, DTMF and
// ringback) and checks what the scenario put there, and that nothing else,
// such as a digit in the speech, was found.
func TestAnalyzeSim(t *testing.T) {
	cases := []struct {
		scenario string
		digits   [2]string
		rings    [2]int
		cids     []string
		tones    []string
	}{
		{
			scenario: "us-sdmf.scn",
			digits:   [2]string{"18005550100", ""},
			rings:    [2]int{4, 4}, // 2+2 on line 0, 3+1 on line 1
			cids: []string{
				`ch0 callerid bell202-sdmf 6095551212/ ""/ <nil>`,
				`ch1 callerid bell202-mdmf 2015550123/ "ACME CORP"/ <nil>`,
				`ch0 callerid bell202-mdmf /O ""/O <nil>`,
			},
			tones: []string{"ch1 busy", "ch0 dial"},
		},
		{
			scenario: "uk-de.scn",
			digits:   [2]string{"999", "0301234567"},
			rings:    [2]int{6, 5}, // three UK double rings; five DE rings
			cids: []string{
				`ch0 callerid etsi-v23 01632960001/ "A N OTHER"/ <nil>`,
				`ch1 callerid etsi-v23 /P ""/P <nil>`,
			},
			tones: []string{"ch0 dial", "ch0 ringback", "ch1 dial", "ch1 ringback", "ch1 busy"},
		},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			evs, err := analyze(bytes.NewReader(pcmWAV(8000, 2, simPCM(t, c.scenario, 2))), "sim.wav")
			if err != nil {
				t.Fatal(err)
			}
			digits := [2]string{}
			rings := [2]int{}
			voice := [2]float64{}
			var cids, tones []string
			for _, e := range evs {
				switch e.kind {
				case "dtmf":
					digits[e.ch] += string(e.digit)
				case "ring":
					rings[e.ch]++
				case "voice":
					voice[e.ch] += float64(e.dur) / 8000
				case "callerid", "callerid_error":
					m := e.msg
					cids = append(cids, fmt.Sprintf("ch%d %s %s %s/%s %q/%s %v", e.ch, e.kind, m.Standard, m.Number, m.NumberAbsence, m.Name, m.NameAbsence, m.Err))
				case "tone":
					tones = append(tones, fmt.Sprintf("ch%d %s", e.ch, e.tone))
				}
			}
			if digits != c.digits {
				t.Errorf("digits %q, want %q and none in the speech", digits, c.digits)
			}
			if rings != c.rings {
				t.Errorf("rings per line %v, want %v", rings, c.rings)
			}
			if !slices.Equal(cids, c.cids) {
				t.Errorf("caller ID\n%s\nwant\n%s", strings.Join(cids, "\n"), strings.Join(c.cids, "\n"))
			}
			for _, want := range c.tones {
				if !slices.Contains(tones, want) {
					t.Errorf("tones %v lack %q", tones, want)
				}
			}
			// Every scenario talks for at least 8 s on each line.
			if voice[0] < 8 || voice[1] < 8 {
				t.Errorf("voice %.1f s and %.1f s, want most of the talk on each line", voice[0], voice[1])
			}
		})
	}
}

// TestAnalyzeKeyPressesNotCallerID checks that key presses that begin like
// DTMF caller ID (A…, D…) without being one are still reported as digits,
// and that a real DTMF caller ID is reported as caller ID only.
func TestAnalyzeKeyPressesNotCallerID(t *testing.T) {
	x := make([]int16, 2400)
	x, err := dtmf.AppendDigits(x, "D", 80*time.Millisecond, 500*time.Millisecond, -10)
	if err != nil {
		t.Fatal(err)
	}
	x, _ = dtmf.AppendDigits(x, "12A4", 80*time.Millisecond, 80*time.Millisecond, -10)
	x = append(x, make([]int16, 8000)...)
	clip, err := callerid.Synth(callerid.Message{Standard: callerid.DTMFCLIP, Number: "4670"}, -10)
	if err != nil {
		t.Fatal(err)
	}
	x = append(append(x, clip...), make([]int16, 8000)...)
	evs, err := analyze(bytes.NewReader(pcmWAV(8000, 1, x)), "keys.wav")
	if err != nil {
		t.Fatal(err)
	}
	var digits, numbers string
	for _, e := range evs {
		switch {
		case e.kind == "dtmf":
			digits += string(e.digit)
		case e.kind == "callerid":
			numbers += e.msg.Number
		}
	}
	if digits != "D12A4" || numbers != "4670" {
		t.Fatalf("digits %q and caller ID %q, want D12A4 and 4670", digits, numbers)
	}
}
