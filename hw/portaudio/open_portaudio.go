//go:build portaudio && cgo

package portaudio

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	pa "github.com/gordonklaus/portaudio"

	"github.com/linetap/linetap/hw/internal/monoclock"
)

// Open opens the capture device opt names and returns a Source over it:
// a USB port name ("usb:1-1.2,DEV=0", see ParseUSBName) through alsa-lib
// as the card on that port, found again under SysRoot on every reopen;
// an ALSA PCM name (see ALSAName) directly through alsa-lib; otherwise the
// PortAudio device the name (exact, or a unique part) or Options.Index
// chooses, through alsa-lib too when it is an ALSA hardware device (its
// PortAudio name ends "(hw:N,M)"): by the card's stable ALSA name, so that
// an unplugged card comes back (doc.go). Any other PortAudio device
// (default, pulse, dmix, a plug PCM) is captured through PortAudio.
func Open(opt Options) (*Source, error) {
	if !opt.UseIndex && opt.Device == "" {
		return nil, fmt.Errorf("%w: no device named (want a name or an index)", ErrOptions)
	}
	if u, ok, err := ParseUSBName(opt.Device); (ok || err != nil) && !opt.UseIndex {
		if err != nil {
			return nil, err
		}
		return openUSB(opt, u, SysRoot, openALSACard)
	}
	if name, ok := ALSAName(opt.Device); ok && !opt.UseIndex {
		src, err := NewSource(func() (Stream, error) { return openALSA(name, opt) }, opt)
		if src != nil {
			src.pcm = pcmName(name)
		}
		return src, err
	}
	return openNamed(opt, paDevices, procAsound)
}

// procAsound is where the kernel lists its sound cards (cardN/id).
const procAsound = "/proc/asound"

// paDevices lists PortAudio's devices, with the library initialised for
// the listing only.
func paDevices() ([]*pa.DeviceInfo, error) {
	if err := initialize(); err != nil {
		return nil, err
	}
	defer terminate()
	paMu.Lock()
	defer paMu.Unlock()
	ds, err := pa.Devices()
	if err != nil {
		return nil, fmt.Errorf("portaudio: devices: %w", err)
	}
	return ds, nil
}

// openNamed opens the device that opt's PortAudio name or index chooses
// among devices: by its card's stable ALSA name (the card's id read under
// root, the kernel's /proc/asound) through alsa-lib when it is an ALSA
// hardware device, through PortAudio otherwise. The device is resolved
// once, here: a reconnect reopens the card by its id wherever it comes
// back, not by PortAudio's name, whose "(hw:N,M)" would have changed.
func openNamed(opt Options, devices func() ([]*pa.DeviceInfo, error), root string) (*Source, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ds, err := devices()
	if err != nil {
		return nil, err
	}
	d, err := find(opt, ds)
	if err != nil {
		return nil, err
	}
	id, dev, hw, err := alsaCardOf(root, d.Name)
	if err != nil {
		log.Warn("sound card's ALSA id not found: it is captured through PortAudio", "device", d.Name, "err", err)
	}
	if !hw || err != nil {
		// doc.go, Caveats: PortAudio never closes a lost card.
		log.Warn("sound card to be captured through PortAudio: if the card behind it is unplugged, it will not come back until linetapd restarts; name the card by its ALSA name (hw:CARD=ID,DEV=0) instead",
			"device", d.Name)
		return NewSource(func() (Stream, error) { return openStream(opt) }, opt)
	}
	// PortAudio's own checks, on PortAudio's figures: the same channels
	// are accepted or refused as through PortAudio.
	ch, err := paChannels(opt, d)
	if err != nil {
		return nil, err
	}
	aopt := opt
	aopt.DeviceChannels = ch
	var used string // the name the first open took (hw: or plughw:)
	src, err := NewSource(func() (Stream, error) {
		st, name, err := openALSACard(id, dev, aopt)
		if used == "" {
			used = name
		}
		return st, err
	}, aopt)
	if err != nil {
		return nil, err
	}
	src.pcm = pcmName(used)
	log.Info("sound card named the PortAudio way opened by its ALSA name, which finds it again after an unplug",
		"device", d.Name, "alsa_name", used)
	return src, nil
}

