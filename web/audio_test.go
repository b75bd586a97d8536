package web_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/web"
)

// decodeWAV decodes a WAV with go-audio, checking the format.
func decodeWAV(t testing.TB, b []byte) []int16 {
	t.Helper()
	d := wav.NewDecoder(bytes.NewReader(b))
	if !d.IsValidFile() {
		t.Fatalf("not a valid WAV (%d bytes)", len(b))
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatalf("decoding WAV: %v", err)
	}
	if d.SampleRate != dsp.Rate || d.BitDepth != 16 || d.NumChans != 1 || d.WavAudioFormat != 1 {
		t.Fatalf("format %d Hz %d bit %d ch fmt %d, want 8000 Hz 16 bit mono PCM",
			d.SampleRate, d.BitDepth, d.NumChans, d.WavAudioFormat)
	}
	out := make([]int16, len(buf.Data))
	for i, v := range buf.Data {
		out[i] = int16(v)
	}
	return out
}

func equalPCM(t *testing.T, got, want []int16) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
}

func TestEncodeWAV(t *testing.T) {
	for _, n := range []int{0, 1, 4095, 4096, 4097, 3 * dsp.Rate} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			pcm := tone(1000, -3, time.Duration(n)*time.Second/dsp.Rate)
			if n > 0 {
				pcm[0], pcm[n-1] = -32768, 32767 // the extremes survive
			}
			b, err := web.EncodeWAV(pcm)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != web.WAVHeaderBytes+2*n {
				t.Fatalf("%d bytes, want %d", len(b), web.WAVHeaderBytes+2*n)
			}
			// RIFF size and data size as the Microsoft RIFF layout has them.
			if riff := binary.LittleEndian.Uint32(b[4:]); int(riff) != len(b)-8 {
				t.Errorf("RIFF size %d, want %d", riff, len(b)-8)
			}
			if data := binary.LittleEndian.Uint32(b[40:]); int(data) != 2*n || string(b[36:40]) != "data" {
				t.Errorf("data chunk %q size %d, want %d", b[36:40], data, 2*n)
			}
			equalPCM(t, decodeWAV(t, b), pcm)
		})
	}
}

func TestAudio(t *testing.T) {
	calls := sampleCalls()
	srv := newServer(t, calls, newFakeLive(), nil)
	c, _ := calls.Call(1)
	pcm := calls.audio(1)

	r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio")
	full := []byte(body(t, r))
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, full)
	}
	for k, v := range map[string]string{
		"Content-Type":        "audio/wav",
		"Content-Disposition": `inline; filename="call-1.wav"`,
		"ETag":                `"` + c.SHA256 + `"`,
		"Accept-Ranges":       "bytes",
		"Content-Length":      strconv.Itoa(web.WAVHeaderBytes + 2*len(pcm)),
	} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	equalPCM(t, decodeWAV(t, full), pcm)

	t.Run("range", func(t *testing.T) {
		tests := []struct {
			rng        string
			first, end int // expected bytes full[first:end]
		}{
			{"bytes=44-1000", 44, 1001},
			{"bytes=0-43", 0, 44},
			{"bytes=-100", len(full) - 100, len(full)},
			{"bytes=30000-", 30000, len(full)},
		}
		for _, tt := range tests {
			t.Run(tt.rng, func(t *testing.T) {
				r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio", "Range", tt.rng)
				b := []byte(body(t, r))
				if r.StatusCode != http.StatusPartialContent {
					t.Fatalf("status %d, want 206", r.StatusCode)
				}
				wantCR := fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.end-1, len(full))
				if cr := r.Header.Get("Content-Range"); cr != wantCR {
					t.Errorf("Content-Range %q, want %q", cr, wantCR)
				}
				if !bytes.Equal(b, full[tt.first:tt.end]) {
					t.Fatalf("%d bytes differ from full[%d:%d]", len(b), tt.first, tt.end)
				}
			})
		}
		// The 44-1000 range is samples 0..478 and the first byte of 479.
		r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio", "Range", "bytes=44-1000")
		b := []byte(body(t, r))
		for i := 0; i+1 < len(b); i += 2 {
			if s := int16(binary.LittleEndian.Uint16(b[i:])); s != pcm[i/2] {
				t.Fatalf("range sample %d = %d, want %d", i/2, s, pcm[i/2])
			}
		}
		r = get(t, srv.APIHandler(), "/api/v1/calls/1/audio", "Range", fmt.Sprintf("bytes=%d-", len(full)))
		if r.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("range past the end: status %d, want 416", r.StatusCode)
		}
	})
	if n := calls.reads(1); n != 1 {
		t.Errorf("PCM read %d times for the full and ranged requests, want 1 (cached)", n)
	}

	t.Run("if-none-match", func(t *testing.T) {
		tag := `"` + c.SHA256 + `"`
		tests := []struct {
			header string
			status int
		}{
			{tag, http.StatusNotModified},
			{"W/" + tag, http.StatusNotModified},
			{`"other", ` + tag, http.StatusNotModified},
			{"*", http.StatusNotModified},
			{`"other"`, http.StatusOK},
			{`"` + c.SHA256[:10] + `"`, http.StatusOK},
		}
		for _, tt := range tests {
			t.Run(tt.header, func(t *testing.T) {
				fresh := sampleCalls()
				srv := newServer(t, fresh, newFakeLive(), nil)
				r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio", "If-None-Match", tt.header)
				b := body(t, r)
				if r.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
				}
				if tt.status == http.StatusNotModified {
					if b != "" || fresh.reads(1) != 0 {
						t.Errorf("304 with %d body bytes after %d PCM reads; want neither", len(b), fresh.reads(1))
					}
					if r.Header.Get("ETag") != tag {
						t.Errorf("304 without the ETag")
					}
				} else if len(b) != len(full) {
					t.Errorf("%d bytes, want %d", len(b), len(full))
				}
			})
		}
	})
}

