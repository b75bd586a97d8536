package linetap

import (
	"time"
)

// Direction says who placed a call.
type Direction string

// The directions of a call.
const (
	Inbound  Direction = "inbound"  // the line rang
	Outbound Direction = "outbound" // the line went off-hook and dialled
	Unknown  Direction = "unknown"  // VOX or always-on recording without line state
)

// Trigger is what starts and ends recording on a line.
type Trigger string

// The triggers a line can use.
const (
	TriggerHook   Trigger = "hook"   // the line sensor's ring and hook events
	TriggerVOX    Trigger = "vox"    // voice activity on the audio
	TriggerAlways Trigger = "always" // record continuously, in fixed-length calls
)

// CallState is where a call record is in its life.
type CallState string

// The states of a stored call.
const (
	StateRecording   CallState = "recording"   // in progress
	StateComplete    CallState = "complete"    // ended normally
	StateInterrupted CallState = "interrupted" // the recorder stopped mid-call; audio kept up to the last commit
)

// EndReason says how a call ended.
type EndReason string

// Reasons a call ends.
const (
	EndNone       EndReason = ""
	EndNearHangUp EndReason = "near-end-hangup" // on-hook with no sign of the far end leaving
	EndFarHangUp  EndReason = "far-end-hangup"  // busy/reorder tone heard before on-hook
	EndUnanswered EndReason = "unanswered"      // rang and stopped ringing
	EndSilence    EndReason = "silence"         // VOX hangover expired
	EndSplit      EndReason = "split"           // always-on recording reached its maximum length
	EndShutdown   EndReason = "shutdown"        // the recorder was stopped
	EndCrash      EndReason = "interrupted"     // found unfinished after a restart
	// EndDropped: the store refused the call's later audio (or it failed
	// until the engine's backlog was full); the record ends with what is
	// stored, and a call still in progress went on under a new ID.
	EndDropped EndReason = "audio-dropped"
)

// CallerID holds what an on-hook caller-ID message said.
type CallerID struct {
	Number        string `json:"number,omitempty"`
	Name          string `json:"name,omitempty"`
	DateTime      string `json:"datetime,omitempty"`       // MMDDHHMM as sent
	NumberAbsence string `json:"number_absence,omitempty"` // "O" unavailable, "P" private
	NameAbsence   string `json:"name_absence,omitempty"`
	Standard      string `json:"standard,omitempty"` // bell202-sdmf, bell202-mdmf, etsi-v23, ...
}

// IsZero reports whether no caller ID was received.
func (c CallerID) IsZero() bool { return c == CallerID{} }

// Call is the record of one recorded call.
type Call struct {
	ID        uint64    `json:"id"`
	Line      int       `json:"line"` // 0-based index into the configured lines
	LineName  string    `json:"line_name"`
	Direction Direction `json:"direction"`
	State     CallState `json:"state"`
	EndReason EndReason `json:"end_reason,omitempty"`
	Trigger   Trigger   `json:"trigger"`

	// Start is when the call began: the first ring, or off-hook.
	Start time.Time `json:"start"`
	// Answer is when it was answered (zero if never).
	Answer time.Time `json:"answer,omitzero"`
	// End is when the line went back on-hook (or recording stopped).
	End time.Time `json:"end,omitzero"`
	// Duration is End − Start.
	Duration time.Duration `json:"duration"`

	CallerID CallerID `json:"caller_id,omitzero"`
	// CallWaiting holds the caller IDs of calls that waited during this
	// one (Type 2 caller ID, sent off-hook).
	CallWaiting []CallerID `json:"call_waiting,omitempty"`
	Dialled     string     `json:"dialled,omitempty"` // digits dialled before the answer
	DTMF        string     `json:"dtmf,omitempty"`    // digits keyed during the call

	// AudioStart is the wall time of the first stored sample (Start minus
	// the pre-roll); the audio runs for Samples samples at Rate.
	AudioStart time.Time `json:"audio_start"`
	Rate       int       `json:"rate"`
	Samples    int64     `json:"samples"`
	Codec      string    `json:"codec"`
	// SHA256 is the hex SHA-256 of the stored (encoded) audio, chunk by chunk
	// in order.
	SHA256 string `json:"sha256"`
	// Gaps are stretches of the audio that the sound card lost and that
	// were filled with silence of the same length.
	Gaps []AudioGap `json:"gaps,omitempty"`
	// ClockFixed says the call began before the wall clock was valid
	// (no NTP sync, no RTC) and its times were re-stamped when it was set.
	ClockFixed bool `json:"clock_fixed,omitempty"`
}

// AudioGap is a stretch of a call's audio that was lost at capture.
type AudioGap struct {
	// Offset is the index of the gap's first sample in the call's audio.
	Offset int64 `json:"offset"`
	// Samples is the gap's length.
	Samples int64 `json:"samples"`
	// Cause says why ("overrun", "device lost").
	Cause string `json:"cause"`
}

// AudioDuration is the length of the stored audio.
func (c *Call) AudioDuration() time.Duration {
	if c.Rate == 0 {
		return 0
	}
	return time.Duration(c.Samples) * time.Second / time.Duration(c.Rate)
}

// Chunk is a run of one call's encoded audio.
type Chunk struct {
	Call uint64 // Call.ID
	Seq  uint32 // 0, 1, 2, ... within the call
	// Offset is the index of the chunk's first sample within the call.
	Offset  int64
	Samples int
	Data    []byte // encoded with the call's codec
}

// Batch is what the engine makes durable at once: audio chunks of every
// line, and the call records they change.
type Batch struct {
	Chunks []Chunk
	// Calls are records to create or replace, after the chunks are durable.
	Calls []Call
}

// Reset empties b, keeping its storage.
func (b *Batch) Reset() {
	for i := range b.Chunks {
		b.Chunks[i] = Chunk{}
	}
	b.Chunks = b.Chunks[:0]
	b.Calls = b.Calls[:0]
}

// Store is where the engine keeps calls. storage.Store implements it.
type Store interface {
	// NewCallID reserves a fresh call ID.
	NewCallID() (uint64, error)
	// Commit makes a batch durable: first every chunk, then every call
	// record, so that no record ever points at audio that is not stored.
	// A record's Samples and SHA256 must describe exactly the chunks
	// committed so far.
	Commit(b *Batch) error
}

// LineState is what a line is doing now.
type LineState string

// Line states shown to people.
const (
	LineIdle      LineState = "idle"
	LineRinging   LineState = "ringing"
	LineDialling  LineState = "dialling"
	LineConnected LineState = "connected"
	LineEnding    LineState = "ending" // post-roll after the call ended
)

// LineStatus is a snapshot of one line for the live view.
type LineStatus struct {
	Line      int       `json:"line"`
	Name      string    `json:"name"`
	Number    string    `json:"number,omitempty"` // the line's own number
	State     LineState `json:"state"`
	Since     time.Time `json:"since,omitzero"`
	CallID    uint64    `json:"call_id,omitempty"`
	Direction Direction `json:"direction,omitempty"`
	CallerID  CallerID  `json:"caller_id,omitzero"`
	Dialled   string    `json:"dialled,omitempty"`
	// LevelDBm0 is the recent audio level (−100 for silence).
	LevelDBm0 float64 `json:"level_dbm0"`
}

// CallQuery selects stored calls, newest first.
type CallQuery struct {
	// Limit is the most calls returned (0 means 100).
	Limit int
	// Before, when non-zero, returns only calls with ID < Before (paging).
	Before uint64
	// Line, when non-nil, returns only calls on that line.
	Line *int
	// Number, when set, returns calls whose caller ID number or dialled
	// digits contain it.
	Number string
}
