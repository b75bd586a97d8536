package codec

import "github.com/linetap/linetap/dsp/g711"

// PCMU stores G.711 µ-law (ITU-T G.711 §3), one byte a sample: 64 kbit/s.
// Every byte is a valid code, so Decode never fails.
type PCMU struct{}

// Name returns "pcmu".
func (PCMU) Name() string { return "pcmu" }

// Encode appends the µ-law code of each sample of pcm.
func (PCMU) Encode(dst []byte, pcm []int16) []byte {
	dst = growBytes(dst, len(pcm))
	for _, s := range pcm {
		dst = append(dst, g711.EncodeUlaw(s))
	}
	return dst
}

// Decode appends the sample of each µ-law code in data.
func (PCMU) Decode(dst []int16, data []byte) ([]int16, error) {
	dst = growSamples(dst, len(data))
	for _, b := range data {
		dst = append(dst, g711.DecodeUlaw(b))
	}
	return dst, nil
}

// Samples returns len(data): one sample a byte.
func (PCMU) Samples(data []byte) (int, error) { return len(data), nil }

// PCMA stores G.711 A-law (ITU-T G.711 §2), one byte a sample: 64 kbit/s.
// Every byte is a valid code, so Decode never fails.
type PCMA struct{}

// Name returns "pcma".
func (PCMA) Name() string { return "pcma" }

// Encode appends the A-law code of each sample of pcm.
func (PCMA) Encode(dst []byte, pcm []int16) []byte {
	dst = growBytes(dst, len(pcm))
	for _, s := range pcm {
		dst = append(dst, g711.EncodeAlaw(s))
	}
	return dst
}

// Decode appends the sample of each A-law code in data.
func (PCMA) Decode(dst []int16, data []byte) ([]int16, error) {
	dst = growSamples(dst, len(data))
	for _, b := range data {
		dst = append(dst, g711.DecodeAlaw(b))
	}
	return dst, nil
}

// Samples returns len(data): one sample a byte.
func (PCMA) Samples(data []byte) (int, error) { return len(data), nil }

// growBytes makes room for n more bytes in dst with at most one allocation.
func growBytes(dst []byte, n int) []byte {
	if cap(dst)-len(dst) < n {
		nd := make([]byte, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	return dst
}

// growSamples makes room for n more samples in dst with at most one
// allocation.
func growSamples(dst []int16, n int) []int16 {
	if cap(dst)-len(dst) < n {
		nd := make([]int16, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	return dst
}

var (
	_ Codec = PCMU{}
	_ Codec = PCMA{}
)
