//go:build opus

package codec_test

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/hw/sim"
)

// corr is the normalized correlation of got with want: Opus matches the
// spectrum rather than the waveform, so a waveform SNR says little, but
// the same speech, sample-aligned, correlates strongly.
func corr(want, got []int16) float64 {
	var xy, xx, yy float64
	for i := range want {
		x, y := float64(want[i]), float64(got[i])
		xy += x * y
		xx += x * x
		yy += y * y
	}
	return xy / math.Sqrt(xx*yy)
}

func TestOpusInTable(t *testing.T) {
	if _, ok := codec.Unavailable("opus"); ok {
		t.Fatal("Unavailable(opus) in an opus build")
	}
	if !slices.Contains(codec.Names(), "opus") {
		t.Fatalf("Names() = %v", codec.Names())
	}
	c, err := codec.Lookup("opus")
	if err != nil || c.Name() != "opus" {
		t.Fatalf("Lookup(opus) = %v, %v", c, err)
	}
}

func TestOpusRoundTrip(t *testing.T) {
	var c codec.Opus
	pcm := sim.NewVoice(21, -20).Append(nil, 6*time.Second)
	tests := []struct {
		name  string
		chunk int
	}{
		{"one second", 8000},
		{"odd", 1237},
		{"one frame", 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out []int16
			bytes := 0
			for off := 0; off < len(pcm); off += tc.chunk {
				part := pcm[off:min(off+tc.chunk, len(pcm))]
				data := c.Encode(nil, part)
				bytes += len(data)
				n, err := c.Samples(data)
				if err != nil || n != len(part) {
					t.Fatalf("chunk at %d: Samples = %d, %v; want %d", off, n, err, len(part))
				}
				if out, err = c.Decode(out, data); err != nil {
					t.Fatalf("chunk at %d: %v", off, err)
				}
			}
			if len(out) != len(pcm) {
				t.Fatalf("%d samples back from %d", len(out), len(pcm))
			}
			// Sample-aligned (the pre-skip removed the look-ahead): the
			// waveforms correlate; shifted by a few samples they would not.
			if r := corr(pcm, out); r < 0.8 {
				t.Errorf("correlation %.2f", r)
			} else {
				t.Logf("correlation %.3f, %d bytes/s", r, bytes*8000/len(pcm))
			}
			if r := corr(pcm[:len(pcm)-5], out[5:]); r > 0.75 {
				t.Errorf("correlation %.2f at a 5-sample shift: not aligned", r)
			}
			if tc.chunk >= 8000 {
				// 12 kbit/s is 1,500 bytes a second; allow the framing.
				if bps := bytes * 8000 / len(pcm); bps < 1000 || bps > 1800 {
					t.Errorf("%d bytes a second", bps)
				}
			}
		})
	}
}

func TestOpusLengths(t *testing.T) {
	var c codec.Opus
	for _, n := range []int{1, 159, 160, 161, 319, 320, 8000} {
		pcm := make([]int16, n)
		for i := range pcm {
			pcm[i] = int16(3000 * math.Sin(float64(i)/3))
		}
		data := c.Encode([]byte{9}, pcm)
		if data[0] != 9 {
			t.Fatal("Encode overwrote dst")
		}
		out, err := c.Decode([]int16{-1}, data[1:])
		if err != nil || len(out) != n+1 || out[0] != -1 {
			t.Fatalf("%d samples: Decode gives %d, %v", n, len(out)-1, err)
		}
	}
}

func TestOpusCorrupt(t *testing.T) {
	var c codec.Opus
	good := c.Encode(nil, make([]int16, 800))
	cut := func(b []byte, n int) []byte { return slices.Clone(b[:n]) }
	recount := slices.Clone(good)
	binary.LittleEndian.PutUint32(recount, 1600)
	badLen := append(binary.AppendUvarint(slices.Clone(good[:6]), 60000), good[7:]...)
	zeroLen := slices.Clone(good)
	zeroLen[6] = 0
	overlong := append(slices.Clone(good[:6]), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than the 6-byte header"},
		{"header only", cut(good, 6), "0 packets"},
		{"packets missing", cut(good, 6+1+int(good[6])), "1 packets"},
		{"truncated length", append(cut(good, 6), 0x80), "truncated or overlong length"},
		{"overlong length", overlong, "truncated or overlong length"},
		{"truncated packet", cut(good, len(good)-1), "length"},
		{"more samples than packets", recount, "packets for 1600 samples"},
		{"huge length", badLen, "length 60000"},
		{"zero length", zeroLen, "length 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.Decode([]int16{5}, tc.data)
			if !errors.Is(err, codec.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode error %v, want ErrCorrupt with %q", err, tc.want)
			}
			if len(out) != 1 {
				t.Fatalf("dst changed to %d samples", len(out))
			}
			if _, err := c.Samples(tc.data); !errors.Is(err, codec.ErrCorrupt) {
				t.Fatalf("Samples error %v", err)
			}
		})
	}
}

func FuzzOpusDecode(f *testing.F) {
	var c codec.Opus
	f.Add(c.Encode(nil, make([]int16, 400)))
	f.Add([]byte{160, 0, 0, 0, 0, 0, 3, 0xF8, 0xFF, 0xFE})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, nerr := c.Samples(data)
		pcm, err := c.Decode(nil, data)
		if err != nil {
			if !errors.Is(err, codec.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if nerr != nil || n != len(pcm) {
			t.Fatalf("decoded %d samples; Samples = %d, %v", len(pcm), n, nerr)
		}
	})
}

func BenchmarkOpus(b *testing.B) {
	var c codec.Opus
	pcm := sim.NewVoice(4, -20).Append(nil, time.Second)
	var data []byte
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			data = c.Encode(data[:0], pcm)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
		b.ReportMetric(float64(len(data))*3600, "bytes/hour")
	})
	out := make([]int16, 0, len(pcm))
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			out, _ = c.Decode(out[:0], data)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
	})
}
