// Package portaudio captures the line taps from a multichannel sound card
// through PortAudio (cgo, built with the `portaudio` tag) and delivers them
// as an hw.AudioSource at dsp.Rate (8 kHz).
//
// # Concepts
//
// Open picks a capture device by name ("rec", "hw:CARD=U18,DEV=0", or a
// unique part of a name) or by index, at the rate the card offers
// (Options.Rate, or the device's default rate), reads blocks through
// PortAudio's blocking API, and hands them to a Source.
//
// A Source is the device-independent part, built on a Stream (NewSource
// takes any Opener, so it is tested without a sound card):
//   - a channel map: output channel i is device channel Options.Channels[i];
//   - resampling of each channel to 8 kHz (dsp/resample: a polyphase FIR
//     whose output is aligned with its input, so no delay to correct);
//   - timestamps: a block's capture time is the time of the first frame
//     ever captured plus the count of 8 kHz frames delivered since, on
//     CLOCK_MONOTONIC — the clock of hw/gpiocdev's edge timestamps. The
//     first frame's time is the monotonic clock when the first block
//     arrived, less that block's length, the frames already waiting behind
//     it (Stream.Buffered: a late first read) and the stream's converter
//     latency (StreamFormat.Latency; 0 for PortAudio, whose InputLatency
//     is the buffer's capacity, not a delay);
//   - the capture buffer: Options.Buffer (DefaultBuffer, 500 ms) sizes
//     the driver's ring buffer, so a reader stalled for less loses
//     nothing; the period stays one block;
//   - xruns: PortAudio reports an input overflow (paInputOverflowed) on
//     the read after audio was dropped. The Source then compares the
//     frames it has produced with the monotonic clock and inserts silence
//     for the missing time, so recorded time never compresses; the gap is
//     logged, counted (Stats) and reported by Gaps (hw.GapReporter);
//   - a lost device (a read error, e.g. the USB card unplugged): an alarm
//     (Options.OnAlarm and an error log), silence delivered in real time
//     while Open is retried every Options.Retry, then recording resumes on
//     the same sample clock and the outage is reported as one gap.
//
// # Caveats
//
//   - The sample clock is the card's crystal and the gap arithmetic uses
//     CLOCK_MONOTONIC: the two drift apart by the card's error (typically
//     under 100 ppm, 0.36 s an hour). A slow card that stays more than
//     Options.MaxDrift behind the clock for DriftHold (1 s) gets silence
//     inserted (a gap, placed where it was found, up to DriftHold after
//     the loss); a card that is only late (a stalled board or VM) and
//     catches up within DriftHold gets none; a fast card is not
//     corrected, so over hours events may be placed up to its drift early. Reading a file faster than real time is "fast".
//   - A gap's length is known only to within one device block plus the
//     stream's latency.
//   - Without the `portaudio` build tag (or without cgo) Open returns
//     hw.ErrNotSupported; NewSource works everywhere.
//   - PortAudio's ALSA host API aborts in Pa_Initialize when the ALSA
//     configuration defines neither `default` nor `dmix` (Debian's 19.6).
//   - A card lost through PortAudio is never closed (PortAudio 19.6 and
//     19.7 alike): its ALSA host API stops a stream with snd_pcm_drop even
//     in Pa_StopStream, that fails on a disconnected card, and
//     Pa_CloseStream closes only after a successful stop (and has already
//     dropped the stream from the list Pa_Terminate would close). The
//     handle leaks, so a USB card's slot is never freed and a platform
//     card cannot be removed. Direct ALSA capture (being added, issue 6)
//     opens the card by its stable ALSA name ("hw:CARD=Loopback,DEV=1")
//     with alsa-lib, whose snd_pcm_close always closes the device, and
//     needs no rescan: any number of Sources, each reconnecting on its
//     own. PortAudio stays for other device names and for Devices.
//   - Only one PortAudio Source per process: reconnecting re-initialises
//     the library to rescan the devices.
//   - A read waits for a whole block by polling Pa_GetStreamReadAvailable,
//     never inside Pa_ReadStream: PortAudio's ALSA blocking read takes a
//     disconnected card's poll error for an overrun and retries forever
//     (the HIL's cardloss test). A card gone or silent for StallTimeout
//     (2 s) is lost; Close waits for at most that.
//   - Devices lists the capture devices (index, name, channels, default
//     rate) for the technician choosing source.device.
package portaudio
