// Package multicard combines the capture of several sound cards into one
// hw.AudioSource, so that an office whose lines are spread over two
// 4-input USB cards (or a 2-input card per pair of lines) is recorded by
// one engine, and a card that fails costs only its own lines.
//
// # Concepts
//
// New takes N hw.AudioSources (the cards, each with its own channel count
// and all at one rate: hw/portaudio's Source resamples to 8 kHz) and
// returns a Source whose frame holds the cards' channels side by side:
// card 0's channels first, then card 1's, and so on. A config line's
// channel is a channel of that combined frame (the flat numbering of
// docs/hardware.md); Source.First tells where a card's channels begin.
//
// Each card is read by its own goroutine into a ring buffer
// (Options.Buffer), so a card that stalls never makes another overrun.
// Card 0 is the reference: Read returns its blocks with its capture times,
// one output frame per card-0 frame, and every other card is aligned to it
// by capture time:
//   - the capture time of a card's frame is its Read timestamp plus its
//     position in the block; with Options.Clock set, less the card's
//     clock error, measured as the most that its timestamps have run ahead
//     of the clock at the moment its blocks arrived (the upper envelope of
//     timestamp − arrival over the last eight seconds, which takes out the
//     scheduling delay of late reads). Sound cards' timestamps count
//     frames from the first, so their crystal's error (±100 ppm, 0.36 s
//     an hour) shows only there. Blocks that carry a gap (silence the
//     source made up to the clock while the card was lost) are left out
//     of the envelope;
//   - before a card's first frame is used, the offset of its start is
//     taken up at once (its first frames are dropped, or its channels
//     start with silence), and so is every misalignment found while the
//     estimates settle (the first two seconds of output);
//   - afterwards a card that strays more than Options.Tolerance from
//     card 0 is brought back frame by frame, at most one frame each
//     Options.SlipEvery: a frame dropped when it runs ahead, the last
//     frame repeated when it falls behind (Stats counts both); a jump
//     beyond Options.Jump is taken up at once;
//   - a card back from an outage ("device lost": hw/portaudio reopened
//     it, a new stream whose offset may differ by a few ms) stays silent
//     for Options.Hold more (the outage's gap goes on) while its skew is
//     measured again (afresh from half a second in: the reopened stream's
//     first reads and the old stream's are forgotten), and is realigned
//     at once inside that silence; after
//     an outage of card 0 its new offset is measured for Hold and then
//     absorbed, so that the other cards, which lost nothing, go on
//     without a step;
//   - a card with nothing to give for the block is waited for until
//     Options.Stall has passed since its last block arrived; then its
//     channels get silence, reported as a "device lost" gap, until it
//     delivers again (the frames it delivers late, for time already
//     recorded, are dropped). Read never waits longer than that for
//     cards 1.., and waits for card 0 as long as card 0's own Read does
//     (hw/portaudio gives up a silent card after its StallTimeout and
//     delivers silence in real time while it reconnects).
//
// Gaps (hw.GapReporter) carries each card's own gaps (an overrun, the
// card unplugged) and the silence put in for a stalled card, placed on the
// combined timeline, with Channels set to that card's channels, so that
// the engine marks only the calls on those lines.
//
// # Caveats
//
//   - Card 0 is the timeline: a card 0 that is lost delivers silence only
//     if its source does (hw/portaudio's does); a card 0 that ends ends
//     the Source (io.EOF), and a card 1.. that ends is silent from then on.
//     When card 0 comes back from an outage at another offset (a few
//     ms), the others keep their alignment to its old one: the cards stay
//     that much apart until the next time it is lost. Put the card least
//     likely to be unplugged first.
//   - Dropping or repeating a frame is a click of at most one sample at
//     8 kHz, about once a second for cards 200 ppm apart: inaudible on
//     speech; a caller ID burst (1200 baud) takes one slip in its stride
//     (it moves the bit sampling by 0.15 bit), hence one slip at most
//     every 100 ms; a fax or data modem may not.
//   - The drift estimate needs the cards' blocks to arrive as they are
//     captured (a real-time source). Without Options.Clock the timestamps
//     are trusted as they are: right for files and the simulator, whose
//     clocks are virtual.
//   - Two hw/portaudio Sources share one PortAudio library: while one
//     card is open, the other's reconnect cannot rescan the devices (see
//     docs/hardware.md).
//   - Read must not be called from two goroutines at once.
package multicard
