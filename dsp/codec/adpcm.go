package codec

import (
	"fmt"

	"github.com/linetap/linetap/dsp/adpcm"
)

// ADPCM stores IMA ADPCM (IMA 1992 recommendation, see dsp/adpcm), four
// bits a sample: 32 kbit/s plus a 4-byte header per chunk. Each chunk
// carries its own starting predictor and step index, so it decodes alone.
type ADPCM struct{}

// Name returns "adpcm".
func (ADPCM) Name() string { return "adpcm" }

// Encode appends one adpcm chunk holding pcm.
func (ADPCM) Encode(dst []byte, pcm []int16) []byte { return adpcm.EncodeChunk(dst, pcm) }

// Decode appends the samples of the adpcm chunk data.
func (ADPCM) Decode(dst []int16, data []byte) ([]int16, error) {
	out, err := adpcm.DecodeChunk(dst, data)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return out, nil
}

// Samples returns how many samples the adpcm chunk data holds.
func (ADPCM) Samples(data []byte) (int, error) {
	n, err := adpcm.ChunkSamples(data)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return n, nil
}

var _ Codec = ADPCM{}
