package linetap

import (
	"fmt"
	"math"
)

// LineSettings are the settings of a line that can change while the
// recorder runs (the lines.setup page). The rest of a line's configuration
// (channel, wiring, VOX levels, masking) comes from the config file.
type LineSettings struct {
	Name   string `json:"name"`
	Number string `json:"number"`
	// Codec stores the audio: "pcmu", "pcma", "adpcm", "opus", "l16".
	Codec string `json:"codec"`
	// Trigger starts and ends recordings: "hook", "vox" or "always".
	Trigger Trigger `json:"trigger"`
	// GainDB amplifies the line's audio before detection and storage
	// (−20..+20 dB).
	GainDB float64 `json:"gain_db"`
	// RetentionDays is the line's own retention (0: the store's policy).
	RetentionDays int `json:"retention_days"`
}

func settingsOf(c LineConfig) LineSettings {
	return LineSettings{Name: c.Name, Number: c.Number, Codec: c.Codec, Trigger: c.Trigger,
		GainDB: c.GainDB, RetentionDays: c.RetentionDays}
}

func (s LineSettings) applyTo(c *LineConfig) {
	c.Name, c.Number, c.Codec, c.Trigger, c.GainDB, c.RetentionDays =
		s.Name, s.Number, s.Codec, s.Trigger, s.GainDB, s.RetentionDays
}

// LineSettings returns every line's settings, including changes that wait
// for their line's next idle moment.
func (e *Engine) LineSettings() []LineSettings {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	out := make([]LineSettings, len(e.want))
	for i, c := range e.want {
		out[i] = settingsOf(c)
	}
	return out
}

// SetLine replaces line i's settings. They are checked as the config file
// is (an error wraps ErrConfig and names the field, as
// "lines[1].gain_db"; a bad index wraps ErrNoLine); every field is
// replaced, so send the settings in full. The name and number show in
// Lines at once; the rest applies at the line's next idle moment, when no
// call is recording on it (an always-on line: at its next split), so a
// call in progress keeps its codec, trigger and gain. Options.OnSettings is
// then called with every line's settings.
func (e *Engine) SetLine(i int, s LineSettings) error {
	if i < 0 || i >= len(e.lines) {
		return fmt.Errorf("linetap: settings: %w: line %d (the lines are 0..%d)", ErrNoLine, i, len(e.lines)-1)
	}
	e.setMu.Lock()
	cfg := e.cfg // the top-level fields are read-only after New
	cfg.Lines = append([]LineConfig(nil), e.want...)
	s.applyTo(&cfg.Lines[i])
	var err error
	for j, o := range cfg.Lines {
		if j != i && o.Name == s.Name {
			// Validate would blame the later of the two lines.
			err = &ConfigError{Field: fmt.Sprintf("lines[%d].name", i), Msg: fmt.Sprintf("%q is the name of lines[%d]", s.Name, j)}
		}
	}
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil && s.Trigger == TriggerHook && !e.hasSensor && !cfg.Lines[i].Disabled {
		err = &ConfigError{Field: fmt.Sprintf("lines[%d].trigger", i),
			Msg: "hook trigger, but no line sensor is configured (use vox or always)"}
	}
	if err != nil {
		e.setMu.Unlock()
		return err
	}
	e.want = cfg.Lines
	e.lines[i].pending.Store(true)
	all := make([]LineSettings, len(e.want))
	for j, c := range e.want {
		all[j] = settingsOf(c)
	}
	e.setMu.Unlock()

	e.live.rename(i, s.Name, s.Number)
	e.log.Info("line settings changed; applied when the line is next idle", "line", i,
		"name", s.Name, "codec", s.Codec, "trigger", s.Trigger, "gain_db", s.GainDB, "retention_days", s.RetentionDays)
	if e.onSettings != nil {
		e.onSettings(all)
	}
	return nil
}

// applySettings takes the line's new settings, on the engine's goroutine,
// when no call is recording on it. It reports whether it did.
func (l *line) applySettings() bool {
	e := l.e
	e.setMu.Lock()
	want := e.want[l.idx]
	l.pending.Store(false)
	e.setMu.Unlock()
	c, err := lookupCodec(l.idx, want.Codec)
	if err != nil {
		// Validated in SetLine; a codec cannot vanish since.
		e.log.Error("line settings not applied", "line", l.idx, "err", err)
		return false
	}
	settingsOf(want).applyTo(&l.cfg)
	l.codec = c
	l.gainQ = gainQ(want.GainDB)
	e.log.Info("line settings applied", "line", l.idx, "codec", l.cfg.Codec, "trigger", l.cfg.Trigger, "gain_db", l.cfg.GainDB)
	return true
}

// gainUnity is a gain of 0 dB in gainQ's Q12 fixed point.
const gainUnity = 1 << 12

// gainQ converts a gain in dB to Q12 fixed point (+20 dB = 40960, so a
// sample times it fits an int32).
func gainQ(db float64) int32 {
	return int32(math.Round(math.Pow(10, db/20) * gainUnity))
}

// amplify applies a Q12 gain to one sample, saturating.
func amplify(s int16, g int32) int16 {
	v := (int32(s)*g + gainUnity/2) >> 12
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}
