package adpcm_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/adpcm"
	"github.com/linetap/linetap/hw/sim"
)

// snr returns the signal-to-noise ratio, in dB, of got against want.
func snr(want, got []int16) float64 {
	var sig, noise float64
	for i, s := range want {
		d := float64(got[i]) - float64(s)
		sig += float64(s) * float64(s)
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

func tone(n int, f dsp.Hz, levelDBm0 float64) []int16 {
	a := dsp.Peak(levelDBm0)
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(a * math.Sin(2*math.Pi*float64(f)*float64(i)/dsp.Rate))
	}
	return pcm
}

func speech(seed int64, levelDBm0 float64, d time.Duration) []int16 {
	return sim.NewVoice(seed, levelDBm0).Append(nil, d)
}

// TestStateVectors checks codes and states worked out by hand from the
// IMA 1992 tables.
func TestStateVectors(t *testing.T) {
	tests := []struct {
		name       string
		in         adpcm.State
		x          int16
		code       byte
		pred       int16
		index      uint8
		stepBefore int
	}{
		// step 7: 100 ≥ 7 (4), 93 ≥ 3 (2), 90 ≥ 1 (1); d = 0+7+3+1.
		{"up from rest", adpcm.State{}, 100, 7, 11, 8, 7},
		// step 16: 111 ≥ 16, 95 ≥ 8, 87 ≥ 4; d = 2+16+8+4; index 8+8.
		{"down", adpcm.State{Predictor: 11, Index: 8}, -100, 15, -19, 16, 16},
		// step 16: 5 < 16, 5 < 8, 5 ≥ 4 → 1; d = 2+4; index 8−1.
		{"small", adpcm.State{Predictor: 0, Index: 8}, 5, 1, 6, 7, 16},
		// step 32767: 2767 is under an eighth of it → code 0, d = 4095,
		// and the prediction clamps to full scale; index 88−1.
		{"clamp high", adpcm.State{Predictor: 30000, Index: 88}, 32767, 0, 32767, 87, 32767},
		{"clamp low", adpcm.State{Predictor: -30000, Index: 88}, -32768, 8, -32768, 87, 32767},
		// a zero difference at index 0 leaves the state at rest.
		{"rest", adpcm.State{}, 0, 0, 0, 0, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.in
			if got := enc.Step(); got != tc.stepBefore {
				t.Fatalf("Step() = %d, want %d", got, tc.stepBefore)
			}
			code := enc.Encode(tc.x)
			if code != tc.code || enc.Predictor != tc.pred || enc.Index != tc.index {
				t.Fatalf("Encode(%d) = %d → %+v, want %d → {%d %d}", tc.x, code, enc, tc.code, tc.pred, tc.index)
			}
			dec := tc.in
			if y := dec.Decode(code); y != tc.pred || dec != enc {
				t.Fatalf("Decode(%d) = %d → %+v, encoder is at %+v", code, y, dec, enc)
			}
		})
	}
}

func TestRoundTripSNR(t *testing.T) {
	tests := []struct {
		name   string
		pcm    []int16
		minSNR float64 // dB; measured 17–20 on speech, 21 at 1 kHz, 34 at 300 Hz, 16 at 3 kHz
	}{
		{"speech -15 dBm0", speech(1, -15, 4*time.Second), 15},
		{"speech -25 dBm0 other voice", speech(7, -25, 4*time.Second), 15},
		{"speech -35 dBm0 quiet", speech(3, -35, 4*time.Second), 15},
		{"tone 1 kHz -10 dBm0", tone(8000, 1000, -10), 19},
		{"tone 300 Hz 0 dBm0", tone(8000, 300, 0), 30},
		{"tone 3 kHz -20 dBm0", tone(8000, 3000, -20), 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := adpcm.EncodeChunk(nil, tc.pcm)
			if want := adpcm.HeaderLen + (len(tc.pcm)+1)/2; len(data) != want {
				t.Fatalf("%d bytes for %d samples, want %d", len(data), len(tc.pcm), want)
			}
			out, err := adpcm.DecodeChunk(nil, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(tc.pcm) {
				t.Fatalf("%d samples back from %d", len(out), len(tc.pcm))
			}
			if s := snr(tc.pcm, out); s < tc.minSNR {
				t.Errorf("SNR %.1f dB, want ≥ %.0f", s, tc.minSNR)
			} else {
				t.Logf("SNR %.1f dB", s)
			}
		})
	}
}

