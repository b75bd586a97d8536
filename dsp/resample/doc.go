// Package resample converts a stream of 16-bit samples at any common sound
// card rate (11.025, 16, 22.05, 32, 44.1, 48, 96 kHz …) to dsp.Rate, the
// 8 kHz every linetap detector runs at.
//
// # Concepts
//
// A Resampler is one or two rational L/M polyphase FIR stages: the input is
// conceptually upsampled by L (zeros between samples), low-pass filtered at
// the high rate and kept every M-th sample. Only the taps that meet a real
// input sample are computed. A rate above 16 kHz is first brought to 16 kHz
// by a stage that only has to stop what would fold below 4 kHz (from 12 kHz
// up: a wide transition, few taps); the narrow 3.4–4 kHz transition is then
// cut by a second stage from 16 to 8 kHz. An output sample costs about 180
// multiply-adds from 48 kHz (Taps reports it), half of what one stage would.
//
// Each filter is a windowed sinc designed in code when the Resampler is
// made: Kaiser window for 70 dB of attenuation, cut-off in the middle of the
// transition band (3.4–4 kHz, or 3.4–12 kHz for the first of two stages).
// So the passband reaches 3.4 kHz (the top of the telephone band, ITU-T
// G.712) with a ripple under 0.01 dB, and everything at or above 4 kHz —
// which would alias into the band — is attenuated by at least 60 dB (the
// tests measure both on sines every 100 Hz in the passband and every
// 125–500 Hz in the stopband at every supported rate: ripple
// ±0.004 dB, stopband 71 dB or more).
//
// The output is aligned with the input: the filter's delay is removed by
// dropping the first output samples, so output sample n is the input's value
// at time n/8000 s. Flush then emits the tail, so a whole stream of N input
// samples gives ⌈N·8000/rate⌉ output samples.
//
// Process is streaming — block in, block out, state kept across blocks of any
// size — and allocates nothing when the output slice has room (MaxOut).
//
// # Caveats
//
//   - Rates below 8 kHz or above 384 kHz (MaxRate), and rates whose ratio
//     to 8 or 16 kHz needs more than MaxPhases polyphase branches (odd
//     rates such as 44 057 Hz), are refused with ErrRate.
//   - At 8 kHz the Resampler copies samples through unfiltered.
//   - The 3.4–4 kHz transition band is attenuated progressively: a tone at
//     3.7 kHz comes out about 6 dB down.
//   - Output is rounded and clipped to 16 bits; an input near full scale with
//     strong content above 4 kHz can clip after filtering (Gibbs overshoot).
package resample
