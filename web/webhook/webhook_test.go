package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/web/webhook"
)

const secret = "s3cret-shared-with-the-receiver"

// hit is one request the test server got.
type hit struct {
	header http.Header
	body   []byte
}

// receiver is a test server that answers each request with the next of its
// statuses (the last one repeats) and records what it got.
type receiver struct {
	mu       sync.Mutex
	hits     []hit
	statuses []int
	header   http.Header   // added to every answer
	hold     chan struct{} // when set, each request waits until it is closed
	arrived  chan struct{} // a token per request, with hold
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, header: http.Header{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.hold != nil {
			r.arrived <- struct{}{}
			<-r.hold
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Error(err)
		}
		r.mu.Lock()
		r.hits = append(r.hits, hit{req.Header.Clone(), b})
		st := r.statuses[min(len(r.hits), len(r.statuses))-1]
		r.mu.Unlock()
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

func newNotifier(t *testing.T, opt webhook.Options) *webhook.Notifier {
	t.Helper()
	n, err := webhook.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func closeNow(t *testing.T, n *webhook.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

var call = linetap.Call{ID: 42, Line: 1, LineName: "Reception", Direction: linetap.Inbound,
	State: linetap.StateComplete, EndReason: linetap.EndNearHangUp, Trigger: linetap.TriggerHook,
	Start: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 22, 9, 3, 0, 0, time.UTC),
	Duration: 3 * time.Minute, CallerID: linetap.CallerID{Number: "5551234"}, Rate: 8000, Codec: "pcmu"}

func TestDeliveryIsSignedAndDescribesTheCall(t *testing.T) {
	r := newReceiver(t, http.StatusNoContent)
	n := newNotifier(t, webhook.Options{URL: r.srv.URL + "/hook", Secret: secret})
	n.CallEnded(call)
	closeNow(t, n)
	hits := r.got()
	if len(hits) != 1 {
		t.Fatalf("%d requests, want 1", len(hits))
	}
	h := hits[0]
	// The receiver's check, as docs/webhook.md describes it.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(h.body)
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); h.header.Get("X-Linetap-Signature") != want {
		t.Errorf("signature %q, want %q", h.header.Get("X-Linetap-Signature"), want)
	}
	if webhook.Sign("another secret", h.body) == h.header.Get("X-Linetap-Signature") {
		t.Error("the signature does not depend on the secret")
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "X-Linetap-Event": "call.end"} {
		if got := h.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	var p struct {
		Event    string       `json:"event"`
		Delivery string       `json:"delivery"`
		Call     linetap.Call `json:"call"`
	}
	if err := json.Unmarshal(h.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "call.end" || p.Delivery == "" || p.Delivery != h.header.Get("X-Linetap-Delivery") {
		t.Errorf("event %q, delivery %q (header %q)", p.Event, p.Delivery, h.header.Get("X-Linetap-Delivery"))
	}
	p.Call.Start, p.Call.End = p.Call.Start.UTC(), p.Call.End.UTC()
	if p.Call.ID != call.ID || p.Call.CallerID != call.CallerID || !p.Call.End.Equal(call.End) || p.Call.LineName != "Reception" {
		t.Errorf("call %+v, want %+v", p.Call, call)
	}
	if s := n.Stats(); s != (webhook.Stats{Sent: 1}) {
		t.Errorf("stats %+v", s)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int
		header    http.Header
		backoff   time.Duration
		attempts  int
		wantHits  int
		wantStats webhook.Stats
	}{
		{"5xx then success", []int{503, 500, 200}, nil, time.Millisecond, 0, 3, webhook.Stats{Sent: 1, Retries: 2}},
		{"408 and 429 are retried", []int{408, 429, 202}, nil, time.Millisecond, 0, 3, webhook.Stats{Sent: 1, Retries: 2}},
		// With an hour's backoff only Retry-After can bring the retry on.
		{"Retry-After honoured", []int{429, 200}, http.Header{"Retry-After": {"0"}}, time.Hour, 0, 2, webhook.Stats{Sent: 1, Retries: 1}},
		{"400 is permanent", []int{400}, nil, time.Millisecond, 0, 1, webhook.Stats{Failed: 1}},
		{"404 is permanent", []int{404}, nil, time.Millisecond, 0, 1, webhook.Stats{Failed: 1}},
		{"gives up after MaxAttempts", []int{500}, nil, time.Millisecond, 3, 3, webhook.Stats{Failed: 1, Retries: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, tc.statuses...)
			if tc.header != nil {
				r.header = tc.header
			}
			n := newNotifier(t, webhook.Options{URL: r.srv.URL, Secret: secret, Backoff: tc.backoff, MaxAttempts: tc.attempts})
			n.CallEnded(call)
			closeNow(t, n)
			hits := r.got()
			if len(hits) != tc.wantHits {
				t.Fatalf("%d attempts, want %d", len(hits), tc.wantHits)
			}
			for _, h := range hits[1:] {
				if h.header.Get("X-Linetap-Delivery") != hits[0].header.Get("X-Linetap-Delivery") || string(h.body) != string(hits[0].body) {
					t.Error("a retry is not the same delivery")
				}
			}
			if s := n.Stats(); s != tc.wantStats {
				t.Errorf("stats %+v, want %+v", s, tc.wantStats)
			}
		})
	}
}

func TestUnreachableReceiverIsRetried(t *testing.T) {
	r := newReceiver(t, 200)
	u := r.srv.URL
	r.srv.Close() // nothing listens any more
	n := newNotifier(t, webhook.Options{URL: u, Backoff: time.Millisecond, MaxAttempts: 3})
	n.CallEnded(call)
	closeNow(t, n)
	if s := n.Stats(); s != (webhook.Stats{Failed: 1, Retries: 2}) {
		t.Errorf("stats %+v", s)
	}
}

func TestFullQueueDropsTheOldest(t *testing.T) {
	r := newReceiver(t, 200)
	r.hold, r.arrived = make(chan struct{}), make(chan struct{}, 16)
	n := newNotifier(t, webhook.Options{URL: r.srv.URL, Queue: 3})
	n.CallEnded(call)
	<-r.arrived                             // the first call is in flight, held by the server
	for id := uint64(100); id < 105; id++ { // 5 into a queue of 3
		c := call
		c.ID = id
		n.CallEnded(c)
	}
	close(r.hold)
	closeNow(t, n)
	var ids []uint64
	for _, h := range r.got() {
		var p struct {
			Call linetap.Call `json:"call"`
		}
		if err := json.Unmarshal(h.body, &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.Call.ID)
	}
	if want := []uint64{42, 102, 103, 104}; !equal(ids, want) {
		t.Errorf("delivered %v, want %v", ids, want)
	}
	if s := n.Stats(); s != (webhook.Stats{Sent: 4, Dropped: 2}) {
		t.Errorf("stats %+v", s)
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCloseDrainsTheQueue(t *testing.T) {
	r := newReceiver(t, 200)
	n := newNotifier(t, webhook.Options{URL: r.srv.URL})
	for i := range 20 {
		c := call
		c.ID = uint64(i + 1)
		n.CallEnded(c)
	}
	closeNow(t, n)
	if len(r.got()) != 20 || n.Stats().Sent != 20 {
		t.Errorf("%d delivered, stats %+v; want all 20", len(r.got()), n.Stats())
	}
	n.CallEnded(call) // after Close: dropped, not sent
	if s := n.Stats(); s.Dropped != 1 || len(r.got()) != 20 {
		t.Errorf("after Close: stats %+v, %d requests", s, len(r.got()))
	}
}

func TestCloseGivesUpAtTheDeadline(t *testing.T) {
	r := newReceiver(t, 503)
	n := newNotifier(t, webhook.Options{URL: r.srv.URL, Backoff: time.Hour})
	n.CallEnded(call)
	c2 := call
	c2.ID = 43
	n.CallEnded(c2)
	for len(r.got()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := n.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the deadline", err)
	}
	if s := n.Stats(); s.Sent != 0 || s.Dropped != 2 {
		t.Errorf("stats %+v, want both calls dropped", s)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, tc := range []struct {
		opt  webhook.Options
		want error
		says string
	}{
		{webhook.Options{URL: ""}, webhook.ErrURL, `URL ""`},
		{webhook.Options{URL: "ftp://example.com/x"}, webhook.ErrURL, `URL "ftp://example.com/x"`},
		{webhook.Options{URL: "example.com/hook"}, webhook.ErrURL, `URL "example.com/hook"`},
		{webhook.Options{URL: "https:///hook"}, webhook.ErrURL, "no host"},
		{webhook.Options{URL: "http://[::1"}, webhook.ErrURL, `URL "http://[::1"`},
		{webhook.Options{URL: "https://example.com", MaxAttempts: -1}, webhook.ErrOptions, "max attempts -1"},
	} {
		t.Run(tc.opt.URL, func(t *testing.T) {
			_, err := webhook.New(tc.opt)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("New(%+v) = %v, want %v saying %s", tc.opt, err, tc.want, tc.says)
			}
		})
	}
}

func TestHookSwapsNotifiers(t *testing.T) {
	var h webhook.Hook
	h.CallEnded(call) // no notifier yet: nothing happens
	a, b := newReceiver(t, 200), newReceiver(t, 200)
	if old := h.Swap(newNotifier(t, webhook.Options{URL: a.srv.URL})); old != nil {
		t.Fatal("a zero Hook had a notifier")
	}
	h.CallEnded(call)
	old := h.Swap(newNotifier(t, webhook.Options{URL: b.srv.URL}))
	closeNow(t, old)
	second := call
	second.ID = 43
	h.CallEnded(second)
	closeNow(t, h.Swap(nil))
	h.CallEnded(call) // none again
	if len(a.got()) != 1 || len(b.got()) != 1 {
		t.Errorf("first receiver got %d, second %d; want one each", len(a.got()), len(b.got()))
	}
}
