// Package dtmf synthesises and detects DTMF (ITU-T Q.23 tones, Q.24
// receiver limits): AppendDigits writes key presses, and a Detector turns
// samples into Events, one per key press, with its first and last sample.
//
// # Detector
//
// Samples first pass a 6th-order Chebyshev high-pass (600 Hz edge, about
// 30 dB down at 425–440 Hz) so that dial tone under a key press does not
// count against it; the speech check below uses the unfiltered samples.
// Each of the eight frequencies is mixed to baseband in 5 ms sub-blocks
// whose phases share one time origin, so the sum of four consecutive
// sub-blocks is an exact 20 ms DFT of that frequency, and comparing two such
// windows 5 ms and 10 ms apart measures how far the tone is from its
// nominal frequency. Every 5 ms the strongest row and column are accepted
// when, in both the current window and the one 10 ms before it:
//   - each is within 2 % of nominal (Q.24 accepts ±1.5 %, rejects ±3.5 %),
//   - their level, corrected for that offset, is at least −40 dBm0,
//   - together they carry at least 80 % of the window's energy,
//   - the twist is within −9…+5 dB (Q.24: −8…+4 accepted), measured at
//     the two measured frequencies over the last 30 ms with a Hann window,
//     so that neither the stronger tone's leakage nor the offset
//     correction moves it with the tone's alignment to the sub-blocks
//     (TestAlignmentSweep),
//   - they are not two partials of one comb with the neighbouring
//     partials present — the harmonics of voiced speech, or the odd
//     harmonics of a square- or triangle-like note — measured over the
//     same 30 ms with a Hann window, and neither tone on its own sits on
//     a comb of partials 94–406 Hz apart — one on each side within 18
//     dB of it; or one on each side within 24 dB, each a spectral peak
//     12 dB above the span's median bin, their spacings from the tone
//     equal within 8 Hz; or one next to it and another within five
//     spacings, each a spectral peak within 15 dB of it and no more than
//     12 dB above it (a harmonic of a voice lining up with a steady
//     note; a 256-point FFT of the span).
//
// The two decisions that begin a key press must also agree on the twist
// within 1.5 dB: a key press's twist is steady, a formant drifting past a
// note mostly is not.
//
// Before any of that, two cheap bounds skip the filter bank: the window's
// energy must reach that of two tones at the minimum level, and the ratio
// Σ(x[n]−x[n−1])²/Σx², the power-weighted mean of 2−2cos ω, must be what
// a signal with 80 % of its energy in the DTMF band can have. Voiced
// speech (energy below 700 Hz), hiss and silence fail it, and each 5 ms
// sub-block's DFTs are only computed when a window that passed needs
// them: the four columns first, the rows only when the strongest column
// could be part of a key press.
//
// # Pending
//
// Pending is the early warning a PCI DSS masker acts on: every 5 ms the
// newest 10 ms are checked for a strong row and column tone carrying 70 %
// of the energy, and Pending holds from that suspicion (at most
// MaxPendingLatency after the tone's first sample) until 10 ms after the
// last suspicion or validated decision. Its start is placed 15 ms before
// the first suspicion (or at the key press's Start, if that is earlier),
// which is never after the tone's first sample in the tests.
//
// A key press starts after two agreeing 5 ms decisions and ends after
// 45 ms without one, so a 10 ms dropout is bridged and a 40 ms pause is
// not. Start is where the sub-block energies show the tone began (no more
// than 15 ms before the first decision's estimate), End how much of the
// window the tone filled at the last decision.
//
// # Caveats
//
//   - Tones shorter than about 30 ms are never reported; those between 30
//     and 40 ms may be (Q.24 allows either).
//   - A strong continuous interferer above 600 Hz that is neither DTMF
//     tone makes the energy test fail, so digits under it are missed
//     rather than misread. Below 500 Hz (dial tone) the high-pass removes
//     it: 350+440 or 425 Hz at −14 dBm0 (22 dB above the −36 dBm0 accept
//     level) does not stop decoding (TestDialToneUnder).
//   - The receiver has two forms with the same results to rounding: on
//     x86-64 with AVX2 and FMA the high-pass, the sub-block DFT and the
//     raw energy run in assembly (highpass_amd64.s, dft_amd64.s,
//     energy_amd64.s; the algebra in highpass_vec.go and dft_vec.go);
//     elsewhere, and with -tags purego, in Go. On the development VM the
//     vector form did 17,600 s of speech and music per CPU second, 1.3–1.4
//     times spandsp's dtmf_rx measured alongside and 1.9 times the scalar
//     form (BENCHMARKS.md). The appliance's ARM CPUs run the scalar form:
//     there is no NEON form yet, and its speed on a Raspberry Pi is not
//     measured here. The high-pass runs on every sub-block louder than −50
//     dBm0 and is still the largest cost (about a third). Running it only
//     under steady low-frequency energy was tried on the scalar form and
//     not kept (hardly faster, worse under dial tone: BENCHMARKS.md).
//   - Start and End are corrected for the high-pass's group delay (1.5
//     ms at 697 Hz, less above) by a fixed amount per digit; what remains
//     is within the 10 ms the tests allow, usually a millisecond.
//   - Key presses whose length, as the decisions alone estimate it, is
//     under 32 ms are dropped (Q.24 may reject below 40 ms): most chance
//     alignments of a note and a formant are shorter.
//   - Talk-off is zero on the 117 minute corpus (scripts/talkoff.sh and
//     talkoff-hard.sh) and on the synthetic voices of
//     TestTalkOffVoiceOverNote held over a steady note on a DTMF
//     frequency (7.5 minutes; 4 false digits before the 24 dB comb tier).
//     BENCHMARKS.md.
//   - The comb checks count partials 15–24 dB under a tone: DTMF under
//     speech that loud is missed rather than misread (Pending, which the
//     masker uses, is not affected): with a voice 10 dB under each tone
//     about 88 % of key presses are decoded, 15 dB under all of them
//     (TestTalkDown); in white noise at 4 dB SNR per tone 86 % (100 % at
//     7.5 dB).
//   - A third tone is tolerated at −16 dB because the harmonic check needs
//     two neighbouring harmonics; a speech-like comb with only one strong
//     neighbour is not recognised as speech by it.
//   - Events are reported 45 ms after the key is released.
//   - Talk-off is measured on a generated corpus (scripts/talkoff.sh and
//     talkoff-hard.sh: espeak-ng speech in 28 languages and 40 voices, sox
//     music, chords in every key, sung vowels, noise, speech over music
//     and over notes on DTMF frequencies; make talkoff), not on the
//     Bellcore/Mitel tapes, which are not distributed.
package dtmf
