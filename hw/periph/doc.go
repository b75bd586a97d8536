// Package periph senses phone lines by their voltage, for boards without
// optocouplers, and drives the appliance's hardware watchdog and status
// LED; the I2C ADC is reached through periph.io (ADS1x15 driver, sysfs
// I2C bus).
//
// # Concepts
//
// A Voltmeter reads one line's tip-ring voltage: NewADS1x15 returns one per
// line over an ADS1115's multiplexer input (datasheet SBAS444: Config
// register, pointer 01h, MUX bits 14:12 select the pair, PGA bits 11:9 the
// full-scale range; the Conversion register, pointer 00h, holds the signed
// result), scaled by the divider's ratio.
//
// A Monitor is the pure decoder of one line's voltage samples
// (DOMAIN.md §1):
//   - hook: |V| below the threshold is off-hook (loop current drops the line
//     to 6–12 V), above it on-hook (42–56 V); the threshold is the midpoint
//     of the measured on- and off-hook voltages, tracked as they drift, with
//     a hysteresis of a tenth of their difference; a change must last
//     HookTime;
//   - polarity reversal: the sign of tip−ring changes for 64 ms (DAHDI);
//   - line dead: |V| below 3 V for 64 ms raises an alarm, cleared when the
//     battery is back; hook and polarity are not judged while dead;
//   - ringing: jumps of at least RingSwing/2 between samples, alternating
//     up and down three times with no more than RingWindow between them, are
//     ringing (RingOn, dated at the first jump); a single jump is a
//     reversal or a hook change. RingHold after the last jump the ring has
//     ended (RingOff, dated at the last jump); hook and polarity are not
//     judged while it rings.
//
// A Sensor polls a Voltmeter per line every Interval, runs their Monitors
// and is an hw.LineSensor; Voltage gives the technician the live reading.
//
// Watchdog keeps /dev/watchdog fed (Linux watchdog API: any write is a
// keep-alive, 'V' before close disarms it); LED drives a
// /sys/class/leds/NAME entry.
//
// # Caveats
//
//   - Polling is in software (the ADS1115 converts in 1.2 ms at 860 SPS): a
//     sample's time is when its conversion was read, not a kernel edge
//     timestamp, so events are placed to within one Interval.
//   - Ringing is sampled far below its frequency: only its swing is seen,
//     and pulse dialling is not decoded from the voltage.
//   - The divider and its protection must keep the ADC inputs within its
//     supply (−0.3 V..VDD+0.3 V): ringing peaks reach ±200 V on the line.
package periph
