package wavfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/go-audio/riff"
	"github.com/go-audio/wav"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/internal/frames"
	"github.com/linetap/linetap/hw/internal/pace"
)

// Errors returned by the package; each is wrapped with the name of the file
// and what exactly is wrong.
var (
	// ErrFormat is returned by Open for a WAV whose samples are not 16-bit
	// linear PCM.
	ErrFormat = errors.New("wavfile: unsupported sample format")
	// ErrMalformed is returned for a file that is not a well-formed WAV, or
	// whose data chunk is cut short.
	ErrMalformed = errors.New("wavfile: malformed WAV")
	// ErrEvents is returned for a sidecar event file that cannot be parsed or
	// does not fit the WAV.
	ErrEvents = errors.New("wavfile: bad line events")
	// ErrBuffer is returned by Read for a buffer that does not hold a whole
	// number of frames.
	ErrBuffer = errors.New("wavfile: buffer is not a whole number of frames")
)

// WAVE format tags (Microsoft RIFF specification, mmreg.h).
const (
	formatPCM        = 0x0001
	formatExtensible = 0xFFFE
)

// Options configures a Source.
type Options struct {
	// Realtime paces Read to the wall clock, one block per block duration,
	// like a sound card; false replays as fast as possible.
	Realtime bool
	// Sleep is used for pacing when Realtime is set (nil means time.Sleep).
	// An injected Sleep is trusted to sleep exactly as long as asked, so a
	// test that passes one sees exactly the audio's duration requested.
	Sleep func(time.Duration)
	// Origin is the monotonic timestamp of the file's first frame.
	Origin time.Duration
	// Events, when non-nil, are the line events of the replay, with Time
	// measured from the first frame of the file (as ParseEvents returns
	// them); Origin is added on delivery.
	Events []hw.LineEvent
	// EventsPath, when not empty, names a sidecar event file to parse (see
	// the package documentation); its events are added to Events.
	EventsPath string
}

// Source replays a WAV file. It implements hw.AudioSource and
// hw.LineSensor; Read and Close may be called from different goroutines.
type Source struct {
	name   string
	file   io.Closer // nil when the caller owns the reader
	data   io.Reader // the data chunk
	format hw.Format
	frames int64 // frames in the data chunk
	opt    Options

	mu     sync.Mutex // serialises Read
	pos    int64      // frames delivered
	raw    []byte     // reused read buffer
	events []hw.LineEvent
	next   int // index of the first undelivered event
	ch     chan hw.LineEvent
	pace   pace.Pacer

	closeOnce sync.Once
	done      chan struct{}
	closeErr  error
}

var (
	_ hw.AudioSource = (*Source)(nil)
	_ hw.LineSensor  = (*Source)(nil)
)

// Open opens the WAV file at path for replay.
func Open(path string, opt Options) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wavfile: %w", err)
	}
	s, err := newSource(f, path, opt)
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	s.file = f
	return s, nil
}

// New replays the WAV held by r; name identifies it in errors. The caller
// keeps ownership of r: Close does not close it.
func New(r io.ReadSeeker, name string, opt Options) (*Source, error) {
	return newSource(r, name, opt)
}

