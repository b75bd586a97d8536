//go:build portaudio && cgo

package portaudio_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap/hw/portaudio"
)

// TestCaptureThroughALSAFile feeds PortAudio from ALSA's user-space file
// plugin (no kernel sound needed) and checks that 8 channels at 8 kHz come
// back bit-identical, channel-mapped, on a sample clock.
func TestCaptureThroughALSAFile(t *testing.T) {
	dir := t.TempDir()
	const ch, frames = 8, 8000 * 3
	sample := func(c, n int) int16 { return int16((n*37+c*4099)%65536 - 32768) }
	raw := make([]byte, 0, 2*ch*(frames+8000))
	// The plugin hands out stale data when the file runs out: make it
	// a second longer than the capture.
	for n := 0; n < frames+8000; n++ {
		for c := 0; c < ch; c++ {
			raw = binary.LittleEndian.AppendUint16(raw, uint16(sample(c, n)))
		}
	}
	in := filepath.Join(dir, "in.raw")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	// Debian's PortAudio 19.6 asserts in Pa_Initialize unless `default`
	// (or `dmix`) is defined.
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`pcm.!default { type null }
pcm.rec {
	type file
	slave.pcm { type null }
	file "/dev/null"
	infile %q
	format "raw"
}
`, in)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", conf)

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
