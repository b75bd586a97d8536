package portaudio_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linetap/linetap/hw/portaudio"
)

// sysCard is one sound card of a fake sysfs tree: its number, its id, and
// the path of its parent device under devices/ ("" = no device link).
type sysCard struct {
	card int
	id   string
	dev  string
}

// rpiUSB is where a Raspberry Pi's USB bus sits in sysfs.
const rpiUSB = "platform/soc/3f980000.usb/usb1/"

// fakeSys builds a sysfs tree under a temporary root laid out as the
// kernel lays it out: class/sound/cardN links to the card's directory
// under its parent device, whose "device" link leads back to that parent.
func fakeSys(t testing.TB, cards ...sysCard) string {
	t.Helper()
	root := t.TempDir()
	class := filepath.Join(root, "class", "sound")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(class, 0o755))
	// What else class/sound holds: not cards.
	for _, junk := range []string{"controlC0", "pcmC0D0c", "timer", "seq"} {
		must(os.MkdirAll(filepath.Join(root, "devices", "virtual", "sound", junk), 0o755))
		must(os.Symlink(filepath.Join("..", "..", "devices", "virtual", "sound", junk), filepath.Join(class, junk)))
	}
	for _, c := range cards {
		parent := filepath.Join("virtual", "sound")
		if c.dev != "" {
			parent = c.dev
		}
		name := fmt.Sprintf("card%d", c.card)
		dir := filepath.Join(root, "devices", parent, "sound", name)
		must(os.MkdirAll(dir, 0o755))
		must(os.WriteFile(filepath.Join(dir, "id"), []byte(c.id+"\n"), 0o644))
		if c.dev != "" {
			must(os.Symlink(filepath.Join("..", ".."), filepath.Join(dir, "device")))
		}
		must(os.Symlink(filepath.Join("..", "..", "devices", parent, "sound", name), filepath.Join(class, name)))
	}
	return root
}

