package main

import (
	"fmt"
	"os/exec"
	"strings"
)

// checkListing runs `linetapd --list-devices` and requires the capture
// device under test among its lines, by the name the config uses: a
// technician finds the card's ALSA name there.
func checkListing(device string) (string, error) {
	out, err := exec.Command("linetapd", "--list-devices").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("driver: linetapd --list-devices: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return ListingHas(string(out), device)
}

// ListingHas finds device, quoted as Go quotes it, in the output of
// `linetapd --list-devices` (index, quoted name, channels, rate per line)
// and returns that line.
func ListingHas(out, device string) (string, error) {
	q := fmt.Sprintf("%q", device)
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, "\t"); len(f) >= 2 && f[1] == q {
			return strings.TrimSpace(l), nil
		}
	}
	return "", fmt.Errorf("driver: linetapd --list-devices does not list %s:\n%s", q, out)
}