func newSource(r io.ReadSeeker, name string, opt Options) (s *Source, err error) {
	d, err := parseHeader(r, name)
	if err != nil {
		return nil, err
	}
	format := hw.Format{Channels: int(d.NumChans), Rate: int(d.SampleRate)}
	if err := format.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, name, err)
	}
	frameBytes := int64(2 * format.Channels)
	size := int64(d.PCMSize)
	if size%frameBytes != 0 {
		return nil, fmt.Errorf("%w: %s: data chunk of %d bytes is not a whole number of %d-byte frames",
			ErrMalformed, name, size, frameBytes)
	}
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	if end-start < size {
		return nil, fmt.Errorf("%w: %s: truncated: data chunk declares %d bytes, file holds %d",
			ErrMalformed, name, size, end-start)
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", name, err)
	}

	events := append([]hw.LineEvent(nil), opt.Events...)
	if opt.EventsPath != "" {
		ev, err := readEventsFile(opt.EventsPath)
		if err != nil {
			return nil, err
		}
		events = append(events, ev...)
	}
	sortEvents(events)
	for _, e := range events {
		if e.Line >= format.Channels {
			return nil, fmt.Errorf("%w: %s: event at %v on line %d, but the WAV has %d channels",
				ErrEvents, name, e.Time, e.Line, format.Channels)
		}
		if e.Line < 0 || e.Time < 0 || e.Kind < hw.RingOn || e.Kind > hw.PolarityReversal {
			return nil, fmt.Errorf("%w: %s: invalid event %+v", ErrEvents, name, e)
		}
	}

	s = &Source{
		name:   name,
		data:   io.LimitReader(r, size),
		format: format,
		frames: size / frameBytes,
		opt:    opt,
		events: events,
		ch:     make(chan hw.LineEvent, len(events)+1),
		done:   make(chan struct{}),
	}
	s.pace = pace.Pacer{Sleep: opt.Sleep, Done: s.done}
	return s, nil
}

// parseHeader reads the RIFF headers up to the start of the data chunk,
// leaving r there.
func parseHeader(r io.ReadSeeker, name string) (d *wav.Decoder, err error) {
	// go-audio/wav may panic on hostile headers (it sizes buffers from
	// them); turn that into an error rather than let it cross our API.
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%w: %s: unreadable header (%v)", ErrMalformed, name, p)
		}
	}()
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	var magic [12]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("%w: %s: %d-byte RIFF header cut short", ErrMalformed, name, len(magic))
	}
	if [4]byte(magic[0:4]) != riff.RiffID || [4]byte(magic[8:12]) != riff.WavFormatID {
		return nil, fmt.Errorf("%w: %s: not a RIFF/WAVE file (starts %q)", ErrMalformed, name, magic[:])
	}
	if err := checkChunks(r, name); err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	d = wav.NewDecoder(r)
	// FwdToPCM hides some header errors (it returns nil); the checks
	// below catch what it leaves unset.
	if err := d.FwdToPCM(); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || d.NumChans == 0 {
			return nil, fmt.Errorf("%w: %s: no fmt and data chunk (%v)", ErrMalformed, name, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	switch {
	case d.NumChans == 0:
		return nil, fmt.Errorf("%w: %s: no fmt chunk", ErrMalformed, name)
	case d.PCMChunk == nil:
		return nil, fmt.Errorf("%w: %s: no data chunk", ErrMalformed, name)
	case d.WavAudioFormat != formatPCM && d.WavAudioFormat != formatExtensible:
		return nil, fmt.Errorf("%w: %s: format tag 0x%04X (%s), want 16-bit PCM (0x0001)",
			ErrFormat, name, d.WavAudioFormat, formatName(d.WavAudioFormat))
	case d.BitDepth != 16:
		return nil, fmt.Errorf("%w: %s: %d-bit %s samples, want 16-bit PCM",
			ErrFormat, name, d.BitDepth, formatName(d.WavAudioFormat))
	}
	return d, nil
}

// maxFmtChunk bounds the fmt chunk (16 bytes for PCM, 40 for
// WAVE_FORMAT_EXTENSIBLE); go-audio/wav allocates what the header declares.
const maxFmtChunk = 1024

// checkChunks walks the RIFF chunk headers before the data chunk and
// refuses any that claims more bytes than the file holds, so that a hostile
// header cannot make the decoder allocate or skip gigabytes.
func checkChunks(r io.ReadSeeker, name string) error {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("wavfile: %s: %w", name, err)
	}
	var hdr [8]byte
	for off := int64(12); off+8 <= size; {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("wavfile: %s: %w", name, err)
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return fmt.Errorf("%w: %s: chunk header at byte %d: %v", ErrMalformed, name, off, err)
		}
		id, n := [4]byte(hdr[0:4]), int64(binary.LittleEndian.Uint32(hdr[4:]))
		if id == riff.DataFormatID {
			return nil // its length is checked against the file later
		}
		if id == riff.FmtID && n > maxFmtChunk {
			return fmt.Errorf("%w: %s: fmt chunk of %d bytes", ErrMalformed, name, n)
		}
		// RIFF: chunks are padded to an even length.
		next := off + 8 + n + n%2
		if next > size {
			return fmt.Errorf("%w: %s: truncated: %q chunk at byte %d declares %d bytes, file holds %d",
				ErrMalformed, name, id[:], off, n, size-off-8)
		}
		off = next
	}
	return fmt.Errorf("%w: %s: no data chunk", ErrMalformed, name)
}