func TestParseUSBName(t *testing.T) {
	tests := []struct {
		device string
		want   portaudio.USBPort
		ok     bool
		err    string // part of the error; "" = none
	}{
		{"usb:1-1.2", portaudio.USBPort{Port: "1-1.2"}, true, ""},
		{"usb:1-1.2,DEV=0", portaudio.USBPort{Port: "1-1.2"}, true, ""},
		{"usb:3-4,DEV=2", portaudio.USBPort{Port: "3-4", Dev: 2}, true, ""},
		{"usb:1-1.2.3.4.5.6", portaudio.USBPort{Port: "1-1.2.3.4.5.6"}, true, ""},
		{"usb:2-255", portaudio.USBPort{Port: "2-255"}, true, ""},
		{"usb:1-1.2.3.4.5.6.7", portaudio.USBPort{}, true, `"1-1.2.3.4.5.6.7" is not a USB port path`},
		{"usb:1-256", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-0", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:0-1", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-01", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-1:1.0", portaudio.USBPort{}, true, `"1-1:1.0" is not a USB port path`},
		{"usb:usb1", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-1.", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:-1", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:", portaudio.USBPort{}, true, "is not a USB port path"},
		{"usb:1-1.2,DEV=", portaudio.USBPort{}, true, `"DEV=" after the port is not DEV=n`},
		{"usb:1-1.2,DEV=-1", portaudio.USBPort{}, true, "is not DEV=n"},
		{"usb:1-1.2,DEV=+1", portaudio.USBPort{}, true, "is not DEV=n"},
		{"usb:1-1.2,DEV=32", portaudio.USBPort{}, true, "is not DEV=n"},
		{"usb:1-1.2,CARD=0", portaudio.USBPort{}, true, `"CARD=0" after the port is not DEV=n`},
		{"usb:1-1.2,DEV=0,", portaudio.USBPort{}, true, "is not DEV=n"},
		{"hw:CARD=Device,DEV=0", portaudio.USBPort{}, false, ""},
		{"USB Audio Device: - (hw:1,0)", portaudio.USBPort{}, false, ""},
		{"", portaudio.USBPort{}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.device, func(t *testing.T) {
			u, ok, err := portaudio.ParseUSBName(tt.device)
			if u != tt.want || ok != tt.ok {
				t.Errorf("got %+v, %v; want %+v, %v", u, ok, tt.want, tt.ok)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (!errors.Is(err, portaudio.ErrOptions) || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want ErrOptions with %q", err, tt.err)
			}
		})
	}
}

// FuzzParseUSBName: no name panics; a name that parses prints as a name
// that parses to the same port.
func FuzzParseUSBName(f *testing.F) {
	for _, s := range []string{"usb:1-1.2", "usb:1-1.2,DEV=3", "usb:1-1:1.0", "usb:", "hw:0,0", "usb:9-1.1.1.1.1.1,DEV=31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok, err := portaudio.ParseUSBName(s)
		if !ok && err != nil {
			t.Fatalf("%q: not a usb: name, yet error %v", s, err)
		}
		if err != nil || !ok {
			return
		}
		v, ok2, err2 := portaudio.ParseUSBName(u.String())
		if !ok2 || err2 != nil || v != u {
			t.Fatalf("%q → %+v → %q → %+v, %v, %v", s, u, u.String(), v, ok2, err2)
		}
	})
}

func TestResolveUSB(t *testing.T) {
	twins := []sysCard{
		{0, "b1", "platform/soc/bcm2835_audio"},
		{1, "Device", rpiUSB + "1-1/1-1.2/1-1.2:1.0"},
		{2, "Device_1", rpiUSB + "1-1/1-1.3/1-1.3:1.0"},
		{3, "Dummy", ""},
	}
	hub := []sysCard{
		{1, "Device", rpiUSB + "1-1/1-1.2/1-1.2.1/1-1.2.1:1.0"},
		{2, "Device_1", rpiUSB + "1-1/1-1.2/1-1.2.4/1-1.2.4:1.0"},
	}
	composite := []sysCard{
		{1, "Headset", rpiUSB + "1-1/1-1.5/1-1.5:1.0"},
		{2, "Headset_1", rpiUSB + "1-1/1-1.5/1-1.5:1.3"},
	}
	tests := []struct {
		name   string
		cards  []sysCard
		port   string
		card   int
		id     string
		target error
		err    []string // parts of the error
	}{
		{"first twin", twins, "1-1.2", 1, "Device", nil, nil},
		{"second twin", twins, "1-1.3", 2, "Device_1", nil, nil},
		{"the board's own hub", twins, "1-1", 0, "", portaudio.ErrOptions,
			[]string{"USB port 1-1 holds a hub with 2", "usb:1-1.2,DEV=0", "usb:1-1.3,DEV=0"}},
		{"no prefix match", twins, "1-1.1", 0, "", portaudio.ErrNoDevice,
			[]string{"no sound card on USB port 1-1.1 ", "usb:1-1.2 (card 1 Device)", "usb:1-1.3 (card 2 Device_1)"}},
		{"absent", twins, "1-1.4", 0, "", portaudio.ErrNoDevice, []string{"USB port 1-1.4", "usb:1-1.2 (card 1 Device)"}},
		{"other bus", twins, "2-1.2", 0, "", portaudio.ErrNoDevice, []string{"USB port 2-1.2"}},
		{"no USB card", []sysCard{{0, "b1", "platform/soc/bcm2835_audio"}}, "1-1.2", 0, "", portaudio.ErrNoDevice,
			[]string{"no sound card is on USB"}},
		{"no card", nil, "1-1.2", 0, "", portaudio.ErrNoDevice, []string{"no sound card is on USB"}},
		{"hub", hub, "1-1.2", 0, "", portaudio.ErrOptions,
			[]string{"holds a hub", "usb:1-1.2.1,DEV=0", "usb:1-1.2.4,DEV=0"}},
		{"behind the hub", hub, "1-1.2.4", 2, "Device_1", nil, nil},
		{"two cards on one device", composite, "1-1.5", 0, "", portaudio.ErrOptions,
			[]string{"several sound cards on USB port 1-1.5", "card 1 Headset at interface 1-1.5:1.0", "card 2 Headset_1 at interface 1-1.5:1.3"}},
		{"unreadable id", []sysCard{{4, "bad id!", rpiUSB + "1-1/1-1.2/1-1.2:1.0"}}, "1-1.2", 0, "", portaudio.ErrOptions,
			[]string{"card 4 on that port has no readable id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeSys(t, tt.cards...)
			c, err := portaudio.ResolveUSB(root, portaudio.USBPort{Port: tt.port})
			if tt.target == nil {
				if err != nil || c.Card != tt.card || c.ID != tt.id || c.Port != tt.port {
					t.Fatalf("got %+v, %v; want card %d %s on %s", c, err, tt.card, tt.id, tt.port)
				}
				return
			}
			if !errors.Is(err, tt.target) {
				t.Fatalf("got %+v, %v; want %v", c, err, tt.target)
			}
			for _, part := range tt.err {
				if !strings.Contains(err.Error()+" ", part) {
					t.Errorf("error %q lacks %q", err, part)
				}
			}
		})
	}
	if _, err := portaudio.ResolveUSB(filepath.Join(t.TempDir(), "nosys"), portaudio.USBPort{Port: "1-1"}); err == nil {
		t.Error("no sysfs: no error")
	}
}

func TestUSBCards(t *testing.T) {
	root := fakeSys(t,
		sysCard{10, "Device_1", rpiUSB + "1-1/1-1.3/1-1.3:1.0"},
		sysCard{2, "Device", rpiUSB + "1-1/1-1.2/1-1.2:1.0"},
		sysCard{0, "b1", "platform/soc/bcm2835_audio"},
		sysCard{3, "Loopback", ""},
	)
	got, err := portaudio.USBCards(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []portaudio.USBCard{
		{Card: 0, ID: "b1"},
		{Card: 2, ID: "Device", Port: "1-1.2", Interface: "1-1.2:1.0"},
		{Card: 3, ID: "Loopback"},
		{Card: 10, ID: "Device_1", Port: "1-1.3", Interface: "1-1.3:1.0"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestSwappableIDs(t *testing.T) {
	tests := []struct {
		name    string
		devices []string
		want    [][]string
	}{
		{"usb2-gpio", []string{"hw:CARD=Device,DEV=0", "hw:CARD=Device_1,DEV=0"}, [][]string{{"Device", "Device_1"}}},
		{"plughw and short form", []string{"plughw:Device_2,0", "hw:Device"}, [][]string{{"Device_2", "Device"}}},
		{"three", []string{"hw:CARD=U18,DEV=0", "hw:CARD=U18_1,DEV=0", "hw:CARD=U18_2,DEV=0"}, [][]string{{"U18", "U18_1", "U18_2"}}},
		{"two groups", []string{"hw:CARD=A,DEV=0", "hw:CARD=B_1,DEV=0", "hw:CARD=A_1,DEV=0", "hw:CARD=B,DEV=0"},
			[][]string{{"A", "A_1"}, {"B_1", "B"}}},
		{"same card twice", []string{"hw:CARD=Device,DEV=0", "hw:CARD=Device,DEV=1"}, nil},
		{"different cards", []string{"hw:CARD=Device,DEV=0", "hw:CARD=U18,DEV=0"}, nil},
		{"by port", []string{"usb:1-1.2", "usb:1-1.3"}, nil},
		{"by number", []string{"hw:1,0", "hw:2,0"}, nil},
		{"suffix not a number", []string{"hw:CARD=Device,DEV=0", "hw:CARD=Device_x,DEV=0"}, nil},
		{"PortAudio names", []string{"USB Audio Device: - (hw:1,0)", "USB Audio Device: - (hw:2,0)"}, nil},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := portaudio.SwappableIDs(tt.devices)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkResolveUSB measures one port lookup, what every open and
// reopen of a usb: name costs, on a tree of four cards.
func BenchmarkResolveUSB(b *testing.B) {
	root := fakeSys(b,
		sysCard{0, "b1", "platform/soc/bcm2835_audio"},
		sysCard{1, "Device", rpiUSB + "1-1/1-1.2/1-1.2:1.0"},
		sysCard{2, "Device_1", rpiUSB + "1-1/1-1.3/1-1.3:1.0"},
		sysCard{3, "Loopback", ""},
	)
	u := portaudio.USBPort{Port: "1-1.3"}
	for b.Loop() {
		if c, err := portaudio.ResolveUSB(root, u); err != nil || c.Card != 2 {
			b.Fatal(c, err)
		}
	}
}
