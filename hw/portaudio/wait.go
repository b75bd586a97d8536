package portaudio

import (
	"errors"
	"fmt"
	"time"
)

// StallTimeout is how long a stream waits for one block before it gives
// the device up as lost.
const StallTimeout = 2 * time.Second

// waitForBlock polls avail (frames readable without blocking) until frames
// are there, sleeping about as long as the missing frames take at rate.
// It returns avail's error at once (ALSA reports a disconnected card
// there), ErrOverflow when avail reports one (the block is read next), and
// ErrStalled after StallTimeout.
//
// Waiting here rather than in Pa_ReadStream matters: PortAudio's ALSA
// blocking read takes the poll error of a disconnected card for an overrun
// and retries forever, spinning, so the Source never learns the card is
// gone (the HIL's cardloss test hung that way).
func waitForBlock(avail func() (int, error), frames, rate int, now func() time.Duration, sleep func(time.Duration)) error {
	start := now()
	for {
		n, err := avail()
		switch {
		case errors.Is(err, ErrOverflow):
			return ErrOverflow
		case err != nil:
			return fmt.Errorf("portaudio: read: %w", err)
		case n >= frames:
			return nil
		}
		if now()-start >= StallTimeout {
			return fmt.Errorf("%w for %v (%d of %d frames)", ErrStalled, StallTimeout, n, frames)
		}
		d := time.Duration(frames-n) * time.Second / time.Duration(rate)
		sleep(max(d, time.Millisecond))
	}
}
