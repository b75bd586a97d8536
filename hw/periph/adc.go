package periph

import (
	"fmt"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ads1x15"
)

// Voltmeter reads one line's tip-ring voltage.
type Voltmeter interface {
	// Volts is the line voltage (tip − ring) now.
	Volts() (float64, error)
}

// ADCInput is one line's input on an ADS1x15.
type ADCInput struct {
	// Address is the chip's I2C address (0x48..0x4B).
	Address uint16
	// Input is "0-1", "0-3", "1-3", "2-3" (differential) or "0".."3".
	Input string
	// Scale is line volts per volt at the ADC.
	Scale float64
	// FullScaleMV is the PGA range in millivolts (6144 .. 256).
	FullScaleMV int
}

var channels = map[string]ads1x15.Channel{
	// SBAS444 Table 8 (Config register MUX[2:0]): 000 AIN0−AIN1, 001
	// AIN0−AIN3, 010 AIN1−AIN3, 011 AIN2−AIN3, 100..111 AINx−GND.
	"0-1": ads1x15.Channel0Minus1, "0-3": ads1x15.Channel0Minus3,
	"1-3": ads1x15.Channel1Minus3, "2-3": ads1x15.Channel2Minus3,
	"0": ads1x15.Channel0, "1": ads1x15.Channel1, "2": ads1x15.Channel2, "3": ads1x15.Channel3,
}

type adcMeter struct {
	pin   ads1x15.PinADC
	scale float64
}

func (a *adcMeter) Volts() (float64, error) {
	s, err := a.pin.Read()
	if err != nil {
		return 0, err
	}
	return float64(s.V) / float64(physic.Volt) * a.scale, nil
}

// NewADS1115 returns a Voltmeter per input, converting at 860 SPS (the
// ADS1115's fastest, 1.2 ms a conversion) in single-shot mode.
func NewADS1115(bus i2c.Bus, inputs []ADCInput) ([]Voltmeter, error) {
	devs := map[uint16]*ads1x15.Dev{}
	var out []Voltmeter
	for i, in := range inputs {
		c, ok := channels[in.Input]
		if !ok {
			return nil, fmt.Errorf("%w: inputs[%d]: input %q unknown", ErrConfig, i, in.Input)
		}
		if in.Address < 0x48 || in.Address > 0x4B {
			return nil, fmt.Errorf("%w: inputs[%d]: address %#x out of range 0x48..0x4b", ErrConfig, i, in.Address)
		}
		if in.Scale <= 0 {
			return nil, fmt.Errorf("%w: inputs[%d]: scale %v not positive", ErrConfig, i, in.Scale)
		}
		d := devs[in.Address]
		if d == nil {
			var err error
			if d, err = ads1x15.NewADS1115(bus, &ads1x15.Opts{I2cAddress: in.Address}); err != nil {
				return nil, fmt.Errorf("inputs[%d]: %w", i, err)
			}
			devs[in.Address] = d
		}
		pin, err := d.PinForChannel(c, physic.ElectricPotential(in.FullScaleMV)*physic.MilliVolt, 860*physic.Hertz, ads1x15.SaveEnergy)
		if err != nil {
			return nil, fmt.Errorf("inputs[%d]: %w", i, err)
		}
		out = append(out, &adcMeter{pin: pin, scale: in.Scale})
	}
	return out, nil
}

// BusNumber parses an I2C bus name: "1", "/dev/i2c-1", "i2c-1" ("" = 1,
// the Raspberry Pi's header bus).
func BusNumber(name string) (int, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(name, "/dev/"), "i2c-")
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: I2C bus %q (want a number or /dev/i2c-N)", ErrConfig, name)
	}
	return n, nil
}
