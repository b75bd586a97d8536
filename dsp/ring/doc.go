// Package ring finds ringing in the audio of an AC-coupled line tap, for
// lines whose ring is not sensed by an optocoupler, and for recordings.
//
// # Concepts
//
// Ringing (40–105 Vrms at 15–25 Hz, DOMAIN.md §1) is 40 dB or more above
// speech and drives the tap's ADC into clipping, so the rule is about peaks,
// not frequencies (the DAHDI rule of DOMAIN.md §1): a peak is an excursion
// beyond ±Threshold (10 000 LSB) of the opposite sign to the previous peak;
// peaks 10–50 ms apart form a run; a run of more than five peaks (MinPeaks =
// 6) that has lasted Debounce (64 ms) is ringing; ringing ends after 50 ms
// (MaxGap) without a peak. One addition to the rule: an excursion counts
// only once it has stayed beyond the threshold for MinExcursion (2 ms),
// which clipped ringing does for most of each half-cycle and a voice-band
// tone never does (a loud 350+450 Hz dial tone otherwise crosses ±10 000
// once per 10 ms beat, alternating, and rings).
//
// A Detector reports one Event per ring burst: Start is the first peak of the
// run (the ringing voltage is switched on at a zero crossing and clips the
// ADC within a sample), End is one mean peak interval after the last peak,
// where the next half-cycle would have begun. A UK double ring is two Events.
// Cadence is then the caller's business: Events of one call are a few seconds
// apart.
//
// # Caveats
//
//   - A burst is measured from the ringing voltage's first to last half-cycle;
//     the coupling capacitor's discharge after it, and the high-pass filter's
//     phase lead, put End up to about 25 ms after the voltage was removed.
//     tone.AppendRing removes the voltage tone.RingTail before the end of the
//     duration it is given, so a burst of d synthesized with it measures
//     about d − RingTail.
//   - Ringing below ±10 000 LSB (a tap with a large attenuator) is not seen;
//     the threshold is a constant of the DAHDI rule, not adapted.
//   - Ringing faster than 50 Hz (peaks under 10 ms apart) or slower than
//     10 Hz is not ringing by this rule; DOMAIN.md's frequencies are 16–50 Hz.
//   - Loud speech or tones that alternate beyond ±10 000 LSB at 10–50 Hz for
//     64 ms (clipped, low-pitched shouting) could ring; ordinary speech
//     alternates at pitch rates above 80 Hz and is rejected.
package ring
