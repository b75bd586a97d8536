package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// Errors of the driver.
var (
	// ErrMismatch is returned when captured audio does not hold what was
	// played.
	ErrMismatch = errors.New("driver: captured audio differs from what was played")
	// ErrUsage is returned for a bad command line.
	ErrUsage = errors.New("driver: usage")
	// ErrHostBusy marks a run whose stimulus the driver could not produce
	// on time (the VM stalled): the run says nothing about the recorder,
	// and run.sh repeats it.
	ErrHostBusy = errors.New("driver: the host was too busy to keep the stimulus timing")
	// ErrCardHeld is returned when the removed card stays open: the
	// recorder did not let go of its sound card.
	ErrCardHeld = errors.New("the recorder kept the removed sound card open")
)

// Check is one named assertion and its outcome.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Result is what the driver prints after "HIL-RESULT ".
type Result struct {
	Test   string  `json:"test"`
	Arch   string  `json:"arch"`
	Pass   bool    `json:"pass"`
	Checks []Check `json:"checks"`
	// Inconclusive says a check failed because the driver could not keep
	// the stimulus timing (ErrHostBusy): run.sh repeats such a run.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// add records a check; err == nil passes.
func (r *Result) add(name string, detail string, err error) {
	c := Check{Name: name, Pass: err == nil, Detail: detail}
	if err != nil {
		c.Detail = err.Error()
		r.Inconclusive = r.Inconclusive || errors.Is(err, ErrHostBusy)
	}
	r.Checks = append(r.Checks, c)
}

// finish computes Pass and writes the result line to w.
func (r *Result) finish(w io.Writer) error {
	r.Pass = len(r.Checks) > 0
	for _, c := range r.Checks {
		r.Pass = r.Pass && c.Pass
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("driver: result: %w", err)
	}
	_, err = fmt.Fprintf(w, "HIL-RESULT %s\n", b)
	return err
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprintln(stderr, "usage: driver smoke [flags]")
		return 2
	}
	switch args[0] {
	case "smoke":
		fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var o smokeOptions
		fs.IntVar(&o.Channels, "channels", 8, "channels played through the loopback")
		fs.IntVar(&o.Rate, "rate", 8000, "sample rate in Hz")
		fs.Float64Var(&o.Seconds, "seconds", 2, "length of the played signal in seconds")
		fs.StringVar(&o.Bank, "bank", "/sys/kernel/config/gpio-sim/hil/bank0", "configfs directory of the gpio-sim bank")
		fs.IntVar(&o.Toggles, "toggles", 10, "pull-up/pull-down edges per line")
		fs.StringVar(&o.Dir, "dir", "/tmp", "directory for the played and captured files")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		r := Result{Test: "smoke", Arch: runtime.GOARCH}
		smoke(&r, o, stderr)
		return r.exit(stdout, stderr)
	case "render":
		fs := flag.NewFlagSet("render", flag.ContinueOnError)
		fs.SetOutput(stderr)
		scn := fs.String("scenario", "", "scenario file (hw/sim format)")
		lines := fs.Int("lines", 4, "lines (channels) to render")
		seed := fs.Int64("seed", 1, "simulator seed")
		dir := fs.String("o", ".", "output directory")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if err := render(*scn, *lines, *seed, *dir); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	case "scenario", "gpio", "twocard":
		fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
		fs.SetOutput(stderr)
		var o scenarioOptions
		fs.StringVar(&o.Scenario, "scenario", "/hil/scenario.scn", "scenario file")
		fs.StringVar(&o.Raw, "raw", "/hil/scenario.raw", "rendered audio (S16_LE)")
		fs.StringVar(&o.Events, "events", "/hil/scenario.events", "rendered line events")
		fs.IntVar(&o.Lines, "lines", 4, "lines")
		fs.StringVar(&o.Bank, "bank", "/sys/kernel/config/gpio-sim/lines/bank0", "configfs directory of the lines' gpio-sim bank")
		fs.StringVar(&o.Label, "label", "hil-lines", "the bank's label (the config's gpio.chip)")
		fs.StringVar(&o.Data, "data", "/tmp/data", "linetapd data directory")
		fs.StringVar(&o.Device, "device", "hw:CARD=Loopback,DEV=1", "capture device: an ALSA name (opened through alsa-lib) or part of a PortAudio name")
		fs.DurationVar(&o.PreRoll, "preroll", 2*time.Second, "linetapd pre-roll")
		fs.BoolVar(&o.Faults, "faults", false, "add contact bounce at off-hook and a hook flash in each call")
		fs.DurationVar(&o.CardLossAt, "cardloss-at", 0, "remove the sound card this long into the scenario (0 = never)")
		fs.DurationVar(&o.CardLossFor, "cardloss-for", 3*time.Second, "how long the sound card stays removed")
		fs.DurationVar(&o.StallAt, "stall-at", 0, "stop linetapd (SIGSTOP) this long into the scenario (0 = never)")
		fs.DurationVar(&o.StallFor, "stall-for", 1500*time.Millisecond, "how long linetapd stays stopped")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		r := Result{Test: args[0], Arch: runtime.GOARCH}
		switch args[0] {
		case "gpio":
			gpioRun(&r, o, stderr)
		case "twocard":
			twoCardRun(&r, o, stdout, stderr)
		default:
			scenarioRun(&r, o, stdout, stderr)
		}
		return r.exit(stdout, stderr)
	case "long":
		fs := flag.NewFlagSet("long", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var o longOptions
		fs.DurationVar(&o.Length, "length", 130*time.Second, "audio played; line 0 is off-hook for all but its first and last second")
		fs.DurationVar(&o.MaxCall, "maxcall", time.Minute, "the always-on line's max_call (linetapd's minimum is 1m)")
		fs.StringVar(&o.Bank, "bank", "/sys/kernel/config/gpio-sim/lines/bank0", "configfs directory of the gpio-sim bank (hook 0, ring 1)")
		fs.StringVar(&o.Label, "label", "hil-lines", "the bank's label")
		fs.StringVar(&o.Data, "data", "/tmp/data", "linetapd data directory")
		fs.StringVar(&o.Device, "device", "hw:CARD=Loopback,DEV=1", "capture device: an ALSA name (opened through alsa-lib) or part of a PortAudio name")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if o.Length < 3*time.Second || o.MaxCall <= 0 {
			fmt.Fprintln(stderr, "driver: long: -length must be at least 3s and -maxcall positive")
			return 2
		}
		r := Result{Test: "long", Arch: runtime.GOARCH}
		longRun(&r, o, stderr)
		return r.exit(stdout, stderr)
	default:
		fmt.Fprintf(stderr, "driver: unknown test %q (want smoke, render, scenario, gpio, twocard or long)\n", args[0])
		return 2
	}
}

// exit prints r's result line and returns the process's exit status: 0
// when every check passed.
func (r *Result) exit(stdout, stderr io.Writer) int {
	if err := r.finish(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !r.Pass {
		return 1
	}
	return 0
}
