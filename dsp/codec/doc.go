// Package codec names the codecs linetap stores audio with and gives each a
// chunk-at-a-time Encode and Decode: "l16" (linear PCM), "pcmu" and "pcma"
// (G.711 µ-law and A-law, see dsp/g711).
//
// # Caveats
//
// The set of codecs is a literal in codec.go; adding one means adding a file
// here and a line there.
package codec
