package portaudio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// plugSys lays out a fake sysfs under root with one USB sound card per
// entry of ports (port → card number and id), replacing whatever was
// there: a replug.
func plugSys(t *testing.T, root string, ports map[string]struct {
	card int
	id   string
}) {
	t.Helper()
	for _, d := range []string{"class", "devices"} {
		if err := os.RemoveAll(filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	class := filepath.Join(root, "class", "sound")
	if err := os.MkdirAll(class, 0o755); err != nil {
		t.Fatal(err)
	}
	for port, c := range ports {
		parent := filepath.Join("usb1", "1-1", port, port+":1.0")
		name := fmt.Sprintf("card%d", c.card)
		dir := filepath.Join(root, "devices", parent, "sound", name)
		for _, err := range []error{
			os.MkdirAll(dir, 0o755),
			os.WriteFile(filepath.Join(dir, "id"), []byte(c.id+"\n"), 0o644),
			os.Symlink(filepath.Join("..", ".."), filepath.Join(dir, "device")),
			os.Symlink(filepath.Join("..", "..", "devices", parent, "sound", name), filepath.Join(class, name)),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// VClock is a virtual monotonic clock for the tests (internal and
// external): Now reads it, Sleep moves it on.
type VClock struct {
	mu  sync.Mutex
	now time.Duration
}

// NewVClock returns a VClock reading now.
func NewVClock(now time.Duration) *VClock { return &VClock{now: now} }

func (c *VClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *VClock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
}

// idStream is a one-channel 8 kHz stream whose samples are value, lost
// (a read error) from read failAt on (0 = never).
type idStream struct {
	clock  *VClock
	value  int16
	reads  int
	failAt int
	closed bool
}

func (s *idStream) Format() StreamFormat { return StreamFormat{Channels: 1, Rate: 8000} }

func (s *idStream) Read(buf []int16) error {
	s.reads++
	if s.failAt > 0 && s.reads >= s.failAt {
		return errors.New("ALSA: No such device (-19)")
	}
	for i := range buf {
		buf[i] = s.value
	}
	s.clock.Sleep(time.Duration(len(buf)) * time.Second / 8000)
	return nil
}

func (s *idStream) Buffered() int { return 0 }

func (s *idStream) Close() error {
	if s.closed {
		return errors.New("closed twice")
	}
	s.closed = true
	return nil
}

// TestUSBReopenFollowsThePort: a card named by its port is reopened,
// after a loss, by the id the kernel gave it when it came back — here its
// twin's former id at another number, while the twin took its id — and
// never by the id it had before.
func TestUSBReopenFollowsThePort(t *testing.T) {
	type card = struct {
		card int
		id   string
	}
	root := t.TempDir()
	plugSys(t, root, map[string]card{"1-1.2": {1, "Device"}, "1-1.3": {2, "Device_1"}})
	clock := &VClock{}
	// Each card id reads as its own value, so the audio says which card
	// was opened.
	values := map[string]int16{"Device": 1000, "Device_1": 2000}
	var opened []string
	var streams []*idStream
	openCard := func(id string, dev int, opt Options) (Stream, string, error) {
		name := hwName(id, dev)
		opened = append(opened, name)
		s := &idStream{clock: clock, value: values[id]}
		if len(streams) == 0 {
			s.failAt = 11 // 200 ms of audio, then unplugged
		}
		streams = append(streams, s)
		return s, name, nil
	}
	src, err := openUSB(Options{Device: "usb:1-1.3", Rate: 8000, Now: clock.Now, Sleep: clock.Sleep, Retry: 100 * time.Millisecond},
		USBPort{Port: "1-1.3"}, root, openCard)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	if src.PCM() != "hw:CARD=Device_1,DEV=0" {
		t.Errorf("PCM %q", src.PCM())
	}
	// While unplugged the port carries nothing: the reopen names it.
	plugSys(t, root, map[string]card{"1-1.2": {1, "Device"}})
	if st, err := src.open(); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("reopen of an empty port: %v %v, want ErrNoDevice", st, err)
	}
	// Both cards re-enumerated in the other order: the one on 1-1.3 is
	// now card 3 "Device", its twin on 1-1.2 card 4 "Device_1".
	plugSys(t, root, map[string]card{"1-1.2": {4, "Device_1"}, "1-1.3": {3, "Device"}})
	buf := make([]int16, 8000) // 1 s
	if _, _, err := src.Read(buf); err != nil {
		t.Fatal(err)
	}
	if want := []string{"hw:CARD=Device_1,DEV=0", "hw:CARD=Device,DEV=0"}; !slices.Equal(opened, want) {
		t.Errorf("opened %q, want %q", opened, want)
	}
	if !streams[0].closed {
		t.Error("the lost stream was not closed")
	}
	if s := src.Stats(); s.Reconnects != 1 {
		t.Errorf("stats %+v, want one reconnect", s)
	}
	if src.PCM() != "hw:CARD=Device,DEV=0" { // what the technician's page shows follows the card
		t.Errorf("PCM after the reconnect %q, want the card's new name", src.PCM())
	}
	// The audio: the first card's, silence for the outage, then the card
	// that came back on 1-1.3 (value of "Device"), never anything else.
	first, last := buf[100], buf[len(buf)-1]
	if first != 2000 || last != 1000 {
		t.Errorf("audio begins %d, ends %d; want 2000 (before) and 1000 (after)", first, last)
	}
	for i, v := range buf {
		if v != 0 && v != 1000 && v != 2000 {
			t.Fatalf("sample %d is %d", i, v)
		}
	}
	if g := src.Gaps(); len(g) != 1 || g[0].Cause != "device lost" {
		t.Errorf("gaps %+v", g)
	}
}

// TestUSBOpenRefuses: a port that carries nothing at Open fails Open,
// naming it, and nothing is opened.
func TestUSBOpenRefuses(t *testing.T) {
	root := t.TempDir()
	plugSys(t, root, map[string]struct {
		card int
		id   string
	}{"1-1.2": {1, "Device"}})
	openCard := func(id string, dev int, opt Options) (Stream, string, error) {
		t.Errorf("opened %s", id)
		return nil, "", errors.New("unexpected")
	}
	_, err := openUSB(Options{Device: "usb:1-1.5"}, USBPort{Port: "1-1.5"}, root, openCard)
	if !errors.Is(err, ErrNoDevice) || !containsAll(err.Error(), "USB port 1-1.5", "usb:1-1.2 (card 1 Device)") {
		t.Errorf("error %v", err)
	}
	// The card's own open failing names the port and the card.
	failing := func(id string, dev int, opt Options) (Stream, string, error) {
		return nil, hwName(id, dev), fmt.Errorf("%w: busy", ErrNoDevice)
	}
	_, err = openUSB(Options{Device: "usb:1-1.2,DEV=1"}, USBPort{Port: "1-1.2", Dev: 1}, root, failing)
	if !errors.Is(err, ErrNoDevice) || !containsAll(err.Error(), "usb:1-1.2,DEV=1 (card 1)", "busy") {
		t.Errorf("error %v", err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
