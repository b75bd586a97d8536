package main

// An internal test: package main cannot be imported by a _test package.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignal(t *testing.T) {
	a := Signal(8, 100, 10, 1)
	b := Signal(8, 100, 10, 1)
	c := Signal(8, 100, 10, 2)
	if len(a) != 110*8 {
		t.Fatalf("len = %d, want %d", len(a), 110*8)
	}
	if !equal(a, b) {
		t.Error("same seed, different signals")
	}
	if equal(a, c) {
		t.Error("different seeds, same signal")
	}
	for i := 100 * 8; i < len(a); i++ {
		if a[i] != 0 {
			t.Fatalf("padding sample %d = %d, want 0", i, a[i])
		}
	}
	for ch := 0; ch < 8; ch++ {
		if a[ch] == 0 {
			t.Errorf("frame 0 channel %d is silent", ch)
		}
	}
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSamplesRoundTrip(t *testing.T) {
	s := []int16{0, 1, -1, 32767, -32768, 0x1234}
	got, err := Samples(Bytes(s))
	if err != nil || !equal(got, s) {
		t.Fatalf("Samples(Bytes(%v)) = %v, %v", s, got, err)
	}
	if _, err := Samples([]byte{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "3 bytes") {
		t.Errorf("odd length: err = %v, want one naming 3 bytes", err)
	}
}

func TestFind(t *testing.T) {
	const ch = 2
	want := Signal(ch, 50, 0, 7)
	lead := make([]int16, 13*ch)
	tail := make([]int16, 5*ch)
	capture := append(append(append([]int16{}, lead...), want...), tail...)
	damaged := append([]int16{}, capture...)
	damaged[(13+20)*ch+1]++
	short := capture[:(13+49)*ch]
	tests := []struct {
		name    string
		capture []int16
		want    []int16
		ch      int
		off     int
		err     error
		errText string
	}{
		{"at 13 frames", capture, want, ch, 13, nil, ""},
		{"at 0", want, want, ch, 0, nil, ""},
		{"one sample off", damaged, want, ch, 0, ErrMismatch, "of 100 samples matched"},
		{"truncated", short, want, ch, 0, ErrMismatch, ""},
		{"ragged frames", capture[1:], want, ch, 0, nil, "whole frames"},
		{"nothing wanted", capture, nil, ch, 0, nil, "nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off, err := Find(tc.capture, tc.want, tc.ch)
			switch {
			case tc.err == nil && tc.errText == "":
				if err != nil || off != tc.off {
					t.Fatalf("Find = %d, %v; want %d, nil", off, err, tc.off)
				}
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("Find err = %v, want %v", err, tc.err)
			case err == nil || !strings.Contains(err.Error(), tc.errText):
				t.Fatalf("Find err = %v, want one containing %q", err, tc.errText)
			}
		})
	}
}

func TestResultLine(t *testing.T) {
	tests := []struct {
		name   string
		errs   []error
		prefix string
	}{
		{"all pass", []error{nil, nil}, `HIL-RESULT {"test":"smoke","arch":"x","pass":true,`},
		{"one fails", []error{nil, errors.New("boom")}, `HIL-RESULT {"test":"smoke","arch":"x","pass":false,`},
		{"no checks", nil, `HIL-RESULT {"test":"smoke","arch":"x","pass":false,`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{Test: "smoke", Arch: "x"}
			for i, e := range tc.errs {
				r.add(string(rune('a'+i)), "ok", e)
			}
			var b bytes.Buffer
			if err := r.finish(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), tc.prefix) || !strings.HasSuffix(b.String(), "}\n") {
				t.Errorf("line = %q, want prefix %q", b.String(), tc.prefix)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"nope"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `"nope"`) {
		t.Errorf("run(nope) = %d, stderr %q", code, errb.String())
	}
	if code := run(nil, &out, &errb); code != 2 {
		t.Errorf("run() = %d, want 2", code)
	}
}

func FuzzSamples(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Samples(b)
		if len(b)%2 != 0 {
			if err == nil {
				t.Fatal("odd length accepted")
			}
			return
		}
		if err != nil || !bytes.Equal(Bytes(s), b) {
			t.Fatalf("round trip of %x failed: %v", b, err)
		}
	})
}

func TestListingHas(t *testing.T) {
	out := "-1\t\"hw:CARD=Loopback,DEV=1\"\t32 channels\t8000 Hz\n3\t\"Loopback: PCM (hw:0,1)\"\t32 channels\t44100 Hz\n"
	tests := []struct {
		device string
		ok     bool
	}{
		{"hw:CARD=Loopback,DEV=1", true},
		{"Loopback: PCM (hw:0,1)", true},
		{"hw:CARD=Loopback,DEV=0", false},
		{"Loopback", false},
	}
	for _, tt := range tests {
		t.Run(tt.device, func(t *testing.T) {
			line, err := ListingHas(out, tt.device)
			if (err == nil) != tt.ok {
				t.Fatalf("ListingHas(%q) = %q, %v", tt.device, line, err)
			}
			if tt.ok && !strings.Contains(line, tt.device) {
				t.Errorf("line %q", line)
			}
		})
	}
}

func TestUnderrunWriter(t *testing.T) {
	var sink strings.Builder
	u := &underrunWriter{w: &sink}
	for _, s := range []string{"Playing raw data 'stdin'\n", "underrun!!! (at least 12.686 ms long)\n", "x underrun!!! y underrun!!!\n"} {
		if _, err := u.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if n := u.n.Load(); n != 3 {
		t.Errorf("%d underruns counted, want 3", n)
	}
	if !strings.HasPrefix(sink.String(), "Playing raw data") || !strings.HasSuffix(sink.String(), "y underrun!!!\n") {
		t.Errorf("output not passed on: %q", sink.String())
	}
}

func TestCheckAlarms(t *testing.T) {
	const lost = `level=ERROR msg="ALARM: sound card lost" err="sound card lost: no such device"` + "\n"
	tests := []struct {
		name, log string
		ok        bool
	}{
		{"one card", lost + `level=INFO msg="alarm cleared: sound card back"` + "\n", true},
		{"one of several", lost + `level=INFO msg="sound card back" card=1 device=""` + "\n", true},
		{"never back", lost, false},
		{"back before lost", `level=INFO msg="sound card back" card=1` + "\n" + lost, false},
		{"never lost", `level=INFO msg="sound card back" card=1` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "linetapd.log")
			if err := os.WriteFile(p, []byte(tt.log), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := checkAlarms(p); (err == nil) != tt.ok {
				t.Errorf("checkAlarms: %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestCheckOverrun(t *testing.T) {
	const overrun = `level=WARN msg="sound card overrun: input was dropped" device="hw:CARD=Loopback,DEV=1"` + "\n"
	const gap = `level=WARN msg="audio gap filled with silence" cause=overrun at=33s length=1.02s` + "\n"
	tests := []struct {
		name, log string
		ok        bool
	}{
		{"overrun and gap", overrun + gap, true},
		{"overrun, nothing missing", overrun, false},
		{"drift gap only", `level=WARN msg="audio gap filled with silence" cause="clock drift"` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "linetapd.log")
			if err := os.WriteFile(p, []byte(tt.log), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := checkOverrun(p); (err == nil) != tt.ok {
				t.Errorf("checkOverrun: %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// wantErr fails the test unless err is an error whose text contains want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}
