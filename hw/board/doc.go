// Package board holds the wiring of the boards linetap runs on, as data:
// which sound-card channel, GPIO lines and ADC input belong to each phone
// line. Profiles are JSON files embedded from profiles/; `linetapd --board
// NAME` or the config's source.board applies one to the configured lines.
//
// # Concepts
//
// A Profile names the capture device (or, for a board with several sound
// cards, lists them as Cards in Devices, whose channels are numbered on
// from one card to the next) and lists, per phone line, a Line:
// its sound-card Channel, its GPIO inputs (hook, ring, polarity reversal;
// chip by name or label, offsets, active-low, bias, debounce) and/or its
// ADC input (an ADS1x15 on an I2C bus, for boards without optocouplers).
// The same GPIO and ADC types are the `gpio` and `adc` keys of a line in
// the linetapd config, so a config can wire lines by hand with the same
// words.
//
// Validate checks a profile and names the field of every error, as in
// `board rpi4: lines[2].gpio.hook: line 17 used twice (also lines[0].gpio.ring)`.
// Pinout renders a profile as the Markdown table in docs/hardware.md.
//
// # Caveats
//
//   - GPIO offsets are the chip's line offsets (on a Raspberry Pi, the BCM
//     numbers), not header pin numbers; Header only documents the pins.
//   - A profile cannot check that the named chip or card exists; that is
//     found when linetapd opens them.
package board
