package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
	"github.com/linetap/linetap/web/cardtest"
)

// twoCards are the figures of two 2-input cards: card 1 runs 0.42 ms
// ahead of card 0 and was unplugged at t0.
func twoCards() *cardtest.Fake {
	return cardtest.New(
		web.CardStatus{Card: 0, Device: "hw:CARD=Left,DEV=0", ALSA: "hw:CARD=Left,DEV=0", Channels: []int{0, 1}, Lines: []int{0, 1},
			Connected: true, Since: t0.Add(-time.Hour), Overruns: 2, LostMS: 40, Align: &web.CardAlign{SkewMS: new(float64)}},
		web.CardStatus{Card: 1, Device: "hw:CARD=Right,DEV=0", ALSA: "hw:CARD=Right,DEV=0", Channels: []int{2, 3}, Lines: []int{2},
			Connected: false, Since: t0, Error: "sound card lost: unplugged", Reconnects: 1, LostMS: 1500,
			Align: &web.CardAlign{SkewMS: ptr(0.42), DroppedFrames: 3, InsertedFrames: 8000, Stalled: true}},
	)
}

func ptr(v float64) *float64 { return &v }

// TestCardsAPI: GET /api/v1/diagnostics/cards reports each card's figures,
// and with no card in use (the simulator) an empty list that names the
// source.
func TestCardsAPI(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*web.Options)
		source string
		cards  int
		check  func(t *testing.T, r web.CardsReport)
	}{
		{"two cards", func(o *web.Options) { o.Cards, o.SourceKind = twoCards(), "portaudio" }, "portaudio", 2, func(t *testing.T, r web.CardsReport) {
			c := r.Cards[1]
			if c.Device != "hw:CARD=Right,DEV=0" || c.Connected || !c.Since.Equal(t0) || c.Error == "" || len(c.Lines) != 1 || c.Lines[0] != 2 {
				t.Errorf("card 1: %+v", c)
			}
			if c.Align == nil || c.Align.SkewMS == nil || *c.Align.SkewMS != 0.42 || c.Align.DroppedFrames != 3 || c.Align.InsertedFrames != 8000 || !c.Align.Stalled {
				t.Errorf("card 1's alignment: %+v", c.Align)
			}
			if r.Cards[0].Overruns != 2 || r.Cards[0].LostMS != 40 || !r.Cards[0].Connected {
				t.Errorf("card 0: %+v", r.Cards[0])
			}
		}},
		{"one card", func(o *web.Options) {
			o.Cards = cardtest.New(web.CardStatus{Device: "USB Audio", Channels: []int{0}, Lines: []int{0}, Connected: true, Since: t0})
			o.SourceKind = "portaudio"
		}, "portaudio", 1, func(t *testing.T, r web.CardsReport) {
			if r.Cards[0].Align != nil || r.Cards[0].ALSA != "" {
				t.Errorf("a single card PortAudio opened: %+v", r.Cards[0])
			}
		}},
		{"simulated lines", func(o *web.Options) { o.SourceKind = "sim" }, "sim", 0, nil},
		{"a fake without cards", func(o *web.Options) { o.Cards, o.SourceKind = cardtest.New(), "wavfile" }, "wavfile", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, sampleCalls(), newFakeLive(), tt.mod)
			c := login(t, srv.Handler(), "technician", testPassword)
			r := do(t, srv.Handler(), c, "GET", "/api/v1/diagnostics/cards", "")
			b := body(t, r)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", r.StatusCode, b)
			}
			if !strings.Contains(b, `"cards":[`) {
				t.Errorf("cards is not a list (null?): %s", b)
			}
			var rep web.CardsReport
			if err := json.Unmarshal([]byte(b), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Source != tt.source || len(rep.Cards) != tt.cards {
				t.Fatalf("source %q with %d cards, want %q with %d: %s", rep.Source, len(rep.Cards), tt.source, tt.cards, b)
			}
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

// TestCardsFollowTheSource: the endpoint reads the cards anew on each
// request (a card lost and back shows at once).
func TestCardsFollowTheSource(t *testing.T) {
	cards := twoCards()
	srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.Cards = cards })
	c := login(t, srv.Handler(), "admin", testPassword)
	back := t0.Add(time.Minute)
	if err := cards.Update(1, func(s *web.CardStatus) { s.Connected, s.Since, s.Error, s.Reconnects = true, back, "", 2 }); err != nil {
		t.Fatal(err)
	}
	var rep web.CardsReport
	if err := json.Unmarshal([]byte(body(t, do(t, srv.Handler(), c, "GET", "/api/v1/diagnostics/cards", ""))), &rep); err != nil {
		t.Fatal(err)
	}
	if got := rep.Cards[1]; !got.Connected || !got.Since.Equal(back) || got.Error != "" || got.Reconnects != 2 {
		t.Errorf("card 1 after it came back: %+v", got)
	}
}