// formatName names the common WAVE format tags for error messages.
func formatName(tag uint16) string {
	switch tag {
	case formatPCM:
		return "PCM"
	case 0x0003:
		return "IEEE float"
	case 0x0006:
		return "A-law"
	case 0x0007:
		return "µ-law"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0031:
		return "GSM 6.10"
	case formatExtensible:
		return "extensible"
	}
	return "unknown"
}

// Format reports the file's channel count and sample rate.
func (s *Source) Format() hw.Format { return s.format }

// Duration is the length of the recording.
func (s *Source) Duration() time.Duration {
	return frames.Duration(s.frames, s.format.Rate)
}

// Events returns the channel on which the sidecar's line events are
// delivered; it is closed by Close.
func (s *Source) Events() <-chan hw.LineEvent { return s.ch }

// Read fills buf with the next interleaved frames of the file and returns
// the number of frames and the timestamp of the first. It returns a short
// count for the last block and then 0, io.EOF; ErrClosed after Close.
func (s *Source) Read(buf []int16) (int, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.opt.Origin + frames.Duration(s.pos, s.format.Rate)
	if s.closed() {
		return 0, at, hw.ErrClosed
	}
	ch := s.format.Channels
	if len(buf)%ch != 0 {
		return 0, at, fmt.Errorf("%w: %d samples for %d channels", ErrBuffer, len(buf), ch)
	}
	n := int64(len(buf) / ch)
	if rest := s.frames - s.pos; n > rest {
		n = rest
	}
	if n == 0 {
		if len(buf) == 0 {
			return 0, at, nil
		}
		s.deliver(s.opt.Origin + s.Duration() + 1) // anything left over
		return 0, at, io.EOF
	}
	need := int(n) * ch * 2
	if cap(s.raw) < need {
		s.raw = make([]byte, need)
	}
	raw := s.raw[:need]
	if _, err := io.ReadFull(s.data, raw); err != nil {
		return 0, at, fmt.Errorf("%w: %s: reading frame %d: %w", ErrMalformed, s.name, s.pos, err)
	}
	for i := range len(raw) / 2 {
		buf[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	s.pos += n
	end := s.opt.Origin + frames.Duration(s.pos, s.format.Rate)
	if s.pos == s.frames {
		end = s.opt.Origin + s.Duration() + 1 // the last block takes the rest
	}
	s.deliver(end)
	if s.opt.Realtime {
		if !s.pace.Wait(frames.Duration(s.pos, s.format.Rate)) {
			return 0, at, hw.ErrClosed
		}
	}
	return int(n), at, nil
}

// deliver sends every event before end (on the Origin clock).
func (s *Source) deliver(end time.Duration) {
	for s.next < len(s.events) {
		e := s.events[s.next]
		e.Time += s.opt.Origin
		if e.Time >= end {
			return
		}
		s.ch <- e // cannot block: the channel holds every event
		s.next++
	}
}

// Close stops the replay, unblocks a Read that is pacing, closes the Events
// channel and, for a Source from Open, the file.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock() // wait for a Read in progress to return
		defer s.mu.Unlock()
		close(s.ch)
		if s.file != nil {
			if err := s.file.Close(); err != nil {
				s.closeErr = fmt.Errorf("wavfile: %s: %w", s.name, err)
			}
		}
	})
	return s.closeErr
}

func (s *Source) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}
