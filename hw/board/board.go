package board

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Errors returned by this package.
var (
	// ErrUnknown is returned by Lookup for a profile that does not exist.
	ErrUnknown = errors.New("board: unknown profile")
	// ErrInvalid is wrapped by every validation error.
	ErrInvalid = errors.New("board: invalid")
)

//go:embed profiles/*.json
var profiles embed.FS

// Profile is the wiring of one board.
type Profile struct {
	// Name is the profile's name, as given to --board.
	Name string `json:"name"`
	// Description says what hardware it is for.
	Description string `json:"description"`
	// Device names the capture device (a PortAudio name or a unique part).
	Device string `json:"device"`
	// Rate is the capture rate in hertz (0 = the card's default).
	Rate int `json:"rate,omitempty"`
	// Devices, for a board with several sound cards, replaces Device: the
	// cards in order, whose channels are numbered on from one card to the
	// next (a line's Channel 4 is the second 4-input card's input 0).
	Devices []Card `json:"devices,omitempty"`
	// Lines are the phone lines' wiring, line 0 first.
	Lines []Line `json:"lines"`
}

// Card is one sound card of several (the profile's devices, the config's
// source.devices).
type Card struct {
	// Device is the capture device's name: an ALSA name
	// ("hw:CARD=ID,DEV=0", the way for a USB card: found again when it
	// comes back), or a PortAudio name or a unique part of one.
	Device string `json:"device,omitempty"`
	// DeviceIndex chooses the device by PortAudio index instead of Device.
	DeviceIndex *int `json:"device_index,omitempty"`
	// Channels is how many of the card's inputs are recorded: its inputs
	// 0..Channels−1 are the next Channels channels of the combined frame.
	Channels int `json:"channels"`
	// Rate is the card's capture rate in hertz (0 = the source's rate, or
	// the card's default).
	Rate int `json:"rate,omitempty"`
}

// ValidateCards checks a list of cards (field is its path,
// "source.devices") and returns the channels they have in all.
func ValidateCards(field string, cards []Card) (int, error) {
	total := 0
	seen := map[string]string{}
	for i, c := range cards {
		f := fmt.Sprintf("%s[%d]", field, i)
		key := "name " + c.Device
		switch {
		case c.Device != "" && c.DeviceIndex != nil:
			return 0, bad(f, "both device and device_index given (want one)")
		case c.DeviceIndex != nil && *c.DeviceIndex < 0:
			return 0, bad(f+".device_index", "%d negative (want a PortAudio device index)", *c.DeviceIndex)
		case c.DeviceIndex != nil:
			key = fmt.Sprintf("index %d", *c.DeviceIndex)
		case strings.TrimSpace(c.Device) == "":
			return 0, bad(f+".device", "empty (want the capture device's name, or device_index)")
		}
		if other, dup := seen[key]; dup {
			return 0, bad(f, "the same card as %s (%s)", other, key)
		}
		seen[key] = f
		if c.Channels < 1 || c.Channels > 64 {
			return 0, bad(f+".channels", "%d out of range 1..64", c.Channels)
		}
		if c.Rate != 0 && (c.Rate < 8000 || c.Rate > 192000) {
			return 0, bad(f+".rate", "%d Hz out of range 8000..192000 (0 = the card's default)", c.Rate)
		}
		total += c.Channels
	}
	if total > 64 {
		return 0, bad(field, "%d channels in all, at most 64", total)
	}
	return total, nil
}

// Line is the wiring of one phone line.
type Line struct {
	// Channel is the sound-card channel of the line's audio tap (0-based).
	Channel int `json:"channel"`
	// GPIO is the line's optocoupler inputs, if any.
	GPIO *GPIO `json:"gpio,omitempty"`
	// ADC is the line's voltage-sense input, if any.
	ADC *ADC `json:"adc,omitempty"`
	// Header documents the connector pins of the inputs ("hook": 11).
	Header map[string]int `json:"header,omitempty"`
}

// GPIO is a line's optocoupler inputs on one GPIO chip.
type GPIO struct {
	// Chip is the chip's name ("gpiochip0") or label ("pinctrl-bcm2711").
	Chip string `json:"chip"`
	// Hook is the offset of the input active while loop current flows.
	Hook *int `json:"hook,omitempty"`
	// Ring is the offset of the ring detector's input.
	Ring *int `json:"ring,omitempty"`
	// Reversal is the offset of the input active while the polarity is
	// reversed.
	Reversal *int `json:"reversal,omitempty"`
	// ActiveLow inverts every input of the line (an optocoupler pulling a
	// pulled-up input low).
	ActiveLow bool `json:"active_low,omitempty"`
	// Bias is "", "pull-up", "pull-down" or "disabled".
	Bias string `json:"bias,omitempty"`
	// DebounceMS is the hook input's debounce in milliseconds (0 = 10 ms);
	// it must stay below a dial pulse's make (33 ms at 10 pps).
	DebounceMS int `json:"debounce_ms,omitempty"`
}

