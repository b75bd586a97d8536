package main

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/level"
	"github.com/linetap/linetap/dsp/resample"
	"github.com/linetap/linetap/dsp/ring"
	"github.com/linetap/linetap/dsp/tone"
)

const analyzeUsage = `usage: linetap analyze [--json] FILE.wav...`

// Voice, as analyze reports it: 10 ms frames at or above voiceThreshold
// (level.VAD), not inside a tone, digit, caller-ID transmission or ring;
// gaps shorter than voiceGap bridged, segments shorter than voiceMin
// dropped.
const (
	voiceThreshold = -45.0 // dBm0, the recorder's default VOX threshold
	voiceGap       = 500 * time.Millisecond
	voiceMin       = 200 * time.Millisecond
	frame          = dsp.Rate / 100 // 10 ms
)

// Margins around other detections that voice must keep out of.
const (
	// GR-30 / EN 300 659-1: 300 seizure bits and 180 marks (400 ms) come
	// before the first byte the receiver reports.
	cidPreamble = 450 * time.Millisecond
	cidTail     = 50 * time.Millisecond
	digitGuard  = 20 * time.Millisecond
	ringGuard   = 150 * time.Millisecond // the coupling capacitor's discharge
	toneGuard   = 80 * time.Millisecond  // ProgressDetector.Tone's latency
)

// event is one line of analyze's output.
type event struct {
	ch   int
	pos  int64 // sample at dsp.Rate from the start of the file
	kind string
	dur  int64 // samples; -1 when the event has no duration
	// dtmf
	digit byte
	// callerid, callerid_error
	msg callerid.Message
	// tone
	tone string
}

// cmdAnalyze runs every detector on every channel of each file and prints
// the events; a file that cannot be read is reported on stderr and the
// others are still analysed.
//
// Each file is read whole (8-, 16-, 24-, 32-bit PCM or 32-bit float, any
// number of channels up to 64, 8 to 192 kHz), each channel resampled to
// 8 kHz (dsp/resample, aligned: no delay) and given to the DTMF, caller-ID,
// ring (dsp/ring), call-progress and voice detectors. Events come out in
// time order, then by channel. With --json each is one object on a line:
//
//	{"file","ch","t","type":"dtmf","digit","dur"}             one per key press, t at its onset
//	{…,"type":"callerid","standard","number","name","datetime","number_absence","name_absence"}
//	{…,"type":"callerid_error","standard","error","raw"}      a damaged message, raw in hex
//	{…,"type":"ring","dur"}                                   one per ring burst
//	{…,"type":"tone","tone"}                                  dial, ringback, busy, reorder, sit
//	{…,"type":"voice","dur"}
//
// t and dur are seconds from the start of the file, to the millisecond;
// caller-ID fields that were not sent are null, and a message-waiting
// message adds "mwi":"on"|"off". A caller ID's t is its first byte's start
// bit (for DTMF caller ID its first digit, whose digits are not also
// reported as key presses); a tone's t is the start of the first burst of
// the cadence recognised. Voice is loud 10 ms frames outside every other
// detection, gaps under 500 ms bridged, shorter than 200 ms dropped; the
// threshold is the recorder's default VOX level, −45 dBm0, so a line whose
// noise or hum is louder than that is voice throughout.
func cmdAnalyze(args []string, stdout, stderr io.Writer) error {
	asJSON := false
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "-h" || a == "--help":
			fmt.Fprintln(stdout, analyzeUsage)
			return nil
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintln(stderr, analyzeUsage)
			return fmt.Errorf("%w: analyze: unknown flag %s", errUsage, a)
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, analyzeUsage)
		return fmt.Errorf("%w: analyze: no files", errUsage)
	}
	w := bufio.NewWriter(stdout)
	failed := 0
	for _, name := range files {
		evs, err := analyzeFile(name)
		if err != nil {
			failed++
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
			fmt.Fprintf(stderr, "linetap: analyze: %v\n", err)
			continue
		}
		for _, e := range evs {
			if asJSON {
				writeJSON(w, name, e)
			} else {
				writeText(w, name, e)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("analyze: %d of %d files could not be analysed", failed, len(files))
	}
	return nil
}

// analyzeFile opens and analyses one file.
func analyzeFile(name string) (evs []event, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return analyze(f, name)
}

// channel is the detectors of one channel of a file.
type channel struct {
	rs    *resample.Resampler
	in    []int16 // one block of the channel as read
	out   []int16 // resampled, waiting for a whole frame
	pos   int64   // position of out[0]
	dtmf  *dtmf.Detector
	cid   *callerid.Receiver
	ring  *ring.Detector
	prog  *tone.ProgressDetector
	vad   *level.VAD
	loud  []bool // per 10 ms frame: the VAD heard something
	toned []bool // per frame: a call-progress tone was sounding
	digs  []dtmf.Event
	msgs  []callerid.Message
	rings []ring.Event
	progs []tone.ProgressEvent
}

// analyze reads a WAV from r and returns its events in time order.
func analyze(r io.ReadSeeker, name string) (evs []event, err error) {
	defer func() {
		if p := recover(); p != nil { // a bug must not stop the other files
			evs, err = nil, fmt.Errorf("%s: internal error: %v", name, p)
		}
	}()
	wr, err := newWAVReader(r, name)
	if err != nil {
		return nil, err
	}
	chs := make([]*channel, wr.channels)
	in := make([][]int16, wr.channels)
	rs, err := resample.New(wr.rate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, errWAVFormat, err)
	}
	for i := range chs {
		chs[i] = &channel{
			rs: rs.Clone(), in: make([]int16, readBlockSize),
			out:  make([]int16, 0, rs.MaxOut(readBlockSize)+frame),
			dtmf: dtmf.NewDetector(), cid: callerid.NewReceiver(), ring: ring.NewDetector(),
			prog: tone.NewProgressDetector(), vad: level.NewVAD(voiceThreshold, 0),
		}
		in[i] = chs[i].in
	}
	for {
		n, err := wr.next(in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, c := range chs {
			c.out = c.rs.Process(in[i][:n], c.out)
			c.frames(false)
		}
	}
	for i, c := range chs {
		c.out = c.rs.Flush(c.out)
		c.frames(true)
		evs = append(evs, c.events(i)...)
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.pos, b.pos), cmp.Compare(a.ch, b.ch))
	})
	return evs, nil
}

