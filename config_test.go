package linetap_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
)

func TestLoadConfigFillsDefaults(t *testing.T) {
	c, err := linetap.LoadConfig(strings.NewReader(`{
		"listen": "0.0.0.0:8443",
		"preroll": "3s",
		"lines": [{"name": "Reception", "codec": "pcma"}, {"name": "Fax", "channel": 3, "trigger": "vox"}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8443" || c.PreRoll != linetap.Duration(3*time.Second) || c.PostRoll != linetap.Duration(time.Second) {
		t.Errorf("top level %+v", c)
	}
	if len(c.Lines) != 2 {
		t.Fatalf("%d lines", len(c.Lines))
	}
	if l := c.Lines[0]; l.Name != "Reception" || l.Channel != 0 || l.Codec != "pcma" || l.Trigger != linetap.TriggerHook {
		t.Errorf("line 0 %+v", l)
	}
	if l := c.Lines[1]; l.Channel != 3 || l.Codec != "pcmu" || l.Trigger != linetap.TriggerVOX || l.VOXThreshold != -45 {
		t.Errorf("line 1 %+v", l)
	}
}

func TestLoadConfigRefusesBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown key", `{"listen": "x:1", "lsten": "y"}`, "config: lsten: unknown key"},
		{"unknown nested key", `{"lines": [{"name": "a"}, {"name": "b", "chanel": 2}]}`, "config: lines[1].chanel: unknown key"},
		{"unknown source key", `{"source": {"kind": "sim", "sped": 2}}`, "config: source.sped: unknown key"},
		{"duplicated channel", `{"lines": [{"name": "a", "channel": 1}, {"name": "b", "channel": 1}]}`,
			"config: lines[1].channel: channel 1 used twice (also lines[0])"},
		{"duplicated name", `{"lines": [{"name": "a", "channel": 0}, {"name": "a", "channel": 1}]}`,
			`config: lines[1].name: "a" used twice (also lines[0])`},
		{"channel out of range", `{"lines": [{"name": "a", "channel": 99}]}`, "config: lines[0].channel: 99 out of range 0..63"},
		{"preroll out of range", `{"preroll": "45s"}`, "config: preroll: 45s out of range 0s..30s"},
		{"bad duration", `{"postroll": "soon"}`, `config: postroll: bad duration "soon"`},
		{"duration as number", `{"lines": [{"name": "a", "vox_hangover": 4}]}`, `config: lines[0].vox_hangover: want a duration string`},
		{"not an object", `[1, 2]`, `config: (file): want an object`},
		{"fraction", `{"source": {"kind": "sim", "seed": 1.5}}`, `config: source.seed: want a whole number, got 1.5`},
		{"bad trigger", `{"lines": [{"name": "a", "trigger": "ring"}]}`, `config: lines[0].trigger: "ring" unknown`},
		{"bad codec", `{"lines": [{"name": "a", "codec": "mp3"}]}`, `config: lines[0].codec: "mp3" unknown`},
		{"wrong type", `{"lines": [{"name": "a", "channel": "two"}]}`, `config: lines[0].channel: want a whole number, got "two"`},
		{"no lines", `{"lines": []}`, "config: lines: no lines configured"},
		{"syntax", "{\n\"listen\": \"x\",\n}", "config: (file): line 3"},
		{"bad source", `{"source": {"kind": "alsa"}}`, `config: source.kind: "alsa" unknown`},
		{"wavfile without file", `{"source": {"kind": "wavfile"}}`, "config: source.file: empty"},
		{"retention", `{"storage": {"retention_days": -1}}`, "config: storage.retention_days: -1 out of range"},
		{"line retention", `{"lines": [{"name": "a", "retention_days": 99999}]}`, "config: lines[0].retention_days: 99999 out of range"},
		{"storage key", `{"storage": {"keyfile": "/k"}}`, "config: storage.keyfile: unknown key"},
		{"vox threshold", `{"lines": [{"name": "a", "vox_threshold_dbm0": 5}]}`, "config: lines[0].vox_threshold_dbm0: 5 out of range"},
		{"portaudio without device", `{"source": {"kind": "portaudio"}}`, "config: source.device: empty"},
		{"portaudio rate", `{"source": {"kind": "portaudio", "device": "rec", "rate": 4000}}`, "config: source.rate: 4000 Hz out of range"},
		{"device index", `{"source": {"kind": "portaudio", "device_index": -3}}`, "config: source.device_index: -3 negative"},
		{"unknown board", `{"source": {"board": "rpi9"}}`, `config: source.board: board: unknown profile "rpi9"`},
		{"gpio line twice", `{"lines": [{"name": "a", "gpio": {"chip": "gpiochip0", "hook": 17}}, {"name": "b", "channel": 1},
			{"name": "c", "channel": 2, "gpio": {"chip": "gpiochip0", "ring": 4, "hook": 17}}]}`,
			"config: lines[2].gpio.hook: line 17 used twice (also lines[0].gpio.hook)"},
		{"gpio unknown key", `{"lines": [{"name": "a", "gpio": {"chip": "c", "hok": 1}}]}`, "config: lines[0].gpio.hok: unknown key"},
		{"gpio offset type", `{"lines": [{"name": "a", "gpio": {"chip": "c", "hook": "GPIO17"}}]}`, `config: lines[0].gpio.hook: want a whole number, got "GPIO17"`},
		{"gpio bias", `{"lines": [{"name": "a", "gpio": {"chip": "c", "hook": 1, "bias": "strong"}}]}`, `config: lines[0].gpio.bias: "strong" unknown`},
		{"gpio no chip", `{"lines": [{"name": "a", "gpio": {"hook": 1}}]}`, "config: lines[0].gpio.chip: empty"},
		{"adc input", `{"lines": [{"name": "a", "adc": {"address": 72, "input": "4", "scale": 40, "full_scale_mv": 2048}}]}`, `config: lines[0].adc.input: "4" unknown`},
		{"board channel clash", `{"source": {"board": "rpi4"}, "lines": [{"name": "a"}, {"name": "b", "channel": 0}]}`,
			"config: lines[1].channel: channel 0 used twice (also lines[0])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := linetap.LoadConfig(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("accepted %s", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !errors.Is(err, linetap.ErrConfig) {
				t.Errorf("error %v is not ErrConfig", err)
			}
		})
	}
}

func TestBoardFillsWiring(t *testing.T) {
	c, err := linetap.LoadConfig(strings.NewReader(`{
		"source": {"kind": "portaudio", "board": "rpi4"},
		"lines": [{"name": "a"}, {"name": "b", "channel": 3, "gpio": {"chip": "gpiochip4", "hook": 2}}, {"name": "c", "channel": 1}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.Device != "USB Audio" || c.Source.Rate != 48000 || c.Source.DeviceIndex != -1 {
		t.Errorf("source %+v", c.Source)
	}
	// Line a takes everything from the profile's line 0.
	if l := c.Lines[0]; l.Channel != 0 || l.GPIO == nil || l.GPIO.Chip != "pinctrl-bcm2711" || *l.GPIO.Hook != 17 || !l.GPIO.ActiveLow {
		t.Errorf("line a %+v %+v", l, l.GPIO)
	}
	// Line b keeps its own channel and inputs.
	if l := c.Lines[1]; l.Channel != 3 || l.GPIO.Chip != "gpiochip4" || *l.GPIO.Hook != 2 || l.GPIO.Ring != nil {
		t.Errorf("line b %+v %+v", l, l.GPIO)
	}
	// Line c keeps its channel and gets the profile's inputs for line 2.
	if l := c.Lines[2]; l.Channel != 1 || l.GPIO == nil || *l.GPIO.Hook != 19 {
		t.Errorf("line c %+v %+v", l, l.GPIO)
	}
	// The defaults' four lines take the profile's channels.
	d := linetap.DefaultConfig()
	if err := d.ApplyBoard("rpi4-ads1115"); err != nil {
		t.Fatal(err)
	}
	if d.Lines[3].ADC == nil || d.Lines[3].ADC.Address != 0x49 || d.Lines[3].ADC.Input != "2-3" || d.Lines[3].GPIO != nil {
		t.Errorf("adc line %+v", d.Lines[3])
	}
	if err := d.ApplyBoard("nope"); !errors.Is(err, linetap.ErrConfig) || !strings.Contains(err.Error(), "config: source.board:") {
		t.Errorf("unknown board: %v", err)
	}
}

func TestDefaultConfigIsValid(t *testing.T) {
	c := linetap.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func FuzzLoadConfig(f *testing.F) {
	f.Add(`{"lines": [{"name": "a"}]}`)
	f.Add(`{"preroll": "1s", "source": {"kind": "wavfile", "file": "x.wav"}}`)
	f.Add(`[]`)
	f.Add(`{"source": {"kind": "portaudio", "board": "usb-gpio"}, "lines": [{"name": "a", "gpio": {"chip": "c", "hook": 1}}]}`)
	f.Add(`{"lines": [{"name": "a", "channel": 1e300}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		c, err := linetap.LoadConfig(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, linetap.ErrConfig) {
				t.Fatalf("error %v is not a config error", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("LoadConfig returned an invalid config: %v", err)
		}
	})
}

func TestOpusWithoutOpusSaysSo(t *testing.T) {
	_, err := linetap.LoadConfig(strings.NewReader(`{"lines": [{"name": "a", "codec": "opus"}]}`))
	if _, ok := codec.Unavailable("opus"); !ok {
		// A build with -tags opus: the codec exists and the config is valid.
		if err != nil {
			t.Fatalf("opus refused in an opus build: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "config: lines[0].codec") || !strings.Contains(err.Error(), "without Opus") {
		t.Fatalf("err = %v, want it to say linetap was built without Opus", err)
	}
}
