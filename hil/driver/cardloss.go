package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/linetap/linetap/hw"
)

// player plays interleaved S16_LE audio into the loopback with aplay,
// fed through its standard input from a frame offset, so that a player
// restarted after the card came back keeps the scenario's timeline.
type player struct {
	cmd  *exec.Cmd
	done chan error
}

// underrunWriter passes aplay's output on and counts its underrun
// reports: an underrun shifts everything played after it, so the run's
// audio no longer says anything about the recorder.
type underrunWriter struct {
	w io.Writer
	n atomic.Int32
}

func (u *underrunWriter) Write(p []byte) (int, error) {
	u.n.Add(int32(bytes.Count(p, []byte("underrun!!!"))))
	return u.w.Write(p)
}

// startPlayer starts aplay on the loopback's playback side and feeds it
// raw from frame from on.
func startPlayer(raw []byte, lines, from int, log io.Writer) (*player, error) {
	return startPlayerOn("hw:Loopback,0,0", raw, lines, from, log)
}

// startPlayerOn is startPlayer on the playback device dev.
func startPlayerOn(dev string, raw []byte, lines, from int, log io.Writer) (*player, error) {
	args := []string{"-D", dev, "-q", "-t", "raw", "-f", "S16_LE", "-c", strconv.Itoa(lines), "-r", "8000", "-"}
	cmd := exec.Command("aplay", args...)
	out := &underrunWriter{w: log}
	cmd.Stdout, cmd.Stderr = out, out
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("driver: aplay: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("driver: aplay: %w", err)
	}
	p := &player{cmd: cmd, done: make(chan error, 1)}
	off := min(from*lines*2, len(raw))
	go func() {
		_, werr := in.Write(raw[off:])
		cerr := in.Close()
		err := cmd.Wait()
		if err == nil && werr != nil && !errors.Is(werr, os.ErrClosed) {
			err = werr
		}
		if err == nil {
			err = cerr
		}
		if n := out.n.Load(); err == nil && n > 0 {
			err = fmt.Errorf("%w: aplay underran %d times (what was played after it is late)", ErrHostBusy, n)
		}
		p.done <- err
	}()
	return p, nil
}

// returnIndex is the card index the loopback comes back at (it is card 0
// before it is removed).
const returnIndex = 1

// UnbindTimeout is how long the recorder has to close a removed card.
const UnbindTimeout = 10 * time.Second

// threads describes where the named process's threads wait in the
// kernel (/proc/PID/task/TID/wchan), for a report.
func threads(name string) string {
	procs, _ := filepath.Glob("/proc/[0-9]*/comm")
	var out []string
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || strings.TrimSpace(string(b)) != name {
			continue
		}
		dir := filepath.Dir(p)
		tasks, _ := filepath.Glob(dir + "/task/*/wchan")
		for _, t := range tasks {
			w, _ := os.ReadFile(t)
			out = append(out, filepath.Base(filepath.Dir(t))+":"+string(w))
		}
	}
	if len(out) == 0 {
		return "no " + name + " process"
	}
	return name + " threads wait in " + strings.Join(out, " ")
}

// cardLoss is what the driver did to take the sound card away.
type cardLoss struct {
	// Gone is how long the capture side had no card: from the start of
	// the unbind until the module was loaded again.
	Gone time.Duration
	// Unbind is how long the unbind took (it returns once every open
	// PCM is closed: linetapd noticed the loss).
	Unbind time.Duration
	// Restart is the frame the restarted aplay began at.
	Restart int
}

