package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/gpiocdev"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/hw/wavfile"
)

// scenarioOptions are the scenario test's parameters.
type scenarioOptions struct {
	Scenario, Raw, Events string
	Lines                 int
	Bank                  string // configfs directory of the bank: hook 2i, ring 2i+1
	Label                 string // the bank's label, as the config names the chip
	Data                  string
	Device                string
	PreRoll               time.Duration
	Faults                bool
	// CardLossAt, if positive, is when the sound card is removed (see
	// removeCard) for CardLossFor.
	CardLossAt, CardLossFor time.Duration
	// StallAt, if positive, is when linetapd is stopped (SIGSTOP) for
	// StallFor, longer than its capture buffer: the card overruns (see
	// stall).
	StallAt, StallFor time.Duration
}

// fault is the gap cause the run's fault makes, and what made it ("" if
// the run has no fault).
func (o scenarioOptions) fault() (cause, what string) {
	switch {
	case o.CardLossAt > 0:
		return "device lost", "the sound card's removal"
	case o.StallAt > 0:
		return "overrun", "linetapd's stall"
	}
	return "", ""
}

// Faults adds fault cases to a scenario's line events: contact bounce at
// every off-hook (made, broken 1 ms later, made again 1 ms after that, well
// within the 10 ms hook debounce; short, so that a busy host is unlikely
// to stall the driver inside the burst) and a 500 ms hook flash 5 s into each
// call's talk (DOMAIN.md: a flash is a 300 ms–1 s break; longer is on-hook).
// Neither may split, end or add digits to a call.
func Faults(events []hw.LineEvent) []hw.LineEvent {
	out := append([]hw.LineEvent{}, events...)
	for _, e := range events {
		if e.Kind != hw.OffHook {
			continue
		}
		out = append(out,
			hw.LineEvent{Line: e.Line, Kind: hw.OffHook, Time: e.Time - 2*time.Millisecond},
			hw.LineEvent{Line: e.Line, Kind: hw.OnHook, Time: e.Time - time.Millisecond},
		)
		// The flash only where the line stays off-hook 6 s or more.
		for _, f := range events {
			if f.Line == e.Line && f.Kind == hw.OnHook && f.Time > e.Time {
				if f.Time-e.Time >= 6*time.Second {
					out = append(out,
						hw.LineEvent{Line: e.Line, Kind: hw.OnHook, Time: e.Time + 5*time.Second},
						hw.LineEvent{Line: e.Line, Kind: hw.OffHook, Time: e.Time + 5500*time.Millisecond},
					)
				}
				break
			}
		}
	}
	return out
}

