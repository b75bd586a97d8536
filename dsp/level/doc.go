// Package level measures how loud a line is: a Meter (sliding-window RMS in
// dBm0, peak and clip count, for the live view and the input-gain check)
// and a VAD (voice activity with a hangover, for VOX recording).
//
// # Caveats
//
//   - The VAD is an energy detector: steady line noise or hum above its
//     threshold counts as activity, so the threshold must sit above the
//     line's noise floor (the Meter shows it).
//   - VAD decisions are per 10 ms frame; a hangover is rounded down to
//     whole frames, and activity starts after two loud frames (20 ms).
//   - Peak and Clipped count since Reset, not over the window.
package level
