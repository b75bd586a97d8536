package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/linetap/linetap/dsp/g711"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/hw/wavfile"
)

// loadScenario parses a scenario file.
func loadScenario(path string) (*sim.Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("driver: scenario: %w", err)
	}
	defer f.Close()
	sc, err := sim.ParseScenario(f)
	if err != nil {
		return nil, fmt.Errorf("driver: scenario %s: %w", path, err)
	}
	return sc, nil
}

// Render runs a simulated line bank over sc to its end and returns the
// interleaved audio and the line events (times from the first frame).
func Render(sc *sim.Scenario, lines int, seed int64) ([]int16, []hw.LineEvent, error) {
	b, err := sim.New(sc, sim.Options{Lines: lines, Seed: seed})
	if err != nil {
		return nil, nil, fmt.Errorf("driver: render: %w", err)
	}
	ch := b.Format().Channels
	var audio []int16
	var events []hw.LineEvent
	buf := make([]int16, 800*ch)
	for {
		n, _, err := b.Read(buf)
		audio = append(audio, buf[:n*ch]...)
	drain:
		for {
			select {
			case e := <-b.Events():
				events = append(events, e)
			default:
				break drain
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("driver: render: %w", err), b.Close())
		}
	}
	if err := b.Close(); err != nil {
		return nil, nil, fmt.Errorf("driver: render: %w", err)
	}
	return audio, events, nil
}

// render writes dir/scenario.raw (S16_LE, padded with 0.1 s of silence) and
// dir/scenario.events (the wavfile sidecar) for the VM.
func render(scenario string, lines int, seed int64, dir string) error {
	sc, err := loadScenario(scenario)
	if err != nil {
		return err
	}
	audio, events, err := Render(sc, lines, seed)
	if err != nil {
		return err
	}
	audio = append(audio, make([]int16, lines*800)...)
	if err := os.WriteFile(filepath.Join(dir, "scenario.raw"), Bytes(audio), 0o644); err != nil {
		return fmt.Errorf("driver: render: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "scenario.events"))
	if err != nil {
		return fmt.Errorf("driver: render: %w", err)
	}
	if err := wavfile.WriteEvents(f, events); err != nil {
		f.Close()
		return fmt.Errorf("driver: render: %w", err)
	}
	return f.Close()
}

// Channel returns channel c of interleaved audio after the G.711 µ-law
// round trip the recorder's pcmu codec applies, with pad zero samples on
// each side (silence the loopback delivers before and after playback).
func Channel(audio []int16, channels, c, pad int) []int16 {
	out := make([]int16, pad, pad+len(audio)/channels+pad)
	for i := c; i < len(audio); i += channels {
		out = append(out, g711.DecodeUlaw(g711.EncodeUlaw(audio[i])))
	}
	return append(out, make([]int16, pad)...)
}

// seconds formats a duration for details.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
