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
//   - Two gates look at 8 ms blocks: the detectors behind them only run
//     while the line carries more than a −50 dBm0 sine's power, is not
//     clipped by ringing, and has that power where their signals have
//     theirs. The block's energy and those of its first and second
//     differences tell: (u−a)(b−u) ≥ 0 on average, with u = 4·sin²(πf/Rate)
//     for every frequency f the block holds, when all of them lie between
//     the two whose u are a and b. The FSK demodulator's band is 920–2670
//     Hz; the DTMF and alert detectors' is 680–1790 Hz or 1920–2810 Hz.
//     Voiced speech (under 1 kHz) and fricatives (over 3 kHz) fail both
//     most of the time. A gate opens after two such blocks in a row, and
//     runs the two blocks kept before them too, so no onset is lost; the
//     FSK gate closes after 32 ms without one, the tone gate after 80 ms.
//     While a message or its channel seizure (two 0x55 bytes) comes in,
//     the FSK gate stays open without measuring and the DTMF and alert
//     detectors rest. An idle line costs a few operations per
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
// comes out with Err (so does a message followed by a second transmission
// with no break in the carrier, as in BenchmarkReceiver/fsk: exchanges
// drop the carrier between messages). Call Flush at the end of a stream.
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
//   - The NTT CRC (CRC-16, x¹⁶+x¹²+x⁵+1, bits LSB first as the UART sends
//     them, register starting at 0, no final inversion, low byte first on
//     the line) covers every character after DLE SOH up to ETX as sent:
//     the header 07, DLE STX, the message with doubled DLEs, DLE ETX, parity
//     bits in. That is how shipped number-display firmware checks it
//     (Murata's "ATLANTA FM336" fax, mdm_nd.c and mdm_nddt.c, 1998–2002,
//     public on GitHub), which confirms the polynomial, initial value and
//     orders too. No frame captured from an NTT exchange, nor NTT's
//     interface document itself, has been checked: DecodeNTT therefore
//     also accepts a CRC over the binary-synchronous coverage (no DLE
//     before STX or ETX, one DLE of each doubled pair), which an earlier
//     version sent, at the cost of one bit of the CRC's 16. Encode uses
//     the firmware's coverage. NTT's preamble (80 marks here) is not from
//     the document either.
//   - DTMF CLIP carries no checksum: a digit the DTMF detector misses
//     gives a shorter number, not an error. Only the start and end digits
//     and each variant's layout are checked.
//   - DTMF CLIP's D2# (Denmark: international) and D3# (unavailable) both
//     give NumberAbsence "O"; the digits stay in Raw.
//   - With white noise relative to the weaker tone and the carrier, baud
//     and twist at their limits (BenchmarkSensitivity), no transmission
//     of the sweep is lost at 10 dB SNR, about 2.5 % at 8 dB and 21 % at
//     6 dB (reported damaged, or not found). At 6 dB, of 594, two came
//     out as BT instead of ETSI (the mark run miscounted) and one as wrong
//     data: GR-30's and ETSI's 8-bit checksum lets about one damaged
//     message in 256 through, which no receiver can help.
//   - Below about −48 dBm0 the FSK squelch stays shut (GR-30 requires
//     rejecting −48.2 dBm); a line clipped by ringing is not listened to.
//   - The Receiver does not report alert tones, SAS or ring bursts as
//     events; LastAlert gives the last alert, and AlertDetector can be
//     run on its own.
package callerid
