//go:build cross

package main

import (
	"os/exec"
	"testing"
)

// TestCrossBuildsRunUnderQEMU builds linetapd and linetap for linux/arm64
// and linux/arm (GOARM=7) with cgo PortAudio and runs both on a short WAV
// replay under qemu-user (scripts/cross-test.sh; `make cross-test`).
func TestCrossBuildsRunUnderQEMU(t *testing.T) {
	out, err := exec.Command("../../scripts/cross-test.sh").CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}
}
