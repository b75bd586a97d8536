// Package hw defines the two interfaces through which linetap meets its
// hardware: an AudioSource (the multichannel sound card that the line taps
// feed) and a LineSensor (the optocouplers or ADC that sense each line's DC
// state). Backends live in subpackages named after what they wrap: hw/sim
// (a simulated line bank), hw/wavfile (a recorded WAV replayed as a sound
// card), hw/portaudio (a sound card through PortAudio), hw/gpiocdev
// (optocouplers on GPIO lines) and hw/periph (line voltage through an I2C
// ADC); hw/board holds the boards' wiring as data.
//
// A source that can lose audio (an overrun, a card unplugged) fills the
// lost time with silence of the same length and reports it as a Gap
// through GapReporter, so that recorded time never compresses.
//
// # Time
//
// Audio blocks and line events carry timestamps on one monotonic clock
// (time.Duration since an arbitrary origin). The call engine places an event
// on a sample position by comparing its timestamp with the capture time of
// the block around it, so events may arrive late without being misplaced,
// as long as they are no older than the engine's pre-roll buffer.
//
// # Caveats
//
// A backend's Close must unblock a pending Read, because the engine reads
// from one goroutine and closes from another.
package hw
