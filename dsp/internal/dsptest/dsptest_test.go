package dsptest_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/internal/dsptest"
)

func TestReadWAV(t *testing.T) {
	want := []int16{0, 1, -1, 32767, -32768}
	data := make([]byte, 0, 2*len(want))
	for _, s := range want {
		data = binary.LittleEndian.AppendUint16(data, uint16(s))
	}
	fmtChunk := []byte{1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0}
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(4+8+len(fmtChunk)+8+len(data)))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fmtChunk)))
	b = append(b, fmtChunk...)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	p := filepath.Join(t.TempDir(), "x.wav")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := dsptest.ReadWAV(t, p); !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
}

func TestCPUTimeAdvances(t *testing.T) {
	c0 := dsptest.CPUTime()
	if c0 == 0 {
		return // not reported on this OS
	}
	// Spin until the clock ticks; a limit only guards against a hang.
	x, deadline := 0.0, time.Now().Add(10*time.Second)
	for dsptest.CPUTime() <= c0 {
		for i := 0; i < 1_000_000; i++ {
			x += float64(i)
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU time did not advance over 10 s of busy loop (%g)", x)
		}
	}
}
