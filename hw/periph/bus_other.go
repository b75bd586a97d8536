//go:build !linux

package periph

import (
	"fmt"

	"github.com/linetap/linetap/hw"
	"periph.io/x/conn/v3/i2c"
)

// OpenBus needs Linux's i2c-dev; elsewhere it returns hw.ErrNotSupported.
func OpenBus(name string) (i2c.BusCloser, error) {
	return nil, fmt.Errorf("periph: I2C bus %q: %w", name, hw.ErrNotSupported)
}
