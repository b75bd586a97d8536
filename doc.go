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
// # Caveats
//
// The engine runs at dsp.Rate (8 kHz); sources at other rates are refused
// until resampling lands with the PortAudio backend.
package linetap
