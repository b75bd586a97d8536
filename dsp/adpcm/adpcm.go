package adpcm

import (
	"encoding/binary"
	"fmt"
)

// HeaderLen is the size in bytes of a chunk's header.
const HeaderLen = 4

// MaxIndex is the largest step index: the step table has 89 entries.
const MaxIndex = 88

// flagOdd marks a chunk whose last nibble is padding.
const flagOdd = 1

// stepTable is the IMA step size for each index (IMA 1992 recommendation,
// DVI ADPCM step-size table: each step about 1.1 times the one before).
var stepTable = [MaxIndex + 1]int32{
	7, 8, 9, 10, 11, 12, 13, 14, 16, 17,
	19, 21, 23, 25, 28, 31, 34, 37, 41, 45,
	50, 55, 60, 66, 73, 80, 88, 97, 107, 118,
	130, 143, 157, 173, 190, 209, 230, 253, 279, 307,
	337, 371, 408, 449, 494, 544, 598, 658, 724, 796,
	876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066,
	2272, 2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358,
	5894, 6484, 7132, 7845, 8630, 9493, 10442, 11487, 12635, 13899,
	15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
}

// indexAdjust moves the step index after a code of each magnitude (IMA
// 1992: index table, −1 for magnitudes 0–3, +2, +4, +6, +8 for 4–7).
var indexAdjust = [8]int8{-1, -1, -1, -1, 2, 4, 6, 8}

// State is the encoder's or decoder's memory between two samples.
type State struct {
	// Predictor is the predicted value of the next sample.
	Predictor int16
	// Index points into the step-size table, 0..MaxIndex.
	Index uint8
}

// Step returns the step size the next code is scaled by.
func (s *State) Step() int {
	return int(stepTable[min(s.Index, MaxIndex)])
}

// Encode returns the 4-bit code for sample x (bit 3 the sign, bits 0–2 the
// magnitude in steps of a quarter step) and moves s on as the decoder will.
func (s *State) Encode(x int16) byte {
	step := stepTable[min(s.Index, MaxIndex)]
	diff := int32(x) - int32(s.Predictor)
	var code byte
	if diff < 0 {
		code = 8
		diff = -diff
	}
	// IMA 1992: successive approximation of diff/step in three bits.
	if diff >= step {
		code |= 4
		diff -= step
	}
	if diff >= step>>1 {
		code |= 2
		diff -= step >> 1
	}
	if diff >= step>>2 {
		code |= 1
	}
	s.apply(code, step)
	return code
}

// Decode returns the sample that code stands for and moves s on. Only the
// low four bits of code are used.
func (s *State) Decode(code byte) int16 {
	s.apply(code&15, stepTable[min(s.Index, MaxIndex)])
	return s.Predictor
}

// apply updates the predictor and the step index for code.
func (s *State) apply(code byte, step int32) {
	// IMA 1992: the difference is (magnitude + ½)·step/4, computed from
	// shifted steps so that encoder and decoder agree to the bit.
	d := step >> 3
	if code&4 != 0 {
		d += step
	}
	if code&2 != 0 {
		d += step >> 1
	}
	if code&1 != 0 {
		d += step >> 2
	}
	p := int32(s.Predictor)
	if code&8 != 0 {
		p -= d
	} else {
		p += d
	}
	s.Predictor = int16(max(-32768, min(32767, p)))
	i := int(min(s.Index, MaxIndex)) + int(indexAdjust[code&7])
	s.Index = uint8(max(0, min(MaxIndex, i)))
}

// initialIndex picks a starting step index for pcm: the smallest whose
// step covers half the largest difference among the first eight samples.
func initialIndex(pcm []int16) uint8 {
	var big int32
	for i := 1; i < len(pcm) && i < 8; i++ {
		d := int32(pcm[i]) - int32(pcm[i-1])
		big = max(big, d, -d)
	}
	for i, st := range stepTable {
		if 2*st >= big {
			return uint8(i)
		}
	}
	return MaxIndex
}

// EncodeChunk appends a self-contained chunk holding pcm to dst (layout in
// the package documentation) and returns it. It allocates only when dst
// lacks room for HeaderLen + ⌈len(pcm)/2⌉ more bytes.
func EncodeChunk(dst []byte, pcm []int16) []byte {
	n := HeaderLen + (len(pcm)+1)/2
	if cap(dst)-len(dst) < n {
		nd := make([]byte, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	var st State
	if len(pcm) > 0 {
		st = State{Predictor: pcm[0], Index: initialIndex(pcm)}
	}
	var flags byte
	if len(pcm)%2 == 1 {
		flags = flagOdd
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(st.Predictor))
	dst = append(dst, st.Index, flags)
	for i := 0; i+1 < len(pcm); i += 2 {
		lo := st.Encode(pcm[i])
		hi := st.Encode(pcm[i+1])
		dst = append(dst, lo|hi<<4)
	}
	if len(pcm)%2 == 1 {
		dst = append(dst, st.Encode(pcm[len(pcm)-1]))
	}
	return dst
}

// header checks a chunk's header and returns its state and sample count.
func header(data []byte) (State, int, error) {
	if len(data) < HeaderLen {
		return State{}, 0, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(data), HeaderLen)
	}
	st := State{Predictor: int16(binary.LittleEndian.Uint16(data)), Index: data[2]}
	if st.Index > MaxIndex {
		return State{}, 0, fmt.Errorf("%w: step index %d beyond %d", ErrCorrupt, st.Index, MaxIndex)
	}
	flags := data[3]
	if flags&^flagOdd != 0 {
		return State{}, 0, fmt.Errorf("%w: unknown flags %#02x", ErrCorrupt, flags)
	}
	n := 2 * (len(data) - HeaderLen)
	if flags&flagOdd != 0 {
		if len(data) == HeaderLen {
			return State{}, 0, fmt.Errorf("%w: odd-count flag on a chunk with no codes", ErrCorrupt)
		}
		if data[len(data)-1]&0xF0 != 0 {
			return State{}, 0, fmt.Errorf("%w: padding nibble %#x is not 0", ErrCorrupt, data[len(data)-1]>>4)
		}
		n--
	}
	return st, n, nil
}

// ChunkSamples returns how many samples the chunk data decodes to, after
// checking its header.
func ChunkSamples(data []byte) (int, error) {
	_, n, err := header(data)
	return n, err
}

// DecodeChunk appends the samples of the chunk data to dst. It allocates
// only when dst lacks room for them; on error dst is returned unchanged.
func DecodeChunk(dst []int16, data []byte) ([]int16, error) {
	st, n, err := header(data)
	if err != nil {
		return dst, err
	}
	if cap(dst)-len(dst) < n {
		nd := make([]int16, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	codes := data[HeaderLen:]
	for i := 0; i < n; i++ {
		b := codes[i>>1]
		if i&1 == 1 {
			b >>= 4
		}
		dst = append(dst, st.Decode(b))
	}
	return dst, nil
}
