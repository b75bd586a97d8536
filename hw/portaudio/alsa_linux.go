//go:build portaudio && cgo && linux

package portaudio

/*
#cgo pkg-config: alsa
#include <stdlib.h>
#include <alsa/asoundlib.h>

// lt_quiet swallows alsa-lib's messages: a reconnect loop opening a card
// that is not there would print one every Options.Retry.
static void lt_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void lt_silence(void) { snd_lib_error_set_handler(lt_quiet); }
*/
import "C"

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/resample"
	"github.com/linetap/linetap/hw/internal/monoclock"
)

// alsaMu serialises snd_pcm_open and snd_pcm_close: both read alsa-lib's
// global configuration tree.
var (
	alsaMu    sync.Mutex
	alsaQuiet sync.Once
)

// alsaRates are the rates tried, in order, when Options.Rate is 0: the
// line's own rate first, then the common USB card rates.
var alsaRates = []int{8000, 16000, 48000, 44100, 32000, 96000}

// alsaStream captures from one ALSA PCM through alsa-lib, in non-blocking
// mode (a read waits for a whole block in waitForBlock).
type alsaStream struct {
	pcm     *C.snd_pcm_t
	name    string
	sf      StreamFormat
	s32     bool    // the card delivers S32_LE: buf32 holds it
	buf32   []int32 // one block of S32_LE
	started bool
	// free runs the card on through an overrun (stop threshold at the
	// boundary; hardware PCMs only): avail beyond the buffer is audio
	// overwritten, skipped with snd_pcm_forward, and the buffer's newer
	// part is kept.
	// Without it (a PCM that refused the sw params) an overrun stops the
	// card and is recovered by prepare and start, the buffer lost.
	free   bool
	buffer int // capacity in frames
	margin int // frames skipped beyond the overwritten ones: the card writes on while the reader catches up
}

// alsaError describes a negative alsa-lib return: an errno (wrapped,
// for errors.Is), or one of alsa-lib's own codes.
func alsaError(op, name string, rc C.long) error {
	if -rc < C.SND_ERROR_BEGIN { // below it, alsa-lib returns errnos
		return fmt.Errorf("alsa: %s %q: %w", op, name, syscall.Errno(-rc))
	}
	return fmt.Errorf("alsa: %s %q: %s", op, name, C.GoString(C.snd_strerror(C.int(rc))))
}

