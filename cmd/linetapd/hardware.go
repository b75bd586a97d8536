package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/gpiocdev"
	"github.com/linetap/linetap/hw/portaudio"
)

// openHardware opens the sound card and the lines' GPIO inputs.
func openHardware(cfg linetap.Config, channels int, log *slog.Logger) (hw.AudioSource, hw.LineSensor, error) {
	chmap := make([]int, channels)
	for i := range chmap {
		chmap[i] = i
	}
	src, err := portaudio.Open(portaudio.Options{
		Device:   cfg.Source.Device,
		Index:    cfg.Source.DeviceIndex,
		UseIndex: cfg.Source.DeviceIndex >= 0,
		Rate:     cfg.Source.Rate,
		Channels: chmap,
		Logger:   log,
		OnAlarm: func(err error) {
			if err != nil {
				log.Error("ALARM: sound card lost", "err", err)
			} else {
				log.Info("alarm cleared: sound card back")
			}
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	sensor, err := openGPIO(cfg, log)
	if err != nil {
		return nil, nil, errors.Join(err, src.Close())
	}
	if sensor == nil {
		return src, nil, nil
	}
	return src, sensor, nil
}

// openGPIO opens the chips the lines' gpio inputs name and starts a
// sensor over them; nil if no line has GPIO inputs.
func openGPIO(cfg linetap.Config, log *slog.Logger) (*gpiocdev.Sensor, error) {
	chips := map[string]gpiocdev.Chip{}
	closeAll := func() {
		for _, c := range chips {
			c.Close()
		}
	}
	var wiring []gpiocdev.Wiring
	for i, l := range cfg.Lines {
		g := l.GPIO
		if g == nil || l.Disabled {
			continue
		}
		if l.ADC != nil {
			log.Warn("line has both gpio and adc inputs; the adc is ignored", "line", i)
		}
		if _, ok := chips[g.Chip]; !ok {
			c, err := gpiocdev.OpenChip(g.Chip)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("lines[%d].gpio.chip: %w", i, err)
			}
			chips[g.Chip] = c
		}
		in := func(off *int) *gpiocdev.Input {
			if off == nil {
				return nil
			}
			return &gpiocdev.Input{Chip: g.Chip, Offset: *off, ActiveLow: g.ActiveLow,
				Bias: gpiocdev.Bias(g.Bias), Debounce: time.Duration(g.DebounceMS) * time.Millisecond}
		}
		w := gpiocdev.Wiring{Line: i, Hook: in(g.Hook), Ring: in(g.Ring), Reversal: in(g.Reversal)}
		if w.Ring != nil {
			w.Ring.Debounce = 0 // the ring detector's pulses are the signal
		}
		if w.Reversal != nil {
			w.Reversal.Debounce = 0 // DAHDI's 64 ms from gpiocdev.DefaultTiming
		}
		wiring = append(wiring, w)
	}
	if len(wiring) == 0 {
		return nil, nil
	}
	s, err := gpiocdev.New(chips, wiring, gpiocdev.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("gpio: %w", err)
	}
	return s, nil
}
