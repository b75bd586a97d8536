package web_test

import (
	"fmt"
	"sync"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web"
)

// fakeEngine is a web.Engine with two lines.
type fakeEngine struct {
	mu       sync.Mutex
	settings []linetap.LineSettings
	listen   chan []int16
}

var _ web.Engine = (*fakeEngine)(nil)

func newFakeEngine() *fakeEngine {
	return &fakeEngine{settings: []linetap.LineSettings{
		{Name: "Front desk", Codec: "pcmu", Trigger: linetap.TriggerHook},
		{Name: "Back office", Codec: "pcmu", Trigger: linetap.TriggerHook},
	}}
}

// withFakeEngine gives a Server a fakeEngine.
func withFakeEngine(o *web.Options) { o.Engine = newFakeEngine() }

func (f *fakeEngine) Listen(line int) (<-chan []int16, func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if line < 0 || line >= len(f.settings) {
		return nil, nil, fmt.Errorf("fake: %w", linetap.ErrNoLine)
	}
	if f.listen == nil {
		return nil, nil, fmt.Errorf("fake: %w", linetap.ErrNotInCall)
	}
	return f.listen, func() {}, nil
}

func (f *fakeEngine) Diagnostics() []linetap.LineDiag {
	return []linetap.LineDiag{{Line: 0, Name: "Front desk", State: linetap.LineIdle,
		CallerID: []linetap.CallerIDDiag{{At: t0, Standard: "bell202-mdmf", Number: "6095551212", Name: "ACME CORP"}}}}
}

func (f *fakeEngine) LineSettings() []linetap.LineSettings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]linetap.LineSettings(nil), f.settings...)
}

func (f *fakeEngine) SetLine(i int, s linetap.LineSettings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i < 0 || i >= len(f.settings) {
		return fmt.Errorf("fake: %w: line %d", linetap.ErrNoLine, i)
	}
	if s.GainDB < -20 || s.GainDB > 20 {
		return fmt.Errorf("%w: lines[%d].gain_db: %v is outside −20..+20", linetap.ErrConfig, i, s.GainDB)
	}
	f.settings[i] = s
	return nil
}

func (f *fakeEngine) Stats() linetap.Stats { return linetap.Stats{Frames: 123456} }

var _ = time.Second
