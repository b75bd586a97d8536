package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/linetap/linetap"
)

// Errors of the package.
var (
	// ErrURL is returned by New for a URL that is not absolute http or
	// https.
	ErrURL = errors.New("webhook: bad URL")
	// ErrOptions is returned by New for an option out of range.
	ErrOptions = errors.New("webhook: bad option")
)

// Defaults for the Options left zero.
const (
	DefaultQueue       = 1000
	DefaultMaxAttempts = 8
	DefaultBackoff     = time.Second
	DefaultTimeout     = 10 * time.Second // of the default Client
	// MaxBackoff caps every wait between attempts, Retry-After included.
	MaxBackoff = 5 * time.Minute
)

// Options configure a Notifier.
type Options struct {
	// URL receives the POSTs (http or https).
	URL string
	// Secret keys the HMAC-SHA256 signature of each body.
	Secret string
	// Client sends the requests (nil: a client with a 10 s timeout).
	Client *http.Client
	// Logger receives failures (nil: discarded).
	Logger *slog.Logger
	// Queue is how many calls may wait (0: DefaultQueue).
	Queue int
	// MaxAttempts is how often one call is tried (0: DefaultMaxAttempts).
	MaxAttempts int
	// Backoff is the first wait before a retry (0: DefaultBackoff).
	Backoff time.Duration
}

// Stats are the Notifier's counters.
type Stats struct {
	Sent    uint64 // calls delivered (2xx)
	Failed  uint64 // calls given up: a permanent 4xx, or MaxAttempts used
	Dropped uint64 // calls never tried to the end: queue full, or Close gave up
	Retries uint64 // attempts after a call's first
}

// Notifier POSTs ended calls to a URL from one goroutine of its own.
type Notifier struct {
	opt    Options
	url    string
	log    *slog.Logger
	ctx    context.Context // cancelled when Close gives up
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has finished

	mu     sync.Mutex
	queue  []linetap.Call
	wake   chan struct{}
	closed bool
	stats  Stats
}

// New checks opt and starts the Notifier's goroutine; Close stops it.
func New(opt Options) (*Notifier, error) {
	u, err := url.Parse(opt.URL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: URL %q: %v", ErrURL, opt.URL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: URL %q: scheme must be http or https", ErrURL, opt.URL)
	case u.Host == "":
		return nil, fmt.Errorf("%w: URL %q has no host", ErrURL, opt.URL)
	}
	if opt.Queue < 0 || opt.MaxAttempts < 0 || opt.Backoff < 0 {
		return nil, fmt.Errorf("%w: queue %d, max attempts %d, backoff %v: none may be negative",
			ErrOptions, opt.Queue, opt.MaxAttempts, opt.Backoff)
	}
	if opt.Queue == 0 {
		opt.Queue = DefaultQueue
	}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	if opt.Backoff == 0 {
		opt.Backoff = DefaultBackoff
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{opt: opt, url: u.String(), log: opt.Logger, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go n.run()
	return n, nil
}

// CallEnded queues c for delivery and returns at once; it suits
// linetap.Options.OnCallEnd. When the queue is full the oldest waiting
// call is dropped (counted in Stats.Dropped); after Close, c is dropped.
func (n *Notifier) CallEnded(c linetap.Call) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		n.stats.Dropped++
		n.log.Warn("webhook closed: call not sent", "call", c.ID)
		return
	}
	if len(n.queue) >= n.opt.Queue {
		old := n.queue[0]
		n.queue = append(n.queue[:0], n.queue[1:]...)
		n.stats.Dropped++
		n.log.Warn("webhook queue full: oldest call dropped", "call", old.ID, "queue", n.opt.Queue)
	}
	n.queue = append(n.queue, c)
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Stats returns a copy of the counters.
func (n *Notifier) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Close stops taking calls and delivers those queued. If ctx ends first it
// abandons the attempt in progress and the rest (counted as dropped) and
// returns ctx's error.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		n.cancel()
		<-n.done
		return fmt.Errorf("webhook: close: %w", ctx.Err())
	}
}

