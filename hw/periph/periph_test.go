package periph_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/periph"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

const ms = time.Millisecond

// segment is a stretch of constant line voltage (or a ringing swing).
type segment struct {
	d    time.Duration
	v    float64
	ring bool // ±90 V around v, alternating sample by sample
}

// replay feeds 10 ms samples of the segments to a monitor.
func replay(t *testing.T, segs []segment) (string, string) {
	t.Helper()
	m, err := periph.NewMonitor(2, periph.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	var ev []hw.LineEvent
	var al []periph.Alarm
	var at time.Duration
	for _, s := range segs {
		for end := at + s.d; at < end; at += 10 * ms {
			v := s.v
			if s.ring {
				v += 90 * float64(1-2*(int(at/(10*ms))%2))
			}
			ev, al = m.Sample(at, v, ev, al)
		}
	}
	var a, b []string
	for _, e := range ev {
		a = append(a, fmt.Sprintf("%v@%v", e.Kind, e.Time))
	}
	for _, x := range al {
		b = append(b, fmt.Sprintf("dead=%v@%v", x.Dead, x.Time))
	}
	return strings.Join(a, " "), strings.Join(b, " ")
}

func TestMonitor(t *testing.T) {
	for _, tc := range []struct {
		name         string
		segs         []segment
		want, alarms string
	}{
		{"call", []segment{{time.Second, 48, false}, {2 * time.Second, 8, false}, {time.Second, 48, false}},
			"off-hook@1s on-hook@3s", ""},
		{"starts off-hook", []segment{{time.Second, 10, false}, {time.Second, 50, false}}, "off-hook@0s on-hook@1s", ""},
		// A high-resistance line: on-hook 30 V, off-hook 14 V. After the
		// threshold has learnt 30 V, 14 V is off-hook although above 9+48/2.
		{"adapts to the line", []segment{{10 * time.Second, 30, false}, {time.Second, 14, false}, {time.Second, 30, false}},
			"off-hook@10s on-hook@11s", ""},
		{"short dip ignored", []segment{{time.Second, 48, false}, {30 * ms, 8, false}, {time.Second, 48, false}}, "", ""},
		{"reversal", []segment{{time.Second, 48, false}, {time.Second, -48, false}, {40 * ms, 48, false}, {time.Second, -48, false}},
			"polarity-reversal@1s", ""},
		{"answer by reversal", []segment{{time.Second, 48, false}, {time.Second, 8, false}, {time.Second, -8, false}},
			"off-hook@1s polarity-reversal@2s", ""},
		{"dead line", []segment{{time.Second, 48, false}, {time.Second, 1, false}, {time.Second, 48, false}},
			"", "dead=true@1s dead=false@2s"},
		{"battery blip not dead", []segment{{time.Second, 48, false}, {50 * ms, 0, false}, {time.Second, 48, false}}, "", ""},
		{"ringing", []segment{{time.Second, 48, false}, {2 * time.Second, 48, true}, {4 * time.Second, 48, false}, {2 * time.Second, 48, true}, {time.Second, 48, false}},
			"ring-on@1s ring-off@3s ring-on@7s ring-off@9s", ""},
		{"answered while ringing", []segment{{time.Second, 48, false}, {time.Second, 48, true}, {time.Second, 8, false}},
			"ring-on@1s ring-off@2s off-hook@2.3s", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, alarms := replay(t, tc.segs)
			if got != tc.want || alarms != tc.alarms {
				t.Errorf("events %q alarms %q\nwant   %q alarms %q", got, alarms, tc.want, tc.alarms)
			}
		})
	}
}

func TestThresholdIsMidpoint(t *testing.T) {
	m, err := periph.NewMonitor(0, periph.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	var at time.Duration
	feed := func(v float64, d time.Duration) {
		for end := at + d; at < end; at += 10 * ms {
			m.Sample(at, v, nil, nil)
		}
	}
	feed(52, 5*time.Second)
	feed(11, 5*time.Second)
	if th := m.Threshold(); math.Abs(th-(52+11)/2.0) > 0.5 {
		t.Errorf("threshold %.2f V, want the midpoint %.1f", th, (52+11)/2.0)
	}
	if !m.OffHook() || m.Volts() != 11 {
		t.Errorf("state off-hook=%v volts=%v", m.OffHook(), m.Volts())
	}
}

func TestBadThresholds(t *testing.T) {
	th := periph.DefaultThresholds()
	th.OffHookVolts = 60
	if _, err := periph.NewMonitor(0, th); !errors.Is(err, periph.ErrConfig) {
		t.Errorf("err %v", err)
	}
}

// conversion is the I2C traffic of one ADS1115 single-shot conversion
// (SBAS444 §9.5.3, §9.6): write the Config register (pointer 01h) with
// OS=1 (start), MUX, PGA, MODE=1 (single-shot), DR=111 (860 SPS) and
// COMP_QUE=11 (comparator off); then set the pointer to the Conversion
// register (00h) and read its two bytes, big-endian two's complement.
func conversion(addr uint16, config uint16, result int16) []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: addr, W: []byte{0x01, byte(config >> 8), byte(config)}},
		{Addr: addr, W: []byte{0x00}, R: []byte{byte(uint16(result) >> 8), byte(uint16(result))}},
	}
}

