package linetap_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
)

// alarmsOf runs r's engine with opt's extras and returns its alarms by
// kind and line ("line-dead/1", "clock/-").
func alarmsOf(t *testing.T, r *run, opt linetap.Options) (map[string]linetap.Alarm, *linetap.Engine) {
	t.Helper()
	opt.Config, opt.Source, opt.Sensor, opt.Store = r.cfg, r.src, r.src, r.store
	opt.Now = func() time.Time { return epoch }
	e, err := linetap.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return alarmMap(t, e), e
}

func alarmMap(t *testing.T, e *linetap.Engine) map[string]linetap.Alarm {
	t.Helper()
	m := map[string]linetap.Alarm{}
	for _, a := range e.Alarms() {
		k := a.Kind + "/-"
		if a.Line != nil {
			k = a.Kind + "/" + string(rune('0'+*a.Line))
		}
		if _, dup := m[k]; dup {
			t.Errorf("alarm %s listed twice", k)
		}
		m[k] = a
	}
	return m
}

func TestLineDeadAlarm(t *testing.T) {
	// Line 0: digital silence throughout. Line 1: the line's hiss, but its
	// voltmeter reads 0 V. Line 2: silence until 70 s, then sound. Line 3:
	// silent, but in a call. Line 4: silent, but recorded by VOX.
	sample := func(ch int, pos int64) int16 {
		switch {
		case ch == 1, ch == 2 && pos >= 70*rate:
			return hiss(ch, pos)
		}
		return 0
	}
	r := newRun(t, 5, 75*rate, []hw.LineEvent{ev(3, hw.OffHook, 0.5)}, sample)
	r.cfg.Lines[4].Trigger = linetap.TriggerVOX
	got, _ := alarmsOf(t, r, linetap.Options{Voltmeter: volts{0: 48, 1: 0.4, 2: 48, 3: 48}})
	want := map[string]struct {
		active bool
		since  time.Duration
		says   string
	}{
		"line-dead/0": {true, 0, "digital silence on channel 0"},
		"line-dead/1": {true, 20 * time.Millisecond, "no line voltage"}, // read once a second, from the first block
		"line-dead/2": {false, 0, "digital silence on channel 2"},
	}
	for k, w := range want {
		a, ok := got[k]
		if !ok {
			t.Errorf("no %s alarm", k)
			continue
		}
		if a.Active != w.active || !a.Since.Equal(epoch.Add(w.since)) || !strings.Contains(a.Message, w.says) {
			t.Errorf("%s: %+v, want active %v since %v saying %q", k, a, w.active, epoch.Add(w.since), w.says)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected alarm %s: %+v", k, got[k])
		}
	}
}

func TestLineIsNotDeadWithinAMinute(t *testing.T) {
	r := newRun(t, 1, 59*rate, nil, func(int, int64) int16 { return 0 })
	if got, _ := alarmsOf(t, r, linetap.Options{}); len(got) != 0 {
		t.Errorf("alarms after 59 s of silence: %+v", got)
	}
}

func TestClockAlarm(t *testing.T) {
	r := newRun(t, 1, 10*rate, nil, nil)
	got, _ := alarmsOf(t, r, linetap.Options{ClockValid: func() bool { return false }})
	if a := got["clock/-"]; !a.Active || !strings.Contains(a.Message, "clock") {
		t.Errorf("clock never valid: %+v", got)
	}
	var calls atomic.Int64
	r = newRun(t, 1, 10*rate, nil, nil)
	got, _ = alarmsOf(t, r, linetap.Options{ClockValid: func() bool { return calls.Add(1) > 100 }})
	if a, ok := got["clock/-"]; !ok || a.Active {
		t.Errorf("clock set after 2 s: %+v, want a cleared clock alarm", got)
	}
}

func TestOverrunAndSoundCardAlarms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secs    int64
		gaps    []hw.Gap
		want    string
		active  bool
		message string
	}{
		{"overrun a minute ago", 70, []hw.Gap{{At: sec(5), Length: 20 * time.Millisecond, Cause: "overrun"},
			{At: sec(8), Length: 40 * time.Millisecond, Cause: "clock drift"}}, "overrun/-", true, "last 10 minutes: 2 gaps"},
		{"overrun 11 minutes ago", 665, []hw.Gap{{At: sec(5), Length: 20 * time.Millisecond, Cause: "overrun"}},
			"overrun/-", false, "1 gaps (latest: overrun, 20ms)"},
		{"card lost, back for 10 s", 20, []hw.Gap{{At: sec(3), Length: 3 * time.Second, Cause: "device lost"}},
			"sound-card/-", false, "sound card lost"},
		{"card lost at the end", 20, []hw.Gap{{At: sec(17), Length: 3 * time.Second, Cause: "device lost"}},
			"sound-card/-", true, "sound card lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The line is disabled: the alarms are the source's, and ten
			// minutes of audio pass quicker without the detectors.
			r := newRun(t, 1, tc.secs*rate, nil, func(int, int64) int16 { return 0 })
			r.cfg.Lines[0].Disabled = true
			r.src.GapScript = tc.gaps
			got, _ := alarmsOf(t, r, linetap.Options{})
			a, ok := got[tc.want]
			if !ok || a.Active != tc.active || !strings.Contains(a.Message, tc.message) ||
				!a.Since.Equal(epoch.Add(tc.gaps[0].At)) {
				t.Errorf("alarms %+v, want %s active %v since %v saying %q", got, tc.want, tc.active, epoch.Add(tc.gaps[0].At), tc.message)
			}
			if len(got) != 1 {
				t.Errorf("%d alarms, want 1: %+v", len(got), got)
			}
		})
	}
}

func TestSourceAlarm(t *testing.T) {
	r := newRun(t, 1, rate, nil, nil)
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	e.SourceAlarm(errors.New("sound card lost: device unplugged"))
	if a := e.Alarms(); len(a) != 1 || !a[0].Active || a[0].Kind != linetap.AlarmSoundCard ||
		!strings.Contains(a[0].Message, "device unplugged") || a[0].Line != nil {
		t.Errorf("alarms %+v", a)
	}
	e.SourceAlarm(nil)
	if a := e.Alarms(); len(a) != 1 || a[0].Active {
		t.Errorf("after the card came back: %+v", a)
	}
}
