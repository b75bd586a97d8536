package linetap

import (
	"testing"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
)

type nopStore struct{ id uint64 }

func (s *nopStore) NewCallID() (uint64, error) { s.id++; return s.id, nil }
func (s *nopStore) Commit(*Batch) error        { return nil }

// The per-block listen path allocates nothing, with or without listeners.
func TestListenPathDoesNotAllocate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Lines = []LineConfig{DefaultLine(0), DefaultLine(1)}
	cfg.Lines[1].MaskDTMF = true
	src := &hwtest.Source{Fmt: hw.Format{Channels: 2, Rate: 8000}, Frames: 1 << 30,
		Sample: func(ch int, pos int64) int16 { return int16(pos%200 - 100) }}
	e, err := New(Options{Config: cfg, Source: src, Store: &nopStore{}, Sensor: src,
		Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 2*BlockFrames)
	var pos int64
	step := func(l *line) {
		n, _, err := src.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		l.take(buf, 2, n, pos)
		pos += int64(n)
		if l.listen.n.Load() != 0 {
			l.feedListeners(pos)
		}
	}
	for _, l := range e.lines {
		if a := testing.AllocsPerRun(200, func() { step(l) }); a != 0 {
			t.Errorf("line %d without listeners: %v allocs per block", l.idx, a)
		}
		l.listen.setInCall(true)
		ch, cancel, err := e.Listen(l.idx)
		if err != nil {
			t.Fatal(err)
		}
		quit := make(chan struct{})
		go func() {
			defer close(quit)
			for range ch {
			}
		}()
		if a := testing.AllocsPerRun(200, func() { step(l) }); a != 0 {
			t.Errorf("line %d with a listener: %v allocs per block", l.idx, a)
		}
		cancel()
		<-quit
	}
}
