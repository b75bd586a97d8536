//go:build portaudio && cgo

package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/board"
	"github.com/linetap/linetap/hw/multicard"
	"github.com/linetap/linetap/hw/portaudio"
	"github.com/linetap/linetap/web"
)

// alsaFileCards writes one raw file per card (ch channels each; card k's
// channel c carries cardSample(k, c, n)) and an ALSA configuration with a
// file-plugin PCM "cardK" reading each, and points ALSA_CONFIG_PATH at it.
func alsaFileCards(t *testing.T, cards, ch, frames int) {
	t.Helper()
	dir := t.TempDir()
	conf := "pcm.!default { type null }\n"
	for k := range cards {
		raw := make([]byte, 0, 2*ch*frames)
		for n := range frames {
			for c := range ch {
				raw = binary.LittleEndian.AppendUint16(raw, uint16(cardSample(k, c, n)))
			}
		}
		in := filepath.Join(dir, fmt.Sprintf("card%d.raw", k))
		if err := os.WriteFile(in, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		conf += fmt.Sprintf("pcm.card%d {\n\ttype file\n\tslave.pcm { type null }\n\tfile \"/dev/null\"\n\tinfile %q\n\tformat \"raw\"\n}\n", k, in)
	}
	path := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", path)
}

func cardSample(k, c, n int) int16 { return int16(1000*(4*k+c) + n%500) }

// TestTwoCards: source.devices opens each card through hw/portaudio's ALSA
// path and combines them: the combined frame holds card 0's channels, then
// card 1's.
func TestTwoCards(t *testing.T) {
	alsaFileCards(t, 2, 2, 8000*4)
	cfg := linetap.DefaultConfig()
	cfg.Source = linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Rate: 8000,
		Devices: []board.Card{{Device: "alsa:card0", Channels: 2}, {Device: "alsa:card1", Channels: 2}}}
	// The file plugin delivers faster than real time: the cards' arrival
	// says nothing of their clocks, so no clock (their timestamps are
	// trusted), and only where their channels go is checked.
	src, figs, err := openCards(cfg, 4, nil, portaudio.Open, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mc, ok := src.(*multicard.Source)
	if !ok {
		t.Fatalf("source %T, want a *multicard.Source", src)
	}
	if f := mc.Format(); f.Channels != 4 || f.Rate != 8000 {
		t.Fatalf("format %+v", f)
	}
	buf := make([]int16, 4*160)
	var sounding [4]int
	for b := range 50 {
		if _, _, err := mc.Read(buf); err != nil {
			t.Fatal(err)
		}
		for i := range 160 {
			f := buf[i*4 : i*4+4]
			for c := range 4 {
				if f[c] == 0 { // a card that started later begins with silence
					continue
				}
				sounding[c]++
				if got := int(f[c] / 1000); got != 4*(c/2)+c%2 {
					t.Fatalf("frame %d channel %d: %d, from card %d channel %d; want card %d channel %d", 160*b+i, c, f[c], got/4, got%4, c/2, c%2)
				}
			}
		}
	}
	t.Logf("stats %+v", mc.Stats())
	// The technician's figures: each card with its inputs, its lines and
	// its alignment.
	for i, c := range figs.Cards() {
		want := fmt.Sprint([]int{2 * i, 2*i + 1})
		if c.Card != i || c.ALSA != fmt.Sprintf("card%d", i) || !c.Connected || c.Align == nil ||
			fmt.Sprint(c.Channels) != want || fmt.Sprint(c.Lines) != want {
			t.Errorf("card %d's figures: %+v", i, c)
		}
	}
	for c, n := range sounding {
		if n < 4000 {
			t.Errorf("channel %d: %d of 8000 frames with audio", c, n)
		}
	}
	if err := mc.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTwoCardsOneMissing: a card of source.devices that cannot be opened
// is named by its place in the list.
func TestTwoCardsOneMissing(t *testing.T) {
	alsaFileCards(t, 1, 2, 8000)
	cfg := linetap.DefaultConfig()
	cfg.Source = linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Rate: 8000,
		Devices: []board.Card{{Device: "alsa:card0", Channels: 2}, {Device: "alsa:card9", Channels: 2}}}
	_, _, err := openCards(cfg, 4, nil, portaudio.Open, slog.New(slog.DiscardHandler))
	if err == nil || !strings.HasPrefix(err.Error(), "source.devices[1]: ") {
		t.Fatalf("error %v, want one naming source.devices[1]", err)
	}
}

// TestDaemonReportsCards: linetapd recording two cards gives their
// figures to the web layer: the technician's API and /metrics (here on
// the control socket, as the local admin) list both, each with its lines.
func TestDaemonReportsCards(t *testing.T) {
	alsaFileCards(t, 2, 2, 8000*30)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "linetap.json")
	if err := os.WriteFile(cfg, []byte(`{"source": {"kind": "portaudio", "rate": 8000,
		"devices": [{"device": "alsa:card0", "channels": 2}, {"device": "alsa:card1", "channels": 2}]},
		"lines": [{"name": "A", "trigger": "vox"}, {"name": "B", "trigger": "vox"}, {"name": "C", "trigger": "vox"}, {"name": "D", "trigger": "vox", "disabled": true}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--config", cfg, "--data", data, "--listen", "127.0.0.1:0", "--http"}, out, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("linetapd: %v\n%s", err, out.String())
		}
	}()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(data, SocketName))
		}}}
	get := func(path string) (string, error) {
		resp, err := hc.Get("http://linetapd" + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", resp.Status, b)
		}
		return string(b), err
	}
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; { // a hang guard
		b, err := get("/api/v1/diagnostics/cards")
		if err == nil {
			body = b
			break
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("linetapd stopped: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer from the control socket: %v\n%s", err, out.String())
		}
	}
	var rep web.CardsReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Source != "portaudio" || len(rep.Cards) != 2 {
		t.Fatalf("report %s", body)
	}
	for i, want := range []string{"[0 1]", "[2]"} {
		c := rep.Cards[i]
		if c.Device != fmt.Sprintf("alsa:card%d", i) || c.Align == nil || fmt.Sprint(c.Lines) != want || c.Since.IsZero() {
			t.Errorf("card %d: %+v, want lines %s", i, c, want)
		}
	}
	m, err := get("/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`linetap_cards{source="portaudio"} 2`, `linetap_card_connected{card="1",device="alsa:card1"}`, `linetap_card_dropped_frames_total{card="1"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
