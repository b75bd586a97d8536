package linetap

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// DefaultMaxBacklog is the most audio (encoded bytes) kept in memory while
// the store fails, when Options.MaxBacklog is zero: 64 MiB, about 18
// minutes of eight G.711 lines.
const DefaultMaxBacklog = 64 << 20

// AlarmStore: the engine dropped audio, because the store refused a batch
// for good or failed for so long that the backlog reached its cap.
const AlarmStore = "store"

// storeAlarmHold keeps the store alarm active after the latest drop.
const storeAlarmHold = 10 * time.Minute

// rejected reports whether a commit error is permanent.
func (e *Engine) rejected(err error) bool {
	if e.isRejected != nil {
		return e.isRejected(err)
	}
	return errors.Is(err, ErrRejected)
}

// noteCommitted remembers the record of every unfinished call as the store
// now has it, so that a call whose later audio is dropped can be closed
// with a record that describes exactly what is stored.
func (e *Engine) noteCommitted(b *batch) {
	for i := range b.Calls {
		r := &b.Calls[i]
		if r.State == StateRecording {
			e.committed[r.ID] = *r
		} else {
			delete(e.committed, r.ID)
		}
	}
}

// drop abandons batch b, whose audio the store will never take. Every call
// with audio in it is cut: what the store has of it is closed
// as an interrupted call (EndReason EndDropped), the chunks of it already
// in the next batch are dropped too (they would not continue what is
// stored), and a call still recording goes on as a new call from its next
// sample. It logs the calls and raises the store alarm.
func (e *Engine) drop(b *batch, keepRecords bool, why string) {
	var ids []uint64
	for _, c := range b.Chunks {
		if !slices.Contains(ids, c.Call) {
			ids = append(ids, c.Call)
		}
	}
	dropped := int64(len(b.data))
	cur := e.cur
	// A record without chunks in b describes audio the store has (a
	// record of a piece cut earlier, a caller-ID update): when b failed
	// only for the time being it goes on in the next batch, unless that
	// has a newer one. From a refused batch it may be what broke the
	// store's rules, and is dropped.
	for _, r := range b.Calls {
		if keepRecords && !slices.Contains(ids, r.ID) && !slices.ContainsFunc(cur.Calls, func(o Call) bool { return o.ID == r.ID }) {
			cur.Calls = append(cur.Calls, r)
		}
	}
	keep := cur.Chunks[:0]
	for _, c := range cur.Chunks {
		if slices.Contains(ids, c.Call) {
			dropped += int64(len(c.Data))
			continue
		}
		keep = append(keep, c)
	}
	clear(cur.Chunks[len(keep):])
	cur.Chunks = keep
	cur.Calls = slices.DeleteFunc(cur.Calls, func(r Call) bool { return slices.Contains(ids, r.ID) })

	var cont []uint64
	for _, id := range ids {
		if old, ok := e.committed[id]; ok {
			fin := old
			fin.State, fin.EndReason = StateInterrupted, EndDropped
			fin.End = old.AudioStart.Add(posDuration(old.Samples, max(old.Rate, 1)))
			fin.End = maxTime(fin.End, fin.Start)
			fin.Duration = fin.End.Sub(fin.Start)
			cur.Calls = append(cur.Calls, fin)
			delete(e.committed, id)
		}
		for _, l := range e.lines {
			for _, c := range l.calls {
				if c.rec.ID == id && !c.done {
					c.continueAfterDrop(e)
					cont = append(cont, id)
				}
			}
		}
	}
	e.statsMu.Lock()
	e.stats.Dropped += dropped
	e.statsMu.Unlock()
	e.log.Error("audio dropped: "+why, "calls", ids, "continued", cont, "bytes", dropped)
	e.watch.droppedAt = e.pos
	e.raise(AlarmStore, -1, e.wallAt(e.pos), fmt.Sprintf("audio of calls %v dropped: %s", ids, why))
}

// continueAfterDrop makes a call whose stored audio was cut go on as a new
// call (a new ID, given at the next flush) from its next sample: same
// start, direction and caller data; its audio starts later.
func (c *activeCall) continueAfterDrop(e *Engine) {
	from := c.cursor - int64(len(c.pcm))
	c.rec.Gaps = rebaseGaps(c.rec.Gaps, c.from, from)
	c.from = from
	c.rec.AudioStart = e.wallAt(from)
	c.rec.ID, c.seq, c.stored = 0, 0, 0
	c.rec.Samples, c.rec.SHA256 = 0, ""
	c.hash.Reset()
	c.dirty = true
}

// capUnstored bounds the audio held by a call that has no ID yet (the
// store could not give one, as when its disk is full): beyond its share of
// MaxBacklog the oldest samples go, and the call's audio starts later.
// Nothing of such a call is stored, so nothing stored is contradicted.
func (c *activeCall) capUnstored(e *Engine) {
	limit := int(e.maxBacklog / int64(2*len(e.lines))) // int16 samples
	n := len(c.pcm) - limit
	if n <= 0 || c.stored != 0 {
		return
	}
	copy(c.pcm, c.pcm[n:])
	c.pcm = c.pcm[:limit]
	from := c.cursor - int64(len(c.pcm))
	c.rec.Gaps = rebaseGaps(c.rec.Gaps, c.from, from)
	c.from = from
	c.rec.AudioStart = e.wallAt(c.from)
	e.statsMu.Lock()
	e.stats.Dropped += 2 * int64(n)
	e.statsMu.Unlock()
	if !c.capped {
		c.capped = true
		e.log.Error("audio dropped: the store gives no call ID and the call's audio reached its share of the backlog cap; the oldest goes",
			"line", c.rec.Line, "cap_bytes", 2*limit)
	}
	e.watch.droppedAt = e.pos
	e.raise(AlarmStore, -1, e.wallAt(e.pos), fmt.Sprintf("audio of a call on line %d dropped: the store gives no call ID, and %d bytes wait", c.rec.Line, 2*limit))
}

// rebaseGaps returns the gaps of audio that began at position from as
// gaps of the same audio from position to on (to ≥ from): those before to
// go, one across it is cut.
func rebaseGaps(gaps []AudioGap, from, to int64) []AudioGap {
	var out []AudioGap
	for _, g := range gaps {
		end := from + g.Offset + g.Samples
		if end <= to {
			continue
		}
		off := max(from+g.Offset, to)
		out = append(out, AudioGap{Offset: off - to, Samples: end - off, Cause: g.Cause})
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