// TestCardMetrics: /metrics carries every card's figures, for the roles
// that may see line diagnostics only; with the simulated lines it says
// that no card is in use.
func TestCardMetrics(t *testing.T) {
	want := []string{
		`linetap_cards{source="portaudio"} 2`,
		`linetap_card_connected{card="0",device="hw:CARD=Left,DEV=0"} 1`,
		`linetap_card_connected{card="1",device="hw:CARD=Right,DEV=0"} 0`,
		`linetap_card_overruns_total{card="0"} 2`,
		`linetap_card_reconnects_total{card="1"} 1`,
		`linetap_card_lost_seconds_total{card="1"} 1.5`,
		`linetap_card_skew_seconds{card="0"} 0`,
		`linetap_card_skew_seconds{card="1"} 0.00042`,
		`linetap_card_dropped_frames_total{card="1"} 3`,
		`linetap_card_inserted_frames_total{card="1"} 8000`,
		`linetap_card_stalled{card="1"} 1`,
		"# TYPE linetap_card_overruns_total counter",
	}
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), func(o *web.Options) { o.Cards, o.SourceKind = twoCards(), "portaudio" })
	for _, role := range auth.Roles {
		if !role.Can(auth.SystemView) {
			continue // no metrics at all: TestRoleMatrix
		}
		t.Run(string(role), func(t *testing.T) {
			r := do(t, srv.Handler(), login(t, srv.Handler(), string(role), testPassword), "GET", "/metrics", "")
			b := body(t, r)
			if r.StatusCode != http.StatusOK || !strings.Contains(b, "linetap_up") {
				t.Fatalf("metrics: %d\n%s", r.StatusCode, b)
			}
			if !role.Can(auth.DiagView) {
				if strings.Contains(b, "linetap_card") {
					t.Errorf("%s, who may not see line diagnostics, gets the cards' figures:\n%s", role, b)
				}
				return
			}
			for _, w := range want {
				if !strings.Contains(b, w+"\n") {
					t.Errorf("metrics lack %s:\n%s", w, b)
				}
			}
		})
	}
	t.Run("skew not measured", func(t *testing.T) {
		cards := twoCards()
		if err := cards.Update(1, func(c *web.CardStatus) { c.Align.SkewMS = nil }); err != nil {
			t.Fatal(err)
		}
		srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.Cards = cards })
		b := body(t, do(t, srv.Handler(), login(t, srv.Handler(), "technician", testPassword), "GET", "/metrics", ""))
		if strings.Contains(b, `linetap_card_skew_seconds{card="1"}`) || !strings.Contains(b, `linetap_card_dropped_frames_total{card="1"} 3`) {
			t.Errorf("metrics with card 1's skew not measured:\n%s", b)
		}
	})
	t.Run("simulated lines", func(t *testing.T) {
		srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.SourceKind = "sim" })
		b := body(t, do(t, srv.Handler(), login(t, srv.Handler(), "technician", testPassword), "GET", "/metrics", ""))
		if !strings.Contains(b, `linetap_cards{source="sim"} 0`+"\n") || strings.Contains(b, "linetap_card_") {
			t.Errorf("metrics with no card in use:\n%s", b)
		}
	})
}

// TestCardsRefused: each role that may not see line diagnostics is
// refused the cards' figures, naming the permission.
func TestCardsRefused(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.Cards = twoCards() })
	for _, role := range auth.Roles {
		if role.Can(auth.DiagView) {
			continue
		}
		t.Run(string(role), func(t *testing.T) {
			r := do(t, srv.Handler(), login(t, srv.Handler(), string(role), testPassword), "GET", "/api/v1/diagnostics/cards", "")
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", r.StatusCode, body(t, r))
			}
			if msg := apiError(t, r); !strings.Contains(msg, string(auth.DiagView)) {
				t.Errorf("403 message %q does not name %s", msg, auth.DiagView)
			}
		})
	}
	if r := do(t, srv.Handler(), nil, "GET", "/api/v1/diagnostics/cards", ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a login: %d, want 401", r.StatusCode)
	}
}
