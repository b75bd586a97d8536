package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

func TestExpected(t *testing.T) {
	s := time.Second
	rendered := []hw.LineEvent{
		{Line: 0, Kind: hw.RingOn, Time: 1 * s},
		{Line: 0, Kind: hw.RingOff, Time: 3 * s},
		{Line: 0, Kind: hw.OffHook, Time: 10 * s},
		{Line: 0, Kind: hw.PolarityReversal, Time: 11 * s},
		{Line: 0, Kind: hw.OnHook, Time: 20 * s},
		{Line: 1, Kind: hw.OffHook, Time: 2 * s},
		{Line: 1, Kind: hw.OnHook, Time: 4 * s}, // too short for a flash
	}
	tests := []struct {
		name   string
		faults bool
		want   string
	}{
		{"as rendered, polarity left out", false, "0 ring-on 1s, 0 ring-off 3s, 0 off-hook 10s, 0 on-hook 20s, 1 off-hook 2s, 1 on-hook 4s"},
		{"faults add the flash, never the bounce", true, "0 ring-on 1s, 0 ring-off 3s, 0 off-hook 10s, 0 hook-flash 15s, 0 on-hook 20s, 1 off-hook 2s, 1 on-hook 4s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Expected(rendered, tc.faults) {
				got = append(got, strings.Join([]string{string(rune('0' + e.Line)), e.Kind.String(), e.Time.String()}, " "))
			}
			if g := strings.Join(got, ", "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestCompareEvents(t *testing.T) {
	ms := time.Millisecond
	want := []hw.LineEvent{
		{Line: 0, Kind: hw.OffHook, Time: 1000 * ms},
		{Line: 0, Kind: hw.OnHook, Time: 5000 * ms},
		{Line: 1, Kind: hw.RingOn, Time: 2000 * ms},
	}
	shift := func(d time.Duration) []hw.LineEvent {
		out := append([]hw.LineEvent{}, want...)
		for i := range out {
			out[i].Time += d
		}
		return out
	}
	digit := append(shift(0), hw.LineEvent{Line: 0, Kind: hw.PulseDigit, Digit: '1', Time: 1010 * ms})
	tests := []struct {
		name  string
		got   []hw.LineEvent
		worst time.Duration
		err   string
	}{
		{"equal", shift(0), 0, ""},
		{"late within the tolerance, any order", []hw.LineEvent{shift(40 * ms)[2], shift(40 * ms)[1], shift(40 * ms)[0]}, 40 * ms, ""},
		{"late beyond", shift(200 * ms), 200 * ms, "0.200 s off"},
		{"a spurious pulse digit", digit, 0, `line 0 pulse-digit '1' at 1.010 s, want line 0 on-hook`},
		{"missing", shift(0)[:2], 0, "missing line 1 ring-on"},
		{"extra", append(shift(0), hw.LineEvent{Line: 1, Kind: hw.RingOff, Time: 3 * time.Second}), 0, "extra line 1 ring-off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			worst, err := CompareEvents(want, tc.got, EventTolerance)
			if tc.err == "" {
				if err != nil || worst != tc.worst {
					t.Fatalf("CompareEvents = %v, %v; want %v, nil", worst, err, tc.worst)
				}
				return
			}
			wantErr(t, err, tc.err)
		})
	}
}

func TestDriveReportCheck(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		rep  driveReport
		err  string
	}{
		{"on time", driveReport{WorstBurst: 3 * ms, WorstRing: 22 * ms}, ""},
		{"stretched past the debounce, still no pulse", driveReport{WorstBurst: 13 * ms}, ""},
		{"bounce stretched", driveReport{WorstBurst: 63 * ms, BurstLine: 1, BurstAt: 3 * time.Second}, "bounce burst on line 1 at 3.000 s"},
		{"ring stalled", driveReport{WorstRing: 120 * ms}, "ring pulses were written 0.120 s apart"},
		{"a flash stretched", driveReport{WorstLate: 837 * ms}, "written 0.837 s after its time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rep.check()
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.err)
			r := Result{}
			r.add("drive", "", err)
			if !r.Inconclusive {
				t.Error("a late stimulus did not make the result inconclusive")
			}
		})
	}
}

