package sim

import "time"

// pacer holds a reader to the wall clock: wait(pos) returns once pos of
// audio is due since the first wait. With an injected sleep the clock is
// virtual (the sum of what was slept), so a test sees exactly the audio's
// duration requested, block by block.
type pacer struct {
	sleep func(time.Duration) // nil: real time
	done  <-chan struct{}     // closed by Close

	started bool
	start   time.Time
	slept   time.Duration // virtual clock, injected sleep only
	timer   *time.Timer
}

// wait blocks until pos of audio is due, or Close. It reports false when
// the source was closed.
func (p *pacer) wait(pos time.Duration) bool {
	if p.sleep != nil {
		d := pos - p.slept
		if d <= 0 {
			return true
		}
		p.slept = pos
		finished := make(chan struct{})
		go func() { // ends when the injected sleep returns
			p.sleep(d)
			close(finished)
		}()
		select {
		case <-finished:
			return true
		case <-p.done:
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
	case <-p.done:
		p.timer.Stop()
		return false
	}
}
