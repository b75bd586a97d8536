package callerid_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/g711"
	"github.com/linetap/linetap/hw/sim"
)

var update = flag.Bool("update", false, "rewrite the golden corpus in testdata/golden")

// golden is one recording of the corpus: how it was made, and (in its JSON
// file) what the Receiver must make of it.
type golden struct {
	name string
	make func(t *testing.T) []int16
}

// goldenMessage is a Message as the corpus records it.
type goldenMessage struct {
	Standard      string `json:"standard"`
	Type          byte   `json:"type"`
	Number        string `json:"number,omitempty"`
	Name          string `json:"name,omitempty"`
	DateTime      string `json:"datetime,omitempty"`
	NumberAbsence string `json:"number_absence,omitempty"`
	NameAbsence   string `json:"name_absence,omitempty"`
	Redirecting   string `json:"redirecting,omitempty"`
	Raw           string `json:"raw"`
	Start         int64  `json:"start"`
	Err           string `json:"err,omitempty"` // the sentinel's text
}

var sentinels = []error{callerid.ErrChecksum, callerid.ErrParity, callerid.ErrTruncated, callerid.ErrSyntax,
	callerid.ErrLength, callerid.ErrFraming, callerid.ErrParam, callerid.ErrType, callerid.ErrField, callerid.ErrShort}

func toGolden(m callerid.Message) goldenMessage {
	g := goldenMessage{Standard: string(m.Standard), Type: m.Type, Number: m.Number, Name: m.Name, DateTime: m.DateTime,
		NumberAbsence: m.NumberAbsence, NameAbsence: m.NameAbsence, Redirecting: m.Redirecting,
		Raw: hex.EncodeToString(m.Raw), Start: m.Start}
	if m.Err != nil {
		g.Err = m.Err.Error()
		for _, s := range sentinels {
			if errors.Is(m.Err, s) {
				g.Err = s.Error()
				break
			}
		}
	}
	return g
}

func synthOrFail(t *testing.T, m callerid.Message, o callerid.Options) []int16 {
	t.Helper()
	x, err := callerid.SynthOptions(m, o)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// framed puts quiet, a little line noise and speech around x.
func framed(x []int16, seed int64) []int16 {
	in := cat16(sim.NewVoice(seed, -20).Append(nil, time.Second), make([]int16, 4000), x, make([]int16, 4000))
	addNoise(in, -20, 40, uint64(seed))
	return in
}

var corpus = []golden{
	{"bell202-sdmf", func(t *testing.T) []int16 {
		return framed(synthOrFail(t, messages[0], callerid.DefaultOptions(-14)), 1)
	}},
	{"bell202-mdmf", func(t *testing.T) []int16 {
		return framed(synthOrFail(t, messages[5], callerid.DefaultOptions(-30)), 2)
	}},
	{"etsi-v23", func(t *testing.T) []int16 {
		return framed(synthOrFail(t, messages[9], callerid.DefaultOptions(-25)), 3)
	}},
	{"bt", func(t *testing.T) []int16 {
		alert := callerid.AppendAlert(nil, 100*time.Millisecond, -20)
		return framed(cat16(alert, make([]int16, 800), synthOrFail(t, btCall, callerid.DefaultOptionsFor(callerid.BT, -18))), 4)
	}},
	{"dtmf-clip", func(t *testing.T) []int16 {
		o := callerid.DefaultOptions(-12)
		o.DTMF = callerid.DTMFFormatDK
		return framed(synthOrFail(t, callerid.Message{Standard: callerid.DTMFCLIP, Number: "33123456"}, o), 5)
	}},
	{"ntt", func(t *testing.T) []int16 {
		return framed(synthOrFail(t, nttMessages[3], callerid.DefaultOptionsFor(callerid.NTT, -20)), 6)
	}},
	{"type2", func(t *testing.T) []int16 {
		o := callerid.DefaultOptions(-16)
		o.SeizureBits, o.MarkBits = 0, 80
		return type2(t, synthOrFail(t, messages[5], o), 7)
	}},
	{"etsi-damaged", func(t *testing.T) []int16 {
		raw, _ := callerid.Encode(messages[8])
		raw[10] ^= 0x10
		x, err := callerid.SynthRaw(raw, callerid.ETSI, callerid.DefaultOptions(-20))
		if err != nil {
			t.Fatal(err)
		}
		return framed(x, 8)
	}},
}

func TestGoldenCorpus(t *testing.T) {
	// Recordings in µ-law, as the recorder stores them, with the messages
	// expected from each. A missing file fails; -update rewrites them.
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			audio := filepath.Join("testdata", "golden", c.name+".ulaw")
			events := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				x := c.make(t)
				b := make([]byte, len(x))
				for i, v := range x {
					b[i] = g711.EncodeUlaw(v)
				}
				if err := os.MkdirAll(filepath.Dir(audio), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(audio, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(audio)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]int16, len(b))
			for i, v := range b {
				x[i] = g711.DecodeUlaw(v)
			}
			r := callerid.NewReceiver()
			var got []goldenMessage
			for _, m := range r.Flush(r.Process(x, 0, nil)) {
				got = append(got, toGolden(m))
			}
			if *update {
				j, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(events, append(j, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			j, err := os.ReadFile(events)
			if err != nil {
				t.Fatal(err)
			}
			var want []goldenMessage
			if err := json.Unmarshal(j, &want); err != nil {
				t.Fatalf("%s: %v", events, err)
			}
			if len(want) == 0 {
				t.Fatalf("%s expects no message", events)
			}
			// Positions within 2 ms: the DTMF detector's estimate of a
			// tone's start may move as it is tuned.
			same := len(got) == len(want)
			for i := 0; same && i < len(got); i++ {
				g, w := got[i], want[i]
				same = g.Start-w.Start <= 16 && w.Start-g.Start <= 16
				g.Start = w.Start
				same = same && g == w
			}
			if !same {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReceiverStreamEveryStandard(t *testing.T) {
	// Every standard in one stream, fed whole and in random chunks: the
	// same messages, in order, at the same positions.
	var in []int16
	for _, c := range corpus {
		in = append(in, c.make(t)...)
	}
	r := callerid.NewReceiver()
	whole := r.Flush(r.Process(in, 0, nil))
	var names []string
	for _, m := range whole {
		names = append(names, string(m.Standard))
	}
	want := []string{"bell202-sdmf", "bell202-mdmf", "etsi-v23", "bt", "dtmf-clip", "ntt", "bell202-mdmf", "etsi-v23"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("standards %v, want %v", names, want)
	}
	for i, m := range whole {
		if (m.Err != nil) != (i == len(whole)-1) {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	r.Reset()
	var parts []callerid.Message
	for i := 0; i < len(in); {
		n := min(len(in)-i, 1+rng.IntN(3000))
		parts = r.Process(in[i:i+n], int64(i), parts)
		i += n
	}
	parts = r.Flush(parts)
	if len(parts) != len(whole) {
		t.Fatalf("chunked: %d messages, whole: %d", len(parts), len(whole))
	}
	for i := range parts {
		if toGolden(parts[i]) != toGolden(whole[i]) {
			t.Errorf("message %d chunked %+v\nwhole %+v", i, parts[i], whole[i])
		}
	}
}