// openALSA opens the ALSA PCM name for capture as opt asks.
func openALSA(name string, opt Options) (_ Stream, err error) {
	alsaQuiet.Do(func() { C.lt_silence() })
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	st := &alsaStream{name: name}
	alsaMu.Lock()
	rc := C.snd_pcm_open(&st.pcm, cname, C.SND_PCM_STREAM_CAPTURE, C.SND_PCM_NONBLOCK)
	alsaMu.Unlock()
	if rc < 0 {
		err := alsaError("open", name, C.long(rc))
		switch syscall.Errno(-rc) {
		case syscall.ENOENT, syscall.ENODEV, syscall.ENXIO:
			// No such card (yet): the reconnect loop's usual answer.
			return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
		}
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, st.Close())
		}
	}()
	var hp *C.snd_pcm_hw_params_t
	if rc := C.snd_pcm_hw_params_malloc(&hp); rc < 0 {
		return nil, alsaError("hw_params_malloc", name, C.long(rc))
	}
	defer C.snd_pcm_hw_params_free(hp)
	if rc := C.snd_pcm_hw_params_any(st.pcm, hp); rc < 0 {
		return nil, alsaError("hw_params_any", name, C.long(rc))
	}
	if rc := C.snd_pcm_hw_params_set_access(st.pcm, hp, C.SND_PCM_ACCESS_RW_INTERLEAVED); rc < 0 {
		return nil, fmt.Errorf("%w: %q offers no interleaved read access: %w", ErrOptions, name, alsaError("set_access", name, C.long(rc)))
	}
	// No resampling by alsa-lib's plug layer (a "plughw:" name): the
	// Source's own filter is the one that keeps the line's band clean.
	C.snd_pcm_hw_params_set_rate_resample(st.pcm, hp, 0)
	switch {
	case C.snd_pcm_hw_params_test_format(st.pcm, hp, C.SND_PCM_FORMAT_S16_LE) == 0:
		C.snd_pcm_hw_params_set_format(st.pcm, hp, C.SND_PCM_FORMAT_S16_LE)
	case C.snd_pcm_hw_params_test_format(st.pcm, hp, C.SND_PCM_FORMAT_S32_LE) == 0:
		C.snd_pcm_hw_params_set_format(st.pcm, hp, C.SND_PCM_FORMAT_S32_LE)
		st.s32 = true
	default:
		return nil, fmt.Errorf("%w: %q %w (a \"plughw:\" name converts)", ErrOptions, name, errSampleFormat)
	}
	var chMin, chMax C.uint
	C.snd_pcm_hw_params_get_channels_min(hp, &chMin)
	C.snd_pcm_hw_params_get_channels_max(hp, &chMax)
	ch := opt.DeviceChannels
	if ch == 0 {
		ch = int(chMax)
		if len(opt.Channels) > 0 {
			ch = 0
			for _, c := range opt.Channels {
				ch = max(ch, c+1)
			}
		}
	}
	if ch > int(chMax) {
		return nil, fmt.Errorf("%w: %q has %d input channels, %d wanted", ErrOptions, name, chMax, ch)
	}
	ch = max(ch, int(chMin)) // a card that opens all its channels or none
	if rc := C.snd_pcm_hw_params_set_channels(st.pcm, hp, C.uint(ch)); rc < 0 {
		return nil, fmt.Errorf("%w: %q: %d channels refused: %w", ErrOptions, name, ch, alsaError("set_channels", name, C.long(rc)))
	}
	rate := opt.Rate
	if rate == 0 {
		rate = alsaRate(st.pcm, hp)
	}
	if rate == 0 || C.snd_pcm_hw_params_set_rate(st.pcm, hp, C.uint(rate), 0) < 0 {
		var lo, hi C.uint
		C.snd_pcm_hw_params_get_rate_min(hp, &lo, nil)
		C.snd_pcm_hw_params_get_rate_max(hp, &hi, nil)
		return nil, fmt.Errorf("%w: %q does not capture at %d Hz (it offers %d–%d Hz)", ErrOptions, name, rate, lo, hi)
	}
	block := opt.Block
	if block == 0 {
		block = 20 * time.Millisecond
	}
	frames := max(1, int(int64(rate)*int64(block)/int64(time.Second)))
	buffer := opt.Buffer
	if buffer == 0 {
		buffer = DefaultBuffer
	}
	buffer = max(buffer, 2*block)
	period := C.snd_pcm_uframes_t(frames)
	C.snd_pcm_hw_params_set_period_size_near(st.pcm, hp, &period, nil)
	bufFrames := C.snd_pcm_uframes_t(int64(rate) * int64(buffer) / int64(time.Second))
	C.snd_pcm_hw_params_set_buffer_size_near(st.pcm, hp, &bufFrames)
	if rc := C.snd_pcm_hw_params(st.pcm, hp); rc < 0 {
		return nil, fmt.Errorf("%w: %q refused %d channels at %d Hz, period %d, buffer %d frames: %w",
			ErrOptions, name, ch, rate, period, bufFrames, alsaError("hw_params", name, C.long(rc)))
	}
	st.sf = StreamFormat{Channels: ch, Rate: rate}
	st.buffer, st.margin = int(bufFrames), min(2*int(period), int(bufFrames)/4)
	// Only a hardware PCM's avail counts what the card wrote: a plugin's
	// may not (the null plugin's is always the buffer).
	st.free = C.snd_pcm_type(st.pcm) == C.SND_PCM_TYPE_HW && freeRun(st.pcm)
	if st.s32 {
		st.buf32 = make([]int32, frames*ch)
	}
	if opt.Logger != nil {
		format := "S16_LE"
		if st.s32 {
			format = "S32_LE"
		}
		opt.Logger.Info("sound card open", "device", name, "api", "alsa", "rate", rate, "channels", ch, "format", format, "free_run", st.free,
			"block", block, "period", time.Duration(period)*time.Second/time.Duration(rate),
			"buffer", time.Duration(bufFrames)*time.Second/time.Duration(rate))
	}
	return st, nil
}

