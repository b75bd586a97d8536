// Package pace paces a virtual audio source to the wall clock, the way a
// sound card delivers frames: one block per block duration.
//
// # Caveats
//
// With an injected Sleep the clock is virtual: processing time between
// waits is not counted, so a sped-up source runs slightly slower than asked.
package pace

import "time"

// Pacer holds a reader to the wall clock: wait(pos) returns once pos of
// audio is due since the first wait. With an injected sleep the clock is
// virtual (the sum of what was slept), so a test sees exactly the audio's
// duration requested, block by block.
type Pacer struct {
	// Sleep, when set, replaces the wall clock (tests, sped-up demos).
	Sleep func(time.Duration)
	// Done is closed when the source is closed; Wait then returns false.
	Done <-chan struct{}

	started bool
	start   time.Time
	slept   time.Duration // virtual clock, injected sleep only
	timer   *time.Timer
}

// Lag returns how far the reader is behind the wall clock at pos: how
// long ago pos of audio was due. It is zero before the first Wait and with
// an injected Sleep (a virtual clock has no lag).
func (p *Pacer) Lag(pos time.Duration) time.Duration {
	if p.Sleep != nil || !p.started {
		return 0
	}
	return max(0, time.Since(p.start)-pos)
}

// Wait blocks until pos of audio is due, or Close. It reports false when
// the source was closed.
func (p *Pacer) Wait(pos time.Duration) bool {
	if p.Sleep != nil {
		d := pos - p.slept
		if d <= 0 {
			return true
		}
		p.slept = pos
		finished := make(chan struct{})
		go func() { // ends when the injected sleep returns
			p.Sleep(d)
			close(finished)
		}()
		select {
		case <-finished:
			return true
		case <-p.Done:
			return false
		}
	}
	if !p.started {
		p.started, p.start = true, time.Now()
	}
	d := pos - time.Since(p.start)
	if d <= 0 {
		return true
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-p.timer.C:
		return true
	case <-p.Done:
		p.timer.Stop()
		return false
	}
}
