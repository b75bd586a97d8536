package gpiocdev

import (
	"errors"
	"fmt"
	"time"

	"github.com/warthog618/go-gpiocdev"
)

// OpenChip opens a GPIO chip by name ("gpiochip0"), path ("/dev/gpiochip0")
// or label ("pinctrl-bcm2711", a gpio-sim bank's label).
func OpenChip(name string) (Chip, error) {
	c, err := gpiocdev.NewChip(name, gpiocdev.WithConsumer("linetapd"))
	if err == nil {
		return &chip{c: c}, nil
	}
	for _, n := range gpiocdev.Chips() {
		c, cerr := gpiocdev.NewChip(n, gpiocdev.WithConsumer("linetapd"))
		if cerr != nil {
			continue
		}
		if c.Label == name {
			return &chip{c: c}, nil
		}
		if cerr := c.Close(); cerr != nil {
			return nil, fmt.Errorf("gpiocdev: closing %s: %w", n, cerr)
		}
	}
	return nil, fmt.Errorf("%w: %q (by name: %v; chips: %v)", ErrNoChip, name, err, gpiocdev.Chips())
}

type chip struct{ c *gpiocdev.Chip }

type watch struct{ l *gpiocdev.Line }

func (c *chip) Watch(offset int, in Input, handler func(bool, time.Duration)) (Watch, error) {
	opts := []gpiocdev.LineReqOption{
		gpiocdev.AsInput,
		gpiocdev.WithBothEdges,
		// uAPI v2: timestamps on CLOCK_MONOTONIC, the clock of the audio.
		gpiocdev.WithMonotonicEventClock,
		gpiocdev.WithEventHandler(func(e gpiocdev.LineEvent) {
			handler(e.Type == gpiocdev.LineEventRisingEdge, e.Timestamp)
		}),
	}
	if in.ActiveLow {
		opts = append(opts, gpiocdev.AsActiveLow)
	}
	switch in.Bias {
	case BiasPullUp:
		opts = append(opts, gpiocdev.WithPullUp)
	case BiasPullDown:
		opts = append(opts, gpiocdev.WithPullDown)
	case BiasDisabled:
		opts = append(opts, gpiocdev.WithBiasDisabled)
	case BiasAsIs:
	default:
		return nil, fmt.Errorf("%w: bias %q unknown", ErrConfig, in.Bias)
	}
	l, err := c.c.RequestLine(offset, opts...)
	if err != nil {
		return nil, err
	}
	return watch{l}, nil
}

func (c *chip) Close() error { return c.c.Close() }

func (w watch) Active() (bool, error) {
	v, err := w.l.Value()
	return v != 0, err
}

func (w watch) Close() error {
	err := w.l.Close()
	if errors.Is(err, gpiocdev.ErrClosed) {
		return nil
	}
	return err
}
