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
// eight data bits LSB first, one or more stop bits). It mixes the signal
// down around the centre frequency (Mark+Space)/2 and low-pass filters it,
// then runs two non-coherent matched filters, one bit long, on the mark and
// space tones; the sign of their energy difference is the bit. A UART state
// machine resynchronises on every start bit's leading edge (interpolated
// between samples), decides each bit at its middle, and moves the
// remaining decisions by half the timing error of every transition inside
// the character, so that carrier and baud offsets do not push the last
// bits off centre. Twist (one tone louder) moves every crossing of the
// decision value; once a burst's mark level (from a mark run) and space
// level (from a start bit) are known, the crossings are moved back. Each Byte carries the
// sample position of its start bit, whether the stop bit was missing, how
// many idle mark bits came before it, the mean frequency of that idle run
// (measured by a phase-step discriminator over the whole run, from which a
// caller tells Bell 202's 1200 Hz mark from V.23's 1300 Hz), which carrier
// burst it belongs to and its level. Receiving 256 bytes, it makes no error
// at 20 dB SNR; a caller-ID message survives 10 dB.
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
// MarkHz is pulled towards the centre frequency by in-band noise (by about
// 25 Hz at 10 dB SNR), which still leaves Bell 202 and V.23 apart.
//
// NTT J-CLIP's 7 data bits plus even parity come out as eight data bits,
// the parity in bit 7; dsp/callerid checks it.
//
// The Modulator's SetTwist makes the space tone louder or quieter than the
// mark, for tests of a receiver's twist range.
package fsk