// removeCard unplugs the loopback card as a USB card goes away: the
// platform device is unbound from snd_aloop (the kernel disconnects the
// card; every open PCM gets errors; the unbind returns once they are
// closed), then the module is unloaded (rmmod snd-aloop, now that nothing
// holds it), and after gone it is loaded again as card 1 (it was card 0), as
// a USB card plugged into another port may come back: the recorder must
// find it by its name.
func removeCard(gone time.Duration) (cardLoss, error) {
	var cl cardLoss
	const drv = "/sys/bus/platform/drivers/snd_aloop"
	devs, err := filepath.Glob(drv + "/snd_aloop.*")
	if err != nil || len(devs) != 1 {
		return cl, fmt.Errorf("driver: card loss: want one snd_aloop device under %s, found %v (%v)", drv, devs, err)
	}
	t0 := time.Now()
	unbound := make(chan error, 1)
	go func() { unbound <- os.WriteFile(drv+"/unbind", []byte(filepath.Base(devs[0])), 0) }()
	select {
	case err := <-unbound:
		if err != nil {
			return cl, fmt.Errorf("driver: card loss: unbind: %w", err)
		}
	case <-time.After(UnbindTimeout):
		return cl, fmt.Errorf("driver: card loss: %w: the unbind still waits for the card's open PCMs after %s (%s)",
			ErrCardHeld, UnbindTimeout, threads("linetapd"))
	}
	cl.Unbind = time.Since(t0)
	if out, err := exec.Command("rmmod", "snd-aloop").CombinedOutput(); err != nil {
		return cl, fmt.Errorf("driver: card loss: rmmod snd-aloop: %w: %s", err, strings.TrimSpace(string(out)))
	}
	time.Sleep(time.Until(t0.Add(gone)))
	if out, err := exec.Command("insmod", "/lib/modules/snd-aloop.ko", "index="+strconv.Itoa(returnIndex)).CombinedOutput(); err != nil {
		return cl, fmt.Errorf("driver: card loss: insmod snd-aloop: %w: %s", err, strings.TrimSpace(string(out)))
	}
	cl.Gone = time.Since(t0)
	dev := fmt.Sprintf("/dev/snd/pcmC%dD0p", returnIndex)
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(dev); err == nil {
			return cl, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cl, fmt.Errorf("driver: card loss: no %s within 1 s of insmod", dev)
}

// checkAlarms requires linetapd's log to hold the sound-card alarm and
// its clearing, in that order.
func checkAlarms(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	lost := strings.Index(s, "ALARM: sound card lost")
	// linetapd's wording for one card, and for one of several.
	back := max(strings.LastIndex(s, "alarm cleared: sound card back"), strings.LastIndex(s, `msg="sound card back"`))
	switch {
	case lost < 0:
		return fmt.Errorf("driver: linetapd logged no %q", "ALARM: sound card lost")
	case back < lost:
		return fmt.Errorf("driver: linetapd logged neither %q nor %q after the alarm", "alarm cleared: sound card back", `msg="sound card back"`)
	}
	return nil
}

// checkFlashes requires linetapd's log to hold one "hook flash" line per
// HookFlash of want, on the same lines: the call went on and the flash was
// recorded.
func checkFlashes(path string, want []hw.LineEvent) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return CountFlashes(string(b), want)
}

// CountFlashes compares the "hook flash" lines of a linetapd log with the
// HookFlash events of want, line by line.
func CountFlashes(log string, want []hw.LineEvent) (string, error) {
	wantN, gotN := map[int]int{}, map[int]int{}
	total := 0
	for _, e := range want {
		if e.Kind == hw.HookFlash {
			wantN[e.Line]++
			total++
		}
	}
	for _, l := range strings.Split(log, "\n") {
		if _, rest, ok := strings.Cut(l, `msg="hook flash" line=`); ok {
			// slog's text format: the number right after "line=".
			end := 0
			for end < len(rest) && end < 9 && rest[end] >= '0' && rest[end] <= '9' {
				end++
			}
			n, err := strconv.Atoi(rest[:end])
			if err != nil {
				return "", fmt.Errorf("driver: log line %q: no line number", l)
			}
			gotN[n]++
		}
	}
	for line, n := range wantN {
		if gotN[line] != n {
			return "", fmt.Errorf("driver: line %d: %d hook flashes logged, want %d", line, gotN[line], n)
		}
	}
	for line, n := range gotN {
		if wantN[line] == 0 {
			return "", fmt.Errorf("driver: line %d: %d hook flashes logged, want none", line, n)
		}
	}
	return fmt.Sprintf("%d flashes logged on the right lines, each within its call", total), nil
}

// grepLog returns the lines of a log holding any of the words, at most
// max of them: what matters in a log that reconnect attempts flood.
func grepLog(path string, max int, words ...string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	if len(out) > max {
		out = append(out[:max/2], append([]string{"..."}, out[len(out)-max/2:]...)...)
	}
	return strings.Join(out, "\n")
}

// readTrim reads a small sysfs or configfs attribute.
func readTrim(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
