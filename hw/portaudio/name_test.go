package portaudio_test

import (
	"strings"
	"testing"

	"github.com/linetap/linetap/hw/portaudio"
)

func TestALSAName(t *testing.T) {
	tests := []struct {
		device, name string
		ok           bool
	}{
		{"hw:CARD=Loopback,DEV=1", "hw:CARD=Loopback,DEV=1", true},
		{"hw:0,1", "hw:0,1", true},
		{"plughw:CARD=U18,DEV=0", "plughw:CARD=U18,DEV=0", true},
		{"alsa:rec", "rec", true},
		{"alsa:default", "default", true},
		{"alsa:", "", false},
		{"hw:", "", false},
		{"rec", "", false},
		{"Loopback: PCM (hw:0,1)", "", false},
		{"(hw:0,1)", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.device, func(t *testing.T) {
			name, ok := portaudio.ALSAName(tt.device)
			if name != tt.name || ok != tt.ok {
				t.Errorf("ALSAName(%q) = %q, %v; want %q, %v", tt.device, name, ok, tt.name, tt.ok)
			}
		})
	}
}

// FuzzALSAName: an ALSA name is never empty and is the device name itself
// or what follows "alsa:".
func FuzzALSAName(f *testing.F) {
	for _, s := range []string{"hw:CARD=X,DEV=0", "alsa:rec", "plughw:1", "rec", "alsa:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, device string) {
		name, ok := portaudio.ALSAName(device)
		if !ok {
			if name != "" {
				t.Fatalf("%q: not ALSA but named %q", device, name)
			}
			return
		}
		if name == "" || (name != device && "alsa:"+name != device) {
			t.Fatalf("%q: ALSA name %q", device, name)
		}
		if name == device && !strings.HasPrefix(device, "hw:") && !strings.HasPrefix(device, "plughw:") {
			t.Fatalf("%q taken as is", device)
		}
	})
}
