package storage_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-audio/wav"

	"github.com/linetap/linetap/storage"
)

func TestWriteWAV(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	tests := []struct {
		name string
		pcm  []int16
		rate int
	}{
		{"noise 8k", noise(r, 8000), 8000},
		{"extremes 16k", []int16{-32768, 32767, 0, -1, 1}, 16000},
		{"one sample", []int16{1234}, 8000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "call.wav")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := storage.WriteWAV(f, tc.pcm, tc.rate); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			d := wav.NewDecoder(bytes.NewReader(raw))
			buf, err := d.FullPCMBuffer()
			if err != nil {
				t.Fatal(err)
			}
			if d.SampleRate != uint32(tc.rate) || d.NumChans != 1 || d.BitDepth != 16 || d.WavAudioFormat != 1 {
				t.Errorf("header: rate %d, %d channels, %d bits, format %d", d.SampleRate, d.NumChans, d.BitDepth, d.WavAudioFormat)
			}
			if len(buf.Data) != len(tc.pcm) {
				t.Fatalf("%d samples decoded, want %d", len(buf.Data), len(tc.pcm))
			}
			for i, v := range buf.Data {
				if int16(v) != tc.pcm[i] || v != int(tc.pcm[i]) {
					t.Fatalf("sample %d: %d, want %d", i, v, tc.pcm[i])
				}
			}
		})
	}
	if err := storage.WriteWAV(nil, nil, 8000); err == nil {
		t.Error("nil writer accepted")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := storage.WriteWAV(f, []int16{1}, 0); err == nil {
		t.Error("rate 0 accepted")
	}
}
