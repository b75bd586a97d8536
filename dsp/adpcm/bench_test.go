package adpcm_test

import (
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/adpcm"
)

func BenchmarkEncodeChunk(b *testing.B) {
	pcm := speech(4, -20, time.Second)
	buf := make([]byte, 0, adpcm.HeaderLen+len(pcm)/2)
	for b.Loop() {
		buf = adpcm.EncodeChunk(buf[:0], pcm)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
}

func BenchmarkDecodeChunk(b *testing.B) {
	pcm := speech(4, -20, time.Second)
	data := adpcm.EncodeChunk(nil, pcm)
	out := make([]int16, 0, len(pcm))
	for b.Loop() {
		out, _ = adpcm.DecodeChunk(out[:0], data)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pcm)), "ns/sample")
}