// ADC is a line's voltage-sense input on an ADS1x15.
type ADC struct {
	// Bus is the I2C bus ("1", "/dev/i2c-1"; "" = the first bus).
	Bus string `json:"bus,omitempty"`
	// Address is the chip's I2C address (0x48..0x4B, by its ADDR pin).
	Address int `json:"address"`
	// Input is the multiplexer setting: a differential pair "0-1", "0-3",
	// "1-3", "2-3" (signed: tip−ring polarity) or a single input "0".."3".
	Input string `json:"input"`
	// Scale is line volts per volt at the ADC input (the divider's ratio).
	Scale float64 `json:"scale"`
	// FullScaleMV is the PGA range: 6144, 4096, 2048, 1024, 512 or 256.
	FullScaleMV int `json:"full_scale_mv"`
}

// Inputs returns the ADC's valid Input values.
func Inputs() []string { return []string{"0-1", "0-3", "1-3", "2-3", "0", "1", "2", "3"} }

// Names lists the embedded profiles.
func Names() []string {
	ents, err := profiles.ReadDir("profiles")
	if err != nil {
		return nil
	}
	var n []string
	for _, e := range ents {
		n = append(n, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(n)
	return n
}

// Lookup returns the embedded profile called name.
func Lookup(name string) (Profile, error) {
	b, err := profiles.ReadFile(path.Join("profiles", name+".json"))
	if err != nil || strings.ContainsAny(name, "/.") {
		return Profile{}, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	p, err := Parse(bytes.NewReader(b))
	if err != nil {
		return Profile{}, err
	}
	if p.Name != name {
		return Profile{}, fmt.Errorf("%w: profiles/%s.json: name %q does not match the file", ErrInvalid, name, p.Name)
	}
	return p, nil
}

// Parse reads a profile from JSON (unknown keys refused) and validates it.
func Parse(r io.Reader) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return Profile{}, fmt.Errorf("%w: data after the profile", ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// FieldError is a refused value; Field is its path, as in
// "lines[2].gpio.hook".
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "FIELD: MSG".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func bad(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Validate checks the profile; errors are *FieldErrors naming the field.
func (p *Profile) Validate() error {
	if p.Name == "" {
		return bad("name", "empty")
	}
	if p.Rate != 0 && (p.Rate < 8000 || p.Rate > 192000) {
		return bad("rate", "%d Hz out of range 8000..192000", p.Rate)
	}
	if len(p.Lines) == 0 {
		return bad("lines", "no lines")
	}
	total := 64
	if len(p.Devices) > 0 {
		if p.Device != "" {
			return bad("devices", "given with device %q (want one or the other)", p.Device)
		}
		n, err := ValidateCards("devices", p.Devices)
		if err != nil {
			return err
		}
		total = n
	}
	w := NewWiringCheck()
	for i, l := range p.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if err := w.Line(f, l.Channel, l.GPIO, l.ADC); err != nil {
			return err
		}
		if l.Channel >= total {
			return bad(f+".channel", "channel %d, but the devices have %d channels (0..%d)", l.Channel, total, total-1)
		}
	}
	return nil
}

// WiringCheck finds channels, GPIO lines and ADC inputs used twice across
// the lines of a board or a config.
type WiringCheck struct {
	chans map[int]string
	gpios map[string]string
	adcs  map[string]string
}

// NewWiringCheck returns an empty check.
func NewWiringCheck() *WiringCheck {
	return &WiringCheck{chans: map[int]string{}, gpios: map[string]string{}, adcs: map[string]string{}}
}

// Line validates one line's wiring (field is its path, "lines[2]") and
// records what it uses.
func (w *WiringCheck) Line(field string, channel int, g *GPIO, a *ADC) error {
	if channel < 0 || channel > 63 {
		return bad(field+".channel", "%d out of range 0..63", channel)
	}
	if other, dup := w.chans[channel]; dup {
		return bad(field+".channel", "channel %d used twice (also %s)", channel, other)
	}
	w.chans[channel] = field + ".channel"
	if err := w.GPIO(field+".gpio", g); err != nil {
		return err
	}
	return w.ADC(field+".adc", a)
}

// GPIO validates a line's GPIO inputs (field is their path,
// "lines[2].gpio") and records the lines they use; nil is fine.
func (w *WiringCheck) GPIO(field string, g *GPIO) error {
	if g == nil {
		return nil
	}
	return g.validate(field, w.gpios)
}

// ADC validates a line's ADC input (field is its path, "lines[2].adc")
// and records the pins it uses; nil is fine.
func (w *WiringCheck) ADC(field string, a *ADC) error {
	if a == nil {
		return nil
	}
	return a.validate(field, w.adcs)
}

func (g *GPIO) validate(field string, used map[string]string) error {
	if strings.TrimSpace(g.Chip) == "" {
		return bad(field+".chip", "empty (want a chip name such as gpiochip0 or a label)")
	}
	switch g.Bias {
	case "", "pull-up", "pull-down", "disabled":
	default:
		return bad(field+".bias", "%q unknown (want pull-up, pull-down or disabled)", g.Bias)
	}
	if g.DebounceMS < 0 || g.DebounceMS > 25 {
		return bad(field+".debounce_ms", "%d out of range 0..25 (a dial pulse's make is 33 ms)", g.DebounceMS)
	}
	if g.Hook == nil && g.Ring == nil && g.Reversal == nil {
		return bad(field, "no input wired (want hook, ring or reversal)")
	}
	for _, in := range []struct {
		name string
		off  *int
	}{{"hook", g.Hook}, {"ring", g.Ring}, {"reversal", g.Reversal}} {
		if in.off == nil {
			continue
		}
		f := field + "." + in.name
		if *in.off < 0 || *in.off > 511 {
			return bad(f, "line %d out of range 0..511", *in.off)
		}
		key := fmt.Sprintf("%s/%d", g.Chip, *in.off)
		if other, dup := used[key]; dup {
			return bad(f, "line %d used twice (also %s)", *in.off, other)
		}
		used[key] = f
	}
	return nil
}

func (a *ADC) validate(field string, used map[string]string) error {
	if a.Address < 0x48 || a.Address > 0x4B {
		return bad(field+".address", "%#x out of range 0x48..0x4b (ADS1x15 ADDR pin)", a.Address)
	}
	ok := false
	for _, in := range Inputs() {
		ok = ok || in == a.Input
	}
	if !ok {
		return bad(field+".input", "%q unknown (want one of %s)", a.Input, strings.Join(Inputs(), ", "))
	}
	if a.Scale <= 0 || a.Scale > 1000 {
		return bad(field+".scale", "%v out of range (0, 1000] line volts per ADC volt", a.Scale)
	}
	switch a.FullScaleMV {
	case 6144, 4096, 2048, 1024, 512, 256:
	default:
		return bad(field+".full_scale_mv", "%d not an ADS1x15 range (6144, 4096, 2048, 1024, 512, 256)", a.FullScaleMV)
	}
	// One conversion at a time per chip: an input pair is used once, and
	// inputs shared between pairs are refused.
	for _, pin := range strings.Split(a.Input, "-") {
		key := fmt.Sprintf("%s/%#x/AIN%s", a.Bus, a.Address, pin)
		if other, dup := used[key]; dup {
			return bad(field+".input", "AIN%s of the chip at %#x used twice (also %s)", pin, a.Address, other)
		}
		used[key] = field + ".input"
	}
	return nil
}

// channelName is channel ch as a technician finds it: with several
// cards, which card's input it is.
func channelName(cards []Card, ch int) string {
	first := 0
	for i, c := range cards {
		if ch < first+c.Channels {
			return fmt.Sprintf("%d (card %d input %d)", ch, i+1, ch-first)
		}
		first += c.Channels
	}
	return fmt.Sprint(ch)
}

// Pinout renders the profile's wiring as a Markdown table.
func Pinout(p Profile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| line | sound-card channel | hook | ring | reversal | ADC |\n|---|---|---|---|---|---|\n")
	in := func(l Line, name string, off *int) string {
		if off == nil {
			return "—"
		}
		s := fmt.Sprintf("%s line %d", l.GPIO.Chip, *off)
		if pin, ok := l.Header[name]; ok {
			s += fmt.Sprintf(" (pin %d)", pin)
		}
		return s
	}
	for i, l := range p.Lines {
		hook, ring, rev, adc := "—", "—", "—", "—"
		if l.GPIO != nil {
			hook, ring, rev = in(l, "hook", l.GPIO.Hook), in(l, "ring", l.GPIO.Ring), in(l, "reversal", l.GPIO.Reversal)
			if l.GPIO.ActiveLow {
				hook += ", active low"
			}
		}
		if l.ADC != nil {
			adc = fmt.Sprintf("ADS1x15 %#x AIN%s ×%g", l.ADC.Address, l.ADC.Input, l.ADC.Scale)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", i+1, channelName(p.Devices, l.Channel), hook, ring, rev, adc)
	}
	return b.String()
}