// frames runs the detectors over the whole 10 ms frames of c.out (and, at
// the end, the partial last one).
func (c *channel) frames(last bool) {
	k := 0
	for ; k+frame <= len(c.out) || (last && k < len(c.out)); k += frame {
		x := c.out[k:min(k+frame, len(c.out))]
		p := c.pos + int64(k)
		c.digs = c.dtmf.Process(x, p, c.digs)
		c.msgs = c.cid.Process(x, p, c.msgs)
		c.rings = c.ring.Process(x, p, c.rings)
		c.progs = c.prog.Process(x, p, c.progs)
		was := c.vad.Active()
		now := c.vad.Process(x)
		if now && !was && len(c.loud) > 0 {
			c.loud[len(c.loud)-1] = true // the first of the two loud frames that start activity
		}
		c.loud = append(c.loud, now)
		c.toned = append(c.toned, c.prog.Tone())
	}
	if last {
		c.digs = c.dtmf.Flush(c.digs)
		c.msgs = c.cid.Flush(c.msgs)
		c.rings = c.ring.Flush(c.rings)
		c.pos += int64(len(c.out))
		c.out = c.out[:0]
		return
	}
	c.pos += int64(k)
	c.out = c.out[:copy(c.out, c.out[k:])]
}

// events turns the detections of channel ch into output events, and what
// is left of the loud frames into voice.
func (c *channel) events(ch int) []event {
	var evs []event
	quiet := func(from, to int64) { // excludes [from, to) from voice
		for f := max(from/frame, 0); f*frame < to && f < int64(len(c.loud)); f++ {
			c.loud[f] = false
		}
	}
	ms := func(d time.Duration) int64 { return int64(d * dsp.Rate / time.Second) }
	// The digits of a good DTMF caller ID are reported as the caller ID,
	// not as key presses (its Start and End are the first and last
	// digits'); those of a damaged one may have been key presses (a D
	// pressed during a call starts D<number>C), so they are kept.
	clip := func(p int64) bool {
		for _, m := range c.msgs {
			if m.Standard == callerid.DTMFCLIP && m.Err == nil && p >= m.Start-ms(digitGuard) && p <= m.End+ms(digitGuard) {
				return true
			}
		}
		return false
	}
	for _, d := range c.digs {
		quiet(d.Start-ms(digitGuard), d.End+ms(digitGuard))
		if !clip(d.Start) {
			evs = append(evs, event{ch: ch, pos: d.Start, kind: "dtmf", dur: d.End - d.Start, digit: d.Digit})
		}
	}
	for _, m := range c.msgs {
		kind := "callerid"
		if m.Err != nil {
			kind = "callerid_error"
		}
		evs = append(evs, event{ch: ch, pos: m.Start, kind: kind, dur: -1, msg: m})
		quiet(m.Start-ms(cidPreamble), m.End+ms(cidTail))
	}
	for _, r := range c.rings {
		evs = append(evs, event{ch: ch, pos: r.Start, kind: "ring", dur: r.End - r.Start})
		quiet(r.Start, r.End+ms(ringGuard))
	}
	for _, p := range c.progs {
		evs = append(evs, event{ch: ch, pos: p.Start, kind: "tone", dur: -1, tone: p.Kind.String()})
		quiet(p.Start, p.Pos+ms(toneGuard)) // what was recognised, SIT included
	}
	// A tone's first and last frames come before Tone() says so.
	for f, t := range c.toned {
		if t {
			quiet(int64(f)*frame-ms(toneGuard), int64(f+1)*frame+ms(toneGuard))
		}
	}
	// Voice: runs of loud frames, gaps under voiceGap bridged.
	gap, least := ms(voiceGap)/frame, ms(voiceMin)/frame
	start, end := int64(-1), int64(-1)
	flush := func() {
		if start >= 0 && end-start >= least {
			evs = append(evs, event{ch: ch, pos: start * frame, kind: "voice", dur: (end - start) * frame})
		}
	}
	for f, l := range c.loud {
		if !l {
			continue
		}
		f := int64(f)
		if start < 0 || f-end >= gap {
			flush()
			start = f
		}
		end = f + 1
	}
	flush()
	return evs
}

