package wavfile_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/wavfile"
)

func TestParseEvents(t *testing.T) {
	got, err := wavfile.ParseEvents(strings.NewReader("  \n# c\n1.5\t3  ring-on  \n0.000000001 63 polarity-reversal\n12 0 on-hook#x\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []hw.LineEvent{
		{Time: 1500 * time.Millisecond, Line: 3, Kind: hw.RingOn},
		{Time: 1, Line: 63, Kind: hw.PolarityReversal},
		{Time: 12 * time.Second, Line: 0, Kind: hw.OnHook},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseEventsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"too few fields", "1 0\n", "line 1: 2 fields"},
		{"too many fields", "\n1 0 ring-on x\n", "line 2: 4 fields"},
		{"negative time", "-1 0 ring-on\n", "line 1: seconds \"-1\""},
		{"plus sign", "+1 0 ring-on\n", "seconds"},
		{"exponent", "1e3 0 ring-on\n", "seconds"},
		{"bare dot", "1. 0 ring-on\n", "seconds"},
		{"leading dot", ".5 0 ring-on\n", "seconds"},
		{"ten fraction digits", "0.1234567891 0 ring-on\n", "9 fractional"},
		{"huge", "99999999999999999999 0 ring-on\n", "too large"},
		{"bad line", "1 x ring-on\n", "line \"x\""},
		{"negative line", "1 -1 ring-on\n", "line \"-1\""},
		{"line too big", "1 64 ring-on\n", "line \"64\""},
		{"padded line", "1 01 ring-on\n", "line \"01\""},
		{"bad kind", "0 0 ringing\n", "line 1: kind"},
		{"empty kind name", "3 1 EventKind(0)\n", "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wavfile.ParseEvents(strings.NewReader(tc.in))
			if !errors.Is(err, wavfile.ErrEvents) {
				t.Fatalf("err = %v, want ErrEvents", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestWriteEventsRejects(t *testing.T) {
	for _, e := range []hw.LineEvent{
		{Time: -1, Kind: hw.RingOn},
		{Line: 64, Kind: hw.RingOn},
		{Line: 0, Kind: 0},
		{Line: 0, Kind: 99},
	} {
		if err := wavfile.WriteEvents(&bytes.Buffer{}, []hw.LineEvent{e}); !errors.Is(err, wavfile.ErrEvents) {
			t.Errorf("WriteEvents(%+v) = %v", e, err)
		}
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add("0 0 ring-on\n1.25 1 ring-off\n")
	f.Add("# comment\n\n3.000000001 63 polarity-reversal # x\n")
	f.Add("1 0\n")
	f.Add("9223372035 0 on-hook\n")
	f.Fuzz(func(t *testing.T, in string) {
		evs, err := wavfile.ParseEvents(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, wavfile.ErrEvents) {
				t.Fatalf("error not ErrEvents: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := wavfile.WriteEvents(&out, evs); err != nil {
			t.Fatalf("parsed events do not write: %v", err)
		}
		back, err := wavfile.ParseEvents(&out)
		if err != nil {
			t.Fatalf("written events do not parse: %v\n%s", err, out.String())
		}
		if len(back) != len(evs) {
			t.Fatalf("round trip: %d events, want %d", len(back), len(evs))
		}
		for i := range evs {
			if back[i] != evs[i] {
				t.Fatalf("round trip: event %d = %+v, want %+v", i, back[i], evs[i])
			}
		}
	})
}

func FuzzNew(f *testing.F) {
	var canonical bytes.Buffer
	canonical.WriteString("RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x04\x00\x00\x00\x01\x00\xff\xff")
	f.Add(canonical.Bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := wavfile.New(bytes.NewReader(data), "fuzz", wavfile.Options{})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		buf := make([]int16, 64*src.Format().Channels)
		for range 1000 {
			if _, _, err := src.Read(buf); err != nil {
				break
			}
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
