// Package callerid encodes, synthesizes, receives and decodes caller ID in
// every standard a line tap meets: Telcordia GR-30 SDMF and MDMF over Bell
// 202; ETSI EN 300 659-3 parameter messages over V.23 (EN 300 659-1); BT
// SIN227; DTMF CLIP in its national variants; NTT J-CLIP; and the
// dual-tone alerting signal (CAS, DT-AS) that announces off-hook (Type 2)
// caller ID.
//
// # Concepts
//
// A Message is one caller-ID message: its Standard, type, the convenience
// fields a recorder needs (DateTime, Number, Name, Redirecting and the
// absence codes, the message-waiting state), every parameter in order (MDMF,
// ETSI, NTT), the bytes or digits as received, and the preamble heard
// before it. Encode lays a Message out as its standard sends it: `type
// length body checksum` for GR-30, ETSI and BT; the whole DLE frame for
// NTT; DTMF digits for DTMF CLIP (EncodeDTMF picks the national variant).
// Decode, DecodeNTT and DecodeDTMF parse them and check checksum, parity
// and CRC.
//
// Synth turns a Message into the samples an exchange would send with the
// nominal preamble of its standard (DefaultOptionsFor); SynthOptions and
// SynthRaw change the level, twist, preamble, stop bits, physical layer or
// DTMF timing, or send damaged bytes on purpose. AppendAlert writes the
// 2130 + 2750 Hz alerting tone.
//
// A Receiver listens to one line and needs no configuration: it recognises
// the standard by what it hears.
//   - Two energy gates look at 8 ms blocks: the detectors behind them only
//     run while the line carries more than a −50 dBm0 sine's power, is not
//     clipped by ringing, and has enough of it at high frequencies (the
//     first difference's energy at least 0.7 of the block's for the FSK
//     demodulator, 0.3 for the DTMF and alert detectors, which voiced
//     speech mostly is not), from the block before the signal began until
//     80 ms after it ended. The DTMF and alert detectors also rest while
//     an FSK message is coming in. An idle line costs about three operations per
//     sample.
//   - FSK is demodulated once for Bell 202 and V.23 (they share the centre
//     frequency 1700 Hz) and told apart by the measured mark frequency.
//     A message starts after a channel seizure of at least 50 bits and 40
//     marks (GR-30, ETSI, BT), after a mark run of at least 50 bits with no
//     seizure when its first byte is a message type (GR-30 off-hook, Type
//     2), or at an NTT frame's DLE SOH. On V.23, fewer than 130 marks mean
//     BT (SIN227: ≥ 55), more mean ETSI (180 ± 25).
//   - A DTMF detector (dsp/dtmf) hears DTMF CLIP from its start digit (A, B
//     or D) to its end digit (C or #).
//   - An AlertDetector hears CAS / DT-AS; Receiver.LastAlert returns the
//     last one.
//
// A damaged message (checksum, CRC, parity, length, framing, cut short,
// digits no variant reads) comes out with Err set and its fields empty:
// never as good data. A good GR-30, ETSI or BT message is held until about
// 40 bit times (35 ms) after its last byte: bytes that follow on the same
// carrier at the same level mean its length byte was damaged, and then it
// comes out with Err. Call Flush at the end of a stream.
//
// # Caveats
//
//   - Bell 202 MDMF and ETSI messages share type bytes; only the physical
//     layer tells them apart, which is why Decode takes it as an argument.
//   - BT and ETSI are told apart by the mark run only: a BT transmission
//     with ETSI's 180 marks is reported as etsi-v23.
//   - A damaged message that began without a channel seizure (Type 2) is
//     reported only when an alert tone came up to 1.5 s before it: speech
//     can frame a mark run and a plausible first byte. Good Type 2
//     messages are always reported.
//   - The NTT CRC covers the header, STX, the message and ETX with their
//     parity bits, leaving out the DLEs that introduce STX and ETX and the
//     doubling DLEs: the binary-synchronous block-check convention, as we
//     read NTT's interface document. It has not been checked against a
//     capture from an NTT exchange. NTT's preamble (80 marks here) is not
//     from the document either.
//   - DTMF CLIP carries no checksum: a digit the DTMF detector misses
//     gives a shorter number, not an error. Only the start and end digits
//     and each variant's layout are checked.
//   - DTMF CLIP's D2# (Denmark: international) and D3# (unavailable) both
//     give NumberAbsence "O"; the digits stay in Raw.
//   - At 10 dB SNR (white noise, relative to the weaker tone) with the
//     carrier, baud and twist at their limits, about 1 % of transmissions
//     are lost: reported damaged, or (BT's short preamble) not found.
//   - Below about −48 dBm0 the FSK squelch stays shut (GR-30 requires
//     rejecting −48.2 dBm); a line clipped by ringing is not listened to.
//   - The Receiver does not report alert tones, SAS or ring bursts as
//     events; LastAlert gives the last alert, and AlertDetector can be
//     run on its own.
package callerid
