package portaudio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// SysRoot is where Open reads the kernel's sysfs to find the card on a
// USB port (SysRoot/class/sound/cardN).
const SysRoot = "/sys"

// USBPort names a sound card by the USB port it is plugged into, which
// stays the same whatever number and id the kernel gives the card: the
// device name "usb:PORT" or "usb:PORT,DEV=n".
type USBPort struct {
	// Port is the port's path as the kernel writes it: the bus, a dash
	// and the port numbers from the root hub down ("1-1.2").
	Port string
	// Dev is the PCM device number on the card (DEV=, default 0).
	Dev int
}

// String returns the device name of u: "usb:PORT,DEV=n".
func (u USBPort) String() string { return fmt.Sprintf("usb:%s,DEV=%d", u.Port, u.Dev) }

// maxPortDepth is the most port numbers a USB port path holds: USB 2.0
// §4.1.1 allows seven tiers with the root hub's the first, so a device
// sits at most six ports below it.
const maxPortDepth = 6

// maxPCMDevice is the highest DEV= taken: ALSA numbers a card's PCM
// devices from 0 (SNDRV_PCM_DEVICES is 32 in the kernel's
// include/sound/pcm.h).
const maxPCMDevice = 31

// ParseUSBName reports whether device is a USB port name ("usb:…") and
// parses it: ok is false for any other name; err (wrapping ErrOptions)
// says what is wrong with a "usb:" name that is not "usb:PORT" or
// "usb:PORT,DEV=n".
func ParseUSBName(device string) (u USBPort, ok bool, err error) {
	rest, found := strings.CutPrefix(device, "usb:")
	if !found {
		return USBPort{}, false, nil
	}
	port, opts, hasOpts := strings.Cut(rest, ",")
	if !validUSBPort(port) {
		return USBPort{}, true, fmt.Errorf("%w: %q: %q is not a USB port path (bus-port[.port…] as the kernel writes it, e.g. usb:1-1.2)", ErrOptions, device, port)
	}
	u.Port = port
	if hasOpts {
		v, found := strings.CutPrefix(opts, "DEV=")
		n, err := strconv.Atoi(v)
		if !found || !allDigits(v) || err != nil || n > maxPCMDevice {
			return USBPort{}, true, fmt.Errorf("%w: %q: %q after the port is not DEV=n (n a PCM device number 0–%d)", ErrOptions, device, opts, maxPCMDevice)
		}
		u.Dev = n
	}
	return u, true, nil
}

// validUSBPort reports whether s is a USB port path as the kernel names a
// USB device: "BUS-P1[.P2…]" (drivers/usb/core/usb.c: the bus number, then
// each port number from the root hub down), bus and ports from 1, ports
// up to 255 (USB 2.0 §11.23.2.1: bNbrPorts is one byte).
func validUSBPort(s string) bool {
	bus, ports, ok := strings.Cut(s, "-")
	if !ok || !positive(bus, 1<<16) {
		return false
	}
	ps := strings.Split(ports, ".")
	if len(ps) > maxPortDepth {
		return false
	}
	for _, p := range ps {
		if !positive(p, 255) {
			return false
		}
	}
	return true
}

