// Package codec names the codecs linetap stores audio with and gives each a
// chunk-at-a-time Encode and Decode: "l16" (linear PCM), "pcmu" and "pcma"
// (G.711 µ-law and A-law, see dsp/g711), "adpcm" (IMA ADPCM, 4:1, see
// dsp/adpcm) and, in builds with the "opus" tag, "opus" (libopus, 8 kHz
// mono, 12 kbit/s, 20 ms frames; the chunk layout is on type Opus).
//
// Every chunk decodes on its own: a reader can start at any chunk, and a
// lost chunk costs only its own audio.
//
// # Caveats
//
//   - The set of codecs is a literal in codec.go; adding one means adding a
//     file here and a line there. Codecs that need a build tag come from
//     the variable optional, defined in opus.go (tag opus) and noopus.go
//     (without it); Unavailable says why a known codec is missing, so a
//     config can say "linetap was built without Opus" instead of
//     "unknown codec".
//   - Opus needs cgo and libopus (Debian: libopus-dev to build, libopus0 to
//     run). Its Encode cannot report an error (the Codec interface has
//     none): if libopus cannot allocate an encoder, the chunk it writes has
//     no packets and Decode reports it as corrupt.
//   - Opus starts a fresh encoder and decoder for every chunk, so that a
//     chunk decodes alone; the first frame of each chunk is a little worse
//     (once a second with the engine's batches).
//   - Opus is lossy in a way a waveform SNR does not measure: tests compare
//     correlation and exact sample counts, not samples.
//   - Storage written with "opus" cannot be played by a build without the
//     tag: Lookup returns ErrUnavailable for it.
package codec
