package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/board"
	"github.com/linetap/linetap/hw/portaudio"
)

// TestSwappableCardsWarning: identical cards named by their probe-order
// ids are warned about at start, before any is opened; cards named by
// port, or different cards, are not.
func TestSwappableCardsWarning(t *testing.T) {
	tests := []struct {
		name    string
		devices []string
		ids     string // the ids warned about; "" = no warning
	}{
		{"usb2-gpio", []string{"hw:CARD=Device,DEV=0", "hw:CARD=Device_1,DEV=0"}, "Device, Device_1"},
		{"plughw", []string{"plughw:CARD=U18_1,DEV=0", "hw:CARD=U18,DEV=0"}, "U18_1, U18"},
		{"by port", []string{"usb:1-1.2", "usb:1-1.3"}, ""},
		{"different cards", []string{"hw:CARD=Device,DEV=0", "hw:CARD=U18,DEV=0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := linetap.DefaultConfig()
			cfg.Source = linetap.SourceConfig{Kind: "portaudio", DeviceIndex: -1, Rate: 8000}
			for _, d := range tt.devices {
				cfg.Source.Devices = append(cfg.Source.Devices, board.Card{Device: d, Channels: 4})
			}
			var logs bytes.Buffer
			opened := 0
			open := func(opt portaudio.Options) (*portaudio.Source, error) {
				opened++
				return nil, errors.New("no card here")
			}
			_, _, err := openCards(cfg, 8, nil, open, slog.New(slog.NewTextHandler(&logs, nil)))
			if err == nil || opened != 1 {
				t.Fatalf("openCards: %v after %d opens, want the first open's error", err, opened)
			}
			warned := strings.Contains(logs.String(), "identical cards named by their ids may swap after a reboot; name them by USB port (usb:PORT, see linetapd --list-devices)")
			switch {
			case tt.ids == "" && warned:
				t.Errorf("warned:\n%s", logs.String())
			case tt.ids != "" && (!warned || !strings.Contains(logs.String(), `ids="`+tt.ids+`"`)):
				t.Errorf("no warning about %s:\n%s", tt.ids, logs.String())
			}
		})
	}
}

// TestWriteDevices: each ALSA card's USB port name stands next to its
// ALSA name, so the installer can copy it; the name stays the second
// column (hil/driver's ListingHas reads it there).
func TestWriteDevices(t *testing.T) {
	var out bytes.Buffer
	err := writeDevices(&out, []portaudio.Device{
		{Index: -1, Name: "hw:CARD=Device,DEV=0", USB: "usb:1-1.2,DEV=0", Channels: 4, Rate: 8000},
		{Index: -1, Name: "hw:CARD=Device_1,DEV=0", USB: "usb:1-1.3,DEV=0", Channels: 4, Rate: 8000},
		{Index: -1, Name: "hw:CARD=Loopback,DEV=1", Channels: 32, Rate: 8000},
		{Index: 3, Name: "default", Channels: 2, Rate: 44100},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "-1\t\"hw:CARD=Device,DEV=0\"\tusb:1-1.2,DEV=0\t4 channels\t8000 Hz\n" +
		"-1\t\"hw:CARD=Device_1,DEV=0\"\tusb:1-1.3,DEV=0\t4 channels\t8000 Hz\n" +
		"-1\t\"hw:CARD=Loopback,DEV=1\"\t-\t32 channels\t8000 Hz\n" +
		"3\t\"default\"\t-\t2 channels\t44100 Hz\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
