package linetap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/hw/board"
)

// Errors of the engine and its configuration.
var (
	// ErrConfig is wrapped by every configuration error (a *ConfigError).
	ErrConfig = errors.New("config")
	// ErrFormat is returned when the audio source's format does not suit the
	// configuration (a channel beyond the source, an unsupported rate).
	ErrFormat = errors.New("audio format")
	// ErrNoLine is returned for a line index that is not configured.
	ErrNoLine = errors.New("no such line")
	// ErrNotInCall is returned by Listen for a line that is not in a call.
	ErrNotInCall = errors.New("line not in a call")
	// ErrRejected is wrapped by a Store's Commit error when the batch
	// breaks the store's rules and will never be accepted: the engine
	// drops it instead of retrying (see Options.Rejected).
	ErrRejected = errors.New("batch rejected by the store")
)

// ConfigError is a refused configuration value; Field is its path, as in
// "lines[2].channel".
type ConfigError struct {
	Field string
	Msg   string
}

// Error returns "config: FIELD: MSG".
func (e *ConfigError) Error() string { return "config: " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Duration is a time.Duration written as "2s" or "150ms" in the config file.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"2s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// Config is the whole configuration of a recorder. The zero values of its
// fields are filled from DefaultConfig by LoadConfig.
type Config struct {
	// Listen is the web UI's address.
	Listen string `json:"listen"`
	// Data is the data directory (recordings, index, keys).
	Data string `json:"data"`
	// PreRoll is how much audio before a call's trigger is kept.
	PreRoll Duration `json:"preroll"`
	// PostRoll is how much audio after a call's end is kept.
	PostRoll Duration `json:"postroll"`
	// CommitInterval is the most audio that a power cut may lose.
	CommitInterval Duration `json:"commit_interval"`
	// Source is where audio and line events come from.
	Source SourceConfig `json:"source"`
	// Storage is how long recordings are kept, and how.
	Storage StorageConfig `json:"storage"`
	// Lines are the phone lines, in order; a line's index is its number.
	Lines []LineConfig `json:"lines"`
}

// StorageConfig is the recording store's policy.
type StorageConfig struct {
	// RetentionDays deletes calls older than this many days (0 keeps them
	// forever); a call with the keep flag (legal hold) is never deleted.
	RetentionDays int `json:"retention_days"`
	// MinFreeMB is the free-space floor: below it the oldest unprotected
	// calls are deleted so recording goes on (0: the store's default).
	MinFreeMB int `json:"min_free_mb"`
	// KeyFile, when set, encrypts the audio at rest with the AES-256 key
	// in this 0600 file.
	KeyFile string `json:"key_file,omitempty"`
}

// SourceConfig chooses the audio and line-state backends.
type SourceConfig struct {
	// Kind is "sim" (the simulated line bank), "wavfile" or "portaudio"
	// (a sound card, with the lines' gpio and adc inputs as line sensors).
	Kind string `json:"kind"`
	// Board names a wiring profile (hw/board) that fills the lines'
	// channel, gpio and adc where the config does not give them.
	Board string `json:"board,omitempty"`
	// Device is the capture device: a USB port ("usb:1-1.2", for identical
	// cards, whose ids may swap) or an ALSA name ("hw:CARD=Device,DEV=0",
	// "plughw:…", "alsa:NAME"), captured through alsa-lib and reopened by
	// itself when the card is unplugged and comes back, or else a
	// PortAudio device name (or a unique part), opened the same way when
	// it is a hardware device ("… (hw:1,0)") and otherwise through
	// PortAudio, where it does not come back (hw/portaudio, Caveats).
	// `linetapd --list-devices` prints the names.
	Device string `json:"device,omitempty"`
	// DeviceIndex chooses the portaudio device by index instead (-1 = by
	// name).
	DeviceIndex int `json:"device_index"`
	// Rate is the portaudio capture rate in hertz (0 = the card's default);
	// the audio is resampled to 8 kHz.
	Rate int `json:"rate,omitempty"`
	// Devices records several sound cards as one (hw/multicard), in place
	// of Device: the lines' channels are numbered on across the cards in
	// this order (with two 4-input cards, channel 4 is the second card's
	// input 0). A card's rate defaults to Rate.
	Devices []board.Card `json:"devices,omitempty"`
	// Scenario is a sim scenario file ("" = the built-in looping demo).
	Scenario string `json:"scenario,omitempty"`
	// Seed seeds the simulator.
	Seed int64 `json:"seed,omitempty"`
	// Speed runs the simulator faster than real time (1 = real time, 0 =
	// as fast as possible, for tests and benchmarks).
	Speed float64 `json:"speed"`
	// File is the WAV replayed by the wavfile source.
	File string `json:"file,omitempty"`
	// Events is an optional line-event sidecar for the wavfile source.
	Events string `json:"events,omitempty"`
}

// LineConfig is one phone line.
type LineConfig struct {
	// Name is what people see ("Reception").
	Name string `json:"name"`
	// Number is the line's own phone number, for display.
	Number string `json:"number,omitempty"`
	// Channel is the sound-card channel the line's tap feeds (0-based).
	Channel int `json:"channel"`
	// Trigger starts and ends recordings: "hook", "vox" or "always".
	Trigger Trigger `json:"trigger"`
	// Codec stores the audio: "pcmu", "pcma" or "l16".
	Codec string `json:"codec"`
	// VOXThreshold is the level (dBm0) above which VOX hears voice.
	VOXThreshold float64 `json:"vox_threshold_dbm0"`
	// VOXHangover is how long VOX keeps recording after voice stops.
	VOXHangover Duration `json:"vox_hangover"`
	// MaxCall splits an always-on recording into calls of this length.
	MaxCall Duration `json:"max_call"`
	// RetentionDays overrides storage.retention_days for this line (0:
	// the store's policy).
	RetentionDays int `json:"retention_days,omitempty"`
	// GainDB amplifies the line's audio before the detectors and the
	// store, for a tap that is too quiet or too hot (−20..+20 dB).
	GainDB float64 `json:"gain_db,omitempty"`
	// MaskDTMF replaces every key press in the stored audio with comfort
	// noise and stores in-call digits as "*" (PCI DSS).
	MaskDTMF bool `json:"mask_dtmf,omitempty"`
	// Disabled lines are not recorded.
	Disabled bool `json:"disabled,omitempty"`
	// GPIO is the line's optocoupler inputs (hook, ring, reversal), read
	// by the portaudio source's line sensor.
	GPIO *board.GPIO `json:"gpio,omitempty"`
	// ADC is the line's voltage-sense input, for boards without
	// optocouplers.
	ADC *board.ADC `json:"adc,omitempty"`

	// channelSet records that the config file gave the channel, so that a
	// board profile does not override it.
	channelSet bool
}

// DefaultLine is the configuration a line gets for every field left out.
func DefaultLine(i int) LineConfig {
	return LineConfig{
		Name:         fmt.Sprintf("Line %d", i+1),
		Channel:      i,
		Trigger:      TriggerHook,
		Codec:        "pcmu",
		VOXThreshold: -45,
		VOXHangover:  Duration(4 * time.Second),
		MaxCall:      Duration(time.Hour),
	}
}

// DefaultConfig is the documented default: four simulated lines recorded
// on hook state in G.711 µ-law, the web UI on localhost.
func DefaultConfig() Config {
	c := Config{
		Listen:         "127.0.0.1:8080",
		Data:           "./data",
		PreRoll:        Duration(2 * time.Second),
		PostRoll:       Duration(1 * time.Second),
		CommitInterval: Duration(time.Second),
		Source:         SourceConfig{Kind: "sim", Seed: 1, Speed: 1, DeviceIndex: -1},
	}
	for i := 0; i < 4; i++ {
		c.Lines = append(c.Lines, DefaultLine(i))
	}
	return c
}

// LoadConfig reads a JSON config. Fields left out keep DefaultConfig's
// values (a line's left-out fields get DefaultLine's); an unknown key, a
// value of the wrong type or one out of range is a *ConfigError naming it.
func LoadConfig(r io.Reader) (Config, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return Config{}, fmt.Errorf("config: read: %w", err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return Config{}, &ConfigError{Field: "(file)", Msg: jsonErr(raw, err)}
	}
	if err := checkKeys(tree, reflect.TypeOf(Config{}), ""); err != nil {
		return Config{}, err
	}
	c := DefaultConfig()
	// Lines are given in full or not at all; each given line starts from
	// its defaults.
	if m, ok := tree.(map[string]any); ok {
		if ls, ok := m["lines"].([]any); ok {
			c.Lines = make([]LineConfig, len(ls))
			for i := range ls {
				c.Lines[i] = DefaultLine(i)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&c); err != nil {
		var ut *json.UnmarshalTypeError
		if errors.As(err, &ut) {
			return Config{}, &ConfigError{Field: ut.Field, Msg: fmt.Sprintf("want %s, got JSON %s", ut.Type, ut.Value)}
		}
		return Config{}, &ConfigError{Field: "(file)", Msg: err.Error()}
	}
	if m, ok := tree.(map[string]any); ok {
		if ls, ok := m["lines"].([]any); ok {
			for i, l := range ls {
				if lm, ok := l.(map[string]any); ok && lm["channel"] != nil {
					c.Lines[i].channelSet = true
				}
			}
		}
	}
	if c.Source.Board != "" {
		if err := c.ApplyBoard(c.Source.Board); err != nil {
			return Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ApplyBoard fills the wiring of the configured lines from the board
// profile called name (hw/board): line i gets the profile's lines[i]
// channel unless the config file gave one, and its gpio and adc unless the
// line has its own; the source's device and rate come from the profile
// unless set. Lines beyond the profile keep their own wiring.
func (c *Config) ApplyBoard(name string) error {
	p, err := board.Lookup(name)
	if err != nil {
		return &ConfigError{Field: "source.board", Msg: err.Error()}
	}
	c.Source.Board = name
	if c.Source.Device == "" && c.Source.DeviceIndex < 0 && len(c.Source.Devices) == 0 {
		c.Source.Device = p.Device
		c.Source.Devices = append([]board.Card(nil), p.Devices...)
	}
	if c.Source.Rate == 0 {
		c.Source.Rate = p.Rate
	}
	for i := range c.Lines {
		if i >= len(p.Lines) {
			break
		}
		w := p.Lines[i]
		l := &c.Lines[i]
		if !l.channelSet {
			l.Channel = w.Channel
		}
		if l.GPIO == nil && w.GPIO != nil {
			g := *w.GPIO
			l.GPIO = &g
		}
		if l.ADC == nil && w.ADC != nil {
			a := *w.ADC
			l.ADC = &a
		}
	}
	return nil
}

// jsonErr turns a syntax error's offset into a line number.
func jsonErr(raw []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(raw[:min(int(se.Offset), len(raw))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, se)
	}
	return err.Error()
}

var durationType = reflect.TypeOf(Duration(0))

// checkKeys refuses keys of the JSON tree that t has no field for, and
// values of the wrong JSON type, naming the path of each.
func checkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := func(what string) error {
		b, _ := json.Marshal(v)
		return &ConfigError{Field: path, Msg: fmt.Sprintf("want %s, got %s", what, b)}
	}
	if v == nil {
		return nil // null leaves the default
	}
	if t == durationType {
		s, ok := v.(string)
		if !ok {
			return want("a duration string such as \"2s\"")
		}
		if _, err := time.ParseDuration(s); err != nil {
			return &ConfigError{Field: path, Msg: fmt.Sprintf("bad duration %q (want e.g. \"2s\" or \"150ms\")", s)}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return want("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return want("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return want("a whole number")
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(float64); !ok {
			return want("a number")
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return want("a list")
		}
		for i, e := range a {
			if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			if path == "" {
				path = "(file)"
			}
			return want("an object")
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				known := make([]string, 0, len(fields))
				for n := range fields {
					known = append(known, n)
				}
				sort.Strings(known)
				return &ConfigError{Field: p, Msg: "unknown key (known: " + strings.Join(known, ", ") + ")"}
			}
			if err := checkKeys(m[k], ft, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks every value and returns the first *ConfigError.
func (c *Config) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &ConfigError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if c.Listen == "" {
		return bad("listen", "empty (want host:port)")
	}
	if c.Data == "" {
		return bad("data", "empty (want a directory)")
	}
	if c.PreRoll < 0 || c.PreRoll > Duration(30*time.Second) {
		return bad("preroll", "%v out of range 0s..30s", time.Duration(c.PreRoll))
	}
	if c.PostRoll < 0 || c.PostRoll > Duration(30*time.Second) {
		return bad("postroll", "%v out of range 0s..30s", time.Duration(c.PostRoll))
	}
	if c.CommitInterval < Duration(100*time.Millisecond) || c.CommitInterval > Duration(time.Second) {
		return bad("commit_interval", "%v out of range 100ms..1s", time.Duration(c.CommitInterval))
	}
	if c.Source.DeviceIndex < -1 {
		return bad("source.device_index", "%d negative (want -1 for none, or a PortAudio device index)", c.Source.DeviceIndex)
	}
	if len(c.Source.Devices) > 0 && c.Source.Kind != "portaudio" {
		return bad("source.devices", "given for source kind %q (only portaudio records sound cards)", c.Source.Kind)
	}
	switch c.Source.Kind {
	case "sim":
		if c.Source.Speed < 0 || c.Source.Speed > 1000 {
			return bad("source.speed", "%v out of range 0..1000", c.Source.Speed)
		}
	case "wavfile":
		if c.Source.File == "" {
			return bad("source.file", "empty: the wavfile source needs a WAV file")
		}
		if c.Source.Speed < 0 || c.Source.Speed > 1000 {
			return bad("source.speed", "%v out of range 0..1000", c.Source.Speed)
		}
	case "portaudio":
		if len(c.Source.Devices) > 0 {
			if c.Source.Device != "" || c.Source.DeviceIndex >= 0 {
				return bad("source.devices", "given with source.device or source.device_index (want one card there, or several here)")
			}
			n, err := board.ValidateCards("source.devices", c.Source.Devices)
			if err != nil {
				var fe *board.FieldError
				if errors.As(err, &fe) {
					return bad(fe.Field, "%s", fe.Msg)
				}
				return bad("source.devices", "%v", err)
			}
			for i, l := range c.Lines {
				if l.Channel >= n {
					return bad(fmt.Sprintf("lines[%d].channel", i), "channel %d, but source.devices have %d channels (0..%d)", l.Channel, n, n-1)
				}
			}
		} else if c.Source.Device == "" && c.Source.DeviceIndex < 0 {
			return bad("source.device", "empty: the portaudio source needs the capture device's name (or source.device_index, or source.devices)")
		}
		if c.Source.Rate != 0 && (c.Source.Rate < 8000 || c.Source.Rate > 192000) {
			return bad("source.rate", "%d Hz out of range 8000..192000 (0 = the card's default)", c.Source.Rate)
		}
	default:
		return bad("source.kind", "%q unknown (want sim, wavfile or portaudio)", c.Source.Kind)
	}
	if c.Source.Board != "" {
		if _, err := board.Lookup(c.Source.Board); err != nil {
			return bad("source.board", "%v", err)
		}
	}
	if d := c.Storage.RetentionDays; d < 0 || d > 36500 {
		return bad("storage.retention_days", "%d out of range 0..36500", d)
	}
	if m := c.Storage.MinFreeMB; m < 0 || m > 1<<20 {
		return bad("storage.min_free_mb", "%d out of range 0..1048576", m)
	}
	if len(c.Lines) == 0 {
		return bad("lines", "no lines configured")
	}
	if len(c.Lines) > 64 {
		return bad("lines", "%d lines, at most 64", len(c.Lines))
	}
	names := map[string]int{}
	chans := map[int]int{}
	wiring := board.NewWiringCheck()
	for i, l := range c.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if strings.TrimSpace(l.Name) == "" {
			return bad(f+".name", "empty")
		}
		if j, dup := names[l.Name]; dup {
			return bad(f+".name", "%q used twice (also lines[%d])", l.Name, j)
		}
		names[l.Name] = i
		if l.Channel < 0 || l.Channel > 63 {
			return bad(f+".channel", "%d out of range 0..63", l.Channel)
		}
		if j, dup := chans[l.Channel]; dup {
			return bad(f+".channel", "channel %d used twice (also lines[%d])", l.Channel, j)
		}
		chans[l.Channel] = i
		switch l.Trigger {
		case TriggerHook, TriggerVOX, TriggerAlways:
		default:
			return bad(f+".trigger", "%q unknown (want hook, vox or always)", l.Trigger)
		}
		if why, ok := codec.Unavailable(l.Codec); ok {
			return bad(f+".codec", "%q: %s", l.Codec, why)
		}
		if _, err := codec.Lookup(l.Codec); err != nil {
			return bad(f+".codec", "%q unknown (want one of %s)", l.Codec, strings.Join(codec.Names(), ", "))
		}
		if l.VOXThreshold < -70 || l.VOXThreshold > 0 {
			return bad(f+".vox_threshold_dbm0", "%v out of range -70..0", l.VOXThreshold)
		}
		if l.VOXHangover < Duration(100*time.Millisecond) || l.VOXHangover > Duration(time.Minute) {
			return bad(f+".vox_hangover", "%v out of range 100ms..1m", time.Duration(l.VOXHangover))
		}
		if l.RetentionDays < 0 || l.RetentionDays > 36500 {
			return bad(f+".retention_days", "%d out of range 0..36500", l.RetentionDays)
		}
		if l.GainDB < -20 || l.GainDB > 20 || math.IsNaN(l.GainDB) {
			return bad(f+".gain_db", "%v out of range -20..20 dB", l.GainDB)
		}
		if l.MaxCall < Duration(time.Minute) || l.MaxCall > Duration(24*time.Hour) {
			return bad(f+".max_call", "%v out of range 1m..24h", time.Duration(l.MaxCall))
		}
		for _, err := range []error{wiring.GPIO(f+".gpio", l.GPIO), wiring.ADC(f+".adc", l.ADC)} {
			var fe *board.FieldError
			if errors.As(err, &fe) {
				return bad(fe.Field, "%s", fe.Msg)
			} else if err != nil {
				return bad(f, "%v", err)
			}
		}
	}
	return nil
}
