package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/portaudio"
)

func TestBoardFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--board", "rpi4", "--print-config"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	for _, want := range []string{`"board": "rpi4"`, `"device": "USB Audio"`, `"chip": "pinctrl-bcm2711"`, `"hook": 17`, `"active_low": true`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed config lacks %s:\n%s", want, out.String())
		}
	}
	out.Reset()
	err := run(context.Background(), []string{"--board", "rpi9", "--print-config"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), `config: source.board: board: unknown profile "rpi9"`) {
		t.Errorf("unknown board: %v", err)
	}
}

// Without the portaudio tag the source is not supported; with it, a card
// that does not exist is named in the error. Either way linetapd refuses
// to start.
func TestPortaudioSourceMissingCard(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte("pcm.!default { type null }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", conf)
	cfg := filepath.Join(dir, "linetap.json")
	if err := os.WriteFile(cfg, []byte(`{"listen": "127.0.0.1:0", "source": {"kind": "portaudio", "device": "no-such-card"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--config", cfg, "--data", filepath.Join(dir, "data")}, &out, &errb)
	if !errors.Is(err, hw.ErrNotSupported) && !errors.Is(err, portaudio.ErrNoDevice) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "no-such-card") {
		t.Errorf("error does not name the card: %v", err)
	}
}

type chanSensor chan hw.LineEvent

func (c chanSensor) Events() <-chan hw.LineEvent { return c }
func (c chanSensor) Close() error                { return nil }

func TestMergeSensors(t *testing.T) {
	a, b := make(chanSensor, 4), make(chanSensor, 4)
	m := merge([]hw.LineSensor{a, b})
	a <- hw.LineEvent{Line: 0, Kind: hw.OffHook}
	b <- hw.LineEvent{Line: 3, Kind: hw.RingOn}
	close(a)
	close(b)
	got := map[int]hw.EventKind{}
	for e := range m.Events() {
		got[e.Line] = e.Kind
	}
	if len(got) != 2 || got[0] != hw.OffHook || got[3] != hw.RingOn {
		t.Errorf("merged %v", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Close does not wait for a consumer: forwarders blocked on a full
	// channel end too.
	c := make(chanSensor, 200)
	for i := 0; i < 200; i++ {
		c <- hw.LineEvent{Line: i}
	}
	m = merge([]hw.LineSensor{c})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestListDevices(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.raw")
	if err := os.WriteFile(in, make([]byte, 3200), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte("pcm.!default { type null }\npcm.tap8 { type file slave.pcm { type null } file \"/dev/null\" infile \""+in+"\" format \"raw\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", conf)
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"--list-devices"}, &out, &errb)
	if errors.Is(err, hw.ErrNotSupported) {
		return // built without the portaudio tag: nothing to list
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"tap8"`) {
		t.Errorf("listing lacks the tap8 device:\n%s", out.String())
	}
}

func TestWatchdogAndStatusLED(t *testing.T) {
	dir := t.TempDir()
	wd := filepath.Join(dir, "watchdog")
	leds := filepath.Join(dir, "leds")
	if err := os.WriteFile(wd, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(leds, "status"), 0o755); err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{"max_brightness": "1", "brightness": "0", "trigger": "none"} {
		if err := os.WriteFile(filepath.Join(leds, "status", f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := startBoard(context.Background(), "", leds, "../status", nil, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("LED name with a slash accepted")
	}
	stop, err := startBoard(context.Background(), wd, leds, "status", func() int64 { return 0 }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	b, err := os.ReadFile(wd)
	if err != nil {
		t.Fatal(err)
	}
	// At least one keep-alive, then the magic close that disarms it.
	if len(b) < 2 || b[0] != 0 || b[len(b)-1] != 'V' {
		t.Errorf("watchdog saw %q", b)
	}
	// Lit while running, off after.
	if b, err := os.ReadFile(filepath.Join(leds, "status", "brightness")); err != nil || string(b) != "0" {
		t.Errorf("LED left at %q (%v)", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(leds, "status", "trigger")); err != nil || string(b) != "none" {
		t.Errorf("LED trigger %q (%v)", b, err)
	}
	if _, err := startBoard(context.Background(), filepath.Join(dir, "none"), "", "", nil, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("missing watchdog opened")
	}
}
