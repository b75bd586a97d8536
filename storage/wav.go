package storage

import (
	"errors"
	"fmt"
	"io"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// WriteWAV writes pcm to w as a 16-bit mono PCM WAV file at rate hertz.
func WriteWAV(w io.WriteSeeker, pcm []int16, rate int) error {
	if rate <= 0 {
		return fmt.Errorf("storage: wav: sample rate %d", rate)
	}
	if w == nil {
		return errors.New("storage: wav: nil writer")
	}
	data := make([]int, len(pcm))
	for i, v := range pcm {
		data[i] = int(v)
	}
	// WAVE format tag 1 is integer PCM (Microsoft RIFF, WAVE_FORMAT_PCM).
	enc := wav.NewEncoder(w, rate, 16, 1, 1)
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: rate}, Data: data, SourceBitDepth: 16}
	if err := enc.Write(buf); err != nil {
		return fmt.Errorf("storage: wav: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("storage: wav: %w", err)
	}
	return nil
}