// positive reports whether s is a decimal number from 1 to most, written
// without sign or leading zero.
func positive(s string, most int) bool {
	if s == "" || s[0] == '0' || !allDigits(s) || len(s) > 6 {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= most
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// USBCard is a sound card as sysfs shows it.
type USBCard struct {
	// Card is the kernel's card number (cardN).
	Card int
	// ID is the card's id (hw:CARD=ID), "" when unreadable.
	ID string
	// Port is the USB port the card is plugged into, "" for a card that
	// is not a USB device's.
	Port string
	// Interface is the USB interface the card is ("1-1.2:1.0": port,
	// configuration and interface), "" for a card that is not USB.
	Interface string
}

// USBCards lists the sound cards under sysRoot (normally SysRoot), in
// card number order, each with its id and the USB port it is on. A card
// is on port P when its SysRoot/class/sound/cardN/device link leads to a
// USB interface of P: a path segment "P:C.I" (configuration C, interface
// I).
func USBCards(sysRoot string) ([]USBCard, error) {
	dir := filepath.Join(sysRoot, "class", "sound")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("portaudio: sound cards: %w", err)
	}
	var out []USBCard
	for _, e := range ents {
		n, ok := strings.CutPrefix(e.Name(), "card")
		if !ok || !allDigits(n) {
			continue // controlC0, pcmC0D0c, timer, …
		}
		card, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		c := USBCard{Card: card}
		if id, err := readCardID(filepath.Join(dir, e.Name(), "id")); err == nil {
			c.ID = id
		}
		if dev, err := filepath.EvalSymlinks(filepath.Join(dir, e.Name(), "device")); err == nil {
			c.Port, c.Interface = usbInterfaceOf(dev)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("portaudio: sound card %d: %w", card, err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b USBCard) int { return a.Card - b.Card })
	return out, nil
}

// usbInterfaceOf finds the deepest USB interface segment ("1-1.2:1.0")
// of the device path p: its port and the segment; "", "" if none.
func usbInterfaceOf(p string) (port, iface string) {
	segs := strings.Split(filepath.ToSlash(p), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		pt, ci, ok := strings.Cut(segs[i], ":")
		if !ok || !validUSBPort(pt) {
			continue
		}
		cfg, in, ok := strings.Cut(ci, ".")
		if ok && allDigits(cfg) && allDigits(in) {
			return pt, segs[i]
		}
	}
	return "", ""
}

// ResolveUSB finds the sound card on u's port under sysRoot (normally
// SysRoot). It fails with ErrNoDevice when no card is on the port (naming
// the ports that carry cards), and with ErrOptions when the port carries
// several cards (a device with several audio functions) or only cards
// behind a hub plugged into it (naming their ports), or the card's id is
// unreadable.
func ResolveUSB(sysRoot string, u USBPort) (USBCard, error) {
	cards, err := USBCards(sysRoot)
	if err != nil {
		return USBCard{}, err
	}
	var on, below []USBCard
	var ports []string
	for _, c := range cards {
		switch {
		case c.Port == "":
			continue
		case c.Port == u.Port:
			on = append(on, c)
		case strings.HasPrefix(c.Port, u.Port+"."):
			below = append(below, c)
		}
		ports = append(ports, fmt.Sprintf("usb:%s (card %d %s)", c.Port, c.Card, c.ID))
	}
	switch {
	case len(on) == 1 && on[0].ID == "":
		return USBCard{}, fmt.Errorf("%w: %s: card %d on that port has no readable id", ErrOptions, u, on[0].Card)
	case len(on) == 1:
		return on[0], nil
	case len(on) > 1:
		var what []string
		for _, c := range on {
			what = append(what, fmt.Sprintf("card %d %s at interface %s", c.Card, c.ID, c.Interface))
		}
		return USBCard{}, fmt.Errorf("%w: %s: several sound cards on USB port %s (%s), one device with several audio functions: name that card by its ALSA id (hw:CARD=ID,DEV=n)",
			ErrOptions, u, u.Port, strings.Join(what, ", "))
	case len(below) > 0:
		var what []string
		for _, c := range below {
			what = append(what, fmt.Sprintf("usb:%s,DEV=%d", c.Port, u.Dev))
		}
		return USBCard{}, fmt.Errorf("%w: %s: USB port %s holds a hub with %d sound card(s) behind it: name each card by its own port (%s)",
			ErrOptions, u, u.Port, len(below), strings.Join(what, ", "))
	}
	if len(ports) == 0 {
		return USBCard{}, fmt.Errorf("%w: no sound card on USB port %s (no sound card is on USB)", ErrNoDevice, u.Port)
	}
	return USBCard{}, fmt.Errorf("%w: no sound card on USB port %s (sound cards on USB: %s)", ErrNoDevice, u.Port, strings.Join(ports, ", "))
}

// cardOpener opens PCM device dev of the card whose id is id, as the ALSA
// path opens "hw:CARD=id,DEV=dev" (openALSACard), and returns the name it
// opened or last tried.
type cardOpener func(id string, dev int, opt Options) (Stream, string, error)

// openUSB opens the card on u's port under sysRoot through openCard; the
// port is resolved again on every reopen, so a card unplugged and back on
// its port is found at whatever number and id the kernel gives it.
func openUSB(opt Options, u USBPort, sysRoot string, openCard cardOpener) (*Source, error) {
	pcm := pcmName("") // the name the latest open took
	src, err := NewSource(usbOpener(opt, u, sysRoot, openCard, pcm), opt)
	if err != nil {
		return nil, err
	}
	src.pcm = pcm
	if opt.Logger != nil {
		opt.Logger.Info("sound card named by its USB port", "device", opt.Device, "alsa_name", src.PCM())
	}
	return src, nil
}

// usbOpener is the Opener of openUSB; pcm gets the name each open took.
func usbOpener(opt Options, u USBPort, sysRoot string, openCard cardOpener, pcm *atomic.Pointer[string]) Opener {
	return func() (Stream, error) {
		c, err := ResolveUSB(sysRoot, u)
		if err != nil {
			return nil, err
		}
		st, name, err := openCard(c.ID, u.Dev, opt)
		if err != nil {
			return nil, fmt.Errorf("%s (card %d): %w", u, c.Card, err)
		}
		pcm.Store(&name)
		if opt.Logger != nil { // the card each open found: evidence of which card recorded
			opt.Logger.Info("sound card found on its USB port", "port", u.Port, "card", c.Card, "id", c.ID, "alsa_name", name)
		}
		return st, nil
	}
}

// SwappableIDs finds, among ALSA device names ("hw:CARD=Device,DEV=0",
// "plughw:Device_1,0"), the card ids that differ only by the "_N" suffix
// the kernel adds to the id of a second identical card (Device,
// Device_1): such cards are named in the order the kernel probed them,
// which may change at the next boot or unplug. Each group is in the
// order of devices; names of other kinds are ignored.
func SwappableIDs(devices []string) [][]string {
	groups := map[string][]string{}
	var order []string
	for _, d := range devices {
		id, ok := cardIDOf(d)
		if !ok {
			continue
		}
		base := id
		if i := strings.LastIndexByte(id, '_'); i > 0 && allDigits(id[i+1:]) {
			base = id[:i]
		}
		if slices.Contains(groups[base], id) {
			continue
		}
		if groups[base] == nil {
			order = append(order, base)
		}
		groups[base] = append(groups[base], id)
	}
	var out [][]string
	for _, b := range order {
		if g := groups[b]; len(g) > 1 {
			out = append(out, g)
		}
	}
	return out
}

// cardIDOf reads the card id of an ALSA hardware name: "hw:CARD=id,…",
// "hw:id,…", and the same with "plughw:"; false for a card number or
// another name.
func cardIDOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "hw:")
	if !ok {
		if rest, ok = strings.CutPrefix(name, "plughw:"); !ok {
			return "", false
		}
	}
	card, _, _ := strings.Cut(rest, ",")
	card = strings.TrimPrefix(card, "CARD=")
	if allDigits(card) || !validCardID(card) {
		return "", false
	}
	return card, true
}

// validCardID reports whether id can be a kernel sound card's id, and so
// be put in an ALSA name: 1 to 15 letters, digits, '_' or '-' (the kernel
// keeps only those, in its 16-byte id with the NUL).
func validCardID(id string) bool {
	if id == "" || len(id) > 15 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// readCardID reads the id the kernel keeps for a card in the file path
// (/proc/asound/cardN/id, /sys/class/sound/cardN/id), checked by
// validCardID.
func readCardID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if !validCardID(id) {
		return "", fmt.Errorf("%s holds %q, not a card id", path, id)
	}
	return id, nil
}

// hwName is the stable ALSA name of device dev of the card whose id is id.
func hwName(id string, dev int) string { return fmt.Sprintf("hw:CARD=%s,DEV=%d", id, dev) }
