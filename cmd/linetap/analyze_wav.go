package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/go-audio/riff"
	"github.com/go-audio/wav"
)

// Errors of the analyser's WAV reader; each is wrapped with the file's
// name and what exactly is wrong.
var (
	// errNotWAV: the file is not a RIFF/WAVE file, or its headers are
	// malformed.
	errNotWAV = errors.New("not a WAV file")
	// errTruncated: the data chunk is cut short.
	errTruncated = errors.New("truncated WAV file")
	// errWAVFormat: a sample format the analyser does not read.
	errWAVFormat = errors.New("unsupported WAV format")
)

// WAVE format tags (Microsoft RIFF specification, mmreg.h).
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

// Bounds on what a header may declare before anything is allocated.
const (
	maxFmtBytes   = 1024 // 16 bytes for PCM, 40 for WAVE_FORMAT_EXTENSIBLE
	maxChannels   = 64
	minWAVRate    = 8000
	maxWAVRate    = 192000
	readBlockSize = 4096 // frames per read
)

// wavReader reads the samples of a WAV file block by block, as int16 per
// channel whatever the stored format (8-, 16-, 24-, 32-bit PCM, 32-bit
// float).
type wavReader struct {
	name     string
	channels int
	rate     int
	bits     int
	float    bool
	frames   int64 // frames in the data chunk
	data     io.Reader
	raw      []byte
	read     int64 // frames read so far
}

// newWAVReader parses the headers of r (which holds the whole file) and
// leaves it at the first sample.
func newWAVReader(r io.ReadSeeker, name string) (*wavReader, error) {
	h, err := walkChunks(r, name)
	if err != nil {
		return nil, err
	}
	if h.channels < 1 || h.channels > maxChannels {
		return nil, fmt.Errorf("%s: %w: %d channels (1 to %d)", name, errWAVFormat, h.channels, maxChannels)
	}
	d, err := decodeHeader(r, name)
	if err != nil {
		return nil, err
	}
	w := &wavReader{name: name, channels: int(d.NumChans), rate: int(d.SampleRate), bits: int(d.BitDepth)}
	tag := h.tag
	if tag == tagExtensible {
		tag = h.sub
	}
	switch {
	case w.channels < 1 || w.channels > maxChannels:
		return nil, fmt.Errorf("%s: %w: %d channels (1 to %d)", name, errWAVFormat, w.channels, maxChannels)
	case w.rate < minWAVRate || w.rate > maxWAVRate:
		return nil, fmt.Errorf("%s: %w: sample rate %d Hz (%d to %d)", name, errWAVFormat, w.rate, minWAVRate, maxWAVRate)
	case tag == tagPCM && (w.bits == 8 || w.bits == 16 || w.bits == 24 || w.bits == 32):
	case tag == tagFloat && w.bits == 32:
		w.float = true
	default:
		return nil, fmt.Errorf("%s: %w: %d-bit samples of format tag 0x%04X, want 8/16/24/32-bit PCM or 32-bit float",
			name, errWAVFormat, w.bits, tag)
	}
	frameBytes := int64(w.channels * w.bits / 8)
	// The data chunk's size as declared: go-audio/riff rounds an odd one
	// up to the pad byte.
	size := h.dataSize
	if end := h.fileSize - h.dataOff; end < size {
		return nil, fmt.Errorf("%s: %w: data chunk declares %d bytes, file holds %d", name, errTruncated, size, end)
	}
	if size%frameBytes != 0 {
		return nil, fmt.Errorf("%s: %w: data chunk of %d bytes is not a whole number of %d-byte frames",
			name, errTruncated, size, frameBytes)
	}
	if _, err := r.Seek(h.dataOff, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w.frames = size / frameBytes
	w.data = io.LimitReader(r, size)
	w.raw = make([]byte, readBlockSize*frameBytes)
	return w, nil
}

// decodeHeader runs go-audio/wav over the headers, turning its panics on
// hostile input into an error.
func decodeHeader(r io.ReadSeeker, name string) (d *wav.Decoder, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%s: %w: unreadable header (%v)", name, errNotWAV, p)
		}
	}()
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d = wav.NewDecoder(r)
	if err := d.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, errNotWAV, err)
	}
	switch {
	case d.NumChans == 0:
		return nil, fmt.Errorf("%s: %w: no fmt chunk", name, errNotWAV)
	case d.PCMChunk == nil:
		return nil, fmt.Errorf("%s: %w: no data chunk", name, errNotWAV)
	}
	return d, nil
}

// header is what walkChunks learns from the chunk headers.
type header struct {
	tag, sub          uint16 // format tag; sub-format of WAVE_FORMAT_EXTENSIBLE
	channels          int
	dataOff, dataSize int64 // the data chunk's samples: offset and declared length
	fileSize          int64
}

