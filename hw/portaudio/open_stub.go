//go:build !portaudio || !cgo

package portaudio

import (
	"fmt"

	"github.com/linetap/linetap/hw"
)

// Open needs PortAudio: this binary was built without the `portaudio` tag
// (or without cgo), so it returns hw.ErrNotSupported.
func Open(opt Options) (*Source, error) {
	return nil, fmt.Errorf("portaudio: device %q: built without the portaudio tag: %w", opt.Device, hw.ErrNotSupported)
}

// Device describes a capture device, for listings.
type Device struct {
	// Index is PortAudio's device index (-1 for an ALSA name).
	Index int
	// Name is the device's name, as source.device takes it.
	Name string
	// Description is the card's and the PCM's names (ALSA names only).
	Description string
	// USB is the device's USB port name ("usb:1-1.2,DEV=0", as
	// source.device takes it), "" for a card not on USB or a PortAudio
	// name: unlike Name's card id it cannot swap with an identical
	// card's.
	USB string
	// Channels is its most input channels.
	Channels int
	// Rate is its default sample rate.
	Rate int
}

// Devices needs PortAudio; it returns hw.ErrNotSupported.
func Devices() ([]Device, error) {
	return nil, fmt.Errorf("portaudio: built without the portaudio tag: %w", hw.ErrNotSupported)
}
