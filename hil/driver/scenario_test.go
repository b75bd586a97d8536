package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/g711"
	"github.com/linetap/linetap/hw"
)

func TestChannel(t *testing.T) {
	audio := []int16{100, -5, 1000, 7, -30000, 0}
	got := Channel(audio, 2, 0, 2)
	want := []int16{0, 0}
	for _, v := range []int16{100, 1000, -30000} {
		want = append(want, g711.DecodeUlaw(g711.EncodeUlaw(v)))
	}
	want = append(want, 0, 0)
	if !equal(got, want) {
		t.Fatalf("Channel = %v, want %v", got, want)
	}
	if got[3] == 1000 {
		t.Error("no µ-law round trip applied to 1000")
	}
}

// wavFile builds a RIFF/WAVE file with the given chunks.
func wavFile(chunks ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b.Write(c)
	}
	return b.Bytes()
}

func chunk(id string, data []byte) []byte {
	c := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func TestWavSamples(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		file []byte
		want []int16
		err  string
	}{
		{"fmt then data", wavFile(chunk("fmt ", make([]byte, 16)), chunk("data", Bytes([]int16{1, -2, 3}))), []int16{1, -2, 3}, ""},
		{"odd chunk before data", wavFile(chunk("LIST", []byte{1, 2, 3}), chunk("data", Bytes([]int16{9}))), []int16{9}, ""},
		{"no data", wavFile(chunk("fmt ", make([]byte, 16))), nil, "no data chunk"},
		{"not wave", []byte("RIFX1234WAVE"), nil, "not a RIFF/WAVE"},
		{"short", []byte("RIFF"), nil, "not a RIFF/WAVE"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, string(rune('a'+i))+".wav")
			if err := os.WriteFile(p, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := wavSamples(p)
			if tc.err != "" {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil || !equal(got, tc.want) {
				t.Fatalf("wavSamples = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func FuzzWavSamples(f *testing.F) {
	f.Add(wavFile(chunk("data", Bytes([]int16{1, 2}))))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "f.wav")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := wavSamples(p)
		if err == nil && 2*len(s) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}

func TestRenderDeterministic(t *testing.T) {
	sc, err := loadScenario("../testdata/hil4.scn")
	if err != nil {
		t.Fatal(err)
	}
	a, ea, err := Render(sc, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, eb, err := Render(sc, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(a, b) || len(ea) != len(eb) {
		t.Fatal("two renders of one scenario and seed differ")
	}
	if want := int(sc.Duration() / time.Second * 8000 * 4); len(a) != want {
		t.Errorf("%d samples, want %d (the scenario's length)", len(a), want)
	}
	hooks := 0
	for _, e := range ea {
		if e.Kind.String() == "off-hook" {
			hooks++
		}
	}
	if hooks != len(sc.Calls()) {
		t.Errorf("%d off-hook events, want one per call (%d)", hooks, len(sc.Calls()))
	}
}

func TestCompareCalls(t *testing.T) {
	sc, err := loadScenario("../testdata/hil4.scn")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	exact := func() []recorded {
		var rs []recorded
		for i, c := range sc.Calls() {
			r := recorded{ID: uint64(i + 1), Line: c.Line, Direction: "inbound", Start: base.Add(c.At)}
			if c.Outbound {
				r.Direction, r.Dialled = "outbound", c.Digits
			}
			r.CallerID.Number, r.CallerID.Name = c.CallerID.Number, c.CallerID.Name
			rs = append(rs, r)
		}
		return rs
	}
	tests := []struct {
		name   string
		edit   func([]recorded) []recorded
		failed string // the failing check's name, "" for none
	}{
		{"exact", func(r []recorded) []recorded { return r }, ""},
		{"late by 100 ms", func(r []recorded) []recorded { r[2].Start = r[2].Start.Add(100 * time.Millisecond); return r }, ""},
		{"late by 400 ms", func(r []recorded) []recorded { r[2].Start = r[2].Start.Add(400 * time.Millisecond); return r }, "call start spacing"},
		{"digit lost", func(r []recorded) []recorded { r[1].Dialled = r[1].Dialled[1:]; return r }, "call metadata"},
		{"name lost", func(r []recorded) []recorded { r[0].CallerID.Name = ""; return r }, "call metadata"},
		{"call missing", func(r []recorded) []recorded { return r[1:] }, "call count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{}
			compareCalls(&r, sc.Calls(), tc.edit(exact()))
			failed := ""
			for _, c := range r.Checks {
				if !c.Pass {
					failed = c.Name
				}
			}
			if failed != tc.failed {
				t.Errorf("failed check %q, want %q (%+v)", failed, tc.failed, r.Checks)
			}
		})
	}
}

func TestScenarioConfig(t *testing.T) {
	o := scenarioOptions{Lines: 2, Label: "hil-lines", Device: "(hw:0,1)", PreRoll: 2 * time.Second}
	b, err := o.config()
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Source struct{ Kind, Device string }
		Lines  []struct {
			Channel int
			GPIO    struct {
				Chip       string
				Hook, Ring int
			}
		}
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Source.Kind != "portaudio" || c.Source.Device != "(hw:0,1)" || len(c.Lines) != 2 {
		t.Fatalf("config %s", b)
	}
	if l := c.Lines[1]; l.Channel != 1 || l.GPIO.Chip != "hil-lines" || l.GPIO.Hook != 2 || l.GPIO.Ring != 3 {
		t.Errorf("line 1 wiring %+v", l)
	}
	// linetapd must accept it as it is.
	cfg, err := linetap.LoadConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("linetap.LoadConfig: %v\n%s", err, b)
	}
	if g := cfg.Lines[1].GPIO; g == nil || g.Ring == nil || *g.Ring != 3 || cfg.Source.Rate != 8000 {
		t.Errorf("loaded config: line 1 gpio %+v, rate %d", g, cfg.Source.Rate)
	}
}

func TestCheckAudio(t *testing.T) {
	want := Channel(Signal(1, 20000, 0, 3), 1, 0, 1000)
	// A recording of want[5000:15000] whose samples 3000..3800 were lost
	// and filled with silence.
	rec := append([]int16{}, want[5000:15000]...)
	holed := append([]int16{}, rec...)
	for i := 3000; i < 3800; i++ {
		holed[i] = 0
	}
	// 800 samples lost but only 750 of silence put in their place.
	short := append(append(append([]int16{}, rec[:3000]...), make([]int16, 750)...), rec[3800:]...)
	corrupt := append([]int16{}, holed...)
	corrupt[7000]++
	// Audio differing up to GapSlack before the reported gap is allowed.
	early := append([]int16{}, holed...)
	early[3000-GapSlack+1]++
	tooEarly := append([]int16{}, holed...)
	tooEarly[3000-GapSlack-1]++
	tests := []struct {
		name         string
		rec          []int16
		gaps         []gap
		found, worst int
		err          string
	}{
		{"no gaps", rec, nil, 1, 0, ""},
		{"gap of the right length", holed, []gap{{3000, 800, "overrun"}}, 2, 0, ""},
		{"gap 50 samples short", short, []gap{{3000, 750, "overrun"}}, 2, 50, ""},
		{"differs within the slack", early, []gap{{3000, 800, "overrun"}}, 2, 0, ""},
		{"differs before the slack", tooEarly, []gap{{3000, 800, "overrun"}}, 0, 0, "matched"},
		{"corrupt sample", corrupt, []gap{{3000, 800, "overrun"}}, 1, 0, "matched"},
		{"gap beyond the audio", rec, []gap{{20000, 5, "overrun"}}, 0, 0, "outside"},
		{"all gap", holed[:300], nil, 0, 0, "no stretch"},
		{"silence first", append(make([]int16, 2000), rec...), []gap{{1000, 1000, "overrun"}}, 1, 0, "!base 3000"},
		{"only silence", make([]int16, 2000), nil, 0, 0, "no stretch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found, at, worst, err := CheckAudio(want, tc.rec, tc.gaps)
			if tc.err == "!base 3000" {
				// The silent stretch before the gap must not place the call.
				if err != nil || found != tc.found || at != 3000 {
					t.Fatalf("CheckAudio = %d, %d, %d, %v; want %d, 3000", found, at, worst, err, tc.found)
				}
				return
			}
			if tc.err != "" {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil || found != tc.found || at != 5000 || worst != tc.worst {
				t.Fatalf("CheckAudio = %d, %d, %d, %v; want %d, 5000, %d", found, at, worst, err, tc.found, tc.worst)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	in := []hw.LineEvent{
		{Line: 0, Kind: hw.OffHook, Time: 10 * time.Second},
		{Line: 0, Kind: hw.OnHook, Time: 20 * time.Second},
		{Line: 1, Kind: hw.OffHook, Time: 11 * time.Second},
		{Line: 1, Kind: hw.OnHook, Time: 15 * time.Second}, // too short for a flash
	}
	out := Faults(in)
	count := func(line int, kind hw.EventKind) int {
		n := 0
		for _, e := range out {
			if e.Line == line && e.Kind == kind {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name string
		line int
		kind hw.EventKind
		want int
	}{
		{"line 0 makes: bounce, flash end, real", 0, hw.OffHook, 3},
		{"line 0 breaks: bounce, flash, real", 0, hw.OnHook, 3},
		{"line 1 makes: bounce, real", 1, hw.OffHook, 2},
		{"line 1 breaks: bounce, real", 1, hw.OnHook, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := count(tc.line, tc.kind); got != tc.want {
				t.Errorf("%d %s events, want %d", got, tc.kind, tc.want)
			}
		})
	}
	if len(in) != 4 {
		t.Error("Faults changed its input")
	}
}
