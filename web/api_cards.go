package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/linetap/linetap/web/auth"
)

// Cards reports the capture figures of the sound cards the lines are
// recorded from. cmd/linetapd passes one built over hw/portaudio and
// hw/multicard; web/cardtest has a fake.
type Cards interface {
	// Cards returns every card's figures, card 0 first; none when no
	// sound card is in use.
	Cards() []CardStatus
}

// CardStatus is one sound card's capture figures.
type CardStatus struct {
	// Card is the card's place in source.devices (0 for source.device).
	Card int `json:"card"`
	// Device is the capture device as configured: an ALSA name
	// ("hw:CARD=ID,DEV=0"), a PortAudio name, or "index N".
	Device string `json:"device"`
	// ALSA is the ALSA PCM the card is captured from through alsa-lib;
	// empty for a card captured through PortAudio.
	ALSA string `json:"alsa,omitempty"`
	// Channels are the channels of the combined frame that the card's
	// inputs fill: its input k is channel Channels[k].
	Channels []int `json:"channels"`
	// Lines are the lines (0-based, as in the config) whose channel is
	// one of Channels.
	Lines []int `json:"lines"`
	// Connected says the card delivers audio; it is false from the
	// moment the card is lost until it is back.
	Connected bool `json:"connected"`
	// Since is when Connected last changed: when the card was opened,
	// lost or back.
	Since time.Time `json:"since"`
	// Error is why the card was lost, while it is.
	Error string `json:"error,omitempty"`
	// Overruns counts the input overflows the card reported.
	Overruns int64 `json:"overruns"`
	// Reconnects counts the times the card came back after it was lost.
	Reconnects int64 `json:"reconnects"`
	// LostMS is the audio the card lost, replaced by silence (overruns,
	// outages, clock drift), in milliseconds.
	LostMS float64 `json:"lost_ms"`
	// Align holds the card's alignment figures when several cards are
	// combined (hw/multicard); nil for a single card.
	Align *CardAlign `json:"align,omitempty"`
}

// CardAlign is how one of several cards is kept aligned to card 0.
type CardAlign struct {
	// SkewMS is how far the card's timestamps run ahead of card 0's
	// against the board's clock, in milliseconds: 0 for card 0, nil
	// (null) while it is not measured (no clock, the card's first blocks,
	// afresh after an outage of the card or of card 0).
	SkewMS *float64 `json:"skew_ms"`
	// DroppedFrames counts the card's frames skipped to stay aligned (a
	// card ahead of card 0, or frames delivered too late).
	DroppedFrames int64 `json:"dropped_frames"`
	// InsertedFrames counts the frames put in to stay aligned: repeated
	// frames and silence (a card behind card 0, a late start, a stall).
	InsertedFrames int64 `json:"inserted_frames"`
	// Stalled says the card delivers nothing and its lines get silence.
	Stalled bool `json:"stalled"`
}

// CardsReport is the body of GET /api/v1/diagnostics/cards.
type CardsReport struct {
	// Source is the config's source.kind: "portaudio" (sound cards),
	// "sim" (the simulated lines) or "wavfile"; empty if not told.
	Source string `json:"source"`
	// Cards are the sound cards in use: none for the simulated lines or
	// a WAV file.
	Cards []CardStatus `json:"cards"`
}

// cardList returns the cards' figures, never nil.
func (s *Server) cardList() []CardStatus {
	if s.cards == nil {
		return []CardStatus{}
	}
	c := s.cards.Cards()
	if c == nil {
		c = []CardStatus{}
	}
	return c
}

func (s *Server) handleCards(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, CardsReport{Source: s.sourceKind, Cards: s.cardList()})
}

// cardFamilies are the cards' metrics, in the order they are written;
// value gives a card's sample, false for none (a skew not yet measured).
// The alignment figures (aligned) are only for cards with some, that is
// when there are several.
var cardFamilies = []struct {
	name, kind, help string
	device, aligned  bool // labelled with the device too; only with Align
	value            func(CardStatus) (float64, bool)
}{
	{"linetap_card_connected", "gauge", "1 while the sound card delivers audio, 0 while it is lost.", true, false,
		func(c CardStatus) (float64, bool) { return b2f(c.Connected), true }},
	{"linetap_card_overruns_total", "counter", "Input overflows the sound card reported.", false, false,
		func(c CardStatus) (float64, bool) { return float64(c.Overruns), true }},
	{"linetap_card_reconnects_total", "counter", "Times the sound card came back after it was lost.", false, false,
		func(c CardStatus) (float64, bool) { return float64(c.Reconnects), true }},
	{"linetap_card_lost_seconds_total", "counter", "Audio the sound card lost, replaced by silence.", false, false,
		func(c CardStatus) (float64, bool) { return msToSeconds(c.LostMS), true }},
	{"linetap_card_skew_seconds", "gauge", "How far the card's timestamps run ahead of card 0's (absent while not measured).", false, true,
		func(c CardStatus) (float64, bool) {
			if c.Align.SkewMS == nil {
				return 0, false
			}
			return msToSeconds(*c.Align.SkewMS), true
		}},
	{"linetap_card_dropped_frames_total", "counter", "Frames of the card skipped to keep it aligned to card 0.", false, true,
		func(c CardStatus) (float64, bool) { return float64(c.Align.DroppedFrames), true }},
	{"linetap_card_inserted_frames_total", "counter", "Frames repeated or silence put in to keep the card aligned to card 0.", false, true,
		func(c CardStatus) (float64, bool) { return float64(c.Align.InsertedFrames), true }},
	{"linetap_card_stalled", "gauge", "1 while the card delivers nothing and its lines get silence.", false, true,
		func(c CardStatus) (float64, bool) { return b2f(c.Align.Stalled), true }},
}

// cardMetrics adds every card's figures to m, each metric's samples
// together as the exposition format wants them.
func (s *Server) cardMetrics(m *Metrics) {
	cards := s.cardList()
	m.Add("linetap_cards", "gauge", "Sound cards the lines are captured from (0: simulated lines or a file).", float64(len(cards)), "source", s.sourceKind)
	for _, f := range cardFamilies {
		for _, c := range cards {
			if f.aligned && c.Align == nil {
				continue
			}
			v, ok := f.value(c)
			if !ok {
				continue
			}
			labels := []string{"card", strconv.Itoa(c.Card)}
			if f.device {
				labels = append(labels, "device", c.Device)
			}
			m.Add(f.name, f.kind, f.help, v, labels...)
		}
	}
}

func msToSeconds(ms float64) float64 { return math.Round(ms*1e6) / 1e9 }

// routeCards registers the cards' endpoint: line diagnostics, like
// /api/v1/diagnostics.
func (s *Server) routeCards(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/diagnostics/cards", auth.DiagView, s.handleCards)
}
