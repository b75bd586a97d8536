// Package resample converts a stream of 16-bit samples at any common sound
// card rate (11.025, 16, 22.05, 32, 44.1, 48, 96 kHz …) to dsp.Rate, the
// 8 kHz every linetap detector runs at.
//
// # Concepts
//
// A Resampler is a rational L/M polyphase FIR: the input is conceptually
// upsampled by L (zeros between samples), low-pass filtered at the high rate
// and kept every M-th sample, where L/M = 8000/rate in lowest terms. Only the
// taps that meet a real input sample are computed, so an output sample costs
// about rate/150 multiply-adds (320 at 48 kHz).
//
// The filter is a windowed sinc designed in code when the Resampler is made:
// cut-off 3.7 kHz, Kaiser window for 70 dB of attenuation over a 3.4–4.0 kHz
// transition band. So the passband reaches 3.4 kHz (the top of the telephone
// band, ITU-T G.712) with a ripple under 0.01 dB, and everything at or above
// 4 kHz — which would alias into the band — is attenuated by at least 60 dB
// (the tests measure both on sines at every supported rate).
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
//   - Rates below 8 kHz, and rates whose ratio to 8 kHz needs more than
//     MaxPhases polyphase branches (odd rates such as 44 057 Hz), are refused
//     with ErrRate.
//   - At 8 kHz the Resampler copies samples through unfiltered.
//   - The 3.4–4 kHz transition band is attenuated progressively: a tone at
//     3.7 kHz comes out about 6 dB down.
//   - Output is rounded and clipped to 16 bits; an input near full scale with
//     strong content above 4 kHz can clip after filtering (Gibbs overshoot).
package resample
