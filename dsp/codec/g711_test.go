package codec_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/linetap/linetap/dsp/codec"
)

func TestG711Codecs(t *testing.T) {
	tests := []struct {
		name string
		zero byte // G.711 code of a 0 sample
	}{
		{"pcmu", 0xFF},
		{"pcma", 0xD5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := codec.Lookup(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name() != tc.name {
				t.Fatalf("Name() = %q", c.Name())
			}
			pcm := make([]int16, 800)
			for i := range pcm {
				pcm[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
			}
			pcm[0] = 0
			data := c.Encode([]byte{0xAB}, pcm)
			if len(data) != 1+len(pcm) || data[0] != 0xAB || data[1] != tc.zero {
				t.Fatalf("Encode: len %d, head % x", len(data), data[:2])
			}
			n, err := c.Samples(data[1:])
			if err != nil || n != len(pcm) {
				t.Fatalf("Samples = %d, %v", n, err)
			}
			out, err := c.Decode([]int16{-5}, data[1:])
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1+len(pcm) || out[0] != -5 {
				t.Fatalf("Decode: len %d, head %d", len(out), out[0])
			}
			// G.711 keeps a 1 kHz tone at ≥ 35 dB SNR.
			var sig, noise float64
			for i, s := range pcm {
				d := float64(out[1+i]) - float64(s)
				sig += float64(s) * float64(s)
				noise += d * d
			}
			if snr := 10 * math.Log10(sig/noise); snr < 35 {
				t.Errorf("SNR %.1f dB", snr)
			}
			again := c.Encode(nil, out[1:])
			if !bytes.Equal(again, data[1:]) {
				t.Error("decode → encode changed the data")
			}
		})
	}
}

func TestG711Names(t *testing.T) {
	have := fmt.Sprint(codec.Names())
	if !strings.Contains(have, "pcma pcmu") {
		t.Fatalf("Names() = %s, want pcma and pcmu among them", have)
	}
}

func TestG711NoAllocs(t *testing.T) {
	for _, c := range []codec.Codec{codec.PCMU{}, codec.PCMA{}} {
		t.Run(c.Name(), func(t *testing.T) {
			pcm := make([]int16, 160)
			buf := make([]byte, 0, 160)
			out := make([]int16, 0, 160)
			allocs := testing.AllocsPerRun(100, func() {
				buf = c.Encode(buf[:0], pcm)
				var err error
				out, err = c.Decode(out[:0], buf)
				if err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per 20 ms frame", allocs)
			}
		})
	}
}

func FuzzG711Decode(f *testing.F) {
	f.Add([]byte{0xFF, 0x7F, 0x00, 0x80, 0xD5, 0x55})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []codec.Codec{codec.PCMU{}, codec.PCMA{}} {
			pcm, err := c.Decode(nil, data)
			if err != nil {
				t.Fatalf("%s: Decode: %v", c.Name(), err)
			}
			if len(pcm) != len(data) {
				t.Fatalf("%s: %d samples from %d bytes", c.Name(), len(pcm), len(data))
			}
			back := c.Encode(nil, pcm)
			for i := range data {
				if back[i] != data[i] && !(c.Name() == "pcmu" && data[i] == 0x7F && back[i] == 0xFF) {
					t.Fatalf("%s: byte %d: %#02x → %d → %#02x", c.Name(), i, data[i], pcm[i], back[i])
				}
			}
		}
	})
}

func BenchmarkG711(b *testing.B) {
	for _, c := range []codec.Codec{codec.PCMU{}, codec.PCMA{}} {
		pcm := make([]int16, 8000)
		for i := range pcm {
			pcm[i] = int16(i * 37)
		}
		buf := make([]byte, 0, len(pcm))
		out := make([]int16, 0, len(pcm))
		b.Run(c.Name()+"/encode", func(b *testing.B) {
			for b.Loop() {
				buf = c.Encode(buf[:0], pcm)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
		})
		buf = c.Encode(buf[:0], pcm)
		b.Run(c.Name()+"/decode", func(b *testing.B) {
			for b.Loop() {
				out, _ = c.Decode(out[:0], buf)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
		})
	}
}

func ExamplePCMU() {
	var c codec.PCMU
	data := c.Encode(nil, []int16{0, 1000, -1000})
	pcm, err := c.Decode(nil, data)
	fmt.Printf("% x %v %v\n", data, pcm, err)
	// Output: ff ce 4e [0 988 -988] <nil>
}

func ExamplePCMA() {
	var c codec.PCMA
	data := c.Encode(nil, []int16{0, 1000, -1000})
	pcm, err := c.Decode(nil, data)
	fmt.Printf("% x %v %v\n", data, pcm, err)
	// Output: d5 fa 7a [8 1008 -1008] <nil>
}
