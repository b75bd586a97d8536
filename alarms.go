package linetap

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// The kinds of alarm.
const (
	// AlarmLineDead: a hook-triggered line has carried digital silence, or
	// its voltmeter has read about 0 V, for over a minute while idle (the
	// tap, the sound-card input or the line itself is gone).
	AlarmLineDead = "line-dead"
	// AlarmSoundCard: the sound card was lost (audio filled with silence
	// while it reconnects) or reading it failed.
	AlarmSoundCard = "sound-card"
	// AlarmClock: the wall clock is not set (no NTP sync, no RTC); call
	// times are provisional.
	AlarmClock = "clock"
	// AlarmOverrun: the source lost audio (overruns, clock drift) in the
	// last ten minutes.
	AlarmOverrun = "overrun"
)

// Alarm thresholds.
const (
	deadAfter      = 60 * time.Second // line-dead: silence or no voltage this long
	deadVolts      = 3.0              // DOMAIN.md §1: battery lost below 3 V
	silencePeak    = 2                // LSB: a block no louder is digital silence
	overrunWindow  = 10 * time.Minute
	soundCardClear = 5 * time.Second // audio without a "device lost" gap
	alarmKeep      = 24 * time.Hour  // a cleared alarm stays listed this long
)

// Alarm is a condition a technician should look at. Active alarms come
// first in Alarms; a cleared one stays listed, inactive, for a day.
type Alarm struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Since is when the condition began.
	Since  time.Time `json:"since"`
	Active bool      `json:"active"`
	// Line is the line the alarm is about, nil for the whole recorder.
	Line *int `json:"line,omitempty"`
}

type alarmKey struct {
	kind string
	line int // −1: the recorder
}

type alarmRec struct {
	Alarm
	cleared time.Time
}

// alarmSet holds the alarms; it is shared by the engine's goroutine and
// readers.
type alarmSet struct {
	mu sync.Mutex
	m  map[alarmKey]*alarmRec
}

// raise makes an alarm active (or updates an active alarm's message).
func (e *Engine) raise(kind string, line int, since time.Time, msg string) {
	a := &e.alarms
	a.mu.Lock()
	defer a.mu.Unlock()
	k := alarmKey{kind, line}
	r := a.m[k]
	if r != nil && r.Active {
		r.Message = msg
		return
	}
	if a.m == nil {
		a.m = map[alarmKey]*alarmRec{}
	}
	r = &alarmRec{Alarm: Alarm{Kind: kind, Message: msg, Since: since, Active: true}}
	if line >= 0 {
		l := line
		r.Line = &l
	}
	a.m[k] = r
	e.log.Error("ALARM: "+msg, "alarm", kind, "line", line, "since", since)
}

// clearAlarm makes an alarm inactive.
func (e *Engine) clearAlarm(kind string, line int, at time.Time) {
	a := &e.alarms
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.m[alarmKey{kind, line}]
	if r == nil || !r.Active {
		return
	}
	r.Active, r.cleared = false, at
	e.log.Info("alarm cleared: "+r.Message, "alarm", kind, "line", line, "since", r.Since)
}

// Alarms returns the active alarms, oldest first, then those cleared in the
// last day, newest first.
func (e *Engine) Alarms() []Alarm {
	a := &e.alarms
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Alarm, 0, len(a.m))
	for _, r := range a.m {
		al := r.Alarm
		if r.Line != nil {
			l := *r.Line
			al.Line = &l
		}
		out = append(out, al)
	}
	slices.SortFunc(out, func(x, y Alarm) int {
		if x.Active != y.Active {
			if x.Active {
				return -1
			}
			return 1
		}
		if x.Active {
			return x.Since.Compare(y.Since)
		}
		return y.Since.Compare(x.Since)
	})
	return out
}

// SourceAlarm raises (err non-nil) or clears (nil) the sound-card alarm
// for a source that reports losing its device, as hw/portaudio's
// Options.OnAlarm does. It is safe to call from any goroutine.
func (e *Engine) SourceAlarm(err error) {
	if err != nil {
		e.raise(AlarmSoundCard, -1, e.now(), fmt.Sprintf("sound card: %v", err))
	} else {
		e.clearAlarm(AlarmSoundCard, -1, e.now())
	}
}

// alarmWatch is the engine goroutine's state for the alarms it judges.
type alarmWatch struct {
	next      int64   // position of the next check
	gaps      []int64 // end positions of recent overrun gaps (at most 64)
	gapFrom   int64   // start of the latest run of overrun gaps
	lostUntil int64   // end of the latest "device lost" gap (−1: none)
	droppedAt int64   // position of the latest drop of audio (−1: none)
}

