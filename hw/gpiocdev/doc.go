// Package gpiocdev senses phone lines through GPIO inputs on the Linux GPIO
// character device (/dev/gpiochipN, uAPI v2, via go-gpiocdev): per line a
// hook input (an optocoupler in series with the loop: active while loop
// current flows, i.e. off-hook), a ring input (an optocoupler across the
// line that pulses on each half-cycle of the ringing voltage) and an
// optional polarity input (active while the battery is reversed).
//
// # Concepts
//
// A Chip is the small part of a GPIO chip the sensor needs: watch an input
// and report its edges with kernel timestamps. OpenChip opens a real chip
// by name ("gpiochip0", "/dev/gpiochip0") or by label ("pinctrl-bcm2711");
// package gpiocdevtest has a fake one, so the logic is tested without a
// kernel.
//
// A Decoder turns edges into hw.LineEvents and is pure: edges in, events
// out, time from the edges' timestamps and from Advance. It debounces each
// input (an edge counts once the level has held for the input's debounce
// period, and is dated at its first edge), then:
//   - hook: loop made after an idle line → OffHook; a break of
//     Timing.PulseMinBreak..PulseMaxBreak is a dial pulse, and pulses
//     separated by makes shorter than Timing.DigitGap make one PulseDigit
//     (10 pulses = '0'); a digit's first pulse must follow a make of at
//     least DigitGap (a dial is wound after off-hook), so a contact bounce
//     stretched past the debounce is never a digit;
//     a break of Timing.FlashMin..FlashMax is a HookFlash; a longer break is
//     OnHook, dated at the start of the break;
//   - ring: Timing.RingMinPulses detector pulses no more than Timing.RingGap
//     apart → RingOn (dated at the first pulse); no pulse for RingGap →
//     RingOff (dated at the last pulse);
//   - polarity: each debounced change → PolarityReversal.
//
// A Sensor runs a Decoder over one or more Chips in its own goroutine and
// is an hw.LineSensor. Timers (debounce, digit and hang-up decisions) come
// from an injected Clock, and wait Options.Latency (50 ms) beyond the
// decision so that an edge still on its way from the kernel (a busy board)
// is not missed.
//
// # Time
//
// Edge timestamps are requested on CLOCK_MONOTONIC
// (GPIO_V2_LINE_FLAG_EVENT_CLOCK_MONOTONIC, Linux ≥ 5.7 default), and
// MonotonicClock reads the same clock, as does hw/portaudio for the capture
// time of its blocks: so an event's Time and a block's capture time are
// directly comparable and the engine places events on sample positions
// without any conversion. The kernel timestamps an edge in its interrupt
// handler, so the event's time does not depend on how late the sensor's
// goroutine runs.
//
// # Caveats
//
//   - Pulse dialling assumes the decadic rule (n pulses = digit n, 10 = 0).
//     Sweden (n+1) and New Zealand (10−n) dial differently and are not
//     decoded.
//   - An OnHook is only known to be a hang-up once the break has outlasted
//     Timing.FlashMax, so it is reported that late (with the right time);
//     the engine's pre-roll must be longer than FlashMax.
//   - A break shorter than PulseMinBreak (40 ms), between PulseMaxBreak
//     and FlashMin, or a pulse-length break within DigitGap of off-hook
//     is ignored as a glitch.
//   - Active-low inputs are inverted by the kernel, edges included.
//   - Ring detection counts active edges only; a detector stuck active
//     reports one ring that never ends until it pulses again.
package gpiocdev
