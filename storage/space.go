package storage

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// DefaultMinFree is the free-space floor when Retention.MinFree is 0:
// below it retention deletes the oldest unprotected calls.
const DefaultMinFree = 256 << 20

// fullReserve is the free space a commit needs beyond twice its own size:
// bbolt grows a file by up to 16 MiB at a time (bbolt DefaultAllocSize).
const fullReserve = 16 << 20

// freeRetry is how long the store waits before trying again to free space
// when a try freed nothing (every old call is held or recording).
const freeRetry = time.Minute

// AlarmKind names an alarm.
type AlarmKind string

// The alarms the store raises.
const (
	// AlarmDiskLow: free space fell below the floor; retention deletes
	// the oldest unprotected calls.
	AlarmDiskLow AlarmKind = "disk-low"
	// AlarmDiskFull: a commit was refused (ErrFull) because nothing more
	// could be freed; recording resumes by itself when space returns.
	AlarmDiskFull AlarmKind = "disk-full"
)

// Alarm is a condition someone should look at.
type Alarm struct {
	Kind    AlarmKind `json:"kind"`
	Active  bool      `json:"active"` // false when the alarm is cleared
	Since   time.Time `json:"since"`
	Message string    `json:"message"`
}

// spaceState is the store's view of free space.
type spaceState struct {
	alarms   map[AlarmKind]Alarm
	lastFree time.Time // last try of retention for space that freed nothing
}

// Alarms returns the alarms active now.
func (s *Store) Alarms() []Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Alarm
	for _, k := range []AlarmKind{AlarmDiskLow, AlarmDiskFull} {
		if a, ok := s.space.alarms[k]; ok {
			out = append(out, a)
		}
	}
	return out
}

// raise sets alarm k (s.mu held).
func (s *Store) raise(k AlarmKind, msg string) {
	if s.space.alarms == nil {
		s.space.alarms = map[AlarmKind]Alarm{}
	}
	a, ok := s.space.alarms[k]
	if ok && a.Message == msg {
		return
	}
	if !ok {
		a = Alarm{Kind: k, Active: true, Since: s.now()}
		s.log.Error("storage: alarm", "alarm", string(k), "msg", msg)
	}
	a.Message = msg
	s.space.alarms[k] = a
	if s.opt.OnAlarm != nil && !ok {
		s.opt.OnAlarm(a)
	}
}

// clear ends alarm k (s.mu held).
func (s *Store) clear(k AlarmKind) {
	a, ok := s.space.alarms[k]
	if !ok {
		return
	}
	delete(s.space.alarms, k)
	a.Active = false
	a.Message = "cleared: " + a.Message
	s.log.Info("storage: alarm cleared", "alarm", string(k))
	if s.opt.OnAlarm != nil {
		s.opt.OnAlarm(a)
	}
}

// free returns the free bytes of the data directory's filesystem; ok is
// false when that cannot be known.
func (s *Store) free() (int64, bool) {
	f := s.opt.Statfs
	if f == nil {
		f = osFree
	}
	n, err := f(s.dir)
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			s.log.Warn("storage: statfs", "err", err)
		}
		return 0, false
	}
	return n, true
}

// minFree is the free-space floor in bytes (0: none).
func (s *Store) minFree() int64 {
	switch m := s.opt.Retention.MinFree; {
	case m < 0:
		return 0
	case m == 0:
		return DefaultMinFree
	default:
		return m
	}
}

// ensureSpace makes room for a batch of size bytes (s.mu held): below the
// floor it raises AlarmDiskLow and deletes the oldest unprotected calls;
// if the batch still does not fit it raises AlarmDiskFull and returns
// ErrFull.
func (s *Store) ensureSpace(size int64) error {
	free, ok := s.free()
	if !ok {
		return nil
	}
	floor := s.minFree()
	if floor > 0 && free < floor {
		s.raise(AlarmDiskLow, fmt.Sprintf("%d MiB free in %s, below the floor of %d MiB: deleting the oldest unprotected calls", free>>20, s.dir, floor>>20))
		if s.space.lastFree.IsZero() || s.now().Sub(s.space.lastFree) >= freeRetry {
			n, err := s.freeSpace(floor)
			if err != nil {
				s.log.Error("storage: retention for free space", "err", err)
			}
			if n == 0 {
				s.space.lastFree = s.now()
			} else {
				s.space.lastFree = time.Time{}
			}
			free, ok = s.free()
			if !ok {
				return nil
			}
		}
	}
	need := 2*size + fullReserve
	if free < need {
		s.raise(AlarmDiskFull, fmt.Sprintf("%d KiB free in %s and nothing more can be deleted: recording stopped until space returns", free>>10, s.dir))
		return fmt.Errorf("%w: %s: %d bytes free, a batch of %d bytes needs %d", ErrFull, s.dir, free, size, need)
	}
	s.clear(AlarmDiskFull)
	if floor == 0 || free >= floor {
		s.clear(AlarmDiskLow)
	}
	return nil
}

// writeFault turns a failed write into ErrFull when the disk is full,
// raising the alarm (s.mu held).
func (s *Store) writeFault(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		s.raise(AlarmDiskFull, fmt.Sprintf("a write in %s failed: %v", s.dir, err))
		return fmt.Errorf("%w: %w", ErrFull, err)
	}
	return err
}

// hook runs the test seam that fails writes to file.
func (s *Store) hook(file string) error {
	if s.writeHook == nil {
		return nil
	}
	return s.writeHook(file)
}
