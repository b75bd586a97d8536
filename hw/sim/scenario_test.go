package sim_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw/sim"
)

func TestParseScenario(t *testing.T) {
	sc, err := sim.ParseScenario(strings.NewReader(`# comment
length 100s   # trailing comment
noise -70
inbound line=2 at=1.5s country=uk cid=etsi-v23 number=0123 name="J  BLOGGS" date=12312359 rings=2 pickup=500ms talk=1m hangup=far busy=2s near=-10 far=-25 cid-level=-20
outbound line=0 at=0s digits=*12#AD tone-on=70ms tone-off=80ms dialtone=0s postdial=0s ringback=0 reversal=yes dtmf-level=-6 talk=5s
`))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Duration() != 100*time.Second || sc.Lines() != 3 {
		t.Fatalf("Duration %v Lines %d", sc.Duration(), sc.Lines())
	}
	c := sc.Calls()
	if len(c) != 2 || !c[0].Outbound || c[1].Outbound {
		t.Fatalf("calls %+v", c)
	}
	out, in := c[0], c[1]
	if in.Source != 4 || in.Line != 2 || in.At != 1500*time.Millisecond || in.Country != "UK" ||
		in.CallerID.Name != "J  BLOGGS" || in.CallerID.DateTime != "12312359" || in.Rings != 2 ||
		in.Pickup != 500*time.Millisecond || in.Talk != time.Minute || !in.FarHangUp || in.Busy != 2*time.Second ||
		in.NearDBm0 != -10 || in.FarDBm0 != -25 || in.CIDDBm0 != -20 {
		t.Fatalf("inbound %+v", in)
	}
	// UK ring: 0.4/0.2/0.4/2.0 s, so the second ring ends at 1.5+3+1 s;
	// the answer is pickup later.
	if in.Answer != 1500*time.Millisecond+4*time.Second+500*time.Millisecond {
		t.Fatalf("inbound answered at %v", in.Answer)
	}
	if out.Digits != "*12#AD" || out.ToneOn != 70*time.Millisecond || out.ToneOff != 80*time.Millisecond ||
		out.Ringback != 0 || !out.Reversal || out.DTMFDBm0 != -6 || out.FarHangUp {
		t.Fatalf("outbound %+v", out)
	}
	// off-hook, dial-tone delay, 6 digits of 150 ms, answered at once.
	if want := 80*time.Millisecond + 6*150*time.Millisecond; out.Answer != want || out.End != want+5*time.Second {
		t.Fatalf("outbound answer %v end %v, want %v", out.Answer, out.End, want)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	const in = "inbound line=0 at=0s rings=2 talk=5s"
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown keyword", "\ncall line=0", "line 2: unknown keyword \"call\""},
		{"unknown key", "inbound line=0 at=0s rings=1 talk=2s colour=red", "line 1: inbound: unknown field \"colour\""},
		{"outbound key on inbound", in + " digits=1", "unknown field \"digits\""},
		{"not key=value", "inbound line=0 at", "\"at\" is not key=value"},
		{"duplicate", in + " line=1", "line given twice"},
		{"missing line", "inbound at=0s rings=1 talk=1s", "line: missing"},
		{"missing at", "inbound line=0 rings=1 talk=1s", "at: missing"},
		{"missing rings", "inbound line=0 at=0s talk=1s", "rings: missing"},
		{"missing talk", "inbound line=0 at=0s rings=1", "talk: missing"},
		{"bad line", "inbound line=x at=0s rings=1 talk=1s", "line: \"x\" is not a whole number"},
		{"line too big", "inbound line=64 at=0s rings=1 talk=1s", "line: \"64\""},
		{"negative at", "inbound line=0 at=-1s rings=1 talk=1s", "at: \"-1s\""},
		{"unitless at", "inbound line=0 at=5 rings=1 talk=1s", "at: \"5\""},
		{"zero rings", "inbound line=0 at=0s rings=0 talk=1s", "rings: \"0\""},
		{"bad country", in + " country=XX", "country:"},
		{"bad hangup", in + " hangup=both", "hangup: \"both\""},
		{"bad answer", "inbound line=0 at=0s rings=1 answer=maybe", "answer: \"maybe\""},
		{"talk unanswered", "inbound line=0 at=0s rings=1 answer=no talk=1s", "talk: makes no sense"},
		{"bad level", in + " near=loud", "near: \"loud\""},
		{"level too high", in + " far=3", "far: \"3\""},
		{"bad cid", in + " cid=dtmf number=1", "cid: \"dtmf\""},
		{"number without cid", in + " number=123", "number: needs a caller-ID standard"},
		{"cid without number", in + " cid=bell202-mdmf", "number: missing"},
		{"number and absence", in + " cid=bell202-mdmf number=1 absence=P", "absence: given with a number"},
		{"bad absence", in + " cid=bell202-mdmf absence=X", "absence: \"X\""},
		{"sdmf name", in + " cid=bell202-sdmf number=1 name=BOB", "SDMF carries no name"},
		{"bad date", in + " cid=bell202-sdmf number=1 date=1231", "date: \"1231\""},
		{"name too long", in + " cid=bell202-mdmf number=1 name=ABCDEFGHIJKLMNOPQRSTUVWXYZ", "cid:"},
		{"pickup too long", "inbound line=0 at=0s rings=2 pickup=30s talk=1s", "pickup: 30s is longer"},
		{"missing digits", "outbound line=0 at=0s talk=1s", "digits: missing"},
		{"bad digit", "outbound line=0 at=0s digits=12x talk=1s", "digits:"},
		{"short tone", "outbound line=0 at=0s digits=1 tone-on=5ms talk=1s", "tone-on: \"5ms\""},
		{"bad reversal", "outbound line=0 at=0s digits=1 reversal=1 talk=1s", "reversal: \"1\""},
		{"empty value", "outbound line=0 at=0s digits= talk=1s", "digits: empty"},
		{"overlap", in + "\n" + "outbound line=0 at=10s digits=1 talk=1s", "line 2: line=0: the call overlaps the one of line 1"},
		{"length short", "length 5s\n" + in, "line 1: length 5s is shorter"},
		{"length twice", "length 50s\nlength 60s", "line 2: length: given twice"},
		{"bad length", "length forever", "length: \"forever\""},
		{"bad noise", "noise -5", "noise: \"-5\""},
		{"noise args", "noise", "noise: want"},
		{"unterminated quote", in + " cid=etsi-v23 number=1 name=\"BOB", "unterminated quote"},
		{"quote in key", "inbound \"line\"=0", "quote at column 9"},
		{"text after quote", in + " cid=etsi-v23 number=1 name=\"BOB\"BY", "after a closing quote"},
		{"nothing", "# only a comment\n", "no calls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.ParseScenario(strings.NewReader(tc.text))
			if !errors.Is(err, sim.ErrScenario) {
				t.Fatalf("err = %v, want ErrScenario", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestScenarioFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "sim", "*.scn"))
	if err != nil || len(files) < 3 {
		t.Fatalf("scenario files: %v %v", files, err)
	}
	files = append(files, "default.scn")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := sim.ParseScenario(strings.NewReader(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			r := readAll(t, newBank(t, sc, sim.Options{Lines: sc.Lines(), Seed: 1}), 800, 1<<30)
			// Every call's line goes through its states in order.
			state := map[int]string{}
			for _, e := range r.events {
				prev := state[e.Line]
				ok := false
				switch e.Kind.String() {
				case "ring-on":
					ok = prev == "" || prev == "ring-off" || prev == "on-hook"
				case "ring-off":
					ok = prev == "ring-on"
				case "off-hook":
					ok = prev != "off-hook" && prev != "ring-on" && prev != "polarity-reversal"
				case "polarity-reversal":
					ok = prev == "off-hook"
				case "on-hook":
					ok = prev == "off-hook" || prev == "polarity-reversal"
				}
				if !ok {
					t.Fatalf("line %d: %s after %q at %v", e.Line, e.Kind, prev, e.Time-origin)
				}
				state[e.Line] = e.Kind.String()
			}
		})
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{
		"inbound line=0 at=0s rings=2 talk=5s",
		"length 30s\nnoise -60\noutbound line=1 at=1s digits=123 talk=2s hangup=far busy=1s reversal=yes",
		"inbound line=0 at=0s country=UK cid=etsi-v23 number=1 name=\"A B\" rings=1 answer=no",
		"inbound line=0 at=0s cid=bell202-sdmf absence=P rings=3 pickup=0s talk=1s\n",
		"inbound line=0 at=0s rings=1 talk=1s\ninbound line=0 at=2s rings=1 talk=1s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sc, err := sim.ParseScenario(strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, sim.ErrScenario) || !strings.Contains(err.Error(), "line ") && !strings.Contains(err.Error(), "no calls") {
				t.Fatalf("error without ErrScenario or a line number: %v", err)
			}
			return
		}
		if sc.Duration() <= 0 || sc.Lines() > sim.MaxLines {
			t.Fatalf("Duration %v Lines %d", sc.Duration(), sc.Lines())
		}
		for _, c := range sc.Calls() {
			if c.End < c.At || c.End > sc.Duration() || (c.Answered && c.Answer < c.At) {
				t.Fatalf("call timeline %+v in a %v pass", c, sc.Duration())
			}
		}
		if sc.Duration() < 10*time.Minute && sc.Lines() > 0 {
			b, err := sim.New(sc, sim.Options{Lines: sc.Lines()})
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]int16, 800*sc.Lines())
			for range 20 {
				if _, _, err := b.Read(buf); err != nil {
					break
				}
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
