package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"
)

// longOptions are the long-call test's parameters.
type longOptions struct {
	Length  time.Duration // audio played
	MaxCall time.Duration // the always-on line's max_call
	Bank    string
	Label   string
	Data    string
	Device  string
}

// config is linetapd's configuration for the long-call test: line 0 is
// hook-triggered (hook = offset 0, ring = 1), line 1 records always and is
// split every MaxCall.
func (o longOptions) config() ([]byte, error) {
	c := daemonConfig{Source: sourceConfig{Kind: "portaudio", Device: o.Device, Rate: 8000}, Lines: []lineConfig{
		{Name: "held", Channel: 0, Trigger: "hook", GPIO: &gpioConfig{Chip: o.Label, Hook: 0, Ring: 1}},
		{Name: "always", Channel: 1, Trigger: "always", MaxCall: o.MaxCall.String()},
	}}
	return json.MarshalIndent(c, "", "  ")
}

// Contiguous requires each call's audio to begin exactly where the
// previous one's ended: positions are where each call's first sample is
// in the played channel.
func Contiguous(pos []int, samples []int64) error {
	for i := 1; i < len(pos); i++ {
		if end := int64(pos[i-1]) + samples[i-1]; int64(pos[i]) != end {
			return fmt.Errorf("driver: call %d of the split line begins at played sample %d, the one before ended at %d (%+d samples)",
				i+1, pos[i], end, int64(pos[i])-end)
		}
	}
	return nil
}

// longRun holds line 0 off-hook for the whole of Length (time-compressed
// hours: the guest's clock runs on the instruction count, so the run takes
// what linetapd's work takes) while line 1 records always with a short
// max_call, then requires one gapless, sample-exact call on line 0 and
// calls on line 1 that split at max_call with not a sample lost or
// repeated between them.
func longRun(r *Result, o longOptions, log io.Writer) {
	detail, err := gpioEdges(o.Bank, 4)
	r.add("gpio warm-up", detail, err)
	if err != nil {
		return
	}
	chip, err := readTrim(filepath.Join(o.Bank, "chip_name"))
	if err != nil {
		r.add("inputs", "", err)
		return
	}
	frames := int(o.Length * 8000 / time.Second)
	played := Signal(2, frames, 800, 7)
	cfg, err := o.config()
	d := startLinetapd(r, cfg, err, o.Data)
	if d == nil {
		return
	}
	defer d.log.Close()
	play, err := startPlayer(Bytes(played), 2, 0, log)
	if err != nil {
		d.kill()
		r.add("aplay", "", err)
		return
	}
	t0 := time.Now()
	waitUntil(t0.Add(time.Second))
	err = pull(chip, 0, true)
	waitUntil(t0.Add(o.Length - time.Second))
	err = firstErr(err, pull(chip, 0, false), <-play.done)
	r.add("play and hold", fmt.Sprintf("line 0 off-hook for %s of %s played, in %s", seconds(o.Length-2*time.Second), seconds(o.Length), seconds(time.Since(t0))), err)
	time.Sleep(3 * time.Second)
	r.add("linetapd stop", "", d.stop())
	fmt.Fprintf(log, "linetapd log:\n%s\n", tail(linetapdLog))
	got, err := listCalls(o.Data, io.Discard)
	if err != nil {
		r.add("linetap calls", "", err)
		return
	}
	byLine := map[int][]recorded{}
	for _, c := range got {
		byLine[c.Line] = append(byLine[c.Line], c)
	}
	const pad = 8000 * 5
	// Line 0: one call, the whole hold, exact, no gap.
	if n := len(byLine[0]); n != 1 {
		r.add("held line: one call", "", fmt.Errorf("%d calls on line 0, want 1", n))
	} else {
		c := byLine[0][0]
		rec, err := callAudio(o.Data, c.ID)
		if err == nil {
			_, _, _, err = CheckAudio(Channel(played, 2, 0, pad), rec, c.Gaps)
		}
		if err == nil && len(c.Gaps) > 0 {
			err = fmt.Errorf("%d gaps", len(c.Gaps))
		}
		r.add("held line: one call", fmt.Sprintf("%d samples (%s), sample-exact, no gap", c.Samples, seconds(time.Duration(c.Samples)*time.Second/8000)), err)
	}
	// Line 1: split at max_call, contiguous.
	calls := byLine[1]
	sort.Slice(calls, func(i, j int) bool { return calls[i].Start.Before(calls[j].Start) })
	var pos []int
	var samples []int64
	var serr error
	for i, c := range calls {
		rec, err := callAudio(o.Data, c.ID)
		if err != nil {
			serr = err
			break
		}
		at, err := PlaceExact(Channel(played, 2, 1, pad), rec, pad+frames)
		if err != nil {
			serr = fmt.Errorf("call %d: %w", c.ID, err)
			break
		}
		if len(c.Gaps) > 0 {
			serr = fmt.Errorf("call %d: %d gaps", c.ID, len(c.Gaps))
			break
		}
		if i < len(calls)-1 && (c.EndReason != "split" || time.Duration(c.Samples)*time.Second/8000 != o.MaxCall) {
			serr = fmt.Errorf("call %d ended %q after %d samples, want a split after %s", c.ID, c.EndReason, c.Samples, o.MaxCall)
			break
		}
		pos, samples = append(pos, at), append(samples, c.Samples)
	}
	if serr == nil && len(calls) < 2 {
		serr = fmt.Errorf("%d calls on the always-on line, want a split", len(calls))
	}
	if serr == nil {
		serr = Contiguous(pos, samples)
	}
	r.add("always-on line: split, nothing lost", fmt.Sprintf("%d calls split every %s, each sample-exact, each beginning where the last ended", len(calls), o.MaxCall), serr)
}

// PlaceExact finds where rec lies in want (by its first second of sound:
// a call may begin in the silence before the audio) and requires every
// sample of rec that falls on want[:end] to equal it; what the recorder
// captured after end (the loopback once aplay is gone) is not compared.
// It returns the position of rec[0] in want (negative when rec begins
// before want).
func PlaceExact(want, rec []int16, end int) (int, error) {
	lead := 0
	for lead < len(rec) && rec[lead] == 0 {
		lead++
	}
	if lead == len(rec) {
		return 0, fmt.Errorf("driver: the call is silent")
	}
	probe := rec[lead:min(len(rec), lead+8000)]
	off, err := Find(want, probe, 1)
	if err != nil {
		return 0, err
	}
	at := off - lead
	for i := max(0, -at); i < len(rec) && at+i < end; i++ {
		if rec[i] != want[at+i] {
			return at, fmt.Errorf("%w: sample %d of the call is %d, played %d", ErrMismatch, i, rec[i], want[at+i])
		}
	}
	return at, nil
}
