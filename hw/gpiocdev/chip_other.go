//go:build !linux

package gpiocdev

import (
	"fmt"

	"github.com/linetap/linetap/hw"
)

// OpenChip needs the Linux GPIO character device; elsewhere it returns
// hw.ErrNotSupported.
func OpenChip(name string) (Chip, error) {
	return nil, fmt.Errorf("gpiocdev: chip %q: %w", name, hw.ErrNotSupported)
}
