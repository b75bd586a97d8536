package board_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/linetap/linetap/hw/board"
)

func TestEmbeddedProfiles(t *testing.T) {
	names := board.Names()
	for _, want := range []string{"rpi4", "rpi4-ads1115", "usb-gpio"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("profile %s missing from %v", want, names)
		}
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			p, err := board.Lookup(n)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Lines) < 4 || (p.Device == "") == (len(p.Devices) == 0) || p.Description == "" {
				t.Errorf("profile %+v", p)
			}
			for i, l := range p.Lines {
				if l.GPIO == nil && l.ADC == nil {
					t.Errorf("lines[%d] has no sense input", i)
				}
			}
		})
	}
	p, err := board.Lookup("rpi4")
	if err != nil {
		t.Fatal(err)
	}
	// usb2-gpio: line 5 is the second card's input 0.
	two, err := board.Lookup("usb2-gpio")
	if err != nil {
		t.Fatal(err)
	}
	if len(two.Devices) != 2 || two.Devices[1].Channels != 4 || two.Lines[4].Channel != 4 ||
		!strings.Contains(board.Pinout(two), "| 5 | 4 (card 2 input 0) |") {
		t.Errorf("usb2-gpio: %+v\n%s", two, board.Pinout(two))
	}
	// Line 1's hook optocoupler is on BCM GPIO17, header pin 11.
	if g := p.Lines[0].GPIO; g == nil || *g.Hook != 17 || p.Lines[0].Header["hook"] != 11 || !g.ActiveLow || g.Bias != "pull-up" {
		t.Errorf("rpi4 line 0: %+v %+v", g, p.Lines[0].Header)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, n := range []string{"rpi5", "../board", "rpi4.json", ""} {
		if _, err := board.Lookup(n); !errors.Is(err, board.ErrUnknown) || !strings.Contains(err.Error(), "known: rpi4") {
			t.Errorf("%q: %v", n, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown key", `{"name":"x","lines":[{"channel":0}],"colour":1}`, `unknown field "colour"`},
		{"no lines", `{"name":"x","lines":[]}`, "lines: no lines"},
		{"no name", `{"lines":[{"channel":0}]}`, "name: empty"},
		{"rate", `{"name":"x","rate":7000,"lines":[{"channel":0}]}`, "rate: 7000 Hz out of range"},
		{"channel twice", `{"name":"x","lines":[{"channel":1},{"channel":1}]}`, "lines[1].channel: channel 1 used twice (also lines[0].channel)"},
		{"gpio twice", `{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c","ring":17}},{"channel":1,"gpio":{"chip":"c","hook":17}}]}`,
			"lines[1].gpio.hook: line 17 used twice (also lines[0].gpio.ring)"},
		{"same offset other chip is fine, bad bias", `{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c","hook":1}},{"channel":1,"gpio":{"chip":"d","hook":1,"bias":"up"}}]}`,
			`lines[1].gpio.bias: "up" unknown`},
		{"no chip", `{"name":"x","lines":[{"channel":0,"gpio":{"hook":1}}]}`, "lines[0].gpio.chip: empty"},
		{"no input", `{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c"}}]}`, "lines[0].gpio: no input wired"},
		{"negative offset", `{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c","reversal":-2}}]}`, "lines[0].gpio.reversal: line -2 out of range"},
		{"slow debounce", `{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c","hook":1,"debounce_ms":40}}]}`, "lines[0].gpio.debounce_ms: 40 out of range 0..25"},
		{"adc address", `{"name":"x","lines":[{"channel":0,"adc":{"address":80,"input":"0-1","scale":40,"full_scale_mv":2048}}]}`, "lines[0].adc.address: 0x50 out of range"},
		{"adc input", `{"name":"x","lines":[{"channel":0,"adc":{"address":72,"input":"1-2","scale":40,"full_scale_mv":2048}}]}`, `lines[0].adc.input: "1-2" unknown`},
		{"adc range", `{"name":"x","lines":[{"channel":0,"adc":{"address":72,"input":"0-1","scale":40,"full_scale_mv":3000}}]}`, "lines[0].adc.full_scale_mv: 3000 not an ADS1x15 range"},
		{"adc scale", `{"name":"x","lines":[{"channel":0,"adc":{"address":72,"input":"0-1","full_scale_mv":2048}}]}`, "lines[0].adc.scale: 0 out of range"},
		{"adc pin shared", `{"name":"x","lines":[{"channel":0,"adc":{"address":72,"input":"0-3","scale":40,"full_scale_mv":2048}},{"channel":1,"adc":{"address":72,"input":"1-3","scale":40,"full_scale_mv":2048}}]}`,
			"lines[1].adc.input: AIN3 of the chip at 0x48 used twice (also lines[0].adc.input)"},
		{"trailing data", `{"name":"x","lines":[{"channel":0}]} {}`, "data after the profile"},
		{"device and devices", `{"name":"x","device":"a","devices":[{"device":"b","channels":2}],"lines":[{"channel":0}]}`,
			`devices: given with device "a"`},
		{"card without device", `{"name":"x","devices":[{"channels":2}],"lines":[{"channel":0}]}`,
			"devices[0].device: empty (want the capture device's name, or device_index)"},
		{"card name and index", `{"name":"x","devices":[{"device":"a","device_index":1,"channels":2}],"lines":[{"channel":0}]}`,
			"devices[0]: both device and device_index given"},
		{"card index negative", `{"name":"x","devices":[{"device_index":-1,"channels":2}],"lines":[{"channel":0}]}`,
			"devices[0].device_index: -1 negative"},
		{"card channels", `{"name":"x","devices":[{"device":"a","channels":2},{"device":"b","channels":0}],"lines":[{"channel":0}]}`,
			"devices[1].channels: 0 out of range 1..64"},
		{"card rate", `{"name":"x","devices":[{"device":"a","channels":2,"rate":100}],"lines":[{"channel":0}]}`,
			"devices[0].rate: 100 Hz out of range"},
		{"same card twice", `{"name":"x","devices":[{"device_index":3,"channels":2},{"device_index":3,"channels":2}],"lines":[{"channel":0}]}`,
			"devices[1]: the same card as devices[0] (index 3)"},
		{"too many channels", `{"name":"x","devices":[{"device":"a","channels":40},{"device":"b","channels":40}],"lines":[{"channel":0}]}`,
			"devices: 80 channels in all, at most 64"},
		{"channel beyond the cards", `{"name":"x","devices":[{"device":"a","channels":2},{"device":"b","channels":2}],"lines":[{"channel":0},{"channel":4}]}`,
			"lines[1].channel: channel 4, but the devices have 4 channels (0..3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := board.Parse(strings.NewReader(tc.in))
			if !errors.Is(err, board.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPinout(t *testing.T) {
	p, err := board.Lookup("rpi4")
	if err != nil {
		t.Fatal(err)
	}
	got := board.Pinout(p)
	for _, want := range []string{
		"| line | sound-card channel | hook | ring | reversal | ADC |",
		"| 1 | 0 | pinctrl-bcm2711 line 17 (pin 11), active low | pinctrl-bcm2711 line 27 (pin 13) | pinctrl-bcm2711 line 22 (pin 15) | — |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("pinout lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 2+len(p.Lines) {
		t.Errorf("%d rows:\n%s", n, got)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range board.Names() {
		p, err := board.Lookup(n)
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"name":"x","lines":[{"channel":0,"gpio":{"chip":"c","hook":1}}]}`)
	f.Add(`{"name":"x","lines":[{"channel":0,"adc":{"address":72,"input":"0-1","scale":40,"full_scale_mv":2048}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := board.Parse(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, board.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// A profile that parsed validates again and renders a row per line.
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed profile fails validation: %v", err)
		}
		if rows := strings.Count(board.Pinout(p), "\n"); rows != 2+len(p.Lines) {
			t.Fatalf("%d pinout rows for %d lines", rows, len(p.Lines))
		}
	})
}

// docs/hardware.md shows every profile's pinout as Pinout renders it.
func TestHardwareDocPinout(t *testing.T) {
	doc, err := os.ReadFile("../../docs/hardware.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range board.Names() {
		p, err := board.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "### `"+n+"`\n\n"+p.Description+"\n\n"+board.Pinout(p)) {
			t.Errorf("docs/hardware.md lacks the current pinout of %s:\n%s", n, board.Pinout(p))
		}
	}
}
