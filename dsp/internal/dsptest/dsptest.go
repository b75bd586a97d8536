// Package dsptest holds what the tests and benchmarks of the dsp packages
// share: CPU time for audio-per-CPU-second figures, the benchmark report,
// and a reader for the talk-off corpus's WAV files.
//
// # Caveats
//
// CPU time is the whole process's (getrusage RUSAGE_SELF): benchmark
// figures include the Go runtime's own threads. Where the OS does not
// report it, CPUTime returns 0 and ReportAudio reports wall time only.
package dsptest

import (
	"os"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
)

// ReportAudio reports ns per sample and audio seconds per second of wall
// time and, where the OS reports it, per CPU second (cpu0 is CPUTime()
// before the loop), for a benchmark loop over n samples per iteration.
func ReportAudio(b *testing.B, n int, cpu0 time.Duration) {
	samples := float64(b.N) * float64(n)
	perSample := float64(b.Elapsed().Nanoseconds()) / samples
	b.ReportMetric(perSample, "ns/sample")
	b.ReportMetric(1e9/perSample/dsp.Rate, "channel-s/s")
	if cpu := CPUTime() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(samples/dsp.Rate/cpu.Seconds(), "audio-s/cpu-s")
	}
}

// ReadWAV reads an 8 kHz 16-bit mono PCM WAV file as sox writes it (RIFF
// chunks, "fmt " before "data") and fails t on anything else.
func ReadWAV(t testing.TB, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a RIFF WAVE file", path)
	}
	le16 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 }
	le32 := func(p []byte) int { return le16(p) | le16(p[2:])<<16 }
	fmtOK := false
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), le32(b[p+4:])
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				t.Fatalf("%s: short fmt chunk", path)
			}
			tag, ch, rate, bits := le16(body), le16(body[2:]), le32(body[4:]), le16(body[14:])
			if (tag != 1 && tag != 0xfffe) || ch != 1 || rate != dsp.Rate || bits != 16 {
				t.Fatalf("%s: format %d, %d channels, %d Hz, %d bits: want PCM mono 8000 Hz 16-bit", path, tag, ch, rate, bits)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				t.Fatalf("%s: data before fmt", path)
			}
			x := make([]int16, len(body)/2)
			for i := range x {
				x[i] = int16(le16(body[2*i:]))
			}
			return x
		}
		p += 8 + n + n&1
	}
	t.Fatalf("%s: no data chunk", path)
	return nil
}

// Bytes is x as little-endian 16-bit samples: a fuzz target's seed.
func Bytes(x []int16) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	return b
}

// Samples reads b as little-endian 16-bit samples (an odd last byte is
// dropped): what a fuzz target makes of its input.
func Samples(b []byte) []int16 {
	x := make([]int16, len(b)/2)
	for i := range x {
		x[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	return x
}
