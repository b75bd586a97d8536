package tone

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/linetap/linetap/dsp"
)

// RingCadence is a country's ringing: the ringing voltage's frequency and
// its on/off pattern (DOMAIN.md §1).
type RingCadence struct {
	Freq    dsp.Hz
	Pattern []time.Duration
}

// Plan is a country's call-progress tones and ringing (DOMAIN.md §1 and §4).
type Plan struct {
	Country                       string
	Dial, Ringback, Busy, Reorder Cadence
	Ring                          RingCadence
}

// ms is a shorthand for a pattern step in milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// Levels outside the US precise plan are not fixed by DOMAIN.md; these are
// the usual −10…−20 dBm0 of a national tone plan (dial louder than the rest).
const (
	levelDial  = -13
	levelOther = -19
)

// plans is every tone plan, by ISO 3166 country code: a literal, copied out
// by PlanFor so callers cannot change it.
var plans = map[string]Plan{
	// DOMAIN.md §4: US precise plan (±0.5 %, ±1.5 dB); §1: ring 20 Hz 2/4 s.
	"US": {
		Country:  "US",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{350, 440}, LevelDBm0: -13},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{440, 480}, LevelDBm0: -19, Pattern: []time.Duration{ms(2000), ms(4000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{480, 620}, LevelDBm0: -24, Pattern: []time.Duration{ms(500), ms(500)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{480, 620}, LevelDBm0: -24, Pattern: []time.Duration{ms(250), ms(250)}},
		Ring:     RingCadence{Freq: 20, Pattern: []time.Duration{ms(2000), ms(4000)}},
	},
	// DOMAIN.md §4: UK busy 400 Hz 0.375/0.375; §1: ring 25 Hz
	// 0.4/0.2/0.4/2.0. Dial 350+450, ringback 400+450 double-burst and the
	// four-step congestion tone per ITU-T E.180 Suppl. 2 (BT SIN 350).
	"UK": {
		Country:  "UK",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{350, 450}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{400, 450}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{400}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(375), ms(375)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{400}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(400), ms(350), ms(225), ms(525)}},
		Ring:     RingCadence{Freq: 25, Pattern: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}},
	},
	// DOMAIN.md §4: 425 Hz, ringback 1/4 s, busy 0.48/0.48, congestion
	// 0.24/0.24; §1: ring 25 Hz 1/4 s.
	"DE": {
		Country:  "DE",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{425}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(1000), ms(4000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(480), ms(480)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(240), ms(240)}},
		Ring:     RingCadence{Freq: 25, Pattern: []time.Duration{ms(1000), ms(4000)}},
	},
	// DOMAIN.md §1: ring 50 Hz [?] 1.5/3.5 s. France's tones are 440 Hz
	// (ITU-T E.180 Suppl. 2); its congestion tone is its busy tone.
	"FR": {
		Country:  "FR",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{440}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{440}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(1500), ms(3500)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{440}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(500), ms(500)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{440}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(500), ms(500)}},
		Ring:     RingCadence{Freq: 50, Pattern: []time.Duration{ms(1500), ms(3500)}},
	},
	// DOMAIN.md §1: ring 1/5 s (25 Hz assumed). 425 Hz tones; busy
	// 0.25/0.25 and congestion 0.25/0.75 per ITU-T E.180 Suppl. 2.
	"SE": {
		Country:  "SE",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{425}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(1000), ms(5000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(250), ms(250)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(250), ms(750)}},
		Ring:     RingCadence{Freq: 25, Pattern: []time.Duration{ms(1000), ms(5000)}},
	},
	// DOMAIN.md §1: ring 16 Hz 1/2 s. 400 Hz tones (ITU-T E.180 Suppl. 2;
	// the 16 Hz modulation of the ringback tone is left out); congestion
	// is the busy tone.
	"JP": {
		Country:  "JP",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{400}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{400}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(1000), ms(2000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{400}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(500), ms(500)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{400}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(500), ms(500)}},
		Ring:     RingCadence{Freq: 16, Pattern: []time.Duration{ms(1000), ms(2000)}},
	},
	// DOMAIN.md §1: ring 25 Hz 0.4/0.2/0.4/2.0 s. 425 Hz tones (the 25 Hz
	// modulation of dial and ringback is left out); busy 0.375/0.375 and
	// congestion is the busy tone (ITU-T E.180 Suppl. 2).
	"AU": {
		Country:  "AU",
		Dial:     Cadence{Name: "dial", Freqs: []dsp.Hz{425}, LevelDBm0: levelDial},
		Ringback: Cadence{Name: "ringback", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}},
		Busy:     Cadence{Name: "busy", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(375), ms(375)}},
		Reorder:  Cadence{Name: "reorder", Freqs: []dsp.Hz{425}, LevelDBm0: levelOther, Pattern: []time.Duration{ms(375), ms(375)}},
		Ring:     RingCadence{Freq: 25, Pattern: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}},
	},
}

// Countries lists the country codes PlanFor knows, sorted.
func Countries() []string {
	c := make([]string, 0, len(plans))
	for k := range plans {
		c = append(c, k)
	}
	sort.Strings(c)
	return c
}

// PlanFor returns the tone plan of an ISO 3166 country code (case does not
// matter); an unknown code is an error listing the known ones.
func PlanFor(country string) (Plan, error) {
	p, ok := plans[strings.ToUpper(strings.TrimSpace(country))]
	if !ok {
		return Plan{}, fmt.Errorf("%w %q (known: %s)", ErrCountry, country, strings.Join(Countries(), ", "))
	}
	return p.clone(), nil
}

// clone returns a deep copy of p, so that a caller's edits stay its own.
func (p Plan) clone() Plan {
	p.Dial = p.Dial.clone()
	p.Ringback = p.Ringback.clone()
	p.Busy = p.Busy.clone()
	p.Reorder = p.Reorder.clone()
	p.Ring.Pattern = append([]time.Duration(nil), p.Ring.Pattern...)
	return p
}

func (c Cadence) clone() Cadence {
	c.Freqs = append([]dsp.Hz(nil), c.Freqs...)
	c.Pattern = append([]time.Duration(nil), c.Pattern...)
	return c
}