// freeRun sets the stop threshold of pcm to the boundary, so that an
// overrun does not stop the card; false if the PCM refuses.
func freeRun(pcm *C.snd_pcm_t) bool {
	var sp *C.snd_pcm_sw_params_t
	if C.snd_pcm_sw_params_malloc(&sp) < 0 {
		return false
	}
	defer C.snd_pcm_sw_params_free(sp)
	var boundary C.snd_pcm_uframes_t
	return C.snd_pcm_sw_params_current(pcm, sp) == 0 &&
		C.snd_pcm_sw_params_get_boundary(sp, &boundary) == 0 &&
		C.snd_pcm_sw_params_set_stop_threshold(pcm, sp, boundary) == 0 &&
		C.snd_pcm_sw_params(pcm, sp) == 0
}

func (s *alsaStream) Format() StreamFormat { return s.sf }

// avail is how many frames are readable: ErrOverflow after an overrun,
// an error once the card is gone (alsa-lib asks the kernel, which
// answers ENODEV for a disconnected card). A free-running card's overrun
// is a count past the buffer: the frames overwritten (and a margin) are
// skipped, what is left in the buffer is read next.
func (s *alsaStream) avail() (int, error) {
	n := C.snd_pcm_avail(s.pcm)
	switch {
	case n >= 0 && s.free && int(n) >= s.buffer:
		skip := int(n) - s.buffer + s.margin
		if f := C.snd_pcm_forward(s.pcm, C.snd_pcm_uframes_t(skip)); f < 0 {
			return 0, alsaError("forward", s.name, C.long(f))
		}
		return 0, ErrOverflow
	case n >= 0:
		return int(n), nil
	case syscall.Errno(-n) == syscall.EPIPE:
		return 0, ErrOverflow
	}
	return 0, alsaError("avail", s.name, C.long(n))
}

// restart recovers from an overrun: the stream is prepared and started
// again, the audio in between lost.
func (s *alsaStream) restart() error {
	if rc := C.snd_pcm_prepare(s.pcm); rc < 0 {
		return alsaError("prepare", s.name, C.long(rc))
	}
	if rc := C.snd_pcm_start(s.pcm); rc < 0 {
		return alsaError("start", s.name, C.long(rc))
	}
	return nil
}

// maxRestarts is how many overruns in a row one Read recovers from
// before it gives the device up.
const maxRestarts = 4

func (s *alsaStream) Read(buf []int16) error {
	ch := s.sf.Channels
	if len(buf) == 0 || len(buf)%ch != 0 || (s.s32 && len(buf) != len(s.buf32)) {
		return fmt.Errorf("alsa: read of %d samples into a %d-channel stream", len(buf), ch)
	}
	if s.pcm == nil {
		return fmt.Errorf("alsa: read of %q after close", s.name)
	}
	if !s.started {
		if rc := C.snd_pcm_start(s.pcm); rc < 0 {
			return alsaError("start", s.name, C.long(rc))
		}
		s.started = true
	}
	frames := len(buf) / ch
	overflow := false
	restarts := 0
	for got := 0; got < frames; {
		err := waitForBlock(s.avail, frames-got, s.sf.Rate, monoclock.Now, time.Sleep)
		var n C.snd_pcm_sframes_t
		if err == nil {
			if s.s32 {
				n = C.snd_pcm_readi(s.pcm, unsafe.Pointer(&s.buf32[got*ch]), C.snd_pcm_uframes_t(frames-got))
			} else {
				n = C.snd_pcm_readi(s.pcm, unsafe.Pointer(&buf[got*ch]), C.snd_pcm_uframes_t(frames-got))
			}
			switch {
			case n >= 0:
				got += int(n)
				continue
			case syscall.Errno(-n) == syscall.EPIPE:
				err = ErrOverflow
			case syscall.Errno(-n) == syscall.EAGAIN:
				continue
			default:
				return alsaError("read", s.name, C.long(n))
			}
		}
		if !errors.Is(err, ErrOverflow) {
			return err
		}
		// Overrun: what was read of this block came before the lost
		// audio; the block starts again after it.
		overflow, got = true, 0
		if restarts++; restarts > maxRestarts {
			return fmt.Errorf("alsa: %q: %d overruns in one read", s.name, restarts)
		}
		if s.free {
			continue // skipped in avail; the card runs on
		}
		if err := s.restart(); err != nil {
			return err
		}
	}
	if s.s32 {
		for i, v := range s.buf32 {
			buf[i] = int16(v >> 16)
		}
	}
	if overflow {
		return ErrOverflow
	}
	return nil
}

