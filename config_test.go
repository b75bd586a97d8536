package linetap_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
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
		{"vox threshold", `{"lines": [{"name": "a", "vox_threshold_dbm0": 5}]}`, "config: lines[0].vox_threshold_dbm0: 5 out of range"},
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
