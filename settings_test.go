package linetap_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/g711"
	"github.com/linetap/linetap/hw"
)

func TestSetLineRefusesBadSettings(t *testing.T) {
	r := newRun(t, 2, rate, nil, nil)
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: r.src, Sensor: r.src, Store: r.store})
	if err != nil {
		t.Fatal(err)
	}
	vox := newRun(t, 1, rate, nil, nil)
	vox.cfg.Lines[0].Trigger = linetap.TriggerVOX
	noSensor, err := linetap.New(linetap.Options{Config: vox.cfg, Source: vox.src, Store: vox.store})
	if err != nil {
		t.Fatal(err)
	}
	ok := linetap.LineSettings{Name: "Sales", Codec: "pcmu", Trigger: linetap.TriggerHook}
	with := func(f func(*linetap.LineSettings)) linetap.LineSettings { s := ok; f(&s); return s }
	for _, tc := range []struct {
		name  string
		e     *linetap.Engine
		line  int
		s     linetap.LineSettings
		field string
	}{
		{"empty name", e, 0, with(func(s *linetap.LineSettings) { s.Name = " " }), "lines[0].name"},
		{"name of another line", e, 0, with(func(s *linetap.LineSettings) { s.Name = "Line 2" }), "lines[0].name"},
		{"unknown codec", e, 1, with(func(s *linetap.LineSettings) { s.Codec = "mp3" }), "lines[1].codec"},
		{"unknown trigger", e, 0, with(func(s *linetap.LineSettings) { s.Trigger = "ring" }), "lines[0].trigger"},
		{"gain too high", e, 0, with(func(s *linetap.LineSettings) { s.GainDB = 20.5 }), "lines[0].gain_db"},
		{"gain too low", e, 0, with(func(s *linetap.LineSettings) { s.GainDB = -21 }), "lines[0].gain_db"},
		{"gain NaN", e, 0, with(func(s *linetap.LineSettings) { s.GainDB = math.NaN() }), "lines[0].gain_db"},
		{"negative retention", e, 0, with(func(s *linetap.LineSettings) { s.RetentionDays = -1 }), "lines[0].retention_days"},
		{"hook trigger without a sensor", noSensor, 0, ok, "lines[0].trigger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.e.LineSettings()
			err := tc.e.SetLine(tc.line, tc.s)
			var ce *linetap.ConfigError
			if !errors.Is(err, linetap.ErrConfig) || !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("SetLine = %v, want a config error naming %s", err, tc.field)
			}
			if after := tc.e.LineSettings(); !reflect.DeepEqual(before, after) {
				t.Errorf("refused settings changed %+v to %+v", before, after)
			}
		})
	}
	for _, i := range []int{-1, 2} {
		if err := e.SetLine(i, ok); !errors.Is(err, linetap.ErrNoLine) {
			t.Errorf("SetLine(%d) = %v, want ErrNoLine", i, err)
		}
	}
}

// level is the RMS level of x in dB relative to full scale.
func level(x []int16) float64 {
	var e float64
	for _, s := range x {
		e += float64(s) * float64(s)
	}
	return 10 * math.Log10(e/float64(len(x)))
}

