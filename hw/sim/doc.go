// Package sim is a bank of simulated analog phone lines: a deterministic,
// seeded hw.AudioSource and hw.LineSensor that plays a scenario of calls.
// linetapd --sim runs on it, and the end-to-end tests compare what the
// recorder stored against what a second Bank, built alike, produces.
//
// # What a line sounds like
//
// Every line carries a noise floor (−65 dBm0 unless the scenario says
// otherwise). An inbound call rings with its country's ring frequency and
// cadence (tone.PlanFor, tone.AppendRing: clipped bursts as a tap sees 40–105
// Vrms of ringing, DOMAIN.md §1) and, if it has caller ID, carries the FSK
// message (callerid.Synth) 500 ms after the first ring ends (GR-30: ≥ 500 ms
// after the first ring, ≥ 200 ms before the second; the EN 300 659-1
// after-ring window of 500–2000 ms is met too). If answered, the hook switch
// clicks and the two sides talk: a formant speech synthesizer (Voice) gives
// each side its own seeded voice, the near end at about −12 dBm0 and the far
// end at about −20 dBm0, in talk-spurts that take turns. If the far end hangs
// up, the exchange sends its busy tone until the near end goes on-hook.
//
// An outbound call goes off-hook, hears dial tone until the first digit,
// dials DTMF (dtmf.AppendDigits), hears ringback for some cycles, and is
// answered in the silence after the last burst (optionally with a polarity
// reversal, as exchanges that signal answer do), then talks and hangs up like
// an inbound call.
//
// # Line events and the engine
//
// The events are those of an optocoupler sense circuit: ring-on and
// ring-off bracket each ring burst, late by a seeded 20–60 ms (ring-on) and
// 30–80 ms (ring-off), as a ring detector integrates and holds over; off-hook,
// on-hook and polarity-reversal follow the change by 2–12 ms.
//
// The contract with the engine: every event whose Time falls in a block is
// sent on the Events channel before Read returns that block, and an event's
// Time is Origin + sample_index/8000 s, on the same clock as the audio. The
// channel is buffered generously (4096 events); the engine drains it after
// each Read. Should a consumer not drain it, later events are held in order
// (up to 65536) and sent as room appears; beyond that they are dropped and
// counted (Dropped).
//
// Without Options.Loop, Read delivers Duration of audio (the calls and an
// idle tail) and then returns io.EOF. With Loop the scenario repeats; each
// pass has the same timing, but the conversations differ from pass to pass.
// Two Banks built with the same Scenario and Options produce identical
// samples and events, however their Reads are sized: every generator runs
// sample by sample from its seed.
//
// # Scenario files
//
// A scenario is text, one statement per line; a '#' that begins a word
// starts a comment (inside a word it is a DTMF digit: digits=*12#), and a
// value may be double-quoted to hold blanks. Durations are Go durations
// (250ms, 20s, 1m30s); levels are dBm0. Statements:
//
//	length <duration>   the length of one pass (default: the last call's end + 2 s)
//	noise <dBm0>        the lines' noise floor (default −65)
//	inbound  key=value …
//	outbound key=value …
//
// Keys of both kinds of call:
//
//	line=N          the line (channel), 0-based; required
//	at=DURATION     when the call starts (first ring, or off-hook); required
//	country=CC      tone plan: US, UK, DE, … (tone.Countries); default US
//	answer=yes|no   whether it is answered; default yes
//	talk=DURATION   how long the two sides talk; required if answered
//	hangup=near|far who leaves first; far: busy tone, then near on-hook; default near
//	busy=DURATION   how long the busy tone lasts before on-hook; default 4s
//	near=dBm0       near voice level; default −12
//	far=dBm0        far voice level; default −20
//
// Keys of an inbound call:
//
//	rings=N         ring cycles (a cycle is the cadence's whole pattern); required
//	pickup=DURATION delay from the end of the last ring to off-hook; default 1s
//	cid=STANDARD    none, bell202-sdmf, bell202-mdmf, etsi-v23, bt, ntt or
//	                dtmf-clip; default none (all sent after the first ring)
//	number=DIGITS   calling number (or absence=O|P: unavailable, private)
//	name=TEXT       calling name, MDMF and ETSI only (or name-absence=O|P)
//	date=MMDDHHMM   default: 1 January, 09:00 plus at
//	cid-level=dBm0  FSK level; default −13
//
// Keys of an outbound call:
//
//	digits=DIGITS   what is dialled (0-9 * # A-D); required
//	tone-on=D, tone-off=D  DTMF timing per digit; default 100ms and 150ms
//	dialtone=D      dial tone before the first digit; default 2s
//	postdial=D      silence after the last digit; default 1.5s
//	ringback=N      ringback cycles; default 2
//	reversal=yes|no polarity reversal at answer; default no
//	dtmf-level=dBm0 level of each DTMF tone; default −8
//
// For example, the traffic of the end-to-end test (testdata/sim/e2e.scn):
//
//	inbound  line=0 at=1s  cid=bell202-mdmf number=0123456789 name=ALICE rings=2 talk=20s hangup=far
//	outbound line=0 at=40s digits=5551234 talk=10s
//
// Parsing is strict: an unknown keyword or key, a bad number or duration, a
// missing required key, calls that overlap on one line (a line needs 1 s
// idle between calls) and, in New, a line beyond Options.Lines are errors
// that name the scenario line and the field.
//
// # Caveats
//
// Caller ID is sent after the first ring only (no ETSI before-ring or DTMF
// caller ID); answering during the data is not simulated, so an answer
// waits until the message is over. The speech is not intelligible, only
// speech-like in level, spectrum, pitch and rhythm. The tap is modelled as a
// sum of both directions with no hybrid echo or line filtering beyond the
// synthesizers' own. Ring and call-progress segments are rendered whole when
// they start (a few hundred kB at most); speech is synthesised as it plays.
package sim
