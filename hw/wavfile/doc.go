// Package wavfile replays a recorded multichannel WAV file as an
// hw.AudioSource, so that the recorder can be run, demonstrated and tested on
// real captures without a sound card.
//
// # Audio
//
// The file must hold 16-bit linear PCM (WAVE_FORMAT_PCM, or
// WAVE_FORMAT_EXTENSIBLE with 16-bit samples as sox writes for more than two
// channels). Each channel of the file is one phone line, interleaved frame by
// frame exactly as the Source's Read returns them. The RIFF/WAVE headers are
// parsed with github.com/go-audio/wav; the samples of the data chunk are read
// directly, block by block, without allocating.
//
// Read timestamps are virtual: the first frame of the file is at
// Options.Origin and frame n at Origin + n/rate. With Options.Realtime, Read
// is paced to the wall clock (or to an injected Sleep, for tests), as a sound
// card would deliver the frames; otherwise it returns as fast as the file can
// be read.
//
// # Line events
//
// A sidecar text file can supply the line events that a DC sense circuit
// would have reported while the WAV was captured. One event per line:
//
//	# seconds  line  kind
//	1.25       0     ring-on
//	3.250      0     ring-off
//	9.5        0     off-hook
//
// seconds is a non-negative decimal offset from the first frame of the WAV
// (at most nine fractional digits, so it is exact to the nanosecond), line is
// the 0-based channel, and kind is an hw.EventKind name (ring-on, ring-off,
// off-hook, on-hook, polarity-reversal). Fields are separated by blanks; '#'
// starts a comment; blank lines are ignored. ParseEvents reads this format
// and WriteEvents writes it.
//
// The Source is also the hw.LineSensor of the replay. Its contract matches
// hw/sim: every event whose Time falls inside a block is sent on the Events
// channel before Read returns that block, so the engine can drain the channel
// after each Read and place each event on its sample. Events at or after the
// end of the file are sent before the last block.
//
// # Caveats
//
// Only 16-bit PCM is replayed; 8-, 24- and 32-bit and floating-point files are
// refused with an error naming their format rather than converted. The file's
// own sample rate is reported by Format; the engine refuses rates other than
// dsp.Rate. The Events channel is buffered for every event of the sidecar, so
// a Read never waits for the engine to drain it.
package wavfile
