package g711

import "math/bits"

// EncodeUlaw returns the G.711 µ-law code of the 16-bit sample s.
//
// The Recommendation quantises 14-bit uniform PCM (Table 2a), so s is taken
// as s>>2; its decision values are symmetric about −½, so a negative value
// v has the magnitude index −v−1 (that is ^v).
func EncodeUlaw(s int16) byte {
	v := int32(s) >> 2
	var sign byte = 0x80 // G.711 Table 2a: bit 1 is 1 for positive values
	if v < 0 {
		v = ^v
		sign = 0
	}
	// G.711 §3.1: µ = 255 segments are binary multiples of (x+33) from 33.
	m := min(uint32(v)+33, 0x1FFF)
	seg := bits.Len32(m) - 6 // 33…63 is segment 0, 4096…8191 segment 7
	mant := byte(m>>(seg+1)) & 0x0F
	// G.711 §3.1.3: the character is transmitted with all bits inverted.
	return ^(byte(seg)<<4|mant)&0x7F | sign
}

// DecodeUlaw returns the 16-bit sample that the µ-law code b stands for:
// the midpoint of its quantisation interval (G.711 Table 2a), scaled from
// 14 bits to 16. Both zero codes, 0xFF and 0x7F, decode to 0.
func DecodeUlaw(b byte) int16 {
	b = ^b
	seg := uint(b>>4) & 7
	mant := int32(b & 0x0F)
	y := ((2*mant + 33) << seg) - 33 // 14-bit decoder output, 0…8031
	y <<= 2
	if b&0x80 != 0 {
		return int16(-y)
	}
	return int16(y)
}

// EncodeAlaw returns the G.711 A-law code of the 16-bit sample s.
//
// The Recommendation quantises 13-bit uniform PCM (Table 1a), so s is taken
// as s>>3; negative values use the magnitude index ^v, as for µ-law.
func EncodeAlaw(s int16) byte {
	v := int32(s) >> 3
	var sign byte = 0x80 // G.711 Table 1a: bit 1 is 1 for positive values
	if v < 0 {
		v = ^v
		sign = 0
	}
	m := uint32(v) // 0…4095
	var code byte
	if m < 32 {
		// Segments 0 and 1 share one step size: 2 units.
		code = byte(m >> 1)
	} else {
		seg := bits.Len32(m) - 5 // 32…63 is segment 1, 2048…4095 segment 7
		code = byte(seg)<<4 | byte(m>>seg)&0x0F
	}
	// G.711 §2.3 (Table 1a note): the even bits are inverted, XOR 0x55.
	return (code | sign) ^ 0x55
}

// DecodeAlaw returns the 16-bit sample that the A-law code b stands for:
// the midpoint of its quantisation interval (G.711 Table 1a), scaled from
// 13 bits to 16. A-law has no zero: 0xD5 decodes to +8, 0x55 to −8.
func DecodeAlaw(b byte) int16 {
	b ^= 0x55
	seg := uint(b>>4) & 7
	mant := int32(b & 0x0F)
	var y int32 // 13-bit decoder output, 1…4032
	if seg == 0 {
		y = 2*mant + 1
	} else {
		y = (2*mant + 33) << (seg - 1)
	}
	y <<= 3
	if b&0x80 == 0 {
		return int16(-y)
	}
	return int16(y)
}