func (s *alsaStream) Buffered() int {
	if s.pcm == nil {
		return 0
	}
	n := C.snd_pcm_avail(s.pcm)
	if n < 0 {
		return 0
	}
	return int(n)
}

// Close closes the PCM. alsa-lib's snd_pcm_close closes the device
// whatever its drop and hw_free say: a disconnected card's ENODEV there is
// expected and not reported.
func (s *alsaStream) Close() error {
	if s.pcm == nil {
		return nil
	}
	alsaMu.Lock()
	rc := C.snd_pcm_close(s.pcm)
	alsaMu.Unlock()
	s.pcm = nil
	if rc < 0 && syscall.Errno(-rc) != syscall.ENODEV {
		return alsaError("close", s.name, C.long(rc))
	}
	return nil
}

// alsaDevices lists every card's capture PCMs by their stable ALSA names
// ("hw:CARD=id,DEV=n"), each with its USB port name when the card is on
// USB (read under SysRoot), its most channels and the rate Open would
// choose (0 and 0 when the PCM is busy).
func alsaDevices() ([]Device, error) {
	alsaQuiet.Do(func() { C.lt_silence() })
	var ci *C.snd_ctl_card_info_t
	if rc := C.snd_ctl_card_info_malloc(&ci); rc < 0 {
		return nil, alsaError("card_info_malloc", "", C.long(rc))
	}
	defer C.snd_ctl_card_info_free(ci)
	var pi *C.snd_pcm_info_t
	if rc := C.snd_pcm_info_malloc(&pi); rc < 0 {
		return nil, alsaError("pcm_info_malloc", "", C.long(rc))
	}
	defer C.snd_pcm_info_free(pi)
	ports := map[int]string{}
	if cards, err := USBCards(SysRoot); err == nil { // without sysfs, no ports
		for _, c := range cards {
			ports[c.Card] = c.Port
		}
	}
	var out []Device
	card := C.int(-1)
	for {
		if rc := C.snd_card_next(&card); rc < 0 {
			return out, alsaError("card_next", "", C.long(rc))
		}
		if card < 0 {
			return out, nil
		}
		cname := C.CString(fmt.Sprintf("hw:%d", card))
		var ctl *C.snd_ctl_t
		rc := C.snd_ctl_open(&ctl, cname, 0)
		C.free(unsafe.Pointer(cname))
		if rc < 0 {
			continue // gone since snd_card_next
		}
		if C.snd_ctl_card_info(ctl, ci) < 0 {
			C.snd_ctl_close(ctl)
			continue
		}
		id, cardName := C.GoString(C.snd_ctl_card_info_get_id(ci)), C.GoString(C.snd_ctl_card_info_get_name(ci))
		dev := C.int(-1)
		for C.snd_ctl_pcm_next_device(ctl, &dev) == 0 && dev >= 0 {
			C.snd_pcm_info_set_device(pi, C.uint(dev))
			C.snd_pcm_info_set_subdevice(pi, 0)
			C.snd_pcm_info_set_stream(pi, C.SND_PCM_STREAM_CAPTURE)
			if C.snd_ctl_pcm_info(ctl, pi) < 0 {
				continue // playback only
			}
			d := Device{Index: -1, Name: fmt.Sprintf("hw:CARD=%s,DEV=%d", id, dev),
				Description: cardName + ": " + C.GoString(C.snd_pcm_info_get_name(pi))}
			if p := ports[int(card)]; p != "" {
				d.USB = USBPort{Port: p, Dev: int(dev)}.String()
			}
			d.Channels, d.Rate = alsaProbe(d.Name)
			out = append(out, d)
		}
		C.snd_ctl_close(ctl)
	}
}

