// Package codec names the codecs linetap stores audio with and gives each a
// chunk-at-a-time Encode and Decode: "l16" (linear PCM), "pcmu" and "pcma"
// (G.711 µ-law and A-law, see dsp/g711).
//
// # Caveats
//
// Codecs are registered by this package's own files; adding one means adding
// a file here, not calling a registration function from elsewhere.
package codec
