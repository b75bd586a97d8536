package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// StallSlack is how far the silence a stall leaves in a call may be from
// the stall's length: the card's buffer (500 ms) holds what was captured
// just before the stall, which is lost or kept depending on how the
// overrun is recovered, and the gap is known to within a block.
const StallSlack = 700 * time.Millisecond

// stall stops the process p (SIGSTOP: every thread, as a board too busy
// to run the recorder for a while) for d, then lets it go on. A stall
// longer than the capture buffer overruns the card: the recorder must
// mark the lost time as a gap of the right length and lose nothing else.
func stall(p *os.Process, d time.Duration) error {
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("driver: stall: SIGSTOP: %w", err)
	}
	time.Sleep(d)
	if err := p.Signal(syscall.SIGCONT); err != nil {
		return fmt.Errorf("driver: stall: SIGCONT: %w", err)
	}
	return nil
}

// checkOverrun requires linetapd's log to hold the overrun and the gap
// it filled.
func checkOverrun(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, w := range []string{"sound card overrun", `msg="audio gap filled with silence" cause=overrun`} {
		if !strings.Contains(string(b), w) {
			return fmt.Errorf("driver: linetapd logged no %q", w)
		}
	}
	return nil
}