func TestADS1115RegisterTraffic(t *testing.T) {
	const (
		// OS | MUX 000 (AIN0−AIN1) | PGA 010 (±2.048 V) | MODE | DR 111 | COMP_QUE 11
		cfg01 = 0x8000 | 0<<12 | 0x2<<9 | 0x0100 | 0x7<<5 | 0x3
		// OS | MUX 011 (AIN2−AIN3) | PGA 001 (±4.096 V) | MODE | DR 111 | COMP_QUE 11
		cfg23 = 0x8000 | 3<<12 | 0x1<<9 | 0x0100 | 0x7<<5 | 0x3
		// OS | MUX 101 (AIN1−GND) | PGA 000 (±6.144 V) | MODE | DR 111 | COMP_QUE 11
		cfg1 = 0x8000 | 5<<12 | 0x0<<9 | 0x0100 | 0x7<<5 | 0x3
	)
	var ops []i2ctest.IO
	ops = append(ops, conversion(0x48, cfg01, 16384)...)  // +1.024 V
	ops = append(ops, conversion(0x48, cfg23, -4096)...)  // −0.512 V
	ops = append(ops, conversion(0x49, cfg1, 8192)...)    // +1.536 V
	ops = append(ops, conversion(0x48, cfg01, -32768)...) // −2.048 V
	bus := &i2ctest.Playback{Ops: ops, DontPanic: true}
	meters, err := periph.NewADS1115(bus, []periph.ADCInput{
		{Address: 0x48, Input: "0-1", Scale: 46.5, FullScaleMV: 2048},
		{Address: 0x48, Input: "2-3", Scale: 20, FullScaleMV: 4096},
		{Address: 0x49, Input: "1", Scale: 10, FullScaleMV: 6144},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{1.024 * 46.5, -0.512 * 20, 1.536 * 10, -2.048 * 46.5} {
		v, err := meters[[]int{0, 1, 2, 0}[i]].Volts()
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if math.Abs(v-want) > 1e-6 {
			t.Errorf("read %d: %.6f V, want %.6f", i, v, want)
		}
	}
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
	for _, bad := range []periph.ADCInput{
		{Address: 0x48, Input: "1-2", Scale: 1, FullScaleMV: 2048},
		{Address: 0x40, Input: "0-1", Scale: 1, FullScaleMV: 2048},
		{Address: 0x48, Input: "0-1", Scale: 0, FullScaleMV: 2048},
	} {
		if _, err := periph.NewADS1115(bus, []periph.ADCInput{bad}); !errors.Is(err, periph.ErrConfig) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestBusNumber(t *testing.T) {
	for in, want := range map[string]int{"": 1, "1": 1, "/dev/i2c-3": 3, "i2c-0": 0} {
		if n, err := periph.BusNumber(in); err != nil || n != want {
			t.Errorf("%q: %d, %v", in, n, err)
		}
	}
	if _, err := periph.BusNumber("/dev/spidev0.0"); !errors.Is(err, periph.ErrConfig) {
		t.Errorf("spidev: %v", err)
	}
}

// script is a Voltmeter whose reading is a function of a virtual clock.
type script struct {
	mu  *sync.Mutex
	now *time.Duration
	v   func(time.Duration) (float64, error)
}

func (s script) Volts() (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v(*s.now)
}

func TestSensor(t *testing.T) {
	var mu sync.Mutex
	var now time.Duration
	clock := func() time.Duration { mu.Lock(); defer mu.Unlock(); return now }
	sleep := func(d time.Duration) { mu.Lock(); now += d; mu.Unlock() }
	hookLine := script{&mu, &now, func(t time.Duration) (float64, error) {
		if t >= time.Second && t < 3*time.Second {
			return 9, nil
		}
		return 47, nil
	}}
	deadLine := script{&mu, &now, func(t time.Duration) (float64, error) {
		if t >= 2*time.Second {
			return 0.5, nil
		}
		return -50, nil
	}}
	var alarms []periph.Alarm
	var amu sync.Mutex
	s, err := periph.NewSensor([]periph.Voltmeter{hookLine, deadLine}, []int{0, 5}, periph.Options{
		Now: clock, Sleep: sleep,
		OnAlarm: func(a periph.Alarm) { amu.Lock(); alarms = append(alarms, a); amu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		select {
		case e := <-s.Events():
			got = append(got, fmt.Sprintf("%d %v@%v", e.Line, e.Kind, e.Time))
		case <-time.After(10 * time.Second): // a hang guard
			t.Fatalf("events so far: %v", got)
		}
	}
	if strings.Join(got, ", ") != "0 off-hook@1s, 0 on-hook@3s" {
		t.Errorf("events %v", got)
	}
	if v := s.Voltage(1); v != 0.5 {
		t.Errorf("live voltage of line 5: %v", v)
	}
	if !math.IsNaN(s.Voltage(7)) {
		t.Error("voltage of a line that does not exist")
	}
	// By phone line (hw.Voltmeter): meter 1 is line 5.
	if v, ok := s.LineVoltage(5); !ok || v != 0.5 {
		t.Errorf("LineVoltage(5) = %v, %v", v, ok)
	}
	if _, ok := s.LineVoltage(1); ok {
		t.Error("LineVoltage of a line without a meter")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-s.Events(); ok {
		t.Error("events not closed")
	}
	amu.Lock()
	defer amu.Unlock()
	if len(alarms) != 1 || alarms[0].Line != 5 || !alarms[0].Dead || alarms[0].Time != 2*time.Second {
		t.Errorf("alarms %+v", alarms)
	}
	if _, err := periph.NewSensor([]periph.Voltmeter{hookLine}, []int{0, 1}, periph.Options{}); !errors.Is(err, periph.ErrConfig) {
		t.Errorf("mismatched lines: %v", err)
	}
}

func TestWatchdog(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "watchdog")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := periph.OpenWatchdog(dev)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.Feed(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dev)
	if err != nil {
		t.Fatal(err)
	}
	// Three keep-alives, then the magic close.
	if string(b) != "\x00\x00\x00V" {
		t.Errorf("device saw %q", b)
	}
	if err := w.Feed(); !errors.Is(err, periph.ErrClosed) {
		t.Errorf("feed after close: %v", err)
	}
	if _, err := periph.OpenWatchdog(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing device opened")
	}
}

func TestLED(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "led0")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{"max_brightness": "255\n", "brightness": "0", "trigger": "none", "delay_on": "", "delay_off": ""} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	led, err := periph.OpenLED(root, "led0")
	if err != nil {
		t.Fatal(err)
	}
	read := func(f string) string {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := led.Set(true); err != nil || read("brightness") != "255" || read("trigger") != "none" {
		t.Errorf("on: %v %q", err, read("brightness"))
	}
	if err := led.Blink(100, 900); err != nil || read("trigger") != "timer" || read("delay_on") != "100" || read("delay_off") != "900" {
		t.Errorf("blink: %v", err)
	}
	if err := led.Set(false); err != nil || read("brightness") != "0" {
		t.Errorf("off: %v %q", err, read("brightness"))
	}
	for _, name := range []string{"", "../x", ".."} {
		if _, err := periph.OpenLED(root, name); !errors.Is(err, periph.ErrConfig) {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := periph.OpenLED(root, "led9"); err == nil {
		t.Error("missing LED opened")
	}
}

func BenchmarkMonitor(b *testing.B) {
	m, err := periph.NewMonitor(0, periph.DefaultThresholds())
	if err != nil {
		b.Fatal(err)
	}
	ev := make([]hw.LineEvent, 0, 8)
	al := make([]periph.Alarm, 0, 8)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v := 48.0
		if i/200%2 == 1 {
			v = 9
		}
		ev, al = m.Sample(time.Duration(i)*10*ms, v, ev[:0], al[:0])
	}
}

// ClockValid answers on any Linux machine; on this one it must agree with
// the RTC's presence or the kernel's NTP state, whichever it is.
func TestClockValidAnswers(t *testing.T) {
	ok, err := periph.ClockValid()
	if errors.Is(err, hw.ErrNotSupported) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, rtcErr := os.Stat("/sys/class/rtc/rtc0"); rtcErr == nil && !ok {
		t.Error("an RTC is present but the clock is reported invalid")
	}
}

func TestMonitorAllocatesNothing(t *testing.T) {
	m, err := periph.NewMonitor(0, periph.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	ev := make([]hw.LineEvent, 0, 8)
	al := make([]periph.Alarm, 0, 8)
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		v := 48.0
		if i/200%2 == 1 {
			v = -9
		}
		ev, al = m.Sample(time.Duration(i)*10*ms, v, ev[:0], al[:0])
		i++
	}); n != 0 {
		t.Errorf("%v allocations per sample", n)
	}
}
