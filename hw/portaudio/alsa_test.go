//go:build portaudio && cgo

package portaudio_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/portaudio"
)

// fileCard writes a raw file of frames+8000 frames of ch channels (the
// plugin hands out stale data when the file runs out: a second longer
// than any capture), and an ALSA configuration defining one file-plugin
// PCM per name reading it, and points ALSA_CONFIG_PATH at it.
func fileCard(t *testing.T, ch, frames int, sample func(c, n int) int16, names ...string) {
	t.Helper()
	dir := t.TempDir()
	raw := make([]byte, 0, 2*ch*(frames+8000))
	for n := 0; n < frames+8000; n++ {
		for c := 0; c < ch; c++ {
			raw = binary.LittleEndian.AppendUint16(raw, uint16(sample(c, n)))
		}
	}
	in := filepath.Join(dir, "in.raw")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// Debian's PortAudio 19.6 asserts in Pa_Initialize unless `default`
	// (or `dmix`) is defined.
	conf := "pcm.!default { type null }\n"
	for _, name := range names {
		conf += fmt.Sprintf(`pcm.%s {
	type file
	slave.pcm { type null }
	file "/dev/null"
	infile %q
	format "raw"
}
`, name, in)
	}
	path := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", path)
}

// readExact reads frames frames from src and requires each to be
// sample(chmap[c], n) on a gapless sample clock.
func readExact(t *testing.T, src *portaudio.Source, ch, frames int, chmap []int, sample func(c, n int) int16) {
	t.Helper()
	buf := make([]int16, ch*160)
	var pos int
	var first time.Duration
	for pos < frames {
		n, at, err := src.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if pos == 0 {
			first = at
		} else if want := first + time.Duration(pos)*time.Second/8000; at != want {
			t.Fatalf("block at frame %d stamped %v, want %v", pos, at, want)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < ch; c++ {
				if got, want := buf[i*ch+c], sample(chmap[c], pos); got != want {
					t.Fatalf("frame %d channel %d: %d, want %d", pos, c, got, want)
				}
			}
			pos++
		}
	}
	if g := src.Gaps(); len(g) != 0 {
		t.Errorf("gaps %+v", g)
	}
}

func fileSample(c, n int) int16 { return int16((n*37+c*4099)%65536 - 32768) }

// TestCaptureThroughALSAFile feeds PortAudio from ALSA's user-space file
// plugin (no kernel sound needed) and checks that 8 channels at 8 kHz come
// back bit-identical, channel-mapped, on a sample clock.
func TestCaptureThroughALSAFile(t *testing.T) {
	const ch, frames = 8, 8000 * 3
	fileCard(t, ch, frames, fileSample, "rec")
	devs, err := portaudio.Devices()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range devs {
		found = found || d.Name == "rec"
	}
	if !found {
		t.Fatalf("device rec not listed: %+v", devs)
	}
	if _, err := portaudio.Open(portaudio.Options{Device: "no-such-card"}); err == nil {
		t.Error("a missing card opened")
	}

	chmap := []int{7, 0, 3, 5, 1, 2, 6, 4}
	src, err := portaudio.Open(portaudio.Options{Device: "rec", Rate: 8000, Channels: chmap, MaxDrift: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	readExact(t, src, ch, frames, chmap, fileSample)
}

// TestTwoCardsThroughALSA opens two ALSA PCMs directly (alsa-lib, no
// PortAudio) in one process, reads both, closes one and keeps reading
// the other: each Source owns its handle, nothing is shared.
func TestTwoCardsThroughALSA(t *testing.T) {
	const ch, frames = 4, 8000
	fileCard(t, ch, 3*frames, fileSample, "card1", "card2")
	a, err := portaudio.Open(portaudio.Options{Device: "alsa:card1", Rate: 8000, Channels: []int{3, 2, 1, 0}, MaxDrift: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	b, err := portaudio.Open(portaudio.Options{Device: "alsa:card2", Rate: 8000, DeviceChannels: ch, Channels: []int{1, 2}, MaxDrift: time.Hour})
	if err != nil {
		t.Fatal(errors.Join(err, a.Close()))
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	if f := a.Format(); f.Channels != 4 || f.Rate != 8000 {
		t.Errorf("card1 format %+v", f)
	}
	readExact(t, a, 4, frames, []int{3, 2, 1, 0}, fileSample)
	readExact(t, b, 2, frames, []int{1, 2}, fileSample)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Read(make([]int16, 4*160)); !errors.Is(err, hw.ErrClosed) {
		t.Errorf("read after close: %v, want hw.ErrClosed", err)
	}
	// card2 goes on: its next frames follow on from the first second.
	buf := make([]int16, 2*160)
	if _, _, err := b.Read(buf); err != nil {
		t.Fatal(err)
	}
	if buf[0] != fileSample(1, frames) || buf[1] != fileSample(2, frames) {
		t.Errorf("card2 after card1 closed: %d %d, want %d %d", buf[0], buf[1], fileSample(1, frames), fileSample(2, frames))
	}
}

// TestALSARefuses checks that a card that is not there, and options the
// PCM cannot meet, get errors naming what is wrong.
func TestALSARefuses(t *testing.T) {
	fileCard(t, 2, 8000, fileSample, "rec")
	tests := []struct {
		name string
		opt  portaudio.Options
		want error
		says string
	}{
		{"missing card", portaudio.Options{Device: "hw:CARD=NoSuchCard,DEV=0"}, portaudio.ErrNoDevice, "NoSuchCard"},
		{"undefined pcm", portaudio.Options{Device: "alsa:nowhere"}, portaudio.ErrNoDevice, "nowhere"},
		{"channel past the map", portaudio.Options{Device: "alsa:rec", Rate: 8000, DeviceChannels: 2, Channels: []int{0, 5}}, portaudio.ErrOptions, "channels[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := portaudio.Open(tt.opt)
			if err == nil {
				src.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q, want %v naming %q", err, tt.want, tt.says)
			}
		})
	}
}

// TestALSAReadAllocatesNothing: a block read through alsa-lib, channel
// mapping and all, allocates nothing.
func TestALSAReadAllocatesNothing(t *testing.T) {
	fileCard(t, 4, 8000*4, fileSample, "rec")
	src, err := portaudio.Open(portaudio.Options{Device: "alsa:rec", Rate: 8000, DeviceChannels: 4, Channels: []int{2, 0}, MaxDrift: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	buf := make([]int16, 2*160)
	read := func() {
		if _, _, err := src.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if n := testing.AllocsPerRun(100, read); n != 0 {
		t.Errorf("%v allocations per read", n)
	}
}

// BenchmarkALSARead8ch reads 20 ms blocks of 8 channels at 8 kHz from
// ALSA's file plugin through alsa-lib and a Source: the cost of the
// capture path less the card (the plugin delivers at once).
func BenchmarkALSARead8ch(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.raw")
	if err := os.WriteFile(in, make([]byte, 2*8*8000*10), 0o644); err != nil {
		b.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("pcm.rec {\n type file\n slave.pcm { type null }\n file \"/dev/null\"\n infile %q\n format \"raw\"\n}\n", in)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Setenv("ALSA_CONFIG_PATH", conf)
	src, err := portaudio.Open(portaudio.Options{Device: "alsa:rec", Rate: 8000, DeviceChannels: 8, MaxDrift: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 8*160)
	b.SetBytes(int64(2 * len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := src.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}
