package periph

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ClockValid reports whether the wall clock can be trusted for timestamps:
// the kernel's NTP state is synchronised (adjtimex(2) without STA_UNSYNC,
// as set by an NTP or PTP daemon), or a battery-backed RTC exists
// (/sys/class/rtc/rtc0) from which the kernel set the time at boot.
func ClockValid() (bool, error) {
	if _, err := os.Stat("/sys/class/rtc/rtc0"); err == nil {
		return true, nil
	}
	var tx unix.Timex // modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, fmt.Errorf("periph: adjtimex: %w", err)
	}
	// adjtimex(2): TIME_ERROR (5) means the clock is not synchronised; so
	// does STA_UNSYNC in the status word.
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0, nil
}
