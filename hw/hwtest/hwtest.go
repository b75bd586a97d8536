// Package hwtest provides scripted fakes of hw.AudioSource and hw.LineSensor
// for tests of the call engine: the audio of every channel is a function of
// the sample position, and line events are delivered on a script.
//
// # Caveats
//
// The fakes run as fast as possible; there is no real-time pacing.
package hwtest

import (
	"io"
	"sort"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
)

// Source is a finite, scripted audio source that is also its own line
// sensor: events whose time falls inside a block are sent before Read
// returns that block, as hw/sim does.
type Source struct {
	// Fmt is the format reported (Rate 8000 unless set).
	Fmt hw.Format
	// Frames is the total length of the stream.
	Frames int64
	// Sample returns channel ch's sample at position pos.
	Sample func(ch int, pos int64) int16
	// Origin is the timestamp of frame 0.
	Origin time.Duration
	// Script holds the line events, with Time relative to frame 0.
	Script []hw.LineEvent
	// GapScript holds gaps the source reports (hw.GapReporter), with At
	// relative to frame 0, each reported with the block that holds it.
	GapScript []hw.Gap
	// Late delays the delivery of every event by this many blocks, to
	// model a sensor whose events arrive after the audio around them.
	Late int

	once   sync.Once
	mu     sync.Mutex
	pos    int64
	next   int
	ch     chan hw.LineEvent
	closed bool
	queue  []hw.LineEvent
	blocks int
	gaps   []hw.Gap
	nextGp int
}

var (
	_ hw.AudioSource = (*Source)(nil)
	_ hw.LineSensor  = (*Source)(nil)
	_ hw.GapReporter = (*Source)(nil)
)

// Gaps returns the scripted gaps of the blocks read since the last call.
func (s *Source) Gaps() []hw.Gap {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gaps
	s.gaps = nil
	return g
}

func (s *Source) init() {
	s.once.Do(func() {
		if s.Fmt.Rate == 0 {
			s.Fmt.Rate = 8000
		}
		if s.Fmt.Channels == 0 {
			s.Fmt.Channels = 1
		}
		sort.SliceStable(s.Script, func(i, j int) bool { return s.Script[i].Time < s.Script[j].Time })
		s.ch = make(chan hw.LineEvent, len(s.Script)+1)
	})
}

// Format returns Fmt.
func (s *Source) Format() hw.Format { s.init(); return s.Fmt }

// Events returns the scripted events' channel.
func (s *Source) Events() <-chan hw.LineEvent { s.init(); return s.ch }

// Read fills buf with the next frames.
func (s *Source) Read(buf []int16) (int, time.Duration, error) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, 0, hw.ErrClosed
	}
	c := s.Fmt.Channels
	n := int(min(int64(len(buf)/c), s.Frames-s.pos))
	if n <= 0 {
		return 0, 0, io.EOF
	}
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			buf[i*c+ch] = s.Sample(ch, s.pos+int64(i))
		}
	}
	at := s.Origin + s.dur(s.pos)
	end := s.dur(s.pos + int64(n))
	for s.next < len(s.Script) && s.Script[s.next].Time < end {
		ev := s.Script[s.next]
		ev.Time += s.Origin
		s.queue = append(s.queue, ev)
		s.next++
	}
	for s.nextGp < len(s.GapScript) && s.GapScript[s.nextGp].At < end {
		g := s.GapScript[s.nextGp]
		g.At += s.Origin
		s.gaps = append(s.gaps, g)
		s.nextGp++
	}
	s.blocks++
	if s.blocks > s.Late {
		for _, ev := range s.queue {
			s.ch <- ev
		}
		s.queue = s.queue[:0]
	}
	s.pos += int64(n)
	return n, at, nil
}

func (s *Source) dur(pos int64) time.Duration {
	return time.Duration(pos) * time.Second / time.Duration(s.Fmt.Rate)
}

// Close ends the source and closes the event channel.
func (s *Source) Close() error {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	return nil
}
