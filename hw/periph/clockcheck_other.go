//go:build !linux

package periph

import (
	"fmt"

	"github.com/linetap/linetap/hw"
)

// ClockValid needs Linux's adjtimex; elsewhere it returns hw.ErrNotSupported.
func ClockValid() (bool, error) {
	return false, fmt.Errorf("periph: clock check: %w", hw.ErrNotSupported)
}
