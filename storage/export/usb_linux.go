//go:build linux

package export

import (
	"errors"
	"os"
)

// DetectUSB lists the mounted removable filesystems an export can go to
// (see USBMounts), read from /proc/self/mountinfo.
func DetectUSB() ([]Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	ms, err := ParseMountinfo(f)
	if err = errors.Join(err, f.Close()); err != nil {
		return nil, err
	}
	return USBMounts(ms), nil
}
