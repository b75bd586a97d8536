// Package fsk is the binary frequency-shift-keyed modem of on-hook caller
// ID: Bell 202 (Telcordia GR-30, TIA-716) and ITU-T V.23 as used by
// ETSI EN 300 659-1, both at 1200 baud on 8 kHz samples (dsp.Rate).
//
// # Concepts
//
// A Params names a physical layer: the mark (binary 1) and space (binary 0)
// frequencies and the baud rate. Bell202 and V23 are the two in use; tests
// build off-nominal ones (carrier or baud ±1 %) the same way.
//
// A Modulator is a phase-continuous transmitter with fractional bit timing:
// a bit lasts exactly dsp.Rate/Baud samples on average (6⅔ at 1200 baud) and
// the frequency changes at the bit boundary's exact instant, inside a sample
// if need be, so the waveform is what an analogue modem would have drawn.
//
// A Demodulator turns samples back into asynchronous bytes (one start bit,
// eight data bits LSB first, one or more stop bits). It needs no mixer and
// no filter: two non-coherent correlators, on the mark and the space tone,
// run straight on the samples with a triangular window about 1⅓ bits long
// (9 samples at 1200 baud), which keeps the mirror image of its own tone
// (at negative frequency) under −24 dB and smooths the decision value
// against noise. Each correlator is two integrators and two combs in integer
// arithmetic (which cannot drift), its real and imaginary parts packed in
// one int64 so that one operation serves both; the integrators run on
// every sample, the combs and the energies only where a decision is
// taken, every second sample. The sign of the energy difference is the
// bit. A UART state machine resynchronises on every start bit's leading
// edge (interpolated between decisions), decides each bit at its middle,
// and moves the remaining decisions by half the timing error of every
// transition inside the character, so that carrier and baud offsets do not
// push the last bits off centre. Twist (one tone louder) moves every
// crossing of the decision value; once a burst's mark level (from a mark
// run) and space level (from a start bit) are known, the crossings are
// moved back. Each Byte carries the sample position of its start bit,
// whether the stop bit was missing, how many idle mark bits came before
// it, the mean frequency of that idle run (the mark correlator's phase
// step over a whole window, so that noise, uncorrelated between windows
// that do not overlap, cannot pull it; from it a caller tells Bell 202's
// 1200 Hz mark from V.23's 1300 Hz), which carrier burst it belongs to
// and its level. Receiving 256 bytes, it makes no error at 20 dB SNR; a
// caller-ID message survives 10 dB.
//
// # Caveats
//
// Bell 202 and V.23 share the centre frequency 1700 Hz, so either
// Demodulator also decodes the other's signal; tell them apart by
// Byte.MarkHz, not by which demodulator produced bytes.
//
// The Demodulator has a squelch: below about −48 dBm0 (GR-30 requires
// rejecting −48.2 dBm) it reports no bytes and forgets the idle run.
//
// The Demodulator frames any signal it is given, noise included; deciding
// whether bytes are data is the job of the protocol above (dsp/callerid
// looks for the channel-seizure and mark preamble and checks a checksum).
//
// The correlators sit on the layer's tones rounded to 100 Hz (the table
// of e^{-jωk} repeats every 80 samples); any layer near 1700 Hz is heard,
// but MarkHz is only measured within ±400 Hz of the mark correlator.
//
// Levels are measured at the bits' centres, where the window holds mostly
// one bit: a byte's LevelDBm0 is within about 1 dB of the tones' level.
//
// NTT J-CLIP's 7 data bits plus even parity come out as eight data bits,
// the parity in bit 7; dsp/callerid checks it.
//
// The Modulator's SetTwist makes the space tone louder or quieter than the
// mark, for tests of a receiver's twist range.
package fsk
