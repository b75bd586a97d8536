//go:build portaudio && cgo && !linux

package portaudio

import (
	"fmt"

	"github.com/linetap/linetap/hw"
)

// openALSA needs Linux.
func openALSA(name string, opt Options) (Stream, error) {
	return nil, fmt.Errorf("alsa: %q: ALSA capture needs Linux: %w", name, hw.ErrNotSupported)
}

// alsaDevices needs Linux: there are none.
func alsaDevices() ([]Device, error) { return nil, nil }

// alsaNameOf needs Linux: "".
func alsaNameOf(card, dev int) string { return "" }
