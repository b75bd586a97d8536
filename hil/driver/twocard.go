package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The two loopback cards of the twocard test: snd-aloop loaded with
// enable=1,1 makes cards 0 and 1, whose ALSA ids are Loopback and
// Loopback_1. Lines 0 and 1 are card 0's inputs 0 and 1, lines 2 and 3
// card 1's.
var twoCards = [2]struct {
	Play, Capture, Platform string
	Index                   int
}{
	{Play: "hw:Loopback,0,0", Capture: "hw:CARD=Loopback,DEV=1", Platform: "snd_aloop.0", Index: 0},
	{Play: "hw:Loopback_1,0,0", Capture: "hw:CARD=Loopback_1,DEV=1", Platform: "snd_aloop.1", Index: 1},
}

// twoCardConfig is the scenario's config with source.devices: two cards
// of lines/2 channels each, in place of source.device.
func (o scenarioOptions) twoCardConfig() ([]byte, error) {
	c := o.daemonConfig()
	c.Source.Device = ""
	c.Source.Devices = []cardConfig{
		{Device: twoCards[0].Capture, Channels: o.Lines / 2},
		{Device: twoCards[1].Capture, Channels: o.Lines - o.Lines/2},
	}
	return json.MarshalIndent(c, "", "  ")
}

// SplitChannels returns the interleaved S16_LE audio raw of channels
// channels as two: channels 0..first−1, and the rest.
func SplitChannels(raw []byte, channels, first int) (a, b []byte) {
	frames := len(raw) / (2 * channels)
	a = make([]byte, 0, frames*first*2)
	b = make([]byte, 0, frames*(channels-first)*2)
	for f := 0; f < frames; f++ {
		fr := raw[f*2*channels : (f+1)*2*channels]
		a = append(a, fr[:2*first]...)
		b = append(b, fr[2*first:]...)
	}
	return a, b
}