// seconds formats a sample position or duration as seconds with
// millisecond precision, in the shortest form ("0.05", "1.2", "3").
func seconds(samples int64) string {
	ms := (samples*1000 + dsp.Rate/2) / dsp.Rate
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

// jsonString writes s as a JSON string, or null when it is empty.
func jsonString(s string) string {
	if s == "" {
		return "null"
	}
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// writeJSON writes e as one JSON object on its own line.
func writeJSON(w *bufio.Writer, file string, e event) {
	fmt.Fprintf(w, `{"file":%s,"ch":%d,"t":%s,"type":%q`, jsonString(file), e.ch, seconds(e.pos), e.kind)
	switch e.kind {
	case "dtmf":
		fmt.Fprintf(w, `,"digit":%q`, string(e.digit))
	case "callerid":
		m := e.msg
		fmt.Fprintf(w, `,"standard":%s,"number":%s,"name":%s,"datetime":%s,"number_absence":%s,"name_absence":%s`,
			jsonString(string(m.Standard)), jsonString(m.Number), jsonString(m.Name), jsonString(m.DateTime),
			jsonString(m.NumberAbsence), jsonString(m.NameAbsence))
		if mwi := waiting(m.Waiting); mwi != "" {
			fmt.Fprintf(w, `,"mwi":%q`, mwi)
		}
	case "callerid_error":
		m := e.msg
		fmt.Fprintf(w, `,"standard":%s,"error":%s,"raw":%s`,
			jsonString(string(m.Standard)), jsonString(m.Err.Error()), jsonString(hex.EncodeToString(m.Raw)))
	case "tone":
		fmt.Fprintf(w, `,"tone":%q`, e.tone)
	}
	if e.dur >= 0 {
		fmt.Fprintf(w, `,"dur":%s`, seconds(e.dur))
	}
	w.WriteString("}\n")
}

// waiting names a message-waiting state, "" for none.
func waiting(s callerid.Waiting) string {
	switch s {
	case callerid.WaitingOn:
		return "on"
	case callerid.WaitingOff:
		return "off"
	}
	return ""
}

// writeText writes e as one readable line.
func writeText(w *bufio.Writer, file string, e event) {
	fmt.Fprintf(w, "%s ch%d %9s s  %-14s", file, e.ch, fmt.Sprintf("%.3f", float64(e.pos)/dsp.Rate), e.kind)
	dash := func(s string) string { return cmp.Or(s, "-") }
	switch e.kind {
	case "dtmf":
		fmt.Fprintf(w, " %c", e.digit)
	case "callerid":
		m := e.msg
		fmt.Fprintf(w, " %s number %s", m.Standard, dash(m.Number))
		if m.NumberAbsence != "" {
			fmt.Fprintf(w, " (absent: %s)", m.NumberAbsence)
		}
		fmt.Fprintf(w, ", name %s", dash(m.Name))
		if m.NameAbsence != "" {
			fmt.Fprintf(w, " (absent: %s)", m.NameAbsence)
		}
		fmt.Fprintf(w, ", date %s", dash(m.DateTime))
		if mwi := waiting(m.Waiting); mwi != "" {
			fmt.Fprintf(w, ", message waiting %s", mwi)
		}
	case "callerid_error":
		fmt.Fprintf(w, " %s: %v", dash(string(e.msg.Standard)), e.msg.Err)
	case "tone":
		fmt.Fprintf(w, " %s", e.tone)
	}
	if e.dur >= 0 {
		fmt.Fprintf(w, " (%s s)", seconds(e.dur))
	}
	w.WriteString("\n")
}
