package periph

import (
	"fmt"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/host/v3/sysfs"
)

// OpenBus opens an I2C bus by name ("1", "/dev/i2c-1") through the
// kernel's i2c-dev interface.
func OpenBus(name string) (i2c.BusCloser, error) {
	n, err := BusNumber(name)
	if err != nil {
		return nil, err
	}
	b, err := sysfs.NewI2C(n)
	if err != nil {
		return nil, fmt.Errorf("periph: I2C bus %d: %w", n, err)
	}
	return b, nil
}
