//go:build opus

package codec

/*
#cgo LDFLAGS: -lopus
#include <opus/opus.h>

// opus_encoder_ctl is variadic, which cgo cannot call: these wrap the
// requests linetap makes.
static int lt_opus_set_bitrate(OpusEncoder *e, opus_int32 b) {
	return opus_encoder_ctl(e, OPUS_SET_BITRATE(b));
}
static int lt_opus_set_complexity(OpusEncoder *e, opus_int32 c) {
	return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(c));
}
static int lt_opus_set_voice(OpusEncoder *e) {
	return opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}
static int lt_opus_lookahead(OpusEncoder *e, opus_int32 *v) {
	return opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(v));
}
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// optional lists the codecs that need a build tag: Opus with "opus".
var optional = []Codec{Opus{}}

// unavailable says why each codec left out of this build is missing: none.
var unavailable = map[string]string{}

// Opus parameters of codec "opus".
const (
	// OpusBitrate is the target bit rate, bits per second.
	OpusBitrate = 12000
	// OpusComplexity is the encoder's complexity, 0..10 (libopus default
	// 10): 5 takes about a quarter of the time of 10 (BENCHMARKS.md), for
	// eight lines on a small ARM board, and barely changes 12 kbit/s
	// narrowband speech.
	OpusComplexity = 5
	// OpusFrame is the samples in one Opus frame: 20 ms at 8 kHz.
	OpusFrame = 160
	// opusHeaderLen is the chunk header: sample count and pre-skip.
	opusHeaderLen = 6
	// opusMaxPacket bounds one packet (RFC 6716 §3.2.1: a frame is at most
	// 1275 bytes, plus the TOC byte).
	opusMaxPacket = 1276
)

// Opus stores Opus (RFC 6716) through libopus: 8 kHz mono, the VoIP
// application at 12 kbit/s in 20 ms frames. A chunk is
//
//	offset  size  field
//	0       4     samples: the chunk's true sample count, uint32 LE
//	4       2     pre-skip: decoded samples to drop first (the encoder's
//	              look-ahead), uint16 LE
//	6       …     packets, each its length as an unsigned LEB128 varint
//	              (one byte below 128, as nearly every 12 kbit/s packet
//	              is) and one Opus packet of one 20 ms frame;
//	              ⌈(pre-skip + samples)/160⌉ of them
//
// Every chunk starts a fresh encoder and decoder, so it decodes alone. The
// input is padded with silence to whole frames and past the look-ahead;
// the decoder drops the pre-skip and the padding, so Samples is exact.
type Opus struct{}

// Name returns "opus".
func (Opus) Name() string { return "opus" }

// Encode appends one opus chunk holding pcm. libopus fails only when it
// cannot allocate; Encode then writes a header with no packets, which
// Decode reports as corrupt, since Codec.Encode has no error to return.
func (Opus) Encode(dst []byte, pcm []int16) []byte {
	var cerr C.int
	enc := C.opus_encoder_create(8000, 1, C.OPUS_APPLICATION_VOIP, &cerr)
	if enc == nil || cerr != C.OPUS_OK {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(pcm)))
		return binary.LittleEndian.AppendUint16(dst, 0)
	}
	defer C.opus_encoder_destroy(enc)
	C.lt_opus_set_bitrate(enc, OpusBitrate)
	C.lt_opus_set_voice(enc)
	C.lt_opus_set_complexity(enc, OpusComplexity)
	var look C.opus_int32
	if C.lt_opus_lookahead(enc, &look) != C.OPUS_OK || look < 0 {
		look = 0
	}
	skip := int(look)
	frames := (skip + len(pcm) + OpusFrame - 1) / OpusFrame
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(pcm)))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(skip))
	var frame [OpusFrame]C.opus_int16
	var pkt [opusMaxPacket]C.uchar
	for f := 0; f < frames; f++ {
		for i := range frame {
			frame[i] = 0
			if j := f*OpusFrame + i; j < len(pcm) {
				frame[i] = C.opus_int16(pcm[j])
			}
		}
		n := C.opus_encode(enc, &frame[0], OpusFrame, &pkt[0], opusMaxPacket)
		if n <= 0 {
			return dst // too few packets: Decode reports it
		}
		dst = binary.AppendUvarint(dst, uint64(n))
		dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&pkt[0])), int(n))...)
	}
	return dst
}

// opusChunk checks the layout of an opus chunk and returns its sample
// count, pre-skip and packets.
func opusChunk(data []byte, each func(pkt []byte) error) (n, skip int, err error) {
	if len(data) < opusHeaderLen {
		return 0, 0, fmt.Errorf("%w: opus: %d bytes, shorter than the %d-byte header", ErrCorrupt, len(data), opusHeaderLen)
	}
	n64 := binary.LittleEndian.Uint32(data)
	skip = int(binary.LittleEndian.Uint16(data[4:]))
	if n64 > 1<<28 {
		return 0, 0, fmt.Errorf("%w: opus: sample count %d is implausible", ErrCorrupt, n64)
	}
	n = int(n64)
	want := (skip + n + OpusFrame - 1) / OpusFrame
	got := 0
	for p := data[opusHeaderLen:]; len(p) > 0; got++ {
		ul, k := binary.Uvarint(p)
		if k <= 0 {
			return 0, 0, fmt.Errorf("%w: opus: packet %d: truncated or overlong length", ErrCorrupt, got)
		}
		if ul == 0 || ul > opusMaxPacket || ul > uint64(len(p)-k) {
			return 0, 0, fmt.Errorf("%w: opus: packet %d: length %d with %d bytes left", ErrCorrupt, got, ul, len(p)-k)
		}
		l := int(ul)
		pkt := p[k : k+l]
		if ns := C.opus_packet_get_nb_samples((*C.uchar)(unsafe.Pointer(&pkt[0])), C.opus_int32(l), 8000); ns != OpusFrame {
			return 0, 0, fmt.Errorf("%w: opus: packet %d: holds %d samples, not one 20 ms frame", ErrCorrupt, got, int(ns))
		}
		if each != nil {
			if err := each(pkt); err != nil {
				return 0, 0, fmt.Errorf("opus: packet %d: %w", got, err)
			}
		}
		p = p[k+l:]
	}
	if got != want {
		return 0, 0, fmt.Errorf("%w: opus: %d packets for %d samples after a pre-skip of %d, want %d (an encoder failure leaves none)", ErrCorrupt, got, n, skip, want)
	}
	return n, skip, nil
}

// Decode appends the samples of the opus chunk data.
func (Opus) Decode(dst []int16, data []byte) ([]int16, error) {
	n, skip, err := opusChunk(data, nil)
	if err != nil {
		return dst, err
	}
	var cerr C.int
	dec := C.opus_decoder_create(8000, 1, &cerr)
	if dec == nil || cerr != C.OPUS_OK {
		return dst, fmt.Errorf("codec: opus: decoder: %s", C.GoString(C.opus_strerror(cerr)))
	}
	defer C.opus_decoder_destroy(dec)
	start := len(dst)
	var frame [OpusFrame]C.opus_int16
	pos := 0 // decoded samples so far, pre-skip included
	_, _, err = opusChunk(data, func(pkt []byte) error {
		got := C.opus_decode(dec, (*C.uchar)(unsafe.Pointer(&pkt[0])), C.opus_int32(len(pkt)), &frame[0], OpusFrame, 0)
		if got != OpusFrame {
			if got < 0 {
				return fmt.Errorf("%w: %s", ErrCorrupt, C.GoString(C.opus_strerror(got)))
			}
			return fmt.Errorf("%w: decoded %d samples, not %d", ErrCorrupt, int(got), OpusFrame)
		}
		for _, s := range frame {
			pos++
			if pos > skip {
				dst = append(dst, int16(s))
			}
		}
		return nil
	})
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+n], nil
}

// Samples returns the true sample count of the opus chunk data, after
// checking its packets' framing.
func (Opus) Samples(data []byte) (int, error) {
	n, _, err := opusChunk(data, nil)
	return n, err
}

var _ Codec = Opus{}
