package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// smokeOptions are the smoke test's parameters.
type smokeOptions struct {
	Channels, Rate int
	Seconds        float64
	Bank           string
	Toggles        int
	Dir            string
}

// smoke runs the loopback and gpio-sim checks into r.
func smoke(r *Result, o smokeOptions, log io.Writer) {
	detail, err := loopback(o, log)
	r.add("snd-aloop bit-identical loop", detail, err)
	detail, err = gpioEdges(o.Bank, o.Toggles)
	r.add("gpio-sim edges via gpiocdev", detail, err)
}

// loopback plays a generated signal into hw:Loopback,0,0 with aplay while
// arecord captures hw:Loopback,1,0, and finds the signal in the capture.
func loopback(o smokeOptions, log io.Writer) (string, error) {
	if o.Channels < 1 || o.Channels > 32 || o.Rate < 8000 || o.Seconds <= 0 {
		return "", fmt.Errorf("%w: loopback needs 1..32 channels, a rate of 8000 Hz or more and a positive length", ErrUsage)
	}
	frames := int(o.Seconds * float64(o.Rate))
	// HARDWARE-TESTING.md §2: pad with 0.1 s of silence, the last partial
	// period can be dropped.
	played := Signal(o.Channels, frames, o.Rate/10, 0x6c74)
	in := filepath.Join(o.Dir, "play.raw")
	out := filepath.Join(o.Dir, "capture.raw")
	if err := os.WriteFile(in, Bytes(played), 0o644); err != nil {
		return "", fmt.Errorf("driver: loopback: %w", err)
	}
	format := []string{"-q", "-t", "raw", "-f", "S16_LE", "-c", strconv.Itoa(o.Channels), "-r", strconv.Itoa(o.Rate)}
	capSeconds := int(o.Seconds) + 2
	rec := exec.Command("arecord", append([]string{"-D", "hw:Loopback,1,0", "-d", strconv.Itoa(capSeconds)}, append(format, out)...)...)
	rec.Stdout, rec.Stderr = log, log
	// Start the capture before playback (§2).
	if err := rec.Start(); err != nil {
		return "", fmt.Errorf("driver: loopback: arecord: %w", err)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	play := exec.Command("aplay", append([]string{"-D", "hw:Loopback,0,0"}, append(format, in)...)...)
	play.Stdout, play.Stderr = log, log
	perr := play.Run()
	playTime := time.Since(start)
	rerr := rec.Wait()
	if perr != nil {
		return "", fmt.Errorf("driver: loopback: aplay: %w", perr)
	}
	if rerr != nil {
		return "", fmt.Errorf("driver: loopback: arecord: %w", rerr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return "", fmt.Errorf("driver: loopback: %w", err)
	}
	got, err := Samples(b)
	if err != nil {
		return "", err
	}
	off, err := Find(got, played[:frames*o.Channels], o.Channels)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d ch x %d frames at %d Hz found at capture frame %d; playback took %.2f s for %.2f s of audio (%.2fx real time)",
		o.Channels, frames, o.Rate, off, playTime.Seconds(), float64(len(played)/o.Channels)/float64(o.Rate),
		playTime.Seconds()/(float64(len(played)/o.Channels)/float64(o.Rate))), nil
}
