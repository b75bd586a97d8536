package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/linetap/linetap"
)

func TestSplitChannels(t *testing.T) {
	for _, tc := range []struct {
		name            string
		channels, first int
	}{
		{"4 as 2+2", 4, 2},
		{"5 as 2+3", 5, 2},
		{"3 as 1+2", 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Signal(tc.channels, 100, 0, 7)
			a, b := SplitChannels(Bytes(s), tc.channels, tc.first)
			sa, err := Samples(a)
			if err != nil {
				t.Fatal(err)
			}
			sb, err := Samples(b)
			if err != nil {
				t.Fatal(err)
			}
			for c := range tc.channels {
				var got []int16
				if c < tc.first {
					got = Channel(sa, tc.first, c, 0)
				} else {
					got = Channel(sb, tc.channels-tc.first, c-tc.first, 0)
				}
				if want := Channel(s, tc.channels, c, 0); !slicesEqual(got, want) {
					t.Errorf("channel %d: %v, want %v", c, got[:4], want[:4])
				}
			}
		})
	}
}

func slicesEqual(a, b []int16) bool {
	return bytes.Equal(Bytes(a), Bytes(b))
}

func TestHealthyCard(t *testing.T) {
	lost := []gap{{Offset: 8000, Samples: 24000, Cause: "device lost"}}
	for _, tc := range []struct {
		name string
		got  []recorded
		want string // "" = passes
	}{
		{"gap only on the second card", []recorded{{ID: 1, Line: 0}, {ID: 2, Line: 3, Gaps: lost}, {ID: 3, Line: 1}}, ""},
		{"gap on the first card", []recorded{{ID: 1, Line: 1, Gaps: lost}, {ID: 2, Line: 3, Gaps: lost}}, "call 1 on line 1 (the card that stayed) has gaps"},
		{"no call on the first card", []recorded{{ID: 2, Line: 2}}, "no call on lines 0..1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := HealthyCard(tc.got, 2)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("HealthyCard: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestTwoCardConfig: the twocard run's config is one linetapd accepts,
// with the two loopback cards in source.devices.
func TestTwoCardConfig(t *testing.T) {
	o := scenarioOptions{Lines: 4, Label: "hil-lines", Device: "ignored", PreRoll: 2e9}
	b, err := o.twoCardConfig()
	if err != nil {
		t.Fatal(err)
	}
	c, err := linetap.LoadConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	d := c.Source.Devices
	if c.Source.Device != "" || len(d) != 2 || d[0].Device != "hw:CARD=Loopback,DEV=1" || d[1].Device != "hw:CARD=Loopback_1,DEV=1" ||
		d[0].Channels != 2 || d[1].Channels != 2 || c.Lines[3].Channel != 3 {
		t.Errorf("config %+v", c.Source)
	}
	var r Result
	twoCardRun(&r, scenarioOptions{Lines: 4}, nil, nil)
	if len(r.Checks) != 1 || r.Checks[0].Pass || !strings.Contains(r.Checks[0].Detail, "twocard needs -cardloss-at") {
		t.Errorf("without -cardloss-at: %+v", r.Checks)
	}
}
