package codec_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/adpcm"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/hw/sim"
)

// snrDB is the signal-to-noise ratio of got against want, in dB.
func snrDB(want, got []int16) float64 {
	var sig, noise float64
	for i, s := range want {
		d := float64(got[i]) - float64(s)
		sig += float64(s) * float64(s)
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}

func TestADPCMCodec(t *testing.T) {
	c, err := codec.Lookup("adpcm")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "adpcm" {
		t.Fatalf("Name() = %q", c.Name())
	}
	pcm := sim.NewVoice(11, -20).Append(nil, 3*time.Second)
	tests := []struct {
		name  string
		chunk int // samples per chunk, as the engine's batches cut them
	}{
		{"one second", 8000},
		{"odd", 1237},
		{"20 ms", 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out []int16
			var bytes int
			for off := 0; off < len(pcm); off += tc.chunk {
				part := pcm[off:min(off+tc.chunk, len(pcm))]
				data := c.Encode(nil, part)
				bytes += len(data)
				n, err := c.Samples(data)
				if err != nil || n != len(part) {
					t.Fatalf("Samples = %d, %v; want %d", n, err, len(part))
				}
				if out, err = c.Decode(out, data); err != nil {
					t.Fatal(err)
				}
			}
			if len(out) != len(pcm) {
				t.Fatalf("%d samples back from %d", len(out), len(pcm))
			}
			if s := snrDB(pcm, out); s < 15 {
				t.Errorf("SNR %.1f dB", s)
			}
			// 4 bits a sample plus 4 bytes a chunk.
			if raw := len(pcm) / 2; bytes > raw+raw/10+8*(len(pcm)/tc.chunk+1) {
				t.Errorf("%d bytes for %d samples", bytes, len(pcm))
			}
		})
	}
}

func TestADPCMCorrupt(t *testing.T) {
	var c codec.ADPCM
	for _, data := range [][]byte{nil, {0, 0, 200, 0, 1}, {0, 0, 0, 1, 0xF0}} {
		out, err := c.Decode([]int16{7}, data)
		if !errors.Is(err, codec.ErrCorrupt) || !errors.Is(err, adpcm.ErrCorrupt) || !strings.Contains(err.Error(), "adpcm") {
			t.Errorf("Decode(% x) error %v, want codec.ErrCorrupt and adpcm.ErrCorrupt", data, err)
		}
		if len(out) != 1 {
			t.Errorf("Decode(% x) changed dst to %v", data, out)
		}
		if _, err := c.Samples(data); !errors.Is(err, codec.ErrCorrupt) {
			t.Errorf("Samples(% x) error %v", data, err)
		}
	}
}

func TestADPCMNoAllocs(t *testing.T) {
	var c codec.ADPCM
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(i * 97)
	}
	buf := make([]byte, 0, 100)
	out := make([]int16, 0, 160)
	allocs := testing.AllocsPerRun(100, func() {
		buf = c.Encode(buf[:0], pcm)
		var err error
		if out, err = c.Decode(out[:0], buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per 20 ms frame", allocs)
	}
}

func TestUnavailableUnknown(t *testing.T) {
	for _, name := range []string{"pcmu", "adpcm", "gsm", ""} {
		if why, ok := codec.Unavailable(name); ok {
			t.Errorf("Unavailable(%q) = %q, true", name, why)
		}
	}
	_, err := codec.Lookup("gsm")
	if !errors.Is(err, codec.ErrUnknown) || errors.Is(err, codec.ErrUnavailable) {
		t.Fatalf("Lookup(gsm) error %v", err)
	}
}

func ExampleADPCM() {
	var c codec.ADPCM
	data := c.Encode(nil, []int16{0, 1000, 2000, 1000, 0})
	n, _ := c.Samples(data)
	pcm, err := c.Decode(nil, data)
	fmt.Println(len(data), "bytes,", n, "samples:", pcm, err)
	// Output: 7 bytes, 5 samples: [68 993 1920 1079 94] <nil>
}

func ExampleUnavailable() {
	if why, ok := codec.Unavailable("opus"); ok {
		fmt.Println("opus:", why)
	}
}