// Device describes a capture device, for listings.
type Device struct {
	// Index is PortAudio's device index (-1 for an ALSA name).
	Index int
	// Name is the device's name, as source.device takes it.
	Name string
	// Description is the card's and the PCM's names (ALSA names only).
	Description string
	// USB is the device's USB port name ("usb:1-1.2,DEV=0", as
	// source.device takes it), "" for a card not on USB or a PortAudio
	// name: unlike Name's card id it cannot swap with an identical
	// card's.
	USB string
	// Channels is its most input channels.
	Channels int
	// Rate is its default sample rate.
	Rate int
}

// Devices lists the capture devices: first every card's capture PCMs by
// their ALSA names (the names to use for a card that may be unplugged),
// then the devices PortAudio sees.
func Devices() ([]Device, error) {
	out, aerr := alsaDevices()
	if err := initialize(); err != nil {
		return out, errors.Join(aerr, err)
	}
	defer terminate()
	paMu.Lock()
	ds, err := pa.Devices()
	paMu.Unlock()
	if err != nil {
		return out, errors.Join(aerr, fmt.Errorf("portaudio: devices: %w", err))
	}
	for _, d := range ds {
		if d.MaxInputChannels > 0 {
			out = append(out, Device{Index: d.Index, Name: d.Name, Channels: d.MaxInputChannels, Rate: int(d.DefaultSampleRate)})
		}
	}
	return out, aerr
}

// paMu serialises the binding's process-wide state: Initialize and
// Terminate count their callers and Devices fills a cache, none of it
// locked, and two Sources reconnect on their own goroutines.
var paMu sync.Mutex

func initialize() error {
	alsaConfigUpdate()
	paMu.Lock()
	defer paMu.Unlock()
	if err := pa.Initialize(); err != nil {
		return fmt.Errorf("portaudio: initialize: %w", err)
	}
	return nil
}

func terminate() {
	paMu.Lock()
	defer paMu.Unlock()
	_ = pa.Terminate() // nothing to do about a failure
}

