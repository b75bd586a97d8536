//go:build portaudio && cgo && linux

package portaudio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pa "github.com/gordonklaus/portaudio"
)

// fakeProc writes a fake /proc/asound: cardN/id holding ids[N] as the
// kernel writes it (with a newline).
func fakeProc(t *testing.T, ids map[int]string) string {
	t.Helper()
	root := t.TempDir()
	for n, id := range ids {
		dir := filepath.Join(root, fmt.Sprintf("card%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "id"), []byte(id+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestALSACardOf(t *testing.T) {
	root := fakeProc(t, map[int]string{
		0: "Loopback", 1: "Device", 12: "Device_1", 2: "U18-2",
		3: "bad id", 4: "", 5: "x,DEV=9", 6: "ThisIdIsTooLong0",
	})
	tests := []struct {
		paName string
		name   string // hwName of the card, "" when none
		hw     bool
		err    string // part of the error, "" for none
	}{
		{"USB Audio Device: - (hw:1,0)", "hw:CARD=Device,DEV=0", true, ""},
		{"Loopback: PCM (hw:0,1)", "hw:CARD=Loopback,DEV=1", true, ""},
		{"U18: USB Audio (hw:2,3)", "hw:CARD=U18-2,DEV=3", true, ""},
		{"USB  Audio   Device:  -  (hw:12,0)", "hw:CARD=Device_1,DEV=0", true, ""},
		{"  USB Audio Device: - (hw:1,0)\t", "hw:CARD=Device,DEV=0", true, ""},
		{"Odd (hw:9,9) name: - (hw:1,2)", "hw:CARD=Device,DEV=2", true, ""},
		// PortAudio never spaces the index: not taken for one.
		{"USB Audio Device: - (hw: 1,0)", "", false, ""},
		{"USB Audio Device: - (hw:1, 0)", "", false, ""},
		{"USB Audio Device: - (hw:1,0) x", "", false, ""},
		{"default", "", false, ""},
		{"pulse", "", false, ""},
		{"dmix", "", false, ""},
		{"sysdefault", "", false, ""},
		{"rec", "", false, ""},
		{"hw:CARD=U18,DEV=0", "", false, ""},
		{"", "", false, ""},
		{"Gone: - (hw:7,0)", "", true, "card 7"},
		{"Spaced: - (hw:3,0)", "", true, `"bad id", not a card id`},
		{"Empty: - (hw:4,0)", "", true, `"", not a card id`},
		{"Comma: - (hw:5,0)", "", true, `"x,DEV=9", not a card id`},
		{"Long: - (hw:6,0)", "", true, "not a card id"},
	}
	for _, tt := range tests {
		t.Run(tt.paName, func(t *testing.T) {
			id, dev, hw, err := alsaCardOf(root, tt.paName)
			if hw != tt.hw {
				t.Fatalf("hw %v, want %v", hw, tt.hw)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ""; hw {
				got = hwName(id, dev)
				if got != tt.name {
					t.Errorf("ALSA name %q, want %q", got, tt.name)
				}
			}
		})
	}
}

// FuzzALSACardOf: whatever PortAudio's name, no panic; a card id given is
// one an ALSA name can carry.
func FuzzALSACardOf(f *testing.F) {
	root := f.TempDir()
	for n, id := range []string{"Device", "a b", "x,y", ""} {
		dir := filepath.Join(root, fmt.Sprintf("card%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "id"), []byte(id), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	for _, s := range []string{"USB: - (hw:0,0)", "x (hw:1,0)", "x (hw:2,3)", "(hw:3,0)", "default", "(hw:99999999999999999999,0)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		id, dev, hw, err := alsaCardOf(root, name)
		if err == nil && hw && (!validCardID(id) || dev < 0 || strings.ContainsAny(hwName(id, dev), " \t\"'")) {
			t.Fatalf("%q: id %q dev %d", name, id, dev)
		}
		if !hw && (id != "" || err != nil) {
			t.Fatalf("%q: no hardware device, yet id %q err %v", name, id, err)
		}
	})
}

// routeSample is the audio of the raw file of seed: each file its own.
func routeSample(seed, c, n int) int16 { return int16((n*37+c*4099+seed*7919)%65536 - 32768) }

// routeConfig writes one raw file of ch channels for each seed under dir
// (seed.raw) and an ALSA configuration, conf with DIR replaced by dir,
// and points ALSA_CONFIG_PATH at it.
func routeConfig(t *testing.T, ch int, conf string, seeds map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	for name, seed := range seeds {
		raw := make([]byte, 0, 2*ch*16000)
		for n := 0; n < 16000; n++ {
			for c := 0; c < ch; c++ {
				raw = binary.LittleEndian.AppendUint16(raw, uint16(routeSample(seed, c, n)))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name+".raw"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(conf, "DIR", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", path)
	return dir
}

// fileHW defines the ALSA hardware names (hw:CARD=id,DEV=n) as ALSA's
// file plugin reading DIR/hw-id-n.raw: a card that is not there (no
// file) fails to open. default (PortAudio needs it) and rec are plain
// PCMs, rec reading DIR/rec.raw.
var fileHW = `pcm.!default { type null }
pcm.rec { type file slave.pcm { type null } file "/dev/null" infile "DIR/rec.raw" format "raw" }
` + fileCards("hw", "hw")

// fileCards defines the ALSA names pcm:CARD=id,DEV=n as ALSA's file plugin
// reading DIR/prefix-id-n.raw.
func fileCards(pcm, prefix string) string {
	return `pcm.` + pcm + ` {
	@args [ CARD DEV ]
	@args.CARD { type string }
	@args.DEV { type integer }
	type file
	slave.pcm { type null }
	file "/dev/null"
	infile { @func concat strings [ "DIR/` + prefix + `-" $CARD "-" $DEV ".raw" ] }
	format "raw"
}
`
}

// logRecords keeps a logger's records.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r.Clone())
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// find gives the records at level whose message holds msg, each as its
// attributes by key.
func (l *logRecords) find(level slog.Level, msg string) []map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]string
	for _, r := range l.recs {
		if r.Level == level && strings.Contains(r.Message, msg) {
			m := map[string]string{}
			r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
			out = append(out, m)
		}
	}
	return out
}

// streamOf is the stream a Source reads, and its name for an ALSA one.
func streamOf(s *Source) (Stream, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.st.(*alsaStream); ok {
		return a, a.name
	}
	return s.st, ""
}

// readsSeed reads a second from src and requires the audio of seed's file,
// mapped by chmap, frame for frame.
func readsSeed(t *testing.T, src *Source, seed int, chmap []int) {
	t.Helper()
	ch := len(chmap)
	buf := make([]int16, ch*160)
	for pos := 0; pos < 8000; {
		n, _, err := src.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			for c := range ch {
				if got, want := buf[i*ch+c], routeSample(seed, chmap[c], pos); got != want {
					t.Fatalf("frame %d channel %d: %d, want %d (file %d)", pos, c, got, want, seed)
				}
			}
			pos++
		}
	}
}

// paList is a PortAudio device list as its ALSA host API names devices.
func paList() func() ([]*pa.DeviceInfo, error) {
	return func() ([]*pa.DeviceInfo, error) {
		return []*pa.DeviceInfo{
			{Index: 0, Name: "Loopback: PCM (hw:0,0)", MaxOutputChannels: 8},
			{Index: 1, Name: "USB Audio Device: - (hw:1,0)", MaxInputChannels: 4, DefaultSampleRate: 44100},
			{Index: 2, Name: "USB Audio Device: - (hw:2,0)", MaxInputChannels: 2, DefaultSampleRate: 48000},
			{Index: 3, Name: "rec", MaxInputChannels: 4, DefaultSampleRate: 8000},
			{Index: 4, Name: "Gone: - (hw:7,0)", MaxInputChannels: 2, DefaultSampleRate: 48000},
			{Index: 5, Name: "default", MaxInputChannels: 32, DefaultSampleRate: 44100},
			{Index: 6, Name: "plugonly", MaxInputChannels: 2, DefaultSampleRate: 8000},
		}, nil
	}
}

// TestOpenNamedTakesALSA: a PortAudio device that is an ALSA hardware
// device is opened through alsa-lib by its card's id, once resolved as
// PortAudio resolves names, and reopened by that id after the card came
// back at another number. (Other devices go through PortAudio:
// TestOpenNamedRefuses; a test opens no PortAudio stream, the one
// TestCaptureThroughALSAFile opens being all a -race binary takes: the
// binding passes its second stream's id 1 to C as a pointer, which
// checkptr refuses.)
func TestOpenNamedTakesALSA(t *testing.T) {
	routeConfig(t, 4, fileHW, map[string]int{"hw-Device-0": 1, "rec": 3})
	root := fakeProc(t, map[int]string{0: "Loopback", 1: "Device", 2: "Other"})
	tests := []struct {
		name  string
		opt   Options
		alsa  string // the ALSA name opened
		seed  int
		chmap []int
	}{
		{"exact name", Options{Device: "USB Audio Device: - (hw:1,0)"}, "hw:CARD=Device,DEV=0", 1, []int{0, 1, 2, 3}},
		{"unique part", Options{Device: "(hw:1,0)", Channels: []int{1, 3}}, "hw:CARD=Device,DEV=0", 1, []int{1, 3}},
		{"index", Options{UseIndex: true, Index: 1, Channels: []int{3, 0}}, "hw:CARD=Device,DEV=0", 1, []int{3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecords{}
			opt := tt.opt
			opt.Rate, opt.MaxDrift, opt.Logger = 8000, time.Hour, slog.New(logs)
			src, err := openNamed(opt, paList(), root)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := src.Close(); err != nil {
					t.Error(err)
				}
			}()
			st, name := streamOf(src)
			info := logs.find(slog.LevelInfo, "opened by its ALSA name")
			if name != tt.alsa {
				t.Fatalf("stream %T %q, want alsa-lib's on %q", st, name, tt.alsa)
			}
			if src.PCM() != tt.alsa {
				t.Errorf("PCM() %q, want %q", src.PCM(), tt.alsa)
			}
			if len(info) != 1 || info[0]["alsa_name"] != tt.alsa {
				t.Errorf("info logs %v, want one naming %q", info, tt.alsa)
			}
			if w := logs.find(slog.LevelWarn, ""); len(w) != 0 {
				t.Errorf("warned %v", w)
			}
			readsSeed(t, src, tt.seed, tt.chmap)
		})
	}
}

// TestOpenNamedReopensByID: the opener a Source retries after a loss
// opens the card by its id, wherever the kernel numbers it now, and says
// nothing more at Info about the name it took.
func TestOpenNamedReopensByID(t *testing.T) {
	dir := routeConfig(t, 4, fileHW, map[string]int{"hw-Device-0": 1})
	root := fakeProc(t, map[int]string{1: "Device"})
	logs := &logRecords{}
	src, err := openNamed(Options{Device: "USB Audio Device: - (hw:1,0)", Rate: 8000, MaxDrift: time.Hour, Logger: slog.New(logs)}, paList(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	// Unplugged: card 1 is gone (its file with it).
	if err := os.RemoveAll(filepath.Join(root, "card1")); err != nil {
		t.Fatal(err)
	}
	hwFile := filepath.Join(dir, "hw-Device-0.raw")
	raw, err := os.ReadFile(hwFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(hwFile); err != nil {
		t.Fatal(err)
	}
	if st, err := src.open(); !errors.Is(err, ErrNoDevice) {
		if st != nil {
			st.Close()
		}
		t.Fatalf("reopen of an unplugged card: %v, want ErrNoDevice", err)
	}
	// Back as card 3, with another card at 1.
	for n, id := range map[int]string{3: "Device", 1: "Other"} {
		d := filepath.Join(root, fmt.Sprintf("card%d", n))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "id"), []byte(id+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(hwFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	st := reopenedOn(t, src, "hw:CARD=Device,DEV=0")
	if err := st.Close(); err != nil {
		t.Error(err)
	}
	if info := logs.find(slog.LevelInfo, "opened by its ALSA name"); len(info) != 1 {
		t.Errorf("info logs %v, want the first open's only", info)
	}
}

// reopenedOn reopens src's card as its reconnect would and checks that
// alsa-lib opened the PCM want.
func reopenedOn(t *testing.T, src *Source, want string) Stream {
	t.Helper()
	st, err := src.open()
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := st.(*alsaStream); !ok || a.name != want {
		t.Errorf("reopened %T %+v, want alsa-lib's on %s", st, st, want)
	}
	return st
}

// TestOpenNamedRefuses: names are resolved as PortAudio resolves them,
// with its errors, whichever way the device is then opened; a device
// without a hardware index (or whose card id is unreadable) is opened
// through PortAudio, which resolves the name again in its own list (the
// ALSA configuration's PCMs: no "plugonly", no "Gone").
func TestOpenNamedRefuses(t *testing.T) {
	routeConfig(t, 4, fileHW, map[string]int{"hw-Device-0": 1, "rec": 3})
	root := fakeProc(t, map[int]string{0: "Loopback", 1: "Device", 2: "Other"})
	tests := []struct {
		name    string
		opt     Options
		want    error
		says    string
		notSays string
	}{
		{"no match", Options{Device: "Nowhere"}, ErrNoDevice, `"Nowhere" (capture devices: 1 "USB Audio Device: - (hw:1,0)"`, ""},
		{"several matches", Options{Device: "USB Audio"}, ErrNoDevice, `"USB Audio" matches 2 devices`, ""},
		{"playback only", Options{Device: "Loopback"}, ErrNoDevice, `"Loopback" (capture devices`, ""},
		{"no such index", Options{UseIndex: true, Index: 9}, ErrNoDevice, "index 9", ""},
		{"too many channels", Options{Device: "(hw:2,0)", Channels: []int{0, 2}}, ErrOptions, `"USB Audio Device: - (hw:2,0)" has 2 input channels, 3 wanted`, ""},
		{"too many device channels", Options{Device: "(hw:1,0)", DeviceChannels: 6}, ErrOptions, "has 4 input channels, 6 wanted", ""},
		// The card's id is not readable: PortAudio's way, where this
		// device is not (the list is the test's).
		{"card id missing", Options{Device: "Gone"}, ErrNoDevice, `"Gone" (capture devices: `, "USB Audio Device"},
		{"no hardware index", Options{Device: "plugonly"}, ErrNoDevice, `"plugonly" (capture devices: `, "USB Audio Device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecords{}
			opt := tt.opt
			opt.Rate, opt.MaxDrift, opt.Logger = 8000, time.Hour, slog.New(logs)
			src, err := openNamed(opt, paList(), root)
			if err == nil {
				src.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q, want %v saying %q", err, tt.want, tt.says)
			}
			if tt.notSays != "" && strings.Contains(err.Error(), tt.notSays) {
				t.Errorf("error %q names %q: not PortAudio's own list", err, tt.notSays)
			}
			if info := logs.find(slog.LevelInfo, "opened by its ALSA name"); len(info) != 0 {
				t.Errorf("logged %v", info)
			}
			warn := logs.find(slog.LevelWarn, "ALSA id not found")
			if tt.name == "card id missing" && (len(warn) != 1 || !strings.Contains(warn[0]["err"], "card 7")) {
				t.Errorf("warnings %v, want one naming card 7", warn)
			}
			// The caveat is said once for a device PortAudio captures,
			// never for one alsa-lib does.
			pa := logs.find(slog.LevelWarn, "captured through PortAudio: if the card behind it is unplugged")
			switch tt.notSays {
			case "":
				if len(pa) != 0 {
					t.Errorf("warned %v", pa)
				}
			default:
				if len(pa) != 1 || pa[0]["device"] != tt.opt.Device && !strings.HasPrefix(pa[0]["device"], tt.opt.Device) {
					t.Errorf("warnings %v, want one naming %q", pa, tt.opt.Device)
				}
			}
		})
	}
}

// TestOpenNamedPlugFallback: a card that offers neither S16_LE nor S32_LE
// (here a µ-law one; PortAudio would have converted its samples) is
// opened by its plughw: name, which converts.
func TestOpenNamedPlugFallback(t *testing.T) {
	routeConfig(t, 4, `pcm.!default { type null }
pcm.hw {
	@args [ CARD DEV ]
	@args.CARD { type string }
	@args.DEV { type integer }
	type mulaw
	slave { pcm { type file slave.pcm { type null } file "/dev/null" infile "DIR/hw.raw" format "raw" } format S16_LE }
}
`+fileCards("plughw", "plug"), map[string]int{"hw": 1, "plug-Device-0": 4})
	root := fakeProc(t, map[int]string{1: "Device"})
	logs := &logRecords{}
	src, err := openNamed(Options{Device: "USB Audio Device: - (hw:1,0)", Rate: 8000, MaxDrift: time.Hour, Logger: slog.New(logs)}, paList(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, name := streamOf(src); name != "plughw:CARD=Device,DEV=0" {
		t.Fatalf("opened %q, want plughw:CARD=Device,DEV=0", name)
	}
	if info := logs.find(slog.LevelInfo, "opened by its ALSA name"); len(info) != 1 || info[0]["alsa_name"] != "plughw:CARD=Device,DEV=0" {
		t.Errorf("info logs %v", info)
	}
	readsSeed(t, src, 4, []int{0, 1, 2, 3})

	// The hw: name's refusal names the formats, and is ErrOptions.
	if st, err := openALSA("hw:CARD=Device,DEV=0", Options{Rate: 8000, DeviceChannels: 4}); !errors.Is(err, ErrOptions) || !errors.Is(err, errSampleFormat) {
		if st != nil {
			st.Close()
		}
		t.Errorf("hw: open: %v, want the sample format refused", err)
	}
}
