// Package linetap is the call engine of the linetap recorder: it turns audio
// frames and line events into recorded calls.
//
// # Data path
//
//	hw.AudioSource ──blocks──▶ Engine ──per line──▶ detectors (dsp/...)
//	hw.LineSensor  ──events──▶   │                        │
//	                             ▼                        ▼
//	                     line state machine ◀── events by sample position
//	                             │
//	              pre-roll ring ─┴─▶ encoder ─▶ Batch ─▶ Store.Commit (≤ 1 s)
//
// Each line has one state machine: idle → ringing → connected → ended for an
// inbound call, idle → dialling → connected → ended for an outbound one.
// Sensor events and detector events are placed on sample positions, so a
// recording starts a pre-roll before its trigger and ends a post-roll after
// the call, independently of when the events were delivered.
//
// # Around the recording
//
// Besides recording, the engine serves the web UI without ever waiting for
// it:
//   - Lines and Subscribe: the lines' live status.
//   - Listen: a line's audio while it is in a call (after gain and DTMF
//     masking), in blocks; a listener that falls behind misses blocks.
//   - Diagnostics: per line level, noise floor, clipping, ring cadence,
//     caller-ID decodes (damaged ones too), hook events, line voltage
//     (hw.Voltmeter); LineDiag.Masked hides caller data.
//   - LineSettings and SetLine: name, number, codec, trigger, gain and
//     retention changed at run time, taken by the line at its next idle.
//   - Alarms: line-dead, sound-card, clock and overrun.
//   - Options.OnCallEnd: each call's final record once it is committed
//     (web/webhook sends it on).
//
// # Caveats
//
//   - The engine runs at dsp.Rate (8 kHz); a source at another rate must
//     resample (hw/portaudio does).
//   - OnCallEnd runs on the writer goroutine: a callee that blocks holds
//     up commits, and then recording.
//   - A Listen block is valid only until the next receive (the engine
//     reuses a fixed pool of buffers per listener).
//   - Diagnostics and Lines are copied at most every 200 ms of audio (and
//     on every state change), so they may be that old.
//   - LineSettings.RetentionDays is kept and reported, but retention is
//     the store's job: the daemon passes it on (Options.OnSettings).
//   - While the store fails, audio waits in memory up to Options.MaxBacklog
//     (64 MiB); beyond it, or when the store refuses a batch for good
//     (ErrRejected), audio is dropped with the store alarm: a cut call is
//     closed with what is stored (EndDropped) and goes on as a new call
//     with the same start, so one conversation can be stored as several
//     records.
//   - Settings apply at the line's next idle: a line that is never idle
//     (back-to-back calls, an always line: until its split) keeps the old
//     ones until then.
package linetap
