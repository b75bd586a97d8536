// Package g711 is ITU-T G.711 companding: 16-bit linear samples to 8-bit
// µ-law and A-law codes and back, computed from the segment structure of
// the Recommendation's Tables 1a and 2a rather than looked up.
//
// # Caveats
//
//   - Encoding drops the bits the Recommendation does not carry: µ-law
//     works on s>>2 (14 bits) and A-law on s>>3 (13 bits), both rounding
//     towards −∞ as the Recommendation's decision values do.
//   - µ-law has two zero codes; 0x7F (negative zero) decodes to 0, which
//     encodes as 0xFF, so it is the one code that does not survive a
//     decode–encode round trip.
//   - Decoding returns the interval midpoint, so the largest µ-law output is
//     ±32124 and the largest A-law output ±32256.
package g711
