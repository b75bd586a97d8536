package codec_test

import (
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/hw/sim"
)

// BenchmarkCodecs encodes and decodes 1 s chunks of speech, as the engine
// commits them, with every codec of this build, and reports the size of an
// hour of stored audio (chunk framing included, storage overhead not).
func BenchmarkCodecs(b *testing.B) {
	pcm := sim.NewVoice(8, -20).Append(nil, 60*time.Second)
	const chunk = 8000
	for _, name := range codec.Names() {
		c, err := codec.Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		enc := make([][]byte, 0, len(pcm)/chunk)
		size := 0
		for off := 0; off < len(pcm); off += chunk {
			d := c.Encode(nil, pcm[off:min(off+chunk, len(pcm))])
			enc = append(enc, d)
			size += len(d)
		}
		perHour := float64(size) * float64(3600*8000) / float64(len(pcm))
		buf := make([]byte, 0, 2*chunk+64)
		b.Run(name+"/encode", func(b *testing.B) {
			i := 0
			for b.Loop() {
				off := (i * chunk) % len(pcm)
				buf = c.Encode(buf[:0], pcm[off:off+chunk])
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunk), "ns/sample")
			b.ReportMetric(perHour/1e6, "MB/hour")
		})
		out := make([]int16, 0, chunk)
		b.Run(name+"/decode", func(b *testing.B) {
			i := 0
			for b.Loop() {
				if out, err = c.Decode(out[:0], enc[i%len(enc)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunk), "ns/sample")
		})
	}
}
