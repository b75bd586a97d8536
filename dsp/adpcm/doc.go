// Package adpcm is the IMA ADPCM speech codec (IMA Digital Audio Focus and
// Technical Working Groups, "Recommended Practices for Enhancing Digital
// Audio Compatibility in Multimedia Systems", revision 3.00, 1992, also
// called DVI ADPCM): every 16-bit sample becomes a 4-bit code, 4:1 against
// linear PCM, 32 kbit/s at 8 kHz.
//
// # Concepts
//
// A State is what encoder and decoder agree on between two samples: the
// predicted sample and the index into the 89-entry step-size table. Each
// code adds or subtracts a multiple of the current step to the prediction
// and moves the index up (large codes) or down (small ones), so the step
// follows the loudness of the signal.
//
// EncodeChunk and DecodeChunk frame a run of samples so that it decodes
// on its own, with no state carried over from the chunk before: this is
// linetap's stored codec "adpcm" (see dsp/codec).
//
// # Chunk layout
//
//	offset  size  field
//	0       2     predictor: int16, little-endian — the decoder's predicted
//	              sample before the first code
//	2       1     step index: 0..88
//	3       1     flags: bit 0 set when the sample count is odd (the high
//	              nibble of the last byte is padding and must be 0); the
//	              other bits are 0
//	4       n     codes, two per byte, the earlier sample in the low nibble
//	              (the nibble order of IMA ADPCM in WAV files)
//
// A chunk of k samples is 4 + ⌈k/2⌉ bytes: 4,004 bytes a second at 8 kHz,
// 0.1 % above the bare 4 bits a sample.
//
// # Caveats
//
//   - The header carries no sample-rate or codec tag: the call record says
//     which codec and rate its chunks have.
//   - The encoder picks the first step index from the first eight samples'
//     differences, so a chunk that starts in a loud passage does not spend
//     its first milliseconds ramping up; a decoder never depends on that
//     choice, it reads the index from the header.
//   - IMA ADPCM follows the signal but not exactly: expect about 17–20 dB SNR
//     on speech (G.711 gives about 38), 21 dB on a 1 kHz tone, less near
//     4 kHz and on square waves, where the step lags the jumps.
package adpcm
