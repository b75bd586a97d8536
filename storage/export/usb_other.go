//go:build !linux

package export

// DetectUSB needs Linux's /proc/self/mountinfo: elsewhere it returns
// ErrNotSupported.
func DetectUSB() ([]Mount, error) { return nil, ErrNotSupported }
