package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/board"
	"github.com/linetap/linetap/hw/gpiocdev"
	"github.com/linetap/linetap/hw/multicard"
	"github.com/linetap/linetap/hw/periph"
	"github.com/linetap/linetap/hw/portaudio"
)

// openHardware opens the sound card (or cards) and the lines' GPIO inputs,
// and returns the cards' figures for the technician's page.
func openHardware(cfg linetap.Config, channels int, log *slog.Logger) (hw.AudioSource, hw.LineSensor, *cardFigures, error) {
	src, figs, err := openCards(cfg, channels, multicard.Monotonic, portaudio.Open, log)
	if err != nil {
		return nil, nil, nil, err
	}
	var sensors []hw.LineSensor
	closeAll := func() error {
		errs := []error{src.Close()}
		for _, s := range sensors {
			errs = append(errs, s.Close())
		}
		return errors.Join(errs...)
	}
	gs, err := openGPIO(cfg, log)
	if err != nil {
		return nil, nil, nil, errors.Join(err, closeAll())
	}
	if gs != nil {
		sensors = append(sensors, gs)
	}
	as, err := openADC(cfg, log)
	if err != nil {
		return nil, nil, nil, errors.Join(err, closeAll())
	}
	if as != nil {
		sensors = append(sensors, as)
	}
	switch len(sensors) {
	case 0:
		return src, nil, figs, nil
	case 1:
		return src, sensors[0], figs, nil
	}
	return src, merge(sensors), figs, nil
}

// identity maps n output channels onto device channels 0..n−1.
func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// openCards opens source.device (one card: channels inputs), or every card
// of source.devices combined into one source by hw/multicard, whose drift
// is measured against clock (multicard.Options.Clock; nil trusts the
// cards' timestamps), each card opened by open (portaudio.Open), with the
// cards' figures.
func openCards(cfg linetap.Config, channels int, clock func() time.Duration, open func(portaudio.Options) (*portaudio.Source, error), log *slog.Logger) (hw.AudioSource, *cardFigures, error) {
	alarms := &cardAlarms{lost: map[int]error{}}
	figs := newCardFigures(cfg, channels, time.Now)
	if len(cfg.Source.Devices) == 0 {
		src, err := open(portaudio.Options{
			Device:   cfg.Source.Device,
			Index:    cfg.Source.DeviceIndex,
			UseIndex: cfg.Source.DeviceIndex >= 0,
			Rate:     cfg.Source.Rate,
			Channels: identity(channels),
			Logger:   log,
			OnAlarm:  func(err error) { figs.alarm(0, err); alarms.set(0, "", err, log) },
		})
		if err != nil {
			return nil, nil, fmt.Errorf("source: %w", err)
		}
		figs.attach(0, src)
		return src, figs, nil
	}
	var cards []hw.AudioSource
	closeAll := func() error {
		var errs []error
		for _, c := range cards {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	warnSwappable(cfg.Source.Devices, log)
	viaPortAudio := 0
	for i, d := range cfg.Source.Devices {
		name := d.Device
		opt := portaudio.Options{Device: d.Device, Rate: cmp.Or(d.Rate, cfg.Source.Rate), Channels: identity(d.Channels)}
		if d.DeviceIndex != nil {
			opt.Index, opt.UseIndex = *d.DeviceIndex, true
			name = fmt.Sprintf("index %d", *d.DeviceIndex)
		}
		opt.Logger = log.With("card", i+1, "device", name)
		opt.OnAlarm = func(err error) { figs.alarm(i, err); alarms.set(i, name, err, log) }
		src, err := open(opt)
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("source.devices[%d]: %w", i, err), closeAll())
		}
		if src.PCM() == "" { // captured through PortAudio (hw/portaudio's Open chose)
			viaPortAudio++
		}
		figs.attach(i, src)
		cards = append(cards, src)
	}
	if viaPortAudio > 1 {
		// hw/portaudio: with another PortAudio stream open, a reconnect
		// cannot rescan PortAudio's device list.
		log.Warn("several cards opened through PortAudio: one that is unplugged may not come back; name the cards by their ALSA names (hw:CARD=ID,DEV=0)",
			"cards", viaPortAudio)
	}
	src, err := multicard.New(cards, multicard.Options{Clock: clock, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("source.devices: %w", err) // New closed the cards
	}
	figs.combine(src)
	log.Info("sound cards combined", "cards", len(cards), "channels", src.Format().Channels)
	return src, figs, nil
}

// cardAlarms keeps which cards are lost, for the status LED and the
// engine's sound-card alarm: the alarm clears when the last is back.
type cardAlarms struct {
	mu   sync.Mutex
	lost map[int]error
}

func (a *cardAlarms) set(card int, name string, err error, log *slog.Logger) {
	a.mu.Lock()
	if err != nil {
		a.lost[card] = err
	} else {
		delete(a.lost, card)
	}
	var errs []error
	for i := range 64 {
		if e, ok := a.lost[i]; ok {
			if name != "" || len(a.lost) > 1 {
				e = fmt.Errorf("card %d: %w", i+1, e)
			}
			errs = append(errs, e)
		}
	}
	a.mu.Unlock()
	if err != nil {
		log.Error("ALARM: sound card lost", "card", card+1, "device", name, "err", err)
	} else {
		log.Info("sound card back", "card", card+1, "device", name)
	}
	all := errors.Join(errs...)
	hardwareAlarm.Store(all != nil)
	if f := sourceAlarm.Load(); f != nil {
		(*f)(all)
	}
}

// openADC opens the I2C buses of the lines' adc inputs (lines that also
// have gpio inputs use those) and starts a voltage sensor over them; nil if
// no line has one.
func openADC(cfg linetap.Config, log *slog.Logger) (*periph.Sensor, error) {
	type busLines struct {
		inputs []periph.ADCInput
		lines  []int
	}
	byBus := map[int]*busLines{}
	var order []int
	for i, l := range cfg.Lines {
		a := l.ADC
		if a == nil || l.GPIO != nil || l.Disabled {
			continue
		}
		n, err := periph.BusNumber(a.Bus)
		if err != nil {
			return nil, fmt.Errorf("lines[%d].adc.bus: %w", i, err)
		}
		if byBus[n] == nil {
			byBus[n] = &busLines{}
			order = append(order, n)
		}
		b := byBus[n]
		b.inputs = append(b.inputs, periph.ADCInput{Address: uint16(a.Address), Input: a.Input, Scale: a.Scale, FullScaleMV: a.FullScaleMV})
		b.lines = append(b.lines, i)
	}
	if len(order) == 0 {
		return nil, nil
	}
	var meters []periph.Voltmeter
	var lines []int
	for _, n := range order {
		bus, err := periph.OpenBus(fmt.Sprint(n))
		if err != nil {
			return nil, fmt.Errorf("adc: %w", err)
		}
		// The bus stays open for the life of the process.
		m, err := periph.NewADS1115(bus, byBus[n].inputs)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("adc: %w", err), bus.Close())
		}
		meters = append(meters, m...)
		lines = append(lines, byBus[n].lines...)
	}
	return periph.NewSensor(meters, lines, periph.Options{Logger: log})
}

