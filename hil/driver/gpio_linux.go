package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/warthog618/go-gpiocdev"
	"golang.org/x/sys/unix"
)

// realtime puts the calling thread (locked to its goroutine) in
// SCHED_FIFO, or back in SCHED_NORMAL: inside the VM linetapd's work would
// otherwise delay the driver's edges by tens of milliseconds.
func realtime(on bool) error {
	a := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}
	if on {
		a.Policy, a.Priority = unix.SCHED_FIFO, 50
	}
	if err := unix.SchedSetAttr(0, &a, 0); err != nil {
		return fmt.Errorf("driver: sched_setattr: %w", err)
	}
	return nil
}

// gpioEdges pulls every line of the gpio-sim bank whose configfs directory
// is bank up and down toggles times through sysfs, and requires each edge
// to arrive in order through the character device.
func gpioEdges(bank string, toggles int) (string, error) {
	chip, err := readTrim(filepath.Join(bank, "chip_name"))
	if err != nil {
		return "", fmt.Errorf("driver: gpio: bank %s is not live: %w", bank, err)
	}
	n, err := readTrim(filepath.Join(bank, "num_lines"))
	if err != nil {
		return "", fmt.Errorf("driver: gpio: %w", err)
	}
	lines, err := strconv.Atoi(n)
	if err != nil || lines < 1 {
		return "", fmt.Errorf("driver: gpio: %s/num_lines: %q is not a line count", bank, n)
	}
	c, err := gpiocdev.NewChip(chip, gpiocdev.WithConsumer("hil-driver"))
	if err != nil {
		return "", fmt.Errorf("driver: gpio: %s: %w", chip, err)
	}
	defer c.Close()
	names := make([]string, lines)
	for off := 0; off < lines; off++ {
		want, err := readTrim(filepath.Join(bank, fmt.Sprintf("line%d", off), "name"))
		if err != nil {
			want = ""
		}
		info, err := c.LineInfo(off)
		if err != nil {
			return "", fmt.Errorf("driver: gpio: %s line %d: %w", chip, off, err)
		}
		if info.Name != want {
			return "", fmt.Errorf("driver: gpio: %s line %d is named %q, configfs says %q", chip, off, info.Name, want)
		}
		names[off] = info.Name
	}
	events := make(chan gpiocdev.LineEvent, 64)
	offsets := make([]int, lines)
	for i := range offsets {
		offsets[i] = i
	}
	req, err := c.RequestLines(offsets, gpiocdev.AsInput, gpiocdev.WithBothEdges,
		gpiocdev.WithEventHandler(func(e gpiocdev.LineEvent) { events <- e }))
	if err != nil {
		return "", fmt.Errorf("driver: gpio: request %s lines 0..%d: %w", chip, lines-1, err)
	}
	defer req.Close()
	var worst time.Duration
	edges := 0
	for off := 0; off < lines; off++ {
		pull := fmt.Sprintf("/sys/bus/gpio/devices/%s/sim_gpio%d/pull", chip, off)
		for i := 0; i < toggles; i++ {
			up := i%2 == 0
			v, want := "pull-down", gpiocdev.LineEventFallingEdge
			if up {
				v, want = "pull-up", gpiocdev.LineEventRisingEdge
			}
			t0 := time.Now()
			if err := os.WriteFile(pull, []byte(v), 0); err != nil {
				return "", fmt.Errorf("driver: gpio: %s: %w", pull, err)
			}
			select {
			case e := <-events:
				if e.Offset != off || e.Type != want {
					return "", fmt.Errorf("driver: gpio: %s line %d %s: got edge type %d on line %d, want type %d",
						chip, off, v, e.Type, e.Offset, want)
				}
			case <-time.After(5 * time.Second):
				return "", fmt.Errorf("driver: gpio: %s line %d %s: no edge within 5 s (%d edges seen before)", chip, off, v, edges)
			}
			if d := time.Since(t0); d > worst {
				worst = d
			}
			edges++
		}
		// Leave the line low for the next test.
		if toggles%2 == 1 {
			if err := os.WriteFile(pull, []byte("pull-down"), 0); err != nil {
				return "", fmt.Errorf("driver: gpio: %s: %w", pull, err)
			}
			<-events
		}
	}
	select {
	case e := <-events:
		return "", fmt.Errorf("driver: gpio: an extra edge on line %d after the test", e.Offset)
	case <-time.After(100 * time.Millisecond):
	}
	return fmt.Sprintf("%s: %d of %d edges on %d lines %v, worst latency %v",
		chip, edges, lines*toggles, lines, names, worst.Round(time.Microsecond)), nil
}