// walkChunks checks the RIFF/WAVE magic and every chunk header before the
// data chunk, refusing one that claims more bytes than the file holds (so
// that the decoder never allocates or skips what a hostile header
// declares), and returns what the fmt and data chunk headers say.
func walkChunks(r io.ReadSeeker, name string) (h header, err error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return h, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return h, fmt.Errorf("%s: %w", name, err)
	}
	var magic [12]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return h, fmt.Errorf("%s: %w: %d bytes, shorter than a RIFF header", name, errNotWAV, size)
	}
	if [4]byte(magic[0:4]) != riff.RiffID || [4]byte(magic[8:12]) != riff.WavFormatID {
		return h, fmt.Errorf("%s: %w: does not start with RIFF…WAVE (starts %q)", name, errNotWAV, magic[:])
	}
	var hdr [8]byte
	var fmtBody [maxFmtBytes]byte
	sawFmt := false
	for off := int64(12); off+8 <= size; {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return h, fmt.Errorf("%s: %w", name, err)
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return h, fmt.Errorf("%s: %w: chunk header at byte %d: %v", name, errNotWAV, off, err)
		}
		id, n := [4]byte(hdr[0:4]), int64(binary.LittleEndian.Uint32(hdr[4:]))
		if id == riff.DataFormatID {
			if !sawFmt {
				return h, fmt.Errorf("%s: %w: data chunk before any fmt chunk", name, errNotWAV)
			}
			h.dataOff, h.dataSize, h.fileSize = off+8, n, size
			return h, nil
		}
		if id == riff.FmtID {
			if n < 16 || n > maxFmtBytes {
				return h, fmt.Errorf("%s: %w: fmt chunk of %d bytes (16 to %d)", name, errNotWAV, n, maxFmtBytes)
			}
			if _, err := io.ReadFull(r, fmtBody[:n]); err != nil {
				return h, fmt.Errorf("%s: %w: fmt chunk declares %d bytes, file ends first", name, errTruncated, n)
			}
			h.tag = binary.LittleEndian.Uint16(fmtBody[0:2])
			h.channels = int(binary.LittleEndian.Uint16(fmtBody[2:4]))
			// WAVEFORMATEXTENSIBLE: cbSize at 16, the SubFormat GUID at
			// 24, whose first two bytes are the format tag.
			if h.tag == tagExtensible && n >= 26 {
				h.sub = binary.LittleEndian.Uint16(fmtBody[24:26])
			}
			sawFmt = true
		}
		// RIFF: chunks are padded to an even length.
		next := off + 8 + n + n%2
		if next > size {
			return h, fmt.Errorf("%s: %w: %q chunk at byte %d declares %d bytes, file holds %d",
				name, errTruncated, id[:], off, n, size-off-8)
		}
		off = next
	}
	return h, fmt.Errorf("%s: %w: no data chunk", name, errNotWAV)
}

// next reads up to readBlockSize frames into ch (one slice per channel,
// each grown to the frame count) and returns the number of frames, or 0
// and io.EOF at the end of the data.
func (w *wavReader) next(ch [][]int16) (int, error) {
	left := w.frames - w.read
	if left == 0 {
		return 0, io.EOF
	}
	n := int(min(left, readBlockSize))
	bps := w.bits / 8
	buf := w.raw[:n*w.channels*bps]
	if _, err := io.ReadFull(w.data, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, fmt.Errorf("%s: %w: data ends at frame %d of %d", w.name, errTruncated, w.read, w.frames)
		}
		return 0, fmt.Errorf("%s: %w", w.name, err)
	}
	for c := range ch {
		ch[c] = ch[c][:n]
	}
	for i := range n {
		for c := range w.channels {
			b := buf[(i*w.channels+c)*bps:]
			ch[c][i] = w.sample(b)
		}
	}
	w.read += int64(n)
	return n, nil
}

// sample converts one stored sample to 16 bits.
func (w *wavReader) sample(b []byte) int16 {
	switch {
	case w.float:
		f := math.Float32frombits(binary.LittleEndian.Uint32(b)) * 32768
		switch {
		case f != f: // NaN
			return 0
		case f >= 32767:
			return 32767
		case f <= -32768:
			return -32768
		}
		return int16(math.Round(float64(f)))
	case w.bits == 8: // unsigned, 128 is zero
		return int16(int(b[0])-128) << 8
	case w.bits == 16:
		return int16(binary.LittleEndian.Uint16(b))
	case w.bits == 24:
		return int16(uint16(b[1]) | uint16(b[2])<<8)
	}
	return int16(binary.LittleEndian.Uint16(b[2:4])) // 32-bit: the top half
}
