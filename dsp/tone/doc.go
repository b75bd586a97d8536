// Package tone synthesises and recognises the tones of a telephone line:
// sums of sines (AppendTone), call-progress tones switched by a cadence
// (Cadence), each country's tone plan (PlanFor), ringing as a line tap sees
// it (AppendRing), special information tones (SIT), and a detector of dial
// tone, ringback, busy, reorder and SIT (ProgressDetector).
//
// # Concepts
//
// A Cadence is a set of frequencies and an on/off pattern; a Plan is one
// country's dial, ringback, busy and reorder cadences and its ringing. The
// ProgressDetector knows the frequency sets and cadences of every plan here
// and reports a ProgressEvent the first time it recognises one: dial tone
// after a steady second, ringback after one full on/off cycle, busy and
// reorder after three (or, with ProgressOptions.BusyCycles 2, after two
// whose segments are within ±7 % of nominal), SIT after its third
// segment. Positions are sample indexes at dsp.Rate.
//
// # Analysis
//
// Samples are collected in 10 ms sub-blocks; a sub-block quieter than a
// −40 dBm0 tone is not analysed. Otherwise one pass of register-held
// Goertzel recursions gives every plan frequency (phase-aligned to one
// time origin by a table, so five sub-blocks sum to an exact 50 ms DFT)
// and the three SIT frequencies (10 ms bins, ±100 Hz wide, so the SIT
// tolerance of ±50 Hz costs at most 3.9 dB).
//
// # Busy after two cycles
//
// A far-end hang-up is heard as busy (or reorder) 1–2 s after the far end
// goes on-hook; three cycles of US busy take 3 s. BusyCycles 2 reports it
// a cycle sooner, with every one of the four segments within ±7 % (plus
// 10 ms) of nominal; TestBusyFalseAlarm and the talk-off corpus (make
// talkoff, figures in BENCHMARKS.md) measure the false alarms of both
// rules on speech and music.
//
// # Caveats
//
//   - Only the US figures are from DOMAIN.md §4 in full. Other countries'
//     levels are a plausible −13 dBm0 (dial) / −19 dBm0 (others), and their
//     frequencies and cadences are from ITU-T E.180 Suppl. 2 as summarised
//     in plan.go; modulated tones (JP ringback, AU dial and ringback) are
//     synthesised unmodulated.
//   - Cadences that are the same in two plans cannot be told apart: FR, JP
//     and AU congestion are their busy tone and are reported as busy. Where
//     two plans differ slightly (SE busy 425 Hz 0.25/0.25, DE congestion
//     0.24/0.24) the closer fit wins, which noise or a drifting tone plant
//     can tip either way.
//   - A 425 Hz or 440 Hz steady tone is recognised as dial only once it has
//     outlasted the longest ringback burst of those frequencies (about 1.2 s
//     and 1.8 s), so that a ringback burst is not taken for dial tone.
//   - AppendRing models the tap as a first-order 30 Hz high-pass in front of
//     a clipping ADC; a real tap's transformer and protection differ in
//     detail, not in kind (hard clipping and a decaying offset).
//   - SIT is recognised from its three ascending tones alone; which SIT
//     it is (vacant code, reorder, no circuit…: the segment lengths and
//     frequency choices) is not decoded, and a SIT whose segments are
//     separated by more than 40 ms of silence is not recognised.
//   - BusyCycles 2 trusts four segments; a cadence 7–20 % off nominal
//     still needs three cycles.
package tone
