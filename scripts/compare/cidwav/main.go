// Command cidwav writes the caller-ID signals that scripts/compare-spandsp.sh
// feeds to spandsp's ADSI receiver and linetap's: ten ETSI (V.23) and ten
// Bell 202 MDMF call set-up messages back to back, as 8 kHz 16-bit mono WAV
// files in the directory given as its argument — the same signal as
// dsp/callerid's BenchmarkReceiver/fsk.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cidwav DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "cidwav:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	for name, std := range map[string]callerid.Standard{"etsi.wav": callerid.ETSI, "bell.wav": callerid.Bell202MDMF} {
		m := callerid.Message{Standard: std, DateTime: "03141592", Number: "8005551212", Name: "SMITH JOE"}
		var x []int
		for range 10 {
			s, err := callerid.Synth(m, -20)
			if err != nil {
				return err
			}
			for _, v := range s {
				x = append(x, int(v))
			}
		}
		if err := write(filepath.Join(dir, name), x); err != nil {
			return err
		}
	}
	return nil
}

func write(path string, x []int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	e := wav.NewEncoder(f, dsp.Rate, 16, 1, 1)
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: dsp.Rate}, Data: x, SourceBitDepth: 16}
	if err := e.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := e.Close(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
