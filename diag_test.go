package linetap_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/hw"
)

// volts is a fake hw.Voltmeter.
type volts map[int]float64

func (v volts) LineVoltage(line int) (float64, bool) { x, ok := v[line]; return x, ok }

// withAudio adds x to channel ch's hiss from position at.
func withAudio(base func(int, int64) int16, ch int, at int64, x []int16) func(int, int64) int16 {
	return func(c int, pos int64) int16 {
		s := int32(base(c, pos))
		if c == ch && pos >= at && pos < at+int64(len(x)) {
			s += int32(x[pos-at])
		}
		return int16(max(-32768, min(32767, s)))
	}
}

func TestDiagnostics(t *testing.T) {
	good, err := callerid.Synth(callerid.Message{Standard: callerid.Bell202MDMF, DateTime: "03141592",
		Number: "5551234", Name: "ALICE"}, -12)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := callerid.Encode(callerid.Message{Standard: callerid.Bell202MDMF, Number: "5559876"})
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x5A // a wrong checksum
	bad, err := callerid.SynthRaw(raw, callerid.Bell202MDMF, callerid.DefaultOptions(-12))
	if err != nil {
		t.Fatal(err)
	}
	sample := withAudio(withAudio(hiss, 0, 4*rate, good), 0, 25*rate, bad)
	clipping := func(ch int, pos int64) int16 {
		if ch == 0 && pos >= rate && pos < 1.5*rate { // ringing clips the input
			if pos%2 == 0 {
				return 32767
			}
			return -32768
		}
		return sample(ch, pos)
	}
	r := newRun(t, 2, 30*rate, []hw.LineEvent{
		ev(0, hw.RingOn, 1), ev(0, hw.RingOff, 3), ev(0, hw.RingOn, 7), ev(0, hw.RingOff, 9),
		ev(0, hw.OffHook, 10), ev(0, hw.PolarityReversal, 12), ev(0, hw.HookFlash, 14), ev(0, hw.OnHook, 20),
	}, clipping)
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store,
		Now: func() time.Time { return epoch }, Voltmeter: volts{0: 47.5}})
	if err != nil {
		t.Fatal(err)
	}
	before := e.Diagnostics()
	if len(before) != 2 || before[0].LastRing != nil || len(before[0].Hook) != 0 || before[0].NoiseFloorDBm0 != -100 {
		t.Errorf("before any audio: %+v", before)
	}
	r.engine = e
	if err := runEngine(e); err != nil {
		t.Fatal(err)
	}
	d := e.Diagnostics()
	at := func(s float64) time.Time { return epoch.Add(sec(s)) }
	l0 := d[0]
	if l0.Line != 0 || l0.Name != "Line 1" || l0.State != linetap.LineIdle {
		t.Errorf("line 0: %+v", l0)
	}
	if want := (&linetap.RingDiag{At: at(1), CadenceMS: []int{2000, 4000, 2000}}); !reflect.DeepEqual(l0.LastRing, want) {
		t.Errorf("last ring %+v, want %+v", l0.LastRing, want)
	}
	wantHook := []linetap.HookDiag{{At: at(20), Event: "on-hook"}, {At: at(14), Event: "hook-flash"},
		{At: at(12), Event: "polarity-reversal"}, {At: at(10), Event: "off-hook"}}
	if !reflect.DeepEqual(l0.Hook, wantHook) {
		t.Errorf("hook events %+v, want %+v", l0.Hook, wantHook)
	}
	if l0.Clipping != 25 || !l0.LastClip.Equal(at(1.48)) {
		t.Errorf("clipping %d blocks, last %v; want 25, %v", l0.Clipping, l0.LastClip, at(1.48))
	}
	if !l0.LastCall.Equal(at(1)) {
		t.Errorf("last call %v, want %v", l0.LastCall, at(1))
	}
	if l0.VoltageV == nil || *l0.VoltageV != 47.5 || d[1].VoltageV != nil {
		t.Errorf("voltages %v, %v; want 47.5 and none", l0.VoltageV, d[1].VoltageV)
	}
	// The line's hiss is ±300 LSB: about −43 dBm0.
	if l0.NoiseFloorDBm0 < -50 || l0.NoiseFloorDBm0 > -35 {
		t.Errorf("noise floor %.1f dBm0, want about −43", l0.NoiseFloorDBm0)
	}
	if len(l0.CallerID) != 2 {
		t.Fatalf("caller ID decodes %+v, want the damaged one and ALICE", l0.CallerID)
	}
	dmg, ok := l0.CallerID[0], l0.CallerID[1]
	if dmg.Error == "" || !strings.Contains(dmg.Error, "checksum") || dmg.Number != "" || dmg.At.Before(at(25)) {
		t.Errorf("damaged message %+v", dmg)
	}
	if ok.Number != "5551234" || ok.Name != "ALICE" || ok.Standard != "bell202-mdmf" || ok.Error != "" ||
		ok.At.Before(at(4)) || ok.At.After(at(5)) {
		t.Errorf("caller ID %+v", ok)
	}
	if d[1].LastRing != nil || len(d[1].CallerID) != 0 || d[1].Clipping != 0 || !d[1].LastCall.IsZero() {
		t.Errorf("quiet line 1: %+v", d[1])
	}

	m := l0.Masked()
	if m.CallerID[1].Number != "•••••34" || m.CallerID[1].Name != "" || l0.CallerID[1].Number != "5551234" {
		t.Errorf("masked %+v (original %+v)", m.CallerID[1], l0.CallerID[1])
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"5551234", "ALICE", "555"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("masked diagnostics show %q: %s", leak, b)
		}
	}
	for _, key := range []string{`"noise_floor_dbm0":`, `"last_ring":{"at":`, `"cadence_ms":[2000,4000,2000]`,
		`"callerid":[`, `"hook":[`, `"voltage_v":47.5`, `"last_call":`, `"clipping":25`, `"last_clip":`, `"level_dbm0":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

func TestMaskNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"5551234", "•••••34"},
		{"", ""},
		{"7", "7"},
		{"12", "12"},
		{"+44 20 7946 0999", "••••••••••••••99"},
		{"0123456789", "••••••••89"},
		{"P", "•"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := linetap.MaskNumber(tc.in); got != tc.want {
				t.Errorf("MaskNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// runEngine runs e to the end of its source.
func runEngine(e *linetap.Engine) error { return e.Run(context.Background()) }