func TestAudioCache(t *testing.T) {
	wavBytes := func(c *fakeCalls, id uint64) int64 {
		return int64(web.WAVHeaderBytes + 2*len(c.audio(id)))
	}
	t.Run("concurrent requests encode once", func(t *testing.T) {
		calls := sampleCalls()
		srv := newServer(t, calls, newFakeLive(), nil)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				r := get(t, srv.APIHandler(), "/api/v1/calls/2/audio")
				if r.StatusCode != 200 {
					t.Errorf("status %d", r.StatusCode)
				}
			})
		}
		wg.Wait()
		if n := calls.reads(2); n != 1 {
			t.Errorf("PCM read %d times, want 1", n)
		}
	})
	t.Run("least recently used is evicted", func(t *testing.T) {
		calls := sampleCalls()
		budget := wavBytes(calls, 1) // holds call 1 (the largest) or 2 and 3, not more
		srv := newServer(t, calls, newFakeLive(), func(o *web.Options) { o.AudioCacheBytes = budget })
		for _, id := range []uint64{3, 2, 3, 1, 1, 2, 3} {
			get(t, srv.APIHandler(), fmt.Sprintf("/api/v1/calls/%d/audio", id))
		}
		// 3 miss, 2 miss, 3 hit, 1 miss (evicts 2 then 3), 1 hit, 2 miss (evicts 1), 3 miss.
		want := map[uint64]int{1: 1, 2: 2, 3: 2}
		for id, n := range want {
			if got := calls.reads(id); got != n {
				t.Errorf("call %d: PCM read %d times, want %d", id, got, n)
			}
		}
	})
	t.Run("disabled", func(t *testing.T) {
		calls := sampleCalls()
		srv := newServer(t, calls, newFakeLive(), func(o *web.Options) { o.AudioCacheBytes = -1 })
		for range 3 {
			get(t, srv.APIHandler(), "/api/v1/calls/3/audio")
		}
		if n := calls.reads(3); n != 3 {
			t.Errorf("PCM read %d times, want 3", n)
		}
	})
	t.Run("new audio changes the ETag and is encoded again", func(t *testing.T) {
		calls := newFakeCalls()
		rec := linetap.Call{ID: 5, State: linetap.StateRecording, Direction: linetap.Inbound}
		calls.add(rec, tone(1000, -10, time.Second))
		srv := newServer(t, calls, newFakeLive(), nil)
		r1 := get(t, srv.APIHandler(), "/api/v1/calls/5/audio")
		b1 := body(t, r1)
		calls.calls = nil
		calls.add(rec, tone(1000, -10, 2*time.Second))
		r2 := get(t, srv.APIHandler(), "/api/v1/calls/5/audio")
		b2 := body(t, r2)
		if r1.Header.Get("ETag") == r2.Header.Get("ETag") || len(b2) <= len(b1) {
			t.Errorf("ETag %s then %s, %d then %d bytes: the grown call was served stale",
				r1.Header.Get("ETag"), r2.Header.Get("ETag"), len(b1), len(b2))
		}
		if r1.Header.Get("Last-Modified") != "" {
			t.Errorf("a recording call has Last-Modified %q", r1.Header.Get("Last-Modified"))
		}
	})
	t.Run("errors are not cached", func(t *testing.T) {
		calls := sampleCalls()
		calls.failPCM = errors.New("segment file missing")
		srv := newServer(t, calls, newFakeLive(), nil)
		if r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio"); r.StatusCode != 500 {
			t.Fatalf("status %d, want 500", r.StatusCode)
		}
		calls.mu.Lock()
		calls.failPCM = nil
		calls.mu.Unlock()
		r := get(t, srv.APIHandler(), "/api/v1/calls/1/audio")
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "audio/wav" {
			t.Errorf("after recovery: status %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
}

// BenchmarkEncodeWAV encodes one minute of audio.
func BenchmarkEncodeWAV(b *testing.B) {
	pcm := tone(1000, -10, time.Minute)
	b.SetBytes(int64(2 * len(pcm)))
	for b.Loop() {
		if _, err := web.EncodeWAV(pcm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAudioRangeCached serves a seek into a cached one-minute call.
func BenchmarkAudioRangeCached(b *testing.B) {
	calls := newFakeCalls()
	calls.add(linetap.Call{ID: 1, State: linetap.StateComplete}, tone(1000, -10, time.Minute))
	srv := newServer(b, calls, newFakeLive(), nil)
	h := srv.APIHandler()
	req, _ := http.NewRequest(http.MethodGet, "/api/v1/calls/1/audio", nil)
	req.Header.Set("Range", "bytes=480044-544043")
	b.SetBytes(64000)
	for b.Loop() {
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.code != http.StatusPartialContent {
			b.Fatalf("status %d", w.code)
		}
	}
}

type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }
