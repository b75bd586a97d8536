// Package portaudio captures the line taps from a multichannel sound card
// (cgo, built with the `portaudio` tag) and delivers them as an
// hw.AudioSource at dsp.Rate (8 kHz): directly through alsa-lib for an
// ALSA device name or a PortAudio name of an ALSA hardware device,
// through PortAudio for anything else.
//
// # Concepts
//
// Open picks the capture device by name and opens it at the rate the card
// offers (Options.Rate, or the card's default):
//   - a USB port name ("usb:1-1.2" or "usb:1-1.2,DEV=n", ParseUSBName; the
//     port's path as the kernel writes it) names the card plugged into
//     that port: the card whose SysRoot/class/sound/cardN/device link
//     leads to a USB interface of the port (a path segment
//     "1-1.2:1.0": port, configuration, interface; ResolveUSB). It is
//     opened by its id as "hw:CARD=id,DEV=n" is (below, "plughw:" when
//     the card offers neither S16_LE nor S32_LE), and every reopen after
//     a loss resolves the port again: the card comes back on its port at
//     whatever number and id the kernel gives it. This is the way to
//     name identical cards, whose ids (Device, Device_1) follow the
//     order the kernel probed them in (SwappableIDs finds such names;
//     Devices gives each card's port name in Device.USB);
//   - an ALSA PCM name (ALSAName: "hw:CARD=U18,DEV=0", "plughw:…", or
//     "alsa:NAME" for any PCM of the ALSA configuration) is opened with
//     alsa-lib's snd_pcm_open, interleaved S16_LE (or S32_LE, kept to its
//     top 16 bits), non-blocking, read with snd_pcm_readi once
//     snd_pcm_avail says a whole block is there. With Options.Rate 0 the
//     first of 8, 16, 48, 44.1, 32 and 96 kHz the card takes is used, else
//     the card's rate nearest 48 kHz.
//     This is the way for a USB card: named by its ALSA id (CARD=…), it is
//     found again when it comes back at another card index, and each
//     Source owns its handle, so any number of cards record side by side
//     (one Source each), each lost and reconnected on its own;
//   - any other name is a PortAudio device's ("USB Audio Device: - (hw:1,0)",
//     as `linetapd --list-devices` shows it, or a unique part of it), or
//     Options.Index chooses one: it is resolved in PortAudio's device list
//     (the exact name, else the one device whose name contains it; no
//     match or several is ErrNoDevice naming the capture devices). When the
//     device is an ALSA hardware device — PortAudio's ALSA host API ends
//     its name with "(hw:N,M)" — it is opened as the ALSA name
//     "hw:CARD=id,DEV=M" would be (above), id being card N's id, read from
//     /proc/asound/cardN/id, and the name is logged once at Info: from then
//     on the card is reopened by its id, so it comes back after an unplug
//     at whatever number. Why "hw:", and "plughw:" for some cards:
//     PortAudio opens "hw:N,M" (not "plughw:", unless PA_ALSA_PLUGHW is
//     set) and converts whatever integer or float format the card offers
//     (24-bit packed S24_3LE included, which many USB Audio Class 2 cards
//     offer alone) in its own code, while the ALSA path reads S16_LE or
//     S32_LE only: a card that offers neither is opened as
//     "plughw:CARD=id,DEV=M", whose plug layer converts the format. Both
//     ask for the rates the card has: PortAudio does not resample on a
//     "hw:" device and the ALSA path asks the plug layer not to, so the
//     same rates are accepted. With Options.Rate 0 the ALSA path's choice
//     above applies (8 kHz first, where PortAudio took its default rate,
//     44.1 kHz where the card has it: the Source resamples either). The
//     channels are checked against PortAudio's count, with its error,
//     and that many are opened. "hw:" is preferred whenever it works:
//     only a hardware PCM runs on through an overrun (Caveats);
//   - any other PortAudio device (default, sysdefault, pulse, dmix,
//     dsnoop, a PCM of the ALSA configuration: no "(hw:N,M)") is captured
//     through PortAudio's blocking API.
//
// Source.PCM says which path Open took: the ALSA PCM captured from, or ""
// for PortAudio (linetapd's technician page and its warning about several
// PortAudio cards go by it).
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
//   - xruns: the stream reports an overflow (PortAudio's
//     paInputOverflowed, alsa-lib's EPIPE or a count past the buffer) on
//     the read after audio was dropped. The Source then compares the
//     frames it has produced with the monotonic clock and inserts silence
//     for the missing time, so recorded time never compresses; the gap is
//     logged, counted (Stats) and reported by Gaps (hw.GapReporter);
//   - a lost device (a read error, e.g. the USB card unplugged: alsa-lib's
//     snd_pcm_avail fails with ENODEV at once): the stream is closed, an alarm
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
//     corrected, so over hours events may be placed up to its drift
//     early. Reading a file faster than real time is "fast".
//   - A gap's length is known only to within one device block plus the
//     stream's latency.
//   - Without the `portaudio` build tag (or without cgo) Open returns
//     hw.ErrNotSupported; NewSource works everywhere.
//   - PortAudio's ALSA host API aborts in Pa_Initialize when the ALSA
//     configuration defines neither `default` nor `dmix` (Debian's 19.6).
//   - A card captured through PortAudio does not come back once lost
//     (PortAudio 19.6 and 19.7 alike): its ALSA host API stops a stream
//     with snd_pcm_drop, in Pa_StopStream too (AlsaStop forces abort),
//     which fails on a disconnected card; Pa_CloseStream closes only
//     after a successful stop, and has by then taken the stream off the
//     list Pa_Terminate would close. The handle leaks: a USB card's slot
//     is never freed, a platform card (snd-aloop) cannot be removed, and
//     the card does not come back until linetapd restarts. alsa-lib's
//     snd_pcm_close closes the device whatever its drop says (the HIL's
//     cardloss test: the loopback unbound, reloaded as another card,
//     recording resumed), and Open takes that path by itself for every
//     PortAudio device that is a hardware device. What still goes through
//     PortAudio, and so still does not come back: a device without
//     "(hw:N,M)" — default, sysdefault, pulse, dmix, dsnoop, or a PCM of
//     the ALSA configuration over a USB card — and a hardware device whose
//     card id cannot be read from /proc/asound; Open warns for each. Name
//     such a card by its ALSA name ("hw:CARD=id,DEV=0", or "alsa:NAME"
//     for a PCM of the configuration, reopened by that name).
//   - A PortAudio name is resolved once, at Open, by PortAudio's rules: a
//     configured name that includes the card's number ("… (hw:1,0)")
//     matches nothing once the card is at another number when linetapd
//     starts (ErrNoDevice). Configure a part without the number ("USB
//     Audio Device"), or the ALSA name.
//   - Two identical cards get the ids "Device" and "Device_1" in the order
//     the kernel finds them; a card named by its id, or resolved from its
//     PortAudio name (and reopened by the id it had at Open), may after an
//     unplug, or a reboot, be its twin. Name such cards by USB port
//     ("usb:PORT"), or give each port its own id with a udev rule.
//   - A USB port name is only as stable as the wiring: a card moved to
//     another port is not found (ErrNoDevice, naming the ports that do
//     carry cards), and its twin moved onto its port is taken for it. A
//     port holding a hub, or a USB device with several sound cards on one
//     port, is refused (ErrOptions, naming the cards' ports or
//     interfaces). Between the lookup in sysfs and snd_pcm_open the card
//     could be replaced (an unplug in that instant); the open then
//     fails or, at worst, opens the card that took the id, until the next
//     loss. The lookup reads sysfs (SysRoot), so it needs /sys mounted.
//   - Only one Source through PortAudio per process: reconnecting
//     re-initialises the library to rescan its device list (Pa_Initialize
//     counts, so with another PortAudio stream open nothing is rescanned
//     and a card back at another index is not found). Sources through
//     alsa-lib, by ALSA name or resolved from a PortAudio name, share
//     nothing and may be many.
//   - The ALSA path silences alsa-lib's error messages process-wide
//     (snd_lib_error_set_handler): a reconnect loop would print one every
//     Options.Retry. Its errors are returned and logged instead.
//   - An overrun on a hardware ALSA PCM ("hw:") costs only the audio the
//     card overwrote: the card runs on (stop threshold at the boundary),
//     the frames past the buffer's capacity and a margin of two periods
//     are skipped (snd_pcm_forward), and the rest of the buffer is read
//     (the HIL's overrun run: linetapd stopped 1.5 s, a 1.056 s gap with
//     a 500 ms buffer). Other PCMs ("plughw:" too), and PortAudio, stop
//     on an overrun and lose the buffer too (1.517 s there).
//   - The ALSA path asks alsa-lib not to resample (a "plughw:" name
//     still converts formats and channels); a card that offers neither
//     S16_LE nor S32_LE, named the ALSA way, needs a "plughw:" name (named
//     the PortAudio way, Open chooses it).
//   - A read waits for a whole block by polling the readable count
//     (snd_pcm_avail, Pa_GetStreamReadAvailable), never inside a blocking
//     read: PortAudio's ALSA blocking read takes a disconnected card's
//     poll error for an overrun and retries forever (the HIL's cardloss
//     test). A card gone or silent for StallTimeout (2 s) is lost; Close
//     waits for at most that.
//   - Devices lists every card's capture PCMs by ALSA name (index -1,
//     with their USB port name when on USB, their most channels and the
//     rate Open would choose; 0 for a PCM busy elsewhere), then
//     PortAudio's devices, for the technician choosing source.device.
package portaudio