// noteGap records a gap of lost audio for the alarms.
func (e *Engine) noteGap(g placedGap) {
	w := &e.watch
	end := g.pos + g.samples
	if g.cause == "device lost" {
		if w.lostUntil < 0 || g.pos > w.lostUntil+e.samples(soundCardClear) {
			msg := "sound card lost: recording silence until it is back"
			if len(g.chans) > 0 { // one card of several: name its lines
				var names []string
				for _, l := range e.lines {
					if g.covers(l.cfg.Channel) {
						names = append(names, l.cfg.Name)
					}
				}
				msg = fmt.Sprintf("sound card of channels %d..%d lost: recording silence on %s until it is back",
					slices.Min(g.chans), slices.Max(g.chans), strings.Join(names, ", "))
			}
			e.raise(AlarmSoundCard, -1, e.wallAt(g.pos), msg)
		}
		w.lostUntil = max(w.lostUntil, end)
		return
	}
	if len(w.gaps) == 0 {
		w.gapFrom = g.pos
	}
	if len(w.gaps) == cap(w.gaps) && cap(w.gaps) > 0 {
		w.gaps = append(w.gaps[:0], w.gaps[1:]...)
	}
	w.gaps = append(w.gaps, end)
	e.raise(AlarmOverrun, -1, e.wallAt(w.gapFrom),
		fmt.Sprintf("audio lost at capture in the last 10 minutes: %d gaps (latest: %s, %v)",
			len(w.gaps), g.cause, posDuration(g.samples, e.rate)))
}

// checkAlarms judges the alarms at the end of a block, once a second.
func (e *Engine) checkAlarms(end int64) {
	w := &e.watch
	if end < w.next {
		return
	}
	w.next = end + int64(e.rate)
	now := e.wallAt(end)

	if e.clockValid != nil && !e.clockOK {
		e.raise(AlarmClock, -1, e.wall0, "wall clock not set (no NTP sync, no RTC): call times are provisional")
	} else {
		e.clearAlarm(AlarmClock, -1, now)
	}

	k := 0
	for k < len(w.gaps) && end-w.gaps[k] > e.samples(overrunWindow) {
		k++
	}
	if k > 0 {
		w.gaps = append(w.gaps[:0], w.gaps[k:]...)
		if len(w.gaps) == 0 {
			e.clearAlarm(AlarmOverrun, -1, now)
		}
	}
	if w.lostUntil >= 0 && end-w.lostUntil > e.samples(soundCardClear) {
		w.lostUntil = -1
		e.clearAlarm(AlarmSoundCard, -1, now)
	}

	if w.droppedAt >= 0 && end-w.droppedAt > e.samples(storeAlarmHold) {
		w.droppedAt = -1
		e.clearAlarm(AlarmStore, -1, now)
	}
	for _, l := range e.lines {
		l.checkDead(end, now)
	}
	e.pruneAlarms(now)
}

// checkDead judges a hook line's line-dead alarm.
func (l *line) checkDead(end int64, now time.Time) {
	e := l.e
	if l.cfg.Trigger != TriggerHook || l.cfg.Disabled || l.cur != nil {
		l.silentFrom, l.noVoltFrom = -1, -1
		e.clearAlarm(AlarmLineDead, l.idx, now)
		return
	}
	if e.volts != nil {
		if v, ok := e.volts.LineVoltage(l.idx); ok && !math.IsNaN(v) && math.Abs(v) < deadVolts {
			if l.noVoltFrom < 0 {
				l.noVoltFrom = end
			}
		} else {
			l.noVoltFrom = -1
		}
	}
	limit := e.samples(deadAfter)
	switch {
	case l.noVoltFrom >= 0 && end-l.noVoltFrom > limit:
		e.raise(AlarmLineDead, l.idx, e.wallAt(l.noVoltFrom),
			fmt.Sprintf("line %d (%s): no line voltage (below %.0f V) for over %v: the line or its battery is gone",
				l.idx, l.cfg.Name, deadVolts, deadAfter))
	case l.silentFrom >= 0 && end-l.silentFrom > limit:
		e.raise(AlarmLineDead, l.idx, e.wallAt(l.silentFrom),
			fmt.Sprintf("line %d (%s): digital silence on channel %d for over %v: the tap or the sound-card input is disconnected",
				l.idx, l.cfg.Name, l.cfg.Channel, deadAfter))
	case l.noVoltFrom < 0 && l.silentFrom < 0:
		e.clearAlarm(AlarmLineDead, l.idx, now)
	}
}

// pruneAlarms forgets alarms cleared more than a day ago.
func (e *Engine) pruneAlarms(now time.Time) {
	a := &e.alarms
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, r := range a.m {
		if !r.Active && now.Sub(r.cleared) > alarmKeep {
			delete(a.m, k)
		}
	}
}