// TestChunksDecodeAlone cuts a call into engine-sized chunks: each decodes
// on its own, and together they are as good as one chunk.
func TestChunksDecodeAlone(t *testing.T) {
	pcm := speech(5, -20, 3*time.Second)
	for _, size := range []int{1, 2, 159, 160, 8000, 7999} {
		t.Run(strings.TrimSpace(time.Duration(size*int(time.Second)/dsp.Rate).String()), func(t *testing.T) {
			var out []int16
			for off := 0; off < len(pcm); off += size {
				part := pcm[off:min(off+size, len(pcm))]
				data := adpcm.EncodeChunk(nil, part)
				n, err := adpcm.ChunkSamples(data)
				if err != nil || n != len(part) {
					t.Fatalf("chunk at %d: ChunkSamples = %d, %v; want %d", off, n, err, len(part))
				}
				if out, err = adpcm.DecodeChunk(out, data); err != nil {
					t.Fatalf("chunk at %d: %v", off, err)
				}
			}
			if len(out) != len(pcm) {
				t.Fatalf("%d samples back from %d", len(out), len(pcm))
			}
			if s := snr(pcm, out); s < 15 {
				t.Errorf("SNR %.1f dB in chunks of %d", s, size)
			}
		})
	}
}

func TestChunkLayout(t *testing.T) {
	tests := []struct {
		name string
		pcm  []int16
		want []byte
	}{
		{"empty", nil, []byte{0, 0, 0, 0}},
		// predictor = first sample, 1000 = 0x03E8; one code, odd flag.
		{"one sample", []int16{1000}, []byte{0xE8, 0x03, 0, 1, 0x00}},
		// silence stays at rest: every code 0.
		{"silence", make([]int16, 6), []byte{0, 0, 0, 0, 0, 0, 0}},
		// first difference 100: the smallest step with 2·step ≥ 100 is 50,
		// index 20. Sample 0: code 0, prediction 0+50>>3 = 6, index 19
		// (step 45); sample 100: 94 ≥ 45, 49 ≥ 22, 27 ≥ 11 → code 7.
		{"ramp start", []int16{0, 100}, []byte{0, 0, 20, 0, 0x70}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := adpcm.EncodeChunk([]byte{0xAA}, tc.pcm)
			if got[0] != 0xAA || string(got[1:]) != string(tc.want) {
				t.Fatalf("EncodeChunk = % x, want aa % x", got, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than the 4-byte header"},
		{"short", []byte{1, 2, 3}, "shorter than the 4-byte header"},
		{"index", []byte{0, 0, 89, 0, 0x11}, "step index 89"},
		{"flags", []byte{0, 0, 0, 2, 0x11}, "unknown flags"},
		{"odd and empty", []byte{0, 0, 0, 1}, "no codes"},
		{"padding", []byte{0, 0, 0, 1, 0x31}, "padding nibble"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := []int16{42}
			out, err := adpcm.DecodeChunk(dst, tc.data)
			if !errors.Is(err, adpcm.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DecodeChunk error %v, want ErrCorrupt with %q", err, tc.want)
			}
			if len(out) != 1 || out[0] != 42 {
				t.Fatalf("dst changed on error: %v", out)
			}
			if _, err := adpcm.ChunkSamples(tc.data); !errors.Is(err, adpcm.ErrCorrupt) {
				t.Fatalf("ChunkSamples error %v", err)
			}
		})
	}
}

func TestNoAllocs(t *testing.T) {
	pcm := speech(2, -20, time.Second)
	buf := make([]byte, 0, adpcm.HeaderLen+len(pcm)/2+1)
	out := make([]int16, 0, len(pcm))
	allocs := testing.AllocsPerRun(50, func() {
		buf = adpcm.EncodeChunk(buf[:0], pcm)
		var err error
		if out, err = adpcm.DecodeChunk(out[:0], buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per second of audio", allocs)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xE8, 0x03, 20, 1, 0x07})
	f.Add(adpcm.EncodeChunk(nil, tone(50, 1000, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, nerr := adpcm.ChunkSamples(data)
		pcm, err := adpcm.DecodeChunk(nil, data)
		if (err == nil) != (nerr == nil) {
			t.Fatalf("DecodeChunk error %v but ChunkSamples error %v", err, nerr)
		}
		if err != nil {
			if !errors.Is(err, adpcm.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if len(pcm) != n {
			t.Fatalf("decoded %d samples, ChunkSamples says %d", len(pcm), n)
		}
		// Whatever decodes encodes again into a chunk of the same size
		// that decodes to as many samples.
		back := adpcm.EncodeChunk(nil, pcm)
		if len(back) != len(data) {
			t.Fatalf("re-encoded %d bytes from %d", len(back), len(data))
		}
		again, err := adpcm.DecodeChunk(nil, back)
		if err != nil || len(again) != len(pcm) {
			t.Fatalf("re-decode: %d samples, %v", len(again), err)
		}
	})
}
