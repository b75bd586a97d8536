// Package dtmf synthesises and detects DTMF (ITU-T Q.23 tones, Q.24
// receiver limits): AppendDigits writes key presses, and a Detector turns
// samples into Events, one per key press, with its first and last sample.
//
// # Detector
//
// Each of the eight frequencies is mixed to baseband in 5 ms sub-blocks
// whose phases share one time origin, so the sum of four consecutive
// sub-blocks is an exact 20 ms DFT of that frequency, and comparing two such
// windows 5 ms and 10 ms apart measures how far the tone is from its
// nominal frequency. Every 5 ms the strongest row and column are accepted
// when, in both the current window and the one 10 ms before it:
//   - each is within 2 % of nominal (Q.24 accepts ±1.5 %, rejects ±3.5 %),
//   - their level, corrected for that offset, is at least −40 dBm0 and the
//     twist is within −9…+5 dB (Q.24: −8…+4 accepted),
//   - together they carry at least 80 % of the window's energy,
//   - they are not two harmonics of one pitch with the neighbouring
//     harmonics present (voiced speech), measured over the last 30 ms with
//     a Hann window.
//
// Before any of that, two cheap bounds skip the filter bank: the window's
// energy must reach that of two tones at the minimum level, and the ratio
// Σ(x[n]−x[n−1])²/Σx², the power-weighted mean of 2−2cos ω, must be what
// a signal with 80 % of its energy in the DTMF band can have. Voiced
// speech (energy below 700 Hz), hiss and silence fail it, and each 5 ms
// sub-block's eight DFTs are only computed when a window that passed
// needs them.
//
// # Pending
//
// Pending is the early warning a PCI DSS masker acts on: every 5 ms the
// newest 10 ms are checked for a strong row and column tone carrying 70 %
// of the energy, and Pending holds from that suspicion (at most
// MaxPendingLatency after the tone's first sample) until 10 ms after the
// last suspicion or validated decision. Its start is placed 15 ms before
// the suspicion, which is never after the tone's first sample.
//
// A key press starts after two agreeing 5 ms decisions and ends after
// 45 ms without one, so a 10 ms dropout is bridged and a 40 ms pause is
// not. Start and End are estimated from how much of the window the tone
// filled at its first and last decisions, not from the decision times.
//
// # Caveats
//
//   - Tones shorter than about 30 ms are never reported; those between 30
//     and 40 ms may be (Q.24 allows either).
//   - A strong continuous interferer that is neither DTMF tone makes the
//     energy test fail, so digits under it are missed rather than misread.
//     Dial tone is tolerated only up to 10 dB below the weaker DTMF tone
//     (TestDialToneUnder); DOMAIN.md §2 asks for 22 dB above the minimum
//     accept level, which needs a dial-tone high-pass or the dial tone's
//     projection removed from each window: not done yet.
//   - Key presses whose estimated length is under 32 ms are dropped (Q.24
//     may reject below 40 ms): this is what keeps the talk-off corpus at
//     zero when a note and a formant briefly line up.
//   - A third tone is tolerated at −16 dB because the harmonic check needs
//     two neighbouring harmonics; a speech-like comb with only one strong
//     neighbour is not recognised as speech by it.
//   - Events are reported 45 ms after the key is released.
//   - Talk-off is measured on a generated corpus (scripts/talkoff.sh:
//     espeak-ng speech in 12 languages, sox music and noise, mixes; make
//     talkoff), not on the Bellcore/Mitel tapes, which are not distributed.
package dtmf
