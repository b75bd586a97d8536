package web

import (
	"bytes"
	"container/list"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp"
)

// WAV layout of the audio endpoint.
const (
	wavBitDepth = 16
	wavChannels = 1
	wavPCM      = 1 // WAVE_FORMAT_PCM (Microsoft RIFF spec, fmt chunk)
	// WAVHeaderBytes is the size of the header before the first sample:
	// RIFF (12) + fmt (8+16) + data chunk header (8).
	WAVHeaderBytes = 44
	// encodeBlock is how many samples are converted per encoder write, so
	// that a long call is not copied whole into go-audio's []int.
	encodeBlock = 4096
)

// memFile is an in-memory io.WriteSeeker for go-audio's encoder, which
// seeks back to patch the RIFF and data sizes.
type memFile struct {
	buf []byte
	pos int
}

var _ io.WriteSeeker = (*memFile)(nil)

// Write writes p at the current position, growing the buffer as needed.
func (m *memFile) Write(p []byte) (int, error) {
	end := m.pos + len(p)
	if end > len(m.buf) {
		m.buf = append(m.buf, make([]byte, end-len(m.buf))...)
	}
	copy(m.buf[m.pos:], p)
	m.pos = end
	return len(p), nil
}

// Seek sets the position for the next Write.
func (m *memFile) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = int64(m.pos)
	case io.SeekEnd:
		base = int64(len(m.buf))
	default:
		return 0, fmt.Errorf("web: memfile: bad whence %d", whence)
	}
	p := base + offset
	if p < 0 || p > int64(len(m.buf)) {
		return 0, fmt.Errorf("web: memfile: seek to %d out of range", p)
	}
	m.pos = int(p)
	return p, nil
}

// EncodeWAV returns pcm as a WAV file: 8 kHz (dsp.Rate), 16-bit, mono PCM,
// with a 44-byte header (WAVHeaderBytes) followed by the samples in order,
// little-endian.
func EncodeWAV(pcm []int16) ([]byte, error) {
	f := &memFile{buf: make([]byte, 0, WAVHeaderBytes+2*len(pcm))}
	enc := wav.NewEncoder(f, dsp.Rate, wavBitDepth, wavChannels, wavPCM)
	block := &audio.IntBuffer{
		Format:         &audio.Format{NumChannels: wavChannels, SampleRate: dsp.Rate},
		SourceBitDepth: wavBitDepth,
		Data:           make([]int, 0, min(encodeBlock, max(len(pcm), 1))),
	}
	// Write at least once, so that an empty call still gets a data chunk.
	for first := true; first || len(pcm) > 0; first = false {
		n := min(len(pcm), encodeBlock)
		block.Data = block.Data[:n]
		for i, s := range pcm[:n] {
			block.Data[i] = int(s)
		}
		pcm = pcm[n:]
		if err := enc.Write(block); err != nil {
			return nil, fmt.Errorf("web: encoding wav: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("web: encoding wav: %w", err)
	}
	return f.buf, nil
}

// wavKey identifies one encoding: a call's audio changes while it records,
// and its SHA256 with it.
type wavKey struct {
	id     uint64
	sha256 string
}

// wavEntry is a cached encoding, or one being made: ready is closed when
// data or err is set.
type wavEntry struct {
	key   wavKey
	ready chan struct{}
	data  []byte
	err   error
	elem  *list.Element // in wavCache.lru once ready and kept
}

// wavCache keeps the most recently used WAVs within a byte budget, and
// lets concurrent requests for the same call share one encoding.
type wavCache struct {
	budget int64

	mu      sync.Mutex
	used    int64
	entries map[wavKey]*wavEntry
	lru     *list.List // of *wavEntry, most recent first
}

func newWAVCache(budget int64) *wavCache {
	return &wavCache{budget: budget, entries: map[wavKey]*wavEntry{}, lru: list.New()}
}

// get returns the encoding for key, calling encode at most once for
// concurrent callers.
func (c *wavCache) get(key wavKey, encode func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		<-e.ready
		return e.data, e.err
	}
	e := &wavEntry{key: key, ready: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	e.data, e.err = encode()
	close(e.ready)

	c.mu.Lock()
	defer c.mu.Unlock()
	size := int64(len(e.data))
	if e.err != nil || size > c.budget {
		delete(c.entries, key)
		return e.data, e.err
	}
	e.elem = c.lru.PushFront(e)
	c.used += size
	for c.used > c.budget {
		old := c.lru.Back().Value.(*wavEntry)
		c.lru.Remove(old.elem)
		delete(c.entries, old.key)
		c.used -= int64(len(old.data))
	}
	return e.data, e.err
}

// etag is the entity tag of a call's WAV: its stored audio's SHA-256.
func etag(c *linetap.Call) string {
	if c.SHA256 == "" {
		return ""
	}
	return `"` + c.SHA256 + `"`
}

// noneMatch reports whether an If-None-Match header value matches tag,
// by the weak comparison RFC 9110 §13.1.2 prescribes for it.
func noneMatch(header, tag string) bool {
	if tag == "" {
		return false
	}
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

func (s *Server) handleAudio(w http.ResponseWriter, r *http.Request) {
	id, ok := s.callID(w, r)
	if !ok {
		return
	}
	download := false
	for k, v := range r.URL.Query() {
		switch {
		case k == "download" && len(v) == 1 && (v[0] == "1" || v[0] == "0" || v[0] == ""):
			download = v[0] == "1"
		default:
			s.writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown or repeated parameter %q (known: download=1)", k))
			return
		}
	}
	info, err := s.archive.Info(id)
	if err != nil {
		s.callFailed(w, id, err)
		return
	}
	c := info.Call
	// Privacy: every download, and every playback (once per person and
	// call per PlayAuditInterval, not per seek), is in the audit log. No
	// audit entry, no audio.
	if err := s.auditAccess(r, id, download); err != nil {
		s.log.Error("web: auditing audio access", "call", id, "err", err)
		s.writeError(w, http.StatusInternalServerError, "the audit log cannot be written, so no audio is served (see the log)")
		return
	}
	h := w.Header()
	tag := etag(&c)
	if tag != "" {
		h.Set("ETag", tag)
	}
	h.Set("Content-Type", "audio/wav")
	disp := "inline"
	if download {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp+`; filename="call-`+strconv.FormatUint(id, 10)+`.wav"`)
	// The ETag changes while a call records: revalidate every time.
	h.Set("Cache-Control", "private, no-cache")
	modified := c.End
	if c.State == linetap.StateRecording {
		modified = time.Time{}
	}

	if tag != "" && noneMatch(r.Header.Get("If-None-Match"), tag) {
		// RFC 9110 §13.1.2: the client has this representation; answer
		// 304 without fetching and encoding the audio.
		h.Del("Content-Type")
		h.Del("Content-Disposition")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	encode := func() ([]byte, error) {
		pcm, err := s.archive.PCM(id)
		if err != nil {
			return nil, err
		}
		return EncodeWAV(pcm)
	}
	var data []byte
	if tag == "" {
		data, err = encode()
	} else {
		data, err = s.wavs.get(wavKey{id: id, sha256: c.SHA256}, encode)
	}
	if err != nil {
		h.Del("ETag")
		h.Del("Content-Disposition")
		h.Del("Content-Type")
		s.callFailed(w, id, err)
		return
	}
	// ServeContent handles Range, If-Range and If-None-Match.
	http.ServeContent(w, r, "", modified, bytes.NewReader(data))
}