// recorded is the part of a linetap call record the test compares.
type recorded struct {
	ID        uint64    `json:"id"`
	Line      int       `json:"line"`
	Direction string    `json:"direction"`
	EndReason string    `json:"end_reason"`
	State     string    `json:"state"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	CallerID  struct {
		Number string `json:"number"`
		Name   string `json:"name"`
	} `json:"caller_id"`
	Dialled    string    `json:"dialled"`
	DTMF       string    `json:"dtmf"`
	AudioStart time.Time `json:"audio_start"`
	Samples    int64     `json:"samples"`
	Gaps       []gap     `json:"gaps"`
}

// daemonConfig is the part of linetapd's JSON configuration the HIL runs
// set (the root package's Config; the tests load it through LoadConfig).
type daemonConfig struct {
	PreRoll string       `json:"preroll,omitempty"`
	Source  sourceConfig `json:"source"`
	Lines   []lineConfig `json:"lines"`
}

type sourceConfig struct {
	Kind    string       `json:"kind"`
	Device  string       `json:"device,omitempty"`
	Devices []cardConfig `json:"devices,omitempty"`
	Rate    int          `json:"rate"`
}

type cardConfig struct {
	Device   string `json:"device"`
	Channels int    `json:"channels"`
}

type lineConfig struct {
	Name    string      `json:"name"`
	Channel int         `json:"channel"`
	Trigger string      `json:"trigger,omitempty"`
	MaxCall string      `json:"max_call,omitempty"`
	GPIO    *gpioConfig `json:"gpio,omitempty"`
}

type gpioConfig struct {
	Chip string `json:"chip"`
	Hook int    `json:"hook"`
	Ring int    `json:"ring"`
}

// daemonConfig is the linetapd configuration of the scenario run: line i
// on channel i, its hook at gpio-sim offset 2i and its ring detector at
// 2i+1.
func (o scenarioOptions) daemonConfig() daemonConfig {
	c := daemonConfig{PreRoll: o.PreRoll.String(), Source: sourceConfig{Kind: "portaudio", Device: o.Device, Rate: 8000}}
	for i := 0; i < o.Lines; i++ {
		c.Lines = append(c.Lines, lineConfig{Name: fmt.Sprintf("hil%d", i), Channel: i,
			GPIO: &gpioConfig{Chip: o.Label, Hook: 2 * i, Ring: 2*i + 1}})
	}
	return c
}

// config is the linetapd configuration of the scenario run, as JSON.
func (o scenarioOptions) config() ([]byte, error) {
	return json.MarshalIndent(o.daemonConfig(), "", "  ")
}

// pull sets a gpio-sim input through sysfs.
func pull(chip string, offset int, up bool) error {
	v := "pull-down"
	if up {
		v = "pull-up"
	}
	p := fmt.Sprintf("/sys/bus/gpio/devices/%s/sim_gpio%d/pull", chip, offset)
	if err := os.WriteFile(p, []byte(v), 0); err != nil {
		return fmt.Errorf("driver: gpio: %w", err)
	}
	return nil
}

// BurstGap is the planned spacing below which two hook edges of a line
// are one burst (contact bounce). The burst is meant as 1 ms edges, which
// the 10 ms debounce swallows; a host that stretches it past the debounce
// still leaves breaks the decoder must ignore (shorter than any dial
// pulse, gpiocdev's PulseMinBreak), so the expected outcome — no digit,
// no new call — holds up to BounceLimit. Beyond it the run is
// inconclusive.
var (
	BurstGap    = 10 * time.Millisecond
	BounceLimit = gpiocdev.DefaultTiming().PulseMinBreak
)

// driveReport says how well drive kept to the planned times.
type driveReport struct {
	Applied   int           // events applied
	WorstLate time.Duration // latest write, from its planned time to its end
	Bursts    int           // hook edges that belong to a bounce burst
	// WorstBurst is the longest time between two edges of a burst, from
	// the start of one write to the end of the next.
	WorstBurst time.Duration
	BurstLine  int
	BurstAt    time.Duration
	// WorstRing is the longest time between two ring-detector writes of
	// one burst (planned: 20 ms).
	WorstRing time.Duration
}

// LateLimit is how late a hook write may come: a 500 ms flash stays a
// flash (300 ms–1 s, DOMAIN.md) only within 200 ms of its planned length.
const LateLimit = 200 * time.Millisecond

// RingGap is the decoder's longest pause within a ring burst
// (gpiocdev.DefaultTiming): a driver stalled that long ends the ring.
const RingGap = 100 * time.Millisecond

func (d driveReport) String() string {
	return fmt.Sprintf("%d line events applied, latest write %s after its time; %d bounce edges, at most %s apart; ring pulses at most %s apart",
		d.Applied, seconds(d.WorstLate), d.Bursts, seconds(d.WorstBurst), seconds(d.WorstRing))
}

// check fails when a bounce burst came out as something else.
func (d driveReport) check() error {
	if d.WorstBurst >= BounceLimit {
		return fmt.Errorf("%w: the bounce burst on line %d at %s was written with edges %s apart (a break of %s is a dial pulse's)",
			ErrHostBusy, d.BurstLine, seconds(d.BurstAt), seconds(d.WorstBurst), seconds(BounceLimit))
	}
	if d.WorstLate >= LateLimit {
		return fmt.Errorf("%w: a line event was written %s after its time (a 500 ms flash has 200 ms either side before it is a glitch or a hang-up)",
			ErrHostBusy, seconds(d.WorstLate))
	}
	if d.WorstRing >= RingGap {
		return fmt.Errorf("%w: ring pulses were written %s apart (a ring ends after %s without one)",
			ErrHostBusy, seconds(d.WorstRing), seconds(RingGap))
	}
	return nil
}

// waitUntil sleeps until shortly before t, then spins to it: time.Sleep
// alone overshoots by milliseconds under TCG, which would stretch a 1 ms
// bounce into a dial pulse.
func waitUntil(t time.Time) {
	const spin = 2 * time.Millisecond
	if d := time.Until(t); d > spin {
		time.Sleep(d - spin)
	}
	for time.Now().Before(t) {
	}
}

// drive works the hook and ring inputs of chip as events say, each at its
// absolute time from t0 (a late write does not delay the later ones): hook
// follows off-hook/on-hook, ring pulses every 20 ms (a 25 Hz ringer's
// half-cycles) between ring-on and ring-off.
func drive(chip string, t0 time.Time, events []hw.LineEvent, lines int) (driveReport, error) {
	var rep driveReport
	var wg sync.WaitGroup
	stop := make([]chan struct{}, lines)
	errc := make(chan error, 64)
	type written struct {
		planned    time.Duration
		start, end time.Time
		ok         bool
	}
	// The edges are written from one real-time thread (and each ring from
	// its own): the recorder under test must not delay its stimulus.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := realtime(true); err != nil {
		return rep, err
	}
	defer realtime(false)
	lastHook := make([]written, lines)
	var ringMu sync.Mutex
	worstRing := time.Duration(0)
	for _, e := range events {
		if e.Line < 0 || e.Line >= lines {
			return rep, fmt.Errorf("driver: event on line %d of %d", e.Line, lines)
		}
		target := t0.Add(e.Time)
		waitUntil(target)
		start := time.Now()
		var err error
		switch e.Kind {
		case hw.OffHook, hw.OnHook:
			err = pull(chip, 2*e.Line, e.Kind == hw.OffHook)
			end := time.Now()
			if p := lastHook[e.Line]; p.ok && e.Time-p.planned < BurstGap {
				rep.Bursts++
				if d := end.Sub(p.start); d > rep.WorstBurst {
					rep.WorstBurst, rep.BurstLine, rep.BurstAt = d, e.Line, e.Time
				}
			}
			lastHook[e.Line] = written{e.Time, start, end, true}
		case hw.RingOn:
			if stop[e.Line] != nil {
				break
			}
			s := make(chan struct{})
			stop[e.Line] = s
			wg.Add(1)
			go func(off int) {
				defer wg.Done()
				// Locked to the end: the thread leaves with the goroutine.
				runtime.LockOSThread()
				if err := realtime(true); err != nil {
					errc <- err
					return
				}
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				up := false
				last := time.Now()
				for {
					select {
					case <-s:
						if err := pull(chip, off, false); err != nil {
							errc <- err
						}
						return
					case <-tick.C:
						up = !up
						if err := pull(chip, off, up); err != nil {
							errc <- err
							return
						}
						now := time.Now()
						ringMu.Lock()
						worstRing = max(worstRing, now.Sub(last))
						ringMu.Unlock()
						last = now
					}
				}
			}(2*e.Line + 1)
		case hw.RingOff:
			if stop[e.Line] != nil {
				close(stop[e.Line])
				stop[e.Line] = nil
			}
		default:
			continue // no polarity input in this wiring
		}
		rep.WorstLate = max(rep.WorstLate, time.Since(target))
		if err != nil {
			return rep, err
		}
		rep.Applied++
	}
	for _, s := range stop {
		if s != nil {
			close(s)
		}
	}
	wg.Wait()
	rep.WorstRing = worstRing
	select {
	case err := <-errc:
		return rep, err
	default:
	}
	return rep, nil
}

// lineEvents reads the rendered line events and returns them as rendered
// and as drive applies them (with the faults if asked), sorted by time.
func (o scenarioOptions) lineEvents() (rendered, applied []hw.LineEvent, err error) {
	f, err := os.Open(o.Events)
	if err != nil {
		return nil, nil, err
	}
	rendered, err = wavfile.ParseEvents(f)
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	applied = rendered
	if o.Faults {
		applied = Faults(rendered)
	}
	sort.SliceStable(applied, func(i, j int) bool { return applied[i].Time < applied[j].Time })
	return rendered, applied, nil
}

// scenarioInputs is what a scenario run plays and checks against.
type scenarioInputs struct {
	sc                *sim.Scenario
	raw               []byte  // the interleaved audio played (o.Raw)
	played            []int16 // raw's samples
	rendered, applied []hw.LineEvent
	chip              string // the live gpio-sim bank's chip
}

// inputs reads the scenario, its rendered audio and line events, and the
// gpio-sim bank's chip name.
func (o scenarioOptions) inputs() (scenarioInputs, error) {
	var in scenarioInputs
	var err error
	if in.sc, err = loadScenario(o.Scenario); err != nil {
		return in, err
	}
	if in.raw, err = os.ReadFile(o.Raw); err != nil {
		return in, err
	}
	if in.played, err = Samples(in.raw); err != nil {
		return in, err
	}
	if in.rendered, in.applied, err = o.lineEvents(); err != nil {
		return in, err
	}
	if in.chip, err = readTrim(filepath.Join(o.Bank, "chip_name")); err != nil {
		return in, fmt.Errorf("driver: bank %s is not live: %w", o.Bank, err)
	}
	return in, nil
}

// lossResult is how a card's removal went, and the player restarted on it.
type lossResult struct {
	cl   cardLoss
	play *player
	err  error
}

// loseCard removes a card at t0+at with remove and, once play (which was
// playing into it) has stopped, restarts playing with restart from where
// real time is; the result comes on the channel.
func loseCard(t0 time.Time, at time.Duration, remove func() (cardLoss, error), play *player, restart func(frame int) (*player, error)) <-chan lossResult {
	c := make(chan lossResult, 1)
	go func() {
		waitUntil(t0.Add(at))
		cl, err := remove()
		if err != nil {
			// The card stays half-removed until linetapd exits (its
			// stop releases it): the rest of the run says how
			// recording went on without it.
			c <- lossResult{cl, nil, err}
			return
		}
		<-play.done // the player lost its card too
		// The played timeline goes on where real time is.
		cl.Restart = int(time.Since(t0) * 8000 / time.Second)
		p, err := restart(cl.Restart)
		c <- lossResult{cl, p, err}
	}()
	return c
}

// scenarioRun plays the scenario through the loopback into linetapd and
// compares what it recorded.
func scenarioRun(r *Result, o scenarioOptions, stdout, log io.Writer) {
	in, err := o.inputs()
	if err != nil {
		r.add("inputs", "", err)
		return
	}
	b, played, events, chip := in.raw, in.played, in.applied, in.chip

	// Every input toggled through the character device first: under TCG
	// the first pass through gpio-sim and the edge path is translated
	// code, slow enough to stretch a bounce into a dial pulse.
	detail, err := gpioEdges(o.Bank, 4)
	r.add("gpio warm-up", detail, err)
	if err != nil {
		return
	}
	detail, err = checkListing(o.Device)
	r.add("device listed", detail, err)
	cfg, err := o.config()
	d := startLinetapd(r, cfg, err, o.Data)
	if d == nil {
		return
	}
	defer d.log.Close()
	r.add("linetapd start", "socket up", nil)

	play, err := startPlayer(b, o.Lines, 0, log)
	if err != nil {
		d.kill()
		r.add("aplay", "", err)
		return
	}
	t0 := time.Now()
	var lossc <-chan lossResult
	if o.CardLossAt > 0 {
		lossc = loseCard(t0, o.CardLossAt, func() (cardLoss, error) { return removeCard(o.CardLossFor) }, play,
			func(frame int) (*player, error) { return startPlayer(b, o.Lines, frame, log) })
	}
	stallc := make(chan error, 1)
	if o.StallAt > 0 {
		go func() {
			waitUntil(t0.Add(o.StallAt))
			stallc <- stall(d.Process, o.StallFor)
		}()
	}
	rep, derr := drive(chip, t0, events, o.Lines)
	if o.StallAt > 0 {
		r.add("linetapd stopped", fmt.Sprintf("SIGSTOP %s in, SIGCONT %s later", seconds(o.StallAt), seconds(o.StallFor)), <-stallc)
	}
	var perr error
	if o.CardLossAt > 0 {
		lr := <-lossc
		r.add("sound card removed", fmt.Sprintf("unbind took %s (linetapd closed the card), card gone %s, aplay restarted at frame %d",
			seconds(lr.cl.Unbind), seconds(lr.cl.Gone), lr.cl.Restart), lr.err)
		if lr.play != nil {
			perr = <-lr.play.done
		}
	} else {
		perr = <-play.done
	}
	length := time.Duration(len(played)/o.Lines) * time.Second / 8000
	r.add("play and drive", fmt.Sprintf("%s; %s of audio played in %s",
		rep, seconds(length), seconds(time.Since(t0))), firstErr(derr, perr, rep.check()))
	time.Sleep(3 * time.Second) // on-hook decisions and post-roll
	r.add("linetapd stop", "", d.stop())
	fmt.Fprintf(log, "linetapd log:\n%s\n", tail(linetapdLog))
	if o.CardLossAt > 0 {
		fmt.Fprintf(log, "linetapd's sound card log:\n%s\n", grepLog(linetapdLog, 40,
			"sound card", "ALARM", "alarm", "stream", "level=ERROR"))
		r.add("sound card alarm", "linetapd logged the loss and the return", checkAlarms(linetapdLog))
	}
	if o.StallAt > 0 {
		fmt.Fprintf(log, "linetapd's overrun log:\n%s\n", grepLog(linetapdLog, 20, "overrun", "audio gap"))
		r.add("overrun logged", "", checkOverrun(linetapdLog))
	}
	checkRecorded(r, o, in, stdout)
}

// checkRecorded compares what linetapd recorded with the scenario: the
// hook flashes in its log (with -faults), then the calls' metadata and
// audio. It returns the calls, nil when they could not be listed.
func checkRecorded(r *Result, o scenarioOptions, in scenarioInputs, stdout io.Writer) []recorded {
	if o.Faults {
		detail, err := checkFlashes(linetapdLog, Expected(in.rendered, true))
		r.add("hook flashes", detail, err)
	}
	got, err := listCalls(o.Data, stdout)
	if err != nil {
		r.add("linetap calls", "", err)
		return nil
	}
	compareCalls(r, in.sc.Calls(), got)
	compareAudio(r, o, in.played, got)
	return got
}

// listCalls reads linetapd's calls with `linetap calls --json`, echoing
// each as a HIL-CALL line to echo.
func listCalls(data string, echo io.Writer) ([]recorded, error) {
	out, err := exec.Command("linetap", "calls", "--data", data, "--json").Output()
	if err != nil {
		return nil, err
	}
	var got []recorded
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fmt.Fprintf(echo, "HIL-CALL %s\n", sc.Text())
		var c recorded
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("driver: call record: %w", err)
		}
		got = append(got, c)
	}
	return got, nil
}

// callAudio exports a call's audio with `linetap audio` and reads it.
func callAudio(data string, id uint64) ([]int16, error) {
	wav := fmt.Sprintf("/tmp/call%d.wav", id)
	if out, err := exec.Command("linetap", "audio", "--data", data, strconv.FormatUint(id, 10), wav).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("linetap audio: %w: %s", err, out)
	}
	return wavSamples(wav)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// tail returns the last 2 kB of a file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return string(b)
}

// compareCalls requires one recorded call per scenario call, on the same
// line, in the same order, with the same direction, caller ID and dialled
// digits; starts must keep the scenario's spacing within 250 ms.
func compareCalls(r *Result, want []sim.Call, got []recorded) {
	sort.SliceStable(want, func(i, j int) bool {
		if want[i].Line != want[j].Line {
			return want[i].Line < want[j].Line
		}
		return want[i].At < want[j].At
	})
	sort.SliceStable(got, func(i, j int) bool {
		if got[i].Line != got[j].Line {
			return got[i].Line < got[j].Line
		}
		return got[i].Start.Before(got[j].Start)
	})
	if len(got) != len(want) {
		r.add("call count", "", fmt.Errorf("%d calls recorded, the scenario has %d", len(got), len(want)))
		return
	}
	r.add("call count", fmt.Sprintf("%d calls", len(got)), nil)
	var origin time.Time
	var worst time.Duration
	var bad []string
	for i, w := range want {
		g := got[i]
		dir := "inbound"
		if w.Outbound {
			dir = "outbound"
		}
		wantNum, wantName, wantDial := w.CallerID.Number, w.CallerID.Name, ""
		if w.Outbound {
			wantDial = w.Digits
		}
		if g.Line != w.Line || g.Direction != dir || g.CallerID.Number != wantNum || g.CallerID.Name != wantName || g.Dialled != wantDial || g.DTMF != "" {
			bad = append(bad, fmt.Sprintf("call %d: line %d %s %q %q dialled %q dtmf %q, want line %d %s %q %q dialled %q dtmf \"\"",
				g.ID, g.Line, g.Direction, g.CallerID.Number, g.CallerID.Name, g.Dialled, g.DTMF,
				w.Line, dir, wantNum, wantName, wantDial))
		}
		if i == 0 {
			origin = g.Start.Add(-w.At)
		}
		dt := g.Start.Sub(origin.Add(w.At))
		if dt < 0 {
			dt = -dt
		}
		worst = max(worst, dt)
	}
	if len(bad) > 0 {
		r.add("call metadata", "", fmt.Errorf("%s", strings.Join(bad, "; ")))
	} else {
		r.add("call metadata", "line, direction, caller ID, dialled digits equal", nil)
	}
	var err error
	if worst > 250*time.Millisecond {
		err = fmt.Errorf("a call start is %s off the scenario's spacing (limit 0.25 s)", seconds(worst))
	}
	r.add("call start spacing", "worst "+seconds(worst), err)
}

// gap is a stretch of a call's audio that the recorder filled with
// silence (linetap.AudioGap).
type gap struct {
	Offset  int64  `json:"offset"`
	Samples int64  `json:"samples"`
	Cause   string `json:"cause"`
}

// GapSlack is how far (in samples, 40 ms: two 20 ms blocks) from a
// reported gap the audio may already differ.
const GapSlack = 320

// minSegment is the shortest stretch between gaps that is looked for: a
// shorter one could match by chance.
const minSegment = 400

// CheckAudio finds every stretch of rec between gaps (less GapSlack on each
// side that borders a gap, and of at least minSegment samples) sample for sample in want, the first anywhere and each
// later one within a second of where the gaps' lengths put it. It returns
// the number of stretches found, the position of the first in want, and the
// worst distance of a later one from where the gaps put it (how wrong a
// gap's length was).
func CheckAudio(want, rec []int16, gaps []gap) (found, at int, worst int, err error) {
	type seg struct{ from, to int }
	var segs []seg
	pos := 0
	for _, g := range gaps {
		if g.Offset < int64(pos) || g.Offset > int64(len(rec)) || g.Samples < 0 {
			return 0, 0, 0, fmt.Errorf("driver: gap at %d (+%d) outside the call's %d samples", g.Offset, g.Samples, len(rec))
		}
		segs = append(segs, seg{pos, int(g.Offset)})
		pos = int(min(g.Offset+g.Samples, int64(len(rec))))
	}
	segs = append(segs, seg{pos, len(rec)})
	// A gap's reported place may be off by up to GapSlack samples (the
	// overrun is reported on the read after the loss): trim that much off
	// each side of a stretch that borders a gap.
	for i := range segs {
		if i > 0 {
			segs[i].from += GapSlack
		}
		if i < len(segs)-1 {
			segs[i].to -= GapSlack
		}
	}
	base := -1
	for _, s := range segs {
		if s.to-s.from < minSegment {
			continue
		}
		part := rec[s.from:s.to]
		if silent(part) {
			continue // silence matches anywhere: it places nothing
		}
		if base < 0 {
			off, err := Find(want, part, 1)
			if err != nil {
				return found, 0, worst, fmt.Errorf("stretch %d..%d: %w", s.from, s.to, err)
			}
			base = off - s.from
			found++
			continue
		}
		center := base + s.from
		lo, hi := max(center-8000, 0), min(center+8000+len(part), len(want))
		if lo >= hi || hi-lo < len(part) {
			return found, base, worst, fmt.Errorf("stretch %d..%d: %w: beyond the played audio", s.from, s.to, ErrMismatch)
		}
		off, err := Find(want[lo:hi], part, 1)
		if err != nil {
			return found, base, worst, fmt.Errorf("stretch %d..%d: %w", s.from, s.to, err)
		}
		d := lo + off - center
		if d < 0 {
			d = -d
		}
		worst = max(worst, d)
		found++
	}
	if base < 0 {
		return 0, 0, 0, fmt.Errorf("driver: no stretch of %d samples or more between gaps", minSegment)
	}
	return found, base, worst, nil
}

// silent reports whether every sample of s is zero.
func silent(s []int16) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

// compareAudio fetches every call's audio and requires it, sample for
// sample outside the gaps the recorder reported, inside the µ-law round
// trip of the played channel; gaps themselves fail a separate check.
func compareAudio(r *Result, o scenarioOptions, played []int16, got []recorded) {
	const pad = 8000 * 5
	cardGaps := 0
	cause, what := o.fault()
	for _, g := range got {
		name := fmt.Sprintf("call %d audio (line %d)", g.ID, g.Line)
		rec, err := callAudio(o.Data, g.ID)
		if err != nil {
			r.add(name, "", err)
			continue
		}
		ch := Channel(played, o.Lines, g.Line, pad)
		found, at, worst, err := CheckAudio(ch, rec, g.Gaps)
		if err != nil {
			r.add(name+" exact outside gaps", "", fmt.Errorf("%d samples, %d gaps, %d stretches found before: %w", len(rec), len(g.Gaps), found, err))
		} else {
			r.add(name+" exact outside gaps", fmt.Sprintf("%d samples in %d stretches (less %d samples beside each gap), the first at played sample %d (%s); gap lengths off by %d samples at worst",
				len(rec), found, GapSlack, at-pad, seconds(time.Duration(at-pad)*time.Second/8000), worst), nil)
		}
		var lost, lostCard int64
		var other []string
		for _, x := range g.Gaps {
			if cause != "" && x.Cause == cause {
				lostCard += x.Samples
				continue
			}
			lost += x.Samples
			other = append(other, x.Cause)
		}
		var gerr error
		if len(other) > 0 {
			gerr = fmt.Errorf("%d gaps (%s), %d samples (%s) filled with silence", len(other), strings.Join(other, ", "), lost, seconds(time.Duration(lost)*time.Second/8000))
		}
		detail := ""
		if lostCard > 0 {
			cardGaps++
			detail = fmt.Sprintf("only %s: %s of silence", what, seconds(time.Duration(lostCard)*time.Second/8000))
			if err == nil && worst > GapTolerance {
				gerr = fmt.Errorf("the audio after %s is %d samples from where the gap's length puts it (limit %d)", what, worst, GapTolerance)
			}
			if l := time.Duration(lostCard) * time.Second / 8000; o.StallAt > 0 && (l < o.StallFor-StallSlack || l > o.StallFor+StallSlack) {
				gerr = errors.Join(gerr, fmt.Errorf("%s of silence for a stall of %s (limit ±%s)", seconds(l), seconds(o.StallFor), seconds(StallSlack)))
			}
		}
		r.add(name+" without gaps", detail, gerr)
	}
	if cause != "" {
		var err error
		if cardGaps == 0 {
			err = fmt.Errorf("no call has a gap for %s", what)
		}
		name := "card removal gap"
		if cause == "overrun" {
			name = "overrun gap"
		}
		r.add(name, fmt.Sprintf("%d calls carry it", cardGaps), err)
	}
}

// GapTolerance is how far (in samples, 100 ms) the audio after a card
// came back may be from where the recorded gap's length puts it: the
// gap is known to within a device block and the restarted player's
// start-up.
const GapTolerance = 800

// wavSamples reads the 16-bit samples of a mono WAV file's data chunk.
func wavSamples(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("driver: %s is not a RIFF/WAVE file", path)
	}
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		if p+n > len(b) {
			n = len(b) - p
		}
		if id == "data" {
			return Samples(b[p : p+n&^1])
		}
		p += n + n&1
	}
	return nil, fmt.Errorf("driver: %s has no data chunk", path)
}
