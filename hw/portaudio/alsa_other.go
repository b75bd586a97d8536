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

// openALSACard needs Linux.
func openALSACard(id string, dev int, opt Options) (Stream, string, error) {
	name := hwName(id, dev)
	st, err := openALSA(name, opt)
	return st, name, err
}

// alsaCardOf needs Linux: no name is an ALSA hardware device's.
func alsaCardOf(root, paName string) (id string, dev int, isHW bool, err error) {
	return "", 0, false, nil
}

// alsaConfigUpdate needs Linux: nothing to update.
func alsaConfigUpdate() {}
