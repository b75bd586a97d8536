// Package dsp holds the signal processing of linetap: units and level
// conversions here, and one subpackage per job — g711 (companding), adpcm
// (IMA ADPCM), codec (the stored-audio codecs by name), dtmf, fsk and
// callerid (caller-ID modems, messages and alert tones in every standard),
// tone (tone and ring synthesis, call-progress detection), ring (ringing
// seen in the audio of an AC-coupled tap), level (meter and voice
// activity), resample (any rate to 8 kHz).
//
// Everything under dsp is pure: samples in, events out, time as sample
// positions (int64 sample index from the start of a stream). No I/O, no
// logging, no clocks.
//
// # Levels
//
// Levels are in dBm0: a full-scale 16-bit sine is +3.14 dBm0, so −42 dBm0 is
// about 180 LSB peak.
//
// # Caveats
//
// Detectors are written for 8 kHz (Rate); callers resample first.
package dsp