// merged is one hw.LineSensor over several.
type merged struct {
	sensors []hw.LineSensor
	events  chan hw.LineEvent
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

var _ hw.Voltmeter = (*merged)(nil)

// LineVoltage asks the sensors that measure line voltage (hw.Voltmeter).
func (m *merged) LineVoltage(line int) (float64, bool) {
	for _, s := range m.sensors {
		if vm, ok := s.(hw.Voltmeter); ok {
			if v, ok := vm.LineVoltage(line); ok {
				return v, true
			}
		}
	}
	return 0, false
}

// merge forwards the events of every sensor to one channel, closed when
// all of theirs are.
func merge(sensors []hw.LineSensor) *merged {
	m := &merged{sensors: sensors, events: make(chan hw.LineEvent, 64), done: make(chan struct{})}
	for _, s := range sensors {
		m.wg.Add(1)
		go func(s hw.LineSensor) {
			defer m.wg.Done()
			for e := range s.Events() {
				select {
				case m.events <- e:
				case <-m.done:
					return
				}
			}
		}(s)
	}
	go func() {
		m.wg.Wait()
		close(m.events)
	}()
	return m
}

func (m *merged) Events() <-chan hw.LineEvent { return m.events }

// Close closes every sensor and waits for the forwarders to end.
func (m *merged) Close() error {
	var errs []error
	m.once.Do(func() {
		close(m.done)
		for _, s := range m.sensors {
			errs = append(errs, s.Close())
		}
		m.wg.Wait()
	})
	return errors.Join(errs...)
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

// hardwareClockValid checks the board's clock (RTC present, or NTP in sync)
// at most once a second; a board where the check is not possible counts as
// valid.
func hardwareClockValid(log *slog.Logger) func() bool {
	var last time.Time
	ok := false
	return func() bool {
		if ok || time.Since(last) < time.Second {
			return ok
		}
		last = time.Now()
		v, err := periph.ClockValid()
		if err != nil {
			log.Warn("cannot tell whether the clock is set; trusting it", "err", err)
			v = true
		}
		ok = v
		return ok
	}
}

// warnSwappable warns when the cards of source.devices include identical
// cards named by ALSA ids that differ only by the kernel's "_N" suffix
// (Device, Device_1): the kernel hands those out in probe order.
func warnSwappable(cards []board.Card, log *slog.Logger) {
	names := make([]string, len(cards))
	for i, c := range cards {
		names[i] = c.Device
	}
	for _, ids := range portaudio.SwappableIDs(names) {
		log.Warn("identical cards named by their ids may swap after a reboot; name them by USB port (usb:PORT, see linetapd --list-devices)",
			"ids", strings.Join(ids, ", "))
	}
}

// listDevices prints the capture devices.
func listDevices(w io.Writer) error {
	ds, err := portaudio.Devices()
	if err != nil {
		return err
	}
	return writeDevices(w, ds)
}

// writeDevices prints one line per device: index (-1 for an ALSA name),
// quoted name, its USB port name ("usb:1-1.2,DEV=0", "-" for none: the
// name that stays with the port an identical card is plugged into),
// channels and rate.
func writeDevices(w io.Writer, ds []portaudio.Device) error {
	for _, d := range ds {
		usb := cmp.Or(d.USB, "-")
		if _, err := fmt.Fprintf(w, "%d\t%q\t%s\t%d channels\t%d Hz\n", d.Index, d.Name, usb, d.Channels, d.Rate); err != nil {
			return err
		}
	}
	return nil
}

// hardwareAlarm is set while the sound card is lost; the status LED shows it.
var hardwareAlarm atomic.Bool

// sourceAlarm passes the sound card's alarms to the engine (its Alarms
// list and the web UI), once the engine exists.
var sourceAlarm atomic.Pointer[func(error)]

// watchdogStall is how long recording may make no progress before the
// watchdog is no longer fed and resets the board.
const watchdogStall = 10 * time.Second

// startBoard feeds the watchdog while progress (frames recorded; nil =
// always) advances and drives the status LED, until the returned stop is
// called (which disarms the watchdog and turns the LED off); both are
// optional ("" = none). ledRoot is /sys/class/leds unless set.
func startBoard(ctx context.Context, watchdog, ledRoot, led string, progress func() int64, log *slog.Logger) (stop func(), err error) {
	var wd *periph.Watchdog
	var l *periph.LED
	if watchdog != "" {
		if wd, err = periph.OpenWatchdog(watchdog); err != nil {
			return nil, err
		}
	}
	if led != "" {
		if l, err = periph.OpenLED(ledRoot, led); err != nil {
			if wd != nil {
				wd.Close()
			}
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		alarm := false
		if l != nil {
			if err := l.Set(true); err != nil {
				log.Warn("status LED", "err", err)
			}
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		if progress == nil { // always progressing
			var n int64
			progress = func() int64 { n++; return n }
		}
		last, moved := progress(), time.Now()
		stalled := false
		for {
			if p := progress(); p != last {
				last, moved = p, time.Now()
			}
			if wd != nil && time.Since(moved) < watchdogStall {
				stalled = false
				if err := wd.Feed(); err != nil {
					log.Error("watchdog", "err", err)
				}
			} else if wd != nil && !stalled {
				stalled = true
				log.Error("recording has stalled: no longer feeding the watchdog", "for", time.Since(moved))
			}
			if a := hardwareAlarm.Load(); l != nil && a != alarm {
				alarm = a
				var err error
				if a {
					err = l.Blink(100, 400)
				} else {
					err = l.Set(true)
				}
				if err != nil {
					log.Warn("status LED", "err", err)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		if wd != nil {
			if err := wd.Close(); err != nil {
				log.Warn("watchdog", "err", err)
			}
		}
		if l != nil {
			if err := l.Set(false); err != nil {
				log.Warn("status LED", "err", err)
			}
		}
	}, nil
}