func TestCountFlashes(t *testing.T) {
	want := []hw.LineEvent{
		{Line: 0, Kind: hw.OffHook},
		{Line: 0, Kind: hw.HookFlash, Time: time.Second},
		{Line: 2, Kind: hw.HookFlash, Time: 2 * time.Second},
	}
	l0 := `time=2026-11-22T05:28:53.890Z level=INFO msg="hook flash" line=0 call=2` + "\n"
	l2 := `time=2026-11-22T05:29:00.891Z level=INFO msg="hook flash" line=2 call=3` + "\n"
	other := `time=2026-11-22T05:29:05.371Z level=INFO msg="call started" line=3 call=4 direction=outbound` + "\n"
	tests := []struct {
		name, log, err string
	}{
		{"both", l0 + other + l2, ""},
		{"one missing", l0 + other, "line 2: 0 hook flashes logged, want 1"},
		{"one twice", l0 + l0 + l2, "line 0: 2 hook flashes logged, want 1"},
		{"on another line", l0 + l2 + `level=INFO msg="hook flash" line=3 call=4`, "line 3: 1 hook flashes logged, want none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CountFlashes(tc.log, want)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.err)
		})
	}
}

func TestContiguous(t *testing.T) {
	tests := []struct {
		name    string
		pos     []int
		samples []int64
		err     string
	}{
		{"abutting", []int{100, 580100, 1060100}, []int64{580000, 480000, 3000}, ""},
		{"one call", []int{5}, []int64{10}, ""},
		{"a sample lost", []int{100, 580101}, []int64{580000, 10}, "(+1 samples)"},
		{"a sample repeated", []int{100, 580099}, []int64{580000, 10}, "(-1 samples)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Contiguous(tc.pos, tc.samples)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.err)
		})
	}
}

func TestLongConfig(t *testing.T) {
	b, err := longOptions{MaxCall: time.Minute, Label: "hil-lines", Device: "(hw:0,1)"}.config()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := linetap.LoadConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("linetap.LoadConfig: %v\n%s", err, b)
	}
	if len(cfg.Lines) != 2 || cfg.Lines[1].Trigger != linetap.TriggerAlways || time.Duration(cfg.Lines[1].MaxCall) != time.Minute ||
		cfg.Lines[0].GPIO == nil || *cfg.Lines[0].GPIO.Hook != 0 {
		t.Errorf("loaded config %+v", cfg.Lines)
	}
}

func TestPlaceExact(t *testing.T) {
	want := Channel(Signal(1, 40000, 0, 5), 1, 0, 8000) // 8000 zeros, sound, 8000 zeros
	end := 8000 + 40000
	inside := append([]int16{}, want[20000:30000]...)
	early := append(make([]int16, 3000), want[8000:20000]...) // 3000 zeros before the sound: within the pad
	stale := append(append([]int16{}, want[40000:end]...), 5, 6, 7)
	bad := append([]int16{}, inside...)
	bad[9000]++
	tests := []struct {
		name string
		rec  []int16
		at   int
		err  string
	}{
		{"inside", inside, 20000, ""},
		{"begins in the silence", early, 5000, ""},
		{"after the end is not compared", stale, 40000, ""},
		{"one sample off", bad, 20000, "sample 9000 of the call"},
		{"silent", make([]int16, 100), 0, "silent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, err := PlaceExact(want, tc.rec, end)
			if tc.err == "" {
				if err != nil || at != tc.at {
					t.Fatalf("PlaceExact = %d, %v; want %d", at, err, tc.at)
				}
				return
			}
			wantErr(t, err, tc.err)
		})
	}
}

// CountFlashes parses linetapd's log: any text is an answer or an error,
// never a panic, and a flash counted is one the log names.
func FuzzCountFlashes(f *testing.F) {
	f.Add(`level=INFO msg="hook flash" line=0 call=2` + "\n")
	f.Add(`msg="hook flash" line=`)
	f.Add(`msg="hook flash" line=x`)
	f.Add(`msg="hook flash" line= 00`)
	want := []hw.LineEvent{{Line: 0, Kind: hw.HookFlash}}
	f.Fuzz(func(t *testing.T, log string) {
		if _, err := CountFlashes(log, want); err == nil && !strings.Contains(log, `msg="hook flash" line=0`) {
			t.Fatalf("a flash on line 0 counted in %q", log)
		}
	})
}