func TestSetLineAppliesAtTheNextIdle(t *testing.T) {
	r := newRun(t, 2, 25*rate, []hw.LineEvent{
		ev(0, hw.OffHook, 1), ev(0, hw.OnHook, 10), // in progress when the settings change
		ev(0, hw.OffHook, 14), ev(0, hw.OnHook, 20),
	}, nil)
	p := newPausable(r.src, 3*rate)
	var mu sync.Mutex
	var saved [][]linetap.LineSettings
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: p, Sensor: p, Store: r.store,
		Now: func() time.Time { return epoch }, OnSettings: func(s []linetap.LineSettings) {
			mu.Lock()
			saved = append(saved, s)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(t.Context()) }()
	<-p.paused

	s := linetap.LineSettings{Name: "Sales", Number: "555 0100", Codec: "pcma", Trigger: linetap.TriggerHook,
		GainDB: 6, RetentionDays: 30}
	if err := e.SetLine(0, s); err != nil {
		t.Fatal(err)
	}
	if st := e.Lines()[0]; st.Name != "Sales" || st.Number != "555 0100" || st.State != linetap.LineDialling {
		t.Errorf("status right after SetLine: %+v; want the new name and number at once", st)
	}
	want := []linetap.LineSettings{s, {Name: "Line 2", Codec: "l16", Trigger: linetap.TriggerHook}}
	if got := e.LineSettings(); !reflect.DeepEqual(got, want) {
		t.Errorf("LineSettings %+v, want %+v", got, want)
	}
	mu.Lock()
	if len(saved) != 1 || !reflect.DeepEqual(saved[0], want) {
		t.Errorf("OnSettings got %+v, want one call with %+v", saved, want)
	}
	mu.Unlock()
	p.resume <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	calls := r.store.all()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	// The call in progress kept its codec, gain and name.
	if c := calls[0]; c.Codec != "l16" || c.LineName != "Line 1" {
		t.Errorf("first call: codec %s, line name %q", c.Codec, c.LineName)
	}
	checkAudio(t, r, calls[0], 0, 0, 11*rate)
	// The next one has them all.
	c := calls[1]
	if c.Codec != "pcma" || c.LineName != "Sales" {
		t.Errorf("second call: codec %s, line name %q", c.Codec, c.LineName)
	}
	pcm := r.store.pcm(t, c.ID)
	if len(pcm) != 9*rate {
		t.Fatalf("second call: %d samples", len(pcm))
	}
	line := make([]int16, len(pcm))
	for i := range line {
		line[i] = g711.DecodeAlaw(g711.EncodeAlaw(hiss(0, 12*rate+int64(i))))
	}
	if g := level(pcm) - level(line); math.Abs(g-6) > 0.3 {
		t.Errorf("second call is %.2f dB louder than the line, want 6", g)
	}
}

func TestAlwaysOnLineTakesSettingsAtItsSplit(t *testing.T) {
	r := newRun(t, 1, 125*rate, nil, nil)
	r.cfg.Lines[0].Trigger = linetap.TriggerAlways
	r.cfg.Lines[0].MaxCall = linetap.Duration(time.Minute)
	p := newPausable(r.src, 30*rate)
	e, err := linetap.New(linetap.Options{Config: r.cfg, Source: p, Sensor: p, Store: r.store,
		Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(t.Context()) }()
	<-p.paused
	if err := e.SetLine(0, linetap.LineSettings{Name: "Line 1", Codec: "pcmu", Trigger: linetap.TriggerAlways}); err != nil {
		t.Fatal(err)
	}
	p.resume <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	calls := r.store.all()
	var codecs []string
	for _, c := range calls {
		codecs = append(codecs, c.Codec)
	}
	if strings.Join(codecs, ",") != "l16,pcmu,pcmu" {
		t.Errorf("codecs of the split calls: %v, want l16 then pcmu", codecs)
	}
	checkAudio(t, r, calls[0], 0, 0, 60*rate)
}

func TestConfigGain(t *testing.T) {
	for _, tc := range []struct {
		json, err string
	}{
		{`{"lines":[{"gain_db":6}]}`, ""},
		{`{"lines":[{"gain_db":-20}]}`, ""},
		{`{"lines":[{"gain_db":25}]}`, "config: lines[0].gain_db: 25 out of range -20..20 dB"},
		{`{"lines":[{"gain_db":"6"}]}`, "config: lines[0].gain_db: want a number, got \"6\""},
	} {
		t.Run(tc.json, func(t *testing.T) {
			c, err := linetap.LoadConfig(strings.NewReader(tc.json))
			if tc.err == "" {
				if err != nil || c.Lines[0].GainDB == 0 {
					t.Fatalf("LoadConfig = %+v, %v", c.Lines, err)
				}
				return
			}
			if err == nil || err.Error() != tc.err {
				t.Fatalf("err = %v, want %s", err, tc.err)
			}
		})
	}
}