// alsaProbe opens the capture PCM name to read its most channels and the
// rate Open would choose with Options.Rate 0; 0, 0 if it cannot.
func alsaProbe(name string) (channels, rate int) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var pcm *C.snd_pcm_t
	alsaMu.Lock()
	defer alsaMu.Unlock()
	if C.snd_pcm_open(&pcm, cname, C.SND_PCM_STREAM_CAPTURE, C.SND_PCM_NONBLOCK) < 0 {
		return 0, 0
	}
	defer C.snd_pcm_close(pcm)
	var hp *C.snd_pcm_hw_params_t
	if C.snd_pcm_hw_params_malloc(&hp) < 0 {
		return 0, 0
	}
	defer C.snd_pcm_hw_params_free(hp)
	if C.snd_pcm_hw_params_any(pcm, hp) < 0 {
		return 0, 0
	}
	var chMax C.uint
	C.snd_pcm_hw_params_get_channels_max(hp, &chMax)
	return int(chMax), alsaRate(pcm, hp)
}

// alsaRate is the rate Open chooses when Options.Rate is 0: the first of
// alsaRates that pcm takes, else the rate it takes nearest 48 kHz (what
// PortAudio would have used as the card's default rate is one it takes
// too), within the resampler's range; 0 if none. It may narrow hp.
func alsaRate(pcm *C.snd_pcm_t, hp *C.snd_pcm_hw_params_t) int {
	for _, r := range alsaRates {
		if C.snd_pcm_hw_params_test_rate(pcm, hp, C.uint(r), 0) == 0 {
			return r
		}
	}
	near := C.uint(48000)
	if C.snd_pcm_hw_params_set_rate_near(pcm, hp, &near, nil) < 0 || int(near) < dsp.Rate || int(near) > resample.MaxRate {
		return 0
	}
	return int(near)
}

// alsaConfigUpdate reloads alsa-lib's global configuration if its files
// changed since it was loaded: PortAudio's ALSA host API lists the PCMs of
// the configuration last loaded (by any alsa-lib call), and loads it
// itself only when none is.
func alsaConfigUpdate() {
	alsaMu.Lock()
	defer alsaMu.Unlock()
	C.snd_config_update() // on failure PortAudio reports what it cannot list
}

// errSampleFormat is wrapped (with ErrOptions) by openALSA's refusal of a
// PCM that offers neither S16_LE nor S32_LE samples.
var errSampleFormat = errors.New("offers neither S16_LE nor S32_LE samples")

// openALSACard opens device dev of the card whose id is id by its stable
// ALSA name: "hw:CARD=id,DEV=dev", or "plughw:CARD=id,DEV=dev" when the
// card offers neither S16_LE nor S32_LE (PortAudio converts any sample
// format it finds; alsa-lib's plug layer then converts, and the ALSA path
// still asks it not to resample). It returns the name it opened, or last
// tried.
func openALSACard(id string, dev int, opt Options) (Stream, string, error) {
	name := hwName(id, dev)
	st, err := openALSA(name, opt)
	if errors.Is(err, errSampleFormat) {
		name = "plug" + name
		st, err = openALSA(name, opt)
	}
	return st, name, err
}

// alsaCardOf reads the card and device of the ALSA hardware device that
// the PortAudio device name paName is ("USB Audio Device: - (hw:1,0)":
// PortAudio's ALSA host API ends a hardware device's name with its card
// and device numbers) and gives the card's id, which the kernel keeps
// when the card comes back at another number: root is the kernel's card
// list (/proc/asound), where cardN/id holds it. hw is false for a name
// without a hardware index (default, pulse, dmix, a plug PCM); err says
// why a hardware device's card id could not be read.
func alsaCardOf(root, paName string) (id string, dev int, hw bool, err error) {
	card, dev, ok := paHWIndex(strings.TrimSpace(paName))
	if !ok {
		return "", 0, false, nil
	}
	id, err = readCardID(filepath.Join(root, fmt.Sprintf("card%d", card), "id"))
	if err != nil {
		return "", dev, true, fmt.Errorf("alsa: card %d of %q: %w", card, paName, err)
	}
	return id, dev, true, nil
}
