package linetap_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/linetap/linetap"
)

// TestConfigDevices: source.devices lists several cards; lines number
// their channels on across the cards; source.device alone is still one
// card.
func TestConfigDevices(t *testing.T) {
	c, err := linetap.LoadConfig(strings.NewReader(`{
		"source": {"kind": "portaudio", "rate": 48000, "devices": [
			{"device": "hw:CARD=Device,DEV=0", "channels": 4},
			{"device_index": 3, "channels": 2, "rate": 44100}]},
		"lines": [{"name": "a", "channel": 0}, {"name": "b", "channel": 4}, {"name": "c", "channel": 5}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Source.Devices
	if len(d) != 2 || d[0].Device != "hw:CARD=Device,DEV=0" || d[0].DeviceIndex != nil || d[0].Channels != 4 ||
		d[1].DeviceIndex == nil || *d[1].DeviceIndex != 3 || d[1].Rate != 44100 || c.Source.Device != "" {
		t.Errorf("source %+v", c.Source)
	}
	one, err := linetap.LoadConfig(strings.NewReader(`{"source": {"kind": "portaudio", "device": "USB"}}`))
	if err != nil || one.Source.Device != "USB" || one.Source.Devices != nil {
		t.Errorf("one card: %+v, %v", one.Source, err)
	}
	two, err := linetap.LoadConfig(strings.NewReader(`{"source": {"kind": "portaudio", "board": "usb2-gpio"},
		"lines": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}, {"name": "e"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(two.Source.Devices) != 2 || two.Source.Device != "" || two.Lines[4].Channel != 4 || *two.Lines[4].GPIO.Hook != 8 {
		t.Errorf("usb2-gpio board: source %+v, line 5 %+v", two.Source, two.Lines[4])
	}
}

func TestConfigDevicesRefused(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"device and devices", `{"source": {"kind": "portaudio", "device": "USB", "devices": [{"device": "a", "channels": 2}]}}`,
			"config: source.devices: given with source.device or source.device_index"},
		{"not portaudio", `{"source": {"kind": "sim", "devices": [{"device": "a", "channels": 2}]}}`,
			`config: source.devices: given for source kind "sim"`},
		{"no name", `{"source": {"kind": "portaudio", "devices": [{"device": "a", "channels": 2}, {"channels": 2}]}}`,
			"config: source.devices[1].device: empty"},
		{"no channels", `{"source": {"kind": "portaudio", "devices": [{"device": "a"}]}}`,
			"config: source.devices[0].channels: 0 out of range 1..64"},
		{"rate", `{"source": {"kind": "portaudio", "devices": [{"device": "a", "channels": 4, "rate": 1}]}}`,
			"config: source.devices[0].rate: 1 Hz out of range"},
		{"same card", `{"source": {"kind": "portaudio", "devices": [{"device": "a", "channels": 4}, {"device": "a", "channels": 4}]}}`,
			"config: source.devices[1]: the same card as source.devices[0]"},
		{"unknown key", `{"source": {"kind": "portaudio", "devices": [{"device": "a", "chanels": 4}]}}`,
			"config: source.devices[0].chanels: unknown key"},
		{"index type", `{"source": {"kind": "portaudio", "devices": [{"device_index": "one", "channels": 4}]}}`,
			`config: source.devices[0].device_index: want a whole number, got "one"`},
		{"channel beyond", `{"source": {"kind": "portaudio", "devices": [{"device": "a", "channels": 2}, {"device": "b", "channels": 2}]},
			"lines": [{"name": "a", "channel": 0}, {"name": "b", "channel": 4}]}`,
			"config: lines[1].channel: channel 4, but source.devices have 4 channels (0..3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := linetap.LoadConfig(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("accepted %s", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, linetap.ErrConfig) {
				t.Errorf("error %q, want one containing %q (ErrConfig)", err, tc.want)
			}
		})
	}
}