// run delivers the queue until Close, then drains it.
func (n *Notifier) run() {
	defer close(n.done)
	defer n.cancel()
	for {
		n.mu.Lock()
		if len(n.queue) == 0 {
			closed := n.closed
			n.mu.Unlock()
			if closed {
				return
			}
			<-n.wake
			continue
		}
		c := n.queue[0]
		n.queue = append(n.queue[:0], n.queue[1:]...)
		n.mu.Unlock()
		if n.ctx.Err() != nil {
			n.count(func(s *Stats) { s.Dropped++ })
			continue
		}
		n.deliver(c)
	}
}

func (n *Notifier) count(f func(*Stats)) {
	n.mu.Lock()
	f(&n.stats)
	n.mu.Unlock()
}

// payload is the body of a POST.
type payload struct {
	Event    string       `json:"event"`
	Delivery string       `json:"delivery"`
	Call     linetap.Call `json:"call"`
}

// Sign returns the X-Linetap-Signature value of body: "sha256=" and the
// hex HMAC-SHA256 of body keyed with secret (RFC 2104).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// newID is a random delivery ID.
func newID() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // never fails (Go 1.24+: it crashes instead)
	return hex.EncodeToString(b[:])
}

// deliver tries one call until it is delivered, refused for good, out of
// attempts, or the Notifier gives up.
func (n *Notifier) deliver(c linetap.Call) {
	id := newID()
	body, err := json.Marshal(payload{Event: "call.end", Delivery: id, Call: c})
	if err != nil {
		n.count(func(s *Stats) { s.Failed++ })
		n.log.Error("webhook: call not encodable", "call", c.ID, "err", err)
		return
	}
	sig := Sign(n.opt.Secret, body)
	wait := n.opt.Backoff
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			n.count(func(s *Stats) { s.Retries++ })
		}
		status, retryAfter, err := n.post(body, id, sig)
		switch {
		case err == nil && status >= 200 && status < 300:
			n.count(func(s *Stats) { s.Sent++ })
			return
		case n.ctx.Err() != nil:
			n.count(func(s *Stats) { s.Dropped++ })
			n.log.Warn("webhook: gave up at close", "call", c.ID, "delivery", id)
			return
		case err == nil && !retryable(status):
			n.count(func(s *Stats) { s.Failed++ })
			n.log.Error("webhook: refused; not retried", "call", c.ID, "delivery", id, "status", status)
			return
		case attempt >= n.opt.MaxAttempts:
			n.count(func(s *Stats) { s.Failed++ })
			n.log.Error("webhook: failed; giving up", "call", c.ID, "delivery", id, "attempts", attempt,
				"status", status, "err", err)
			return
		}
		d := min(wait+time.Duration(rand.Int64N(int64(wait/2)+1)), MaxBackoff)
		if retryAfter >= 0 {
			d = min(retryAfter, MaxBackoff)
		}
		n.log.Warn("webhook: will retry", "call", c.ID, "delivery", id, "attempt", attempt,
			"status", status, "err", err, "wait", d)
		wait = min(2*wait, MaxBackoff)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-n.ctx.Done():
			t.Stop()
			n.count(func(s *Stats) { s.Dropped++ })
			n.log.Warn("webhook: gave up at close", "call", c.ID, "delivery", id)
			return
		}
	}
}

// retryable reports whether an answer may succeed later: 408, 429, 5xx
// (RFC 9110 §15.5.9, RFC 6585 §4, RFC 9110 §15.6).
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// post sends one attempt. It returns the status, the Retry-After wait (−1
// when absent), and the transport error.
func (n *Notifier) post(body []byte, id, sig string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return 0, -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "linetap-webhook")
	req.Header.Set("X-Linetap-Event", "call.end")
	req.Header.Set("X-Linetap-Delivery", id)
	req.Header.Set("X-Linetap-Signature", sig)
	resp, err := n.opt.Client.Do(req)
	if err != nil {
		return 0, -1, err
	}
	// Read a little of the body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if cerr := resp.Body.Close(); cerr != nil {
		n.log.Debug("webhook: closing the answer", "err", cerr)
	}
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryAfter parses a Retry-After value (RFC 9110 §10.2.3: delay-seconds
// or an HTTP-date); −1 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return -1
		}
		return min(time.Duration(min(s, int64(MaxBackoff/time.Second)))*time.Second, MaxBackoff)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxBackoff)
	}
	return -1
}
