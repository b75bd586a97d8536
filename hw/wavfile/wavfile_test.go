package wavfile_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/wavfile"
)

const origin = 1000 * time.Second

// writeWAV encodes frames (interleaved) into a new file in dir and returns
// its path.
func writeWAV(t testing.TB, dir string, rate, bits, channels, tag int, samples []int) string {
	t.Helper()
	path := filepath.Join(dir, "in.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := wav.NewEncoder(f, rate, bits, channels, tag)
	buf := &audio.IntBuffer{Data: samples, Format: &audio.Format{NumChannels: channels, SampleRate: rate}, SourceBitDepth: bits}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// ramp returns frames×channels samples whose value encodes both the frame
// and the channel, covering the negative range too.
func ramp(frames, channels int) []int {
	s := make([]int, frames*channels)
	for i := range s {
		s[i] = (i*37)%65536 - 32768
	}
	return s
}

func TestReplay(t *testing.T) {
	const channels, frames = 3, 8000*2 + 123
	want := ramp(frames, channels)
	path := writeWAV(t, t.TempDir(), 8000, 16, channels, 1, want)
	for _, block := range []int{1, 160, 256, 8000, 100000} {
		t.Run(strings.Repeat("b", 1)+itoa(block), func(t *testing.T) {
			src, err := wavfile.Open(path, wavfile.Options{Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, src)
			if f := src.Format(); f != (hw.Format{Channels: channels, Rate: 8000}) {
				t.Fatalf("Format = %+v", f)
			}
			if d := src.Duration(); d != 2*time.Second+123*time.Second/8000 {
				t.Fatalf("Duration = %v", d)
			}
			buf := make([]int16, block*channels)
			got := 0
			for {
				n, at, err := src.Read(buf)
				if err == io.EOF {
					if n != 0 {
						t.Fatalf("EOF with %d frames", n)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if wantAt := origin + time.Duration(got)*time.Second/8000; at != wantAt {
					t.Fatalf("block at frame %d stamped %v, want %v", got, at, wantAt)
				}
				if n < block && got+n != frames {
					t.Fatalf("short block of %d frames at frame %d before the end", n, got)
				}
				for i := 0; i < n*channels; i++ {
					if int(buf[i]) != want[got*channels+i] {
						t.Fatalf("sample %d = %d, want %d", got*channels+i, buf[i], want[got*channels+i])
					}
				}
				got += n
			}
			if got != frames {
				t.Fatalf("read %d frames, want %d", got, frames)
			}
			if _, _, err := src.Read(buf); err != io.EOF {
				t.Fatalf("Read after EOF: %v", err)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func closeOK(t testing.TB, src *wavfile.Source) {
	t.Helper()
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bits, tag int
		want      string
	}{
		{"8-bit", 8, 1, "8-bit PCM"},
		{"24-bit", 24, 1, "24-bit PCM"},
		{"32-bit", 32, 1, "32-bit PCM"},
		{"float", 32, 3, "IEEE float"},
		{"alaw", 8, 6, "A-law"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeWAV(t, t.TempDir(), 8000, tc.bits, 2, tc.tag, make([]int, 200))
			_, err := wavfile.Open(path, wavfile.Options{})
			if !errors.Is(err, wavfile.ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %q and the file", err, tc.want)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(writeWAV(t, dir, 8000, 16, 2, 1, ramp(400, 2)))
	if err != nil {
		t.Fatal(err)
	}
	misaligned := bytes.Clone(good)
	// data chunk size (bytes 40..43 of a canonical 44-byte header) made odd
	// by one frame's worth minus two.
	misaligned[40] -= 2
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "RIFF header cut short"},
		{"not riff", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "not a RIFF/WAVE"},
		{"riff but avi", append([]byte("RIFF\x10\x00\x00\x00AVI "), make([]byte, 16)...), "not a RIFF/WAVE"},
		{"header only", good[:20], "truncated: \"fmt \" chunk"},
		{"no data chunk", good[:36], "no data chunk"},
		{"huge fmt chunk", append([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\x7f"), good[20:]...), "fmt chunk of 2147483647 bytes"},
		{"truncated", good[:len(good)-100], "truncated"},
		{"misaligned", misaligned[:len(misaligned)-2], "whole number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.wav")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := wavfile.Open(path, wavfile.Options{})
			if !errors.Is(err, wavfile.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not say %q and name the file", err, tc.want)
			}
		})
	}
	if _, err := wavfile.Open(filepath.Join(dir, "missing.wav"), wavfile.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestBadBuffer(t *testing.T) {
	path := writeWAV(t, t.TempDir(), 8000, 16, 3, 1, ramp(100, 3))
	src, err := wavfile.Open(path, wavfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, src)
	if _, _, err := src.Read(make([]int16, 10)); !errors.Is(err, wavfile.ErrBuffer) {
		t.Fatalf("10 samples for 3 channels: %v", err)
	}
	if n, _, err := src.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}
}

func TestEventsDelivered(t *testing.T) {
	dir := t.TempDir()
	path := writeWAV(t, dir, 8000, 16, 2, 1, ramp(8000, 2)) // 1 s
	side := filepath.Join(dir, "in.events")
	sidecar := "# test\n0.5 1 off-hook\n0 0 ring-on\n\n0.25 0 ring-off # comment\n0.999875 1 on-hook\n1 0 polarity-reversal\n"
	if err := os.WriteFile(side, []byte(sidecar), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := wavfile.Open(path, wavfile.Options{Origin: origin, EventsPath: side})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 2*800) // 100 ms blocks
	var got []hw.LineEvent
	for {
		n, at, err := src.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		end := at + time.Duration(n)*time.Second/8000
	drain:
		for {
			select {
			case e := <-src.Events():
				if e.Time >= end && end != origin+time.Second {
					t.Errorf("event %+v delivered with block [%v, %v)", e, at, end)
				}
				if len(got) > 0 && e.Time < got[len(got)-1].Time {
					t.Errorf("event %+v out of order", e)
				}
				got = append(got, e)
			default:
				break drain
			}
		}
		// every event inside the block must have arrived by now
		for _, w := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 999875 * time.Microsecond} {
			if origin+w < end && !containsTime(got, origin+w) {
				t.Errorf("event at %v missing after block ending %v", w, end)
			}
		}
	}
	want := []hw.LineEvent{
		{Line: 0, Kind: hw.RingOn, Time: origin},
		{Line: 0, Kind: hw.RingOff, Time: origin + 250*time.Millisecond},
		{Line: 1, Kind: hw.OffHook, Time: origin + 500*time.Millisecond},
		{Line: 1, Kind: hw.OnHook, Time: origin + 999875*time.Microsecond},
		{Line: 0, Kind: hw.PolarityReversal, Time: origin + time.Second},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %+v, want %+v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	closeOK(t, src)
	if _, ok := <-src.Events(); ok {
		t.Fatal("Events not closed by Close")
	}
	if _, _, err := src.Read(buf); !errors.Is(err, hw.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}

func containsTime(evs []hw.LineEvent, t time.Duration) bool {
	for _, e := range evs {
		if e.Time == t {
			return true
		}
	}
	return false
}

func TestEventsBeyondChannels(t *testing.T) {
	path := writeWAV(t, t.TempDir(), 8000, 16, 2, 1, ramp(10, 2))
	_, err := wavfile.Open(path, wavfile.Options{Events: []hw.LineEvent{{Line: 2, Kind: hw.RingOn}}})
	if !errors.Is(err, wavfile.ErrEvents) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
	_, err = wavfile.Open(path, wavfile.Options{EventsPath: filepath.Join(t.TempDir(), "none")})
	if !errors.Is(err, wavfile.ErrEvents) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing sidecar: %v", err)
	}
}

func TestRealtimePacing(t *testing.T) {
	path := writeWAV(t, t.TempDir(), 8000, 16, 1, 1, ramp(8000+400, 1))
	var slept []time.Duration
	src, err := wavfile.Open(path, wavfile.Options{Realtime: true, Sleep: func(d time.Duration) { slept = append(slept, d) }})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, src)
	buf := make([]int16, 1600) // 200 ms
	for {
		_, _, err := src.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{200, 200, 200, 200, 200, 50}
	if len(slept) != len(want) {
		t.Fatalf("slept %v, want %v ms", slept, want)
	}
	for i := range want {
		if slept[i] != want[i]*time.Millisecond {
			t.Fatalf("slept %v, want %v ms", slept, want)
		}
	}
}

func TestCloseDuringRead(t *testing.T) {
	path := writeWAV(t, t.TempDir(), 8000, 16, 1, 1, ramp(8000, 1))
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	src, err := wavfile.Open(path, wavfile.Options{Realtime: true, Sleep: func(time.Duration) {
		entered <- struct{}{}
		<-release
	}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _, readErr = src.Read(make([]int16, 800))
	}()
	<-entered
	closeOK(t, src)
	wg.Wait()
	if !errors.Is(readErr, hw.ErrClosed) {
		t.Fatalf("Read blocked in Sleep returned %v after Close, want ErrClosed", readErr)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRealClockCloseDuringRead(t *testing.T) {
	// One-second blocks paced by the real clock: Close must not wait for
	// the block to be due.
	path := writeWAV(t, t.TempDir(), 8000, 16, 1, 1, ramp(80000, 1))
	src, err := wavfile.Open(path, wavfile.Options{Realtime: true})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := src.Read(make([]int16, 80000))
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	closeOK(t, src)
	if err := <-errc; !errors.Is(err, hw.ErrClosed) {
		t.Fatalf("Read = %v, want ErrClosed", err)
	}
}

func TestNewFromReader(t *testing.T) {
	data, err := os.ReadFile(writeWAV(t, t.TempDir(), 16000, 16, 2, 1, ramp(100, 2)))
	if err != nil {
		t.Fatal(err)
	}
	src, err := wavfile.New(bytes.NewReader(data), "memory", wavfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, src)
	if src.Format().Rate != 16000 || src.Duration() != 100*time.Second/16000 {
		t.Fatalf("Format %+v Duration %v", src.Format(), src.Duration())
	}
}

func BenchmarkRead(b *testing.B) {
	const channels = 4
	path := writeWAV(b, b.TempDir(), 8000, 16, channels, 1, ramp(8000*10, channels))
	buf := make([]int16, 160*channels) // 20 ms blocks
	src, err := wavfile.Open(path, wavfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	frames := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, _, err := src.Read(buf)
		if err == io.EOF {
			b.StopTimer()
			closeOK(b, src)
			if src, err = wavfile.Open(path, wavfile.Options{}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		frames += n
	}
	b.ReportMetric(float64(frames*channels)/8000/b.Elapsed().Seconds(), "channel-s/s")
	closeOK(b, src)
}
