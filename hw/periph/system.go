package periph

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Watchdog keeps a Linux watchdog device fed (Documentation/watchdog/
// watchdog-api.rst): every write is a keep-alive, and writing the magic
// character 'V' just before closing disarms it, so a clean stop does not
// reboot the board while a crash or a hang does.
type Watchdog struct {
	f *os.File
}

// OpenWatchdog opens the device ("" = /dev/watchdog). Opening arms it: from
// now on Feed must be called within the device's timeout.
func OpenWatchdog(path string) (*Watchdog, error) {
	if path == "" {
		path = "/dev/watchdog"
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("periph: watchdog: %w", err)
	}
	return &Watchdog{f: f}, nil
}

// Feed is a keep-alive.
func (w *Watchdog) Feed() error {
	if w.f == nil {
		return ErrClosed
	}
	if _, err := w.f.Write([]byte{0}); err != nil {
		return fmt.Errorf("periph: watchdog: %w", err)
	}
	return nil
}

// Close disarms the watchdog (magic close) and closes the device.
func (w *Watchdog) Close() error {
	if w.f == nil {
		return ErrClosed
	}
	_, werr := w.f.Write([]byte{'V'})
	err := errors.Join(werr, w.f.Close())
	w.f = nil
	if err != nil {
		return fmt.Errorf("periph: watchdog: %w", err)
	}
	return nil
}

// LED is a status LED under /sys/class/leds.
type LED struct {
	dir string
	max int
}

// OpenLED opens the LED called name under root ("" = /sys/class/leds).
func OpenLED(root, name string) (*LED, error) {
	if root == "" {
		root = "/sys/class/leds"
	}
	if name == "" || strings.ContainsAny(name, "/") || name == "." || name == ".." {
		return nil, fmt.Errorf("%w: LED name %q", ErrConfig, name)
	}
	dir := filepath.Join(root, name)
	b, err := os.ReadFile(filepath.Join(dir, "max_brightness"))
	if err != nil {
		return nil, fmt.Errorf("periph: LED %s: %w", name, err)
	}
	max, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || max < 1 {
		return nil, fmt.Errorf("periph: LED %s: max_brightness %q unreadable", name, strings.TrimSpace(string(b)))
	}
	return &LED{dir: dir, max: max}, nil
}

func (l *LED) write(file, value string) error {
	if err := os.WriteFile(filepath.Join(l.dir, file), []byte(value), 0); err != nil {
		return fmt.Errorf("periph: LED: %w", err)
	}
	return nil
}

// Set turns the LED steadily on or off.
func (l *LED) Set(on bool) error {
	if err := l.write("trigger", "none"); err != nil {
		return err
	}
	v := 0
	if on {
		v = l.max
	}
	return l.write("brightness", strconv.Itoa(v))
}

// Blink flashes the LED with the kernel's timer trigger, on and off for
// the given milliseconds.
func (l *LED) Blink(onMS, offMS int) error {
	if onMS < 1 || offMS < 1 {
		return fmt.Errorf("%w: blink %d/%d ms", ErrConfig, onMS, offMS)
	}
	if err := l.write("trigger", "timer"); err != nil {
		return err
	}
	if err := l.write("delay_on", strconv.Itoa(onMS)); err != nil {
		return err
	}
	return l.write("delay_off", strconv.Itoa(offMS))
}