// loadTwoCards reloads snd-aloop with two cards.
func loadTwoCards() error {
	if out, err := exec.Command("rmmod", "snd-aloop").CombinedOutput(); err != nil {
		return fmt.Errorf("driver: twocard: rmmod snd-aloop: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("insmod", "/lib/modules/snd-aloop.ko", "index=0,1", "enable=1,1").CombinedOutput(); err != nil {
		return fmt.Errorf("driver: twocard: insmod snd-aloop enable=1,1: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return waitPCM(1)
}

// waitPCM waits up to a second for card index's playback PCM.
func waitPCM(index int) error {
	dev := fmt.Sprintf("/dev/snd/pcmC%dD0p", index)
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(dev); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("driver: twocard: no %s within 1 s", dev)
}

// unplugOne takes the second loopback card away for gone, as a USB card
// unplugged and plugged back in: its platform device is unbound from
// snd_aloop (the unbind returns once linetapd closed the card) and bound
// again; the first card stays.
func unplugOne(gone time.Duration) (cardLoss, error) {
	var cl cardLoss
	const drv = "/sys/bus/platform/drivers/snd_aloop"
	dev := twoCards[1].Platform
	t0 := time.Now()
	unbound := make(chan error, 1)
	go func() { unbound <- os.WriteFile(filepath.Join(drv, "unbind"), []byte(dev), 0) }()
	select {
	case err := <-unbound:
		if err != nil {
			return cl, fmt.Errorf("driver: twocard: unbind %s: %w", dev, err)
		}
	case <-time.After(UnbindTimeout):
		return cl, fmt.Errorf("driver: twocard: %w: the unbind still waits for the card's open PCMs after %s (%s)",
			ErrCardHeld, UnbindTimeout, threads("linetapd"))
	}
	cl.Unbind = time.Since(t0)
	time.Sleep(time.Until(t0.Add(gone)))
	if err := os.WriteFile(filepath.Join(drv, "bind"), []byte(dev), 0); err != nil {
		return cl, fmt.Errorf("driver: twocard: bind %s: %w", dev, err)
	}
	cl.Gone = time.Since(t0)
	return cl, waitPCM(twoCards[1].Index)
}

// twoCardRun plays the scenario into two loopback cards (lines 0..1 on
// the first, 2..3 on the second), records them with linetapd's
// source.devices, takes the second card away mid-call, and requires the
// calls of the first card's lines to be exact and without a gap, and the
// second card's to have only the removal's gap.
func twoCardRun(r *Result, o scenarioOptions, stdout, log io.Writer) {
	if o.CardLossAt <= 0 || o.Lines < 2 {
		r.add("inputs", "", fmt.Errorf("%w: twocard needs -cardloss-at and at least 2 lines", ErrUsage))
		return
	}
	in, err := o.inputs()
	if err != nil {
		r.add("inputs", "", err)
		return
	}
	played, events, chip := in.played, in.applied, in.chip
	first := o.Lines / 2
	rawA, rawB := SplitChannels(in.raw, o.Lines, first)
	err = loadTwoCards()
	r.add("two loopback cards", "snd-aloop enable=1,1", err)
	if err != nil {
		return
	}
	detail, err := gpioEdges(o.Bank, 4)
	r.add("gpio warm-up", detail, err)
	if err != nil {
		return
	}
	for _, c := range twoCards {
		detail, err := checkListing(c.Capture)
		r.add("device listed: "+c.Capture, detail, err)
	}
	cfg, err := o.twoCardConfig()
	d := startLinetapd(r, cfg, err, o.Data)
	if d == nil {
		return
	}
	defer d.log.Close()
	r.add("linetapd start", "socket up", nil)

	playA, errA := startPlayerOn(twoCards[0].Play, rawA, first, 0, log)
	playB, errB := startPlayerOn(twoCards[1].Play, rawB, o.Lines-first, 0, log)
	if errA != nil || errB != nil {
		d.kill()
		r.add("aplay", "", firstErr(errA, errB))
		return
	}
	t0 := time.Now()
	lossc := loseCard(t0, o.CardLossAt, func() (cardLoss, error) { return unplugOne(o.CardLossFor) }, playB,
		func(frame int) (*player, error) {
			return startPlayerOn(twoCards[1].Play, rawB, o.Lines-first, frame, log)
		})
	rep, derr := drive(chip, t0, events, o.Lines)
	lr := <-lossc
	r.add("second card removed", fmt.Sprintf("unbind took %s (linetapd closed the card), card gone %s, its aplay restarted at frame %d",
		seconds(lr.cl.Unbind), seconds(lr.cl.Gone), lr.cl.Restart), lr.err)
	perr := <-playA.done
	if lr.play != nil {
		perr = firstErr(perr, <-lr.play.done)
	}
	length := time.Duration(len(played)/o.Lines) * time.Second / 8000
	r.add("play and drive", fmt.Sprintf("%s; %s of audio played in %s",
		rep, seconds(length), seconds(time.Since(t0))), firstErr(derr, perr, rep.check()))
	time.Sleep(3 * time.Second) // on-hook decisions and post-roll
	r.add("linetapd stop", "", d.stop())
	fmt.Fprintf(log, "linetapd's sound card log:\n%s\n", grepLog(linetapdLog, 40,
		"sound card", "ALARM", "alarm", "realigned", "level=ERROR"))
	r.add("sound card alarm", "linetapd logged the loss and the return", checkAlarms(linetapdLog))
	got := checkRecorded(r, o, in, stdout)
	if got == nil {
		return
	}
	detail, err = HealthyCard(got, first)
	r.add("the first card's lines lost nothing", detail, err)
}

// HealthyCard requires the calls on lines 0..first−1 (the card that
// stayed) to have no gap at all.
func HealthyCard(got []recorded, first int) (string, error) {
	n := 0
	for _, c := range got {
		if c.Line >= first {
			continue
		}
		n++
		if len(c.Gaps) > 0 {
			return "", fmt.Errorf("driver: call %d on line %d (the card that stayed) has gaps %+v", c.ID, c.Line, c.Gaps)
		}
	}
	if n == 0 {
		return "", fmt.Errorf("driver: no call on lines 0..%d: the test tests nothing", first-1)
	}
	return fmt.Sprintf("%d calls, no gap", n), nil
}
