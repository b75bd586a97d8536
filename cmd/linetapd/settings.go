package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/webhook"
)

// The line settings changed in the web UI are kept in the store's KV, and
// win over the config file's at the next start.
const (
	bucketSettings = "settings"
	keyLines       = "lines"
)

// applySavedLines overlays the line settings saved by the web UI on cfg.
// Settings of lines the config no longer has are ignored; the result is
// validated as a config file is, so a bad saved value names its field.
func applySavedLines(cfg *linetap.Config, store *storage.Store) error {
	b, err := store.KVGet(bucketSettings, keyLines)
	if err != nil || b == nil {
		return err
	}
	var saved []linetap.LineSettings
	if err := json.Unmarshal(b, &saved); err != nil {
		return fmt.Errorf("saved line settings unreadable: %w", err)
	}
	for i := range min(len(saved), len(cfg.Lines)) {
		l, s := &cfg.Lines[i], saved[i]
		l.Name, l.Number, l.Codec, l.Trigger, l.GainDB, l.RetentionDays = s.Name, s.Number, s.Codec, s.Trigger, s.GainDB, s.RetentionDays
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("saved line settings (change them in the web UI or delete them): %w", err)
	}
	return applyRetention(store, saved)
}

// applyRetention gives the store each line's retention.
func applyRetention(store *storage.Store, ls []linetap.LineSettings) error {
	for i, l := range ls {
		if err := store.SetLineRetention(i, time.Duration(l.RetentionDays)*24*time.Hour); err != nil {
			return err
		}
	}
	return nil
}

// saveLines is the engine's OnSettings: it keeps the settings for the
// next start.
func saveLines(store *storage.Store, log *slog.Logger) func([]linetap.LineSettings) {
	return func(ls []linetap.LineSettings) {
		b, err := json.Marshal(ls)
		if err == nil {
			err = store.KVPut(bucketSettings, keyLines, b)
		}
		if err == nil {
			err = applyRetention(store, ls)
		}
		if err != nil {
			log.Error("saving line settings", "err", err)
		}
	}
}

// hooks holds the call-end webhook, which an admin may change while the
// recorder runs.
type hooks struct {
	log *slog.Logger
	mu  sync.Mutex
	n   *webhook.Notifier
}

// callEnded is the engine's OnCallEnd.
func (h *hooks) callEnded(c linetap.Call) {
	h.mu.Lock()
	n := h.n
	h.mu.Unlock()
	if n != nil {
		n.CallEnded(c)
	}
}

// configure replaces the webhook by the one d describes (none without a URL).
func (h *hooks) configure(d web.DeviceSettings) {
	var n *webhook.Notifier
	if d.Webhook.URL != "" {
		var err error
		if n, err = webhook.New(webhook.Options{URL: d.Webhook.URL, Secret: d.Webhook.Secret, Logger: h.log}); err != nil {
			h.log.Error("webhook", "err", err)
			return
		}
	}
	h.mu.Lock()
	old := h.n
	h.n = n
	h.mu.Unlock()
	if old != nil {
		go h.closeOne(old)
	}
}

func (h *hooks) closeOne(n *webhook.Notifier) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		h.log.Warn("webhook: calls still queued at close", "err", err)
	}
}

// close stops the webhook, giving queued calls a few seconds.
func (h *hooks) close() {
	h.mu.Lock()
	n := h.n
	h.n = nil
	h.mu.Unlock()
	if n != nil {
		h.closeOne(n)
	}
}

// metrics adds the webhook's counters to /metrics.
func (h *hooks) metrics(m *web.Metrics) {
	h.mu.Lock()
	n := h.n
	h.mu.Unlock()
	if n == nil {
		return
	}
	st := n.Stats()
	m.Add("linetap_webhook_sent_total", "counter", "Call-end notifications delivered.", float64(st.Sent))
	m.Add("linetap_webhook_failed_total", "counter", "Call-end notifications given up.", float64(st.Failed))
	m.Add("linetap_webhook_dropped_total", "counter", "Call-end notifications dropped from a full queue.", float64(st.Dropped))
	m.Add("linetap_webhook_retries_total", "counter", "Call-end notification retries.", float64(st.Retries))
}
