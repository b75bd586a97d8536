package callerid_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/fsk"
)

// sensitivityCase is one transmission of the sensitivity sweep.
type sensitivityCase struct {
	name string
	m    callerid.Message
	o    callerid.Options
	weak float64 // level of the weaker tone, dBm0
}

// sensitivitySweep is issue 3's sweep: −4 to −40 dBm0, carrier ±1.5 %,
// baud ±1 %, twist (GR-30 −6…+10 dB, EN 300 659-1 ±6 dB), for SDMF, MDMF,
// ETSI and BT.
func sensitivitySweep() []sensitivityCase {
	type layer struct {
		m      callerid.Message
		p      fsk.Params
		twists []float64
	}
	var cs []sensitivityCase
	for _, l := range []layer{
		{messages[0], fsk.Bell202, []float64{-6, 0, 10}},
		{messages[5], fsk.Bell202, []float64{-6, 0, 10}},
		{messages[8], fsk.V23, []float64{-6, 0, 6}},
		{btCall, fsk.V23, []float64{-6, 6}},
	} {
		for _, level := range []float64{-4, -22, -40} {
			for _, carrier := range []float64{-0.015, 0, 0.015} {
				for _, baud := range []float64{-0.01, 0.01} {
					for _, twist := range l.twists {
						// The louder tone at the top of the range stays at level.
						mark := level - max(0, twist)
						if level < -30 {
							mark = level - min(0, twist)
						}
						o := callerid.DefaultOptionsFor(l.m.Standard, mark)
						o.TwistDB = twist
						o.Phys = l.p
						o.Phys.Mark *= dsp.Hz(1 + carrier)
						o.Phys.Space *= dsp.Hz(1 + carrier)
						o.Phys.Baud *= 1 + baud
						cs = append(cs, sensitivityCase{
							name: fmt.Sprintf("%s/%gdBm0/carrier%+g%%/baud%+g%%/twist%+g", l.m.Standard, level, carrier*100, baud*100, twist),
							m:    l.m, o: o, weak: min(mark, mark+twist),
						})
					}
				}
			}
		}
	}
	return cs
}

func TestReceiverSensitivity(t *testing.T) {
	// Without noise every case of the sweep decodes.
	for _, c := range sensitivitySweep() {
		t.Run(c.name, func(t *testing.T) {
			x, err := callerid.SynthOptions(c.m, c.o)
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, receive(x), c.m, c.o)
		})
	}
}

func TestReceiverSensitivityNoise(t *testing.T) {
	// With white noise at 10 dB SNR (relative to the weaker tone), three
	// noise seeds per case of the sweep: a message may be lost (reported
	// damaged) at the corners, at most 3 % of them, and none may come out
	// as wrong data.
	cases := sensitivitySweep()
	lost, n := 0, 0
	for _, c := range cases {
		x, err := callerid.SynthOptions(c.m, c.o)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := callerid.Encode(c.m)
		for seed := uint64(1); seed <= 3; seed++ {
			in := cat16(make([]int16, lead), x, make([]int16, 800))
			addNoise(in, c.weak, 10, seed*7919+uint64(len(c.name)))
			n++
			got := receive(in)
			good := 0
			for _, m := range got {
				if m.Err != nil {
					continue
				}
				if !bytes.Equal(m.Raw, raw) || m.Standard != c.m.Standard {
					t.Errorf("%s seed %d: wrong data %+v", c.name, seed, m)
				}
				good++
			}
			if good != 1 {
				lost++
				t.Logf("%s seed %d: lost (%d messages)", c.name, seed, len(got))
			}
		}
	}
	t.Logf("%d of %d transmissions lost at 10 dB SNR", lost, n)
	if lost*100 > 3*n {
		t.Errorf("%d of %d transmissions lost, more than 3 %%", lost, n)
	}
}

func TestReceiverRejectsWeak(t *testing.T) {
	// GR-30: reject −48.2 dBm.
	for _, m := range []callerid.Message{messages[0], messages[8]} {
		for _, level := range []float64{-48.5, -55} {
			t.Run(fmt.Sprintf("%s/%gdBm0", m.Standard, level), func(t *testing.T) {
				x, err := callerid.Synth(m, level)
				if err != nil {
					t.Fatal(err)
				}
				if got := receive(x); len(got) != 0 {
					t.Errorf("got %+v", got)
				}
			})
		}
	}
}