// find chooses the device among ds by index, exact name, or unique
// substring.
func find(opt Options, ds []*pa.DeviceInfo) (*pa.DeviceInfo, error) {
	var names []string
	var partial []*pa.DeviceInfo
	for _, d := range ds {
		if d.MaxInputChannels < 1 {
			continue
		}
		names = append(names, fmt.Sprintf("%d %q", d.Index, d.Name))
		switch {
		case opt.UseIndex && d.Index == opt.Index:
			return d, nil
		case opt.UseIndex:
		case d.Name == opt.Device:
			return d, nil
		case strings.Contains(d.Name, opt.Device):
			partial = append(partial, d)
		}
	}
	if len(partial) == 1 {
		return partial[0], nil
	}
	what := fmt.Sprintf("%q", opt.Device)
	if opt.UseIndex {
		what = fmt.Sprintf("index %d", opt.Index)
	}
	if len(partial) > 1 {
		return nil, fmt.Errorf("%w: %s matches %d devices (capture devices: %s)", ErrNoDevice, what, len(partial), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%w: %s (capture devices: %s)", ErrNoDevice, what, strings.Join(names, ", "))
}

// paChannels is how many of d's input channels opt opens: DeviceChannels,
// or the largest of Channels + 1, or all of them.
func paChannels(opt Options, d *pa.DeviceInfo) (int, error) {
	ch := opt.DeviceChannels
	if ch == 0 {
		ch = d.MaxInputChannels
		if len(opt.Channels) > 0 {
			ch = 0
			for _, c := range opt.Channels {
				ch = max(ch, c+1)
			}
		}
	}
	if ch > d.MaxInputChannels {
		return 0, fmt.Errorf("%w: %q has %d input channels, %d wanted", ErrOptions, d.Name, d.MaxInputChannels, ch)
	}
	return ch, nil
}

type stream struct {
	s       *pa.Stream
	buf     []int16
	sf      StreamFormat
	name    string
	started bool
}

func openStream(opt Options) (_ Stream, err error) {
	if err := initialize(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			terminate()
		}
	}()
	paMu.Lock()
	ds, err := pa.Devices()
	paMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("portaudio: devices: %w", err)
	}
	d, err := find(opt, ds)
	if err != nil {
		return nil, err
	}
	ch, err := paChannels(opt, d)
	if err != nil {
		return nil, err
	}
	rate := opt.Rate
	if rate == 0 {
		rate = int(d.DefaultSampleRate)
	}
	block := opt.Block
	if block == 0 {
		block = 20 * time.Millisecond
	}
	frames := max(1, int(int64(rate)*int64(block)/int64(time.Second)))
	st := &stream{buf: make([]int16, frames*ch)}
	// The suggested latency sizes ALSA's capture buffer (its capacity);
	// the period stays one block, so a read returns as soon as a block is
	// complete.
	buffer := opt.Buffer
	if buffer == 0 {
		buffer = DefaultBuffer
	}
	buffer = max(buffer, d.DefaultHighInputLatency, 2*block)
	p := pa.StreamParameters{
		Input:           pa.StreamDeviceParameters{Device: d, Channels: ch, Latency: buffer},
		SampleRate:      float64(rate),
		FramesPerBuffer: frames,
	}
	if st.s, err = pa.OpenStream(p, st.buf); err != nil {
		return nil, fmt.Errorf("portaudio: open %q at %d Hz, %d channels: %w", d.Name, rate, ch, err)
	}
	// Started by the first Read: between opening and the first read (the
	// rest of a busy start-up) the buffer would otherwise overrun.
	st.name = d.Name
	// PortAudio's InputLatency for ALSA is the buffer's capacity, not the
	// age of a block when Read returns it: the frames still waiting behind
	// a block (Buffered) are what make a read late, and the Source counts
	// them. The converter's own delay is not known: 0.
	st.sf = StreamFormat{Channels: ch, Rate: rate}
	if info := st.s.Info(); info != nil && opt.Logger != nil {
		opt.Logger.Info("sound card open", "device", d.Name, "api", "portaudio", "rate", rate, "channels", ch,
			"block", block, "buffer", info.InputLatency)
	}
	return st, nil
}

func (s *stream) Format() StreamFormat { return s.sf }

func (s *stream) Read(buf []int16) error {
	if len(buf) != len(s.buf) {
		return fmt.Errorf("portaudio: read of %d samples, stream blocks are %d", len(buf), len(s.buf))
	}
	if !s.started {
		if err := s.s.Start(); err != nil {
			return fmt.Errorf("portaudio: start %q: %w", s.name, err)
		}
		s.started = true
	}
	frames := len(s.buf) / s.sf.Channels
	avail := func() (int, error) {
		n, err := s.s.AvailableToRead()
		if errors.Is(err, pa.InputOverflowed) {
			err = ErrOverflow
		}
		return n, err
	}
	werr := waitForBlock(avail, frames, s.sf.Rate, monoclock.Now, time.Sleep)
	if werr != nil && !errors.Is(werr, ErrOverflow) {
		return werr
	}
	err := s.s.Read()
	copy(buf, s.buf)
	if err == nil && werr != nil {
		return ErrOverflow // reported while waiting; the block is valid
	}
	if errors.Is(err, pa.InputOverflowed) {
		return ErrOverflow
	}
	return err
}

func (s *stream) Buffered() int {
	n, err := s.s.AvailableToRead()
	if err != nil {
		return 0
	}
	return n
}

func (s *stream) Close() error {
	var err error
	if s.started {
		err = s.s.Abort()
	}
	err = errors.Join(err, s.s.Close())
	terminate()
	return err
}
