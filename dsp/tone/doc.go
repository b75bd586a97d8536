// Package tone synthesises and recognises the tones of a telephone line:
// sums of sines (AppendTone), call-progress tones switched by a cadence
// (Cadence), each country's tone plan (PlanFor), ringing as a line tap sees
// it (AppendRing), and a detector of dial tone, ringback, busy and reorder
// (ProgressDetector).
//
// # Concepts
//
// A Cadence is a set of frequencies and an on/off pattern; a Plan is one
// country's dial, ringback, busy and reorder cadences and its ringing. The
// ProgressDetector knows the frequency sets and cadences of every plan here
// and reports a ProgressEvent the first time it recognises one: dial tone
// after a steady second, ringback after one full on/off cycle, busy and
// reorder after three. Positions are sample indexes at dsp.Rate.
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
//   - SIT tones and special-information cadences are not recognised.
package tone
