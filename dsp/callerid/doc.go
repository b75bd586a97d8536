// Package callerid encodes, synthesizes, receives and decodes on-hook
// caller-ID messages: Telcordia GR-30 SDMF and MDMF over Bell 202, and
// ETSI EN 300 659-3 parameter messages over V.23 (EN 300 659-1).
//
// # Concepts
//
// A Message is one caller-ID message: its Standard, type, the convenience
// fields a recorder needs (DateTime, Number, Name and their absence codes,
// the message-waiting state) and, for MDMF and ETSI, every parameter in
// order. Encode lays a Message out as bytes `type length body checksum`;
// Decode parses such bytes and verifies the checksum.
//
// Synth turns a Message into the samples an exchange would send on-hook:
// channel seizure, mark run, message, trailing marks. SynthOptions and
// SynthRaw let a test or the line simulator change the level, the preamble,
// the stop bits and the physical layer, or send damaged bytes on purpose.
//
// A Receiver listens to one line: it demodulates FSK, waits for the
// channel seizure followed by a mark run, frames one message by its length
// byte, tells Bell 202 from V.23 by the measured mark frequency, and
// returns a Message per transmission. A message that is damaged (checksum,
// length, framing, cut short) comes out with Err set and its fields empty:
// never as good data.
//
// A good message is held until about 40 bit times (35 ms) after its last
// byte: bytes that follow on the same carrier at the same level mean its
// length byte was damaged, and then it comes out with Err. Call Flush at the
// end of a stream for what is still held.
//
// # Caveats
//
// Bell 202 MDMF and ETSI messages share type bytes; only the physical
// layer tells them apart, which is why Decode takes it as an argument.
//
// The Receiver only reports a message after at least 80 bits of channel
// seizure and 40 mark bits, so it ignores off-hook (Type 2) caller ID,
// which has no seizure, and BT's shorter preambles below those figures.
//
// DTMF caller ID and NTT J-CLIP are not handled here.
package callerid
