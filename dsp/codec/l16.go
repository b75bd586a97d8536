package codec

import (
	"encoding/binary"
	"fmt"
)

// L16 stores 16-bit little-endian linear PCM: lossless, 128 kbit/s.
type L16 struct{}

// Name returns "l16".
func (L16) Name() string { return "l16" }

// Encode appends pcm as little-endian int16.
func (L16) Encode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// Decode appends the samples of data to dst.
func (L16) Decode(dst []int16, data []byte) ([]int16, error) {
	if len(data)%2 != 0 {
		return dst, fmt.Errorf("%w: l16: odd length %d", ErrCorrupt, len(data))
	}
	for i := 0; i < len(data); i += 2 {
		dst = append(dst, int16(binary.LittleEndian.Uint16(data[i:])))
	}
	return dst, nil
}

// Samples returns len(data)/2.
func (L16) Samples(data []byte) (int, error) {
	if len(data)%2 != 0 {
		return 0, fmt.Errorf("%w: l16: odd length %d", ErrCorrupt, len(data))
	}
	return len(data) / 2, nil
}
