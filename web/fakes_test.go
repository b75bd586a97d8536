package web_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

// errNotFound stands in for storage.ErrNotFound.
var errNotFound = errors.New("fake: not found")

// fakeCalls is an in-memory web.Calls that counts PCM reads.
type fakeCalls struct {
	mu      sync.Mutex
	calls   []linetap.Call // any order
	pcm     map[uint64][]int16
	failAll error // returned by every method when set
	failPCM error // returned by PCM when set
	queries []linetap.CallQuery
	pcmRead map[uint64]int
	notes   map[uint64]storage.Annotation
	keep    map[uint64]bool
	audits  []storage.AuditEntry
	failAud error // returned by Audit when set
	kv      auth.MemKV
}

var _ web.Archive = (*fakeCalls)(nil)

func newFakeCalls() *fakeCalls {
	return &fakeCalls{pcm: map[uint64][]int16{}, pcmRead: map[uint64]int{},
		notes: map[uint64]storage.Annotation{}, keep: map[uint64]bool{}}
}

// Search implements web.Archive with the line, number, before and limit
// filters (newest first), which is what these tests use.
func (f *fakeCalls) Search(q storage.Query) (storage.Page, error) {
	calls, err := f.Calls(linetap.CallQuery{Limit: q.Limit, Before: q.Before, Line: q.Line, Number: q.Number})
	if err != nil {
		return storage.Page{}, err
	}
	var p storage.Page
	for _, c := range calls {
		info, _ := f.Info(c.ID)
		p.Calls = append(p.Calls, info)
	}
	return p, nil
}

func (f *fakeCalls) Info(id uint64) (storage.CallInfo, error) {
	c, err := f.Call(id)
	if err != nil {
		return storage.CallInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.notes[id]
	return storage.CallInfo{Call: c, Keep: f.keep[id], Tags: a.Tags, Notes: a.Notes}, nil
}

func (f *fakeCalls) Annotate(id uint64, a storage.Annotation, who string) error {
	if _, err := f.Call(id); err != nil {
		return err
	}
	if len(a.Tags) > storage.MaxTags {
		return fmt.Errorf("%w: too many tags", storage.ErrInvalid)
	}
	f.mu.Lock()
	f.notes[id] = a
	f.mu.Unlock()
	_, err := f.Audit(storage.AuditEntry{Who: who, Action: "annotate", Call: id})
	return err
}

func (f *fakeCalls) SetKeep(id uint64, keep bool, who string) error {
	if _, err := f.Call(id); err != nil {
		return err
	}
	f.mu.Lock()
	f.keep[id] = keep
	f.mu.Unlock()
	_, err := f.Audit(storage.AuditEntry{Who: who, Action: "keep", Call: id})
	return err
}

func (f *fakeCalls) Delete(ids []uint64, who, why string) ([]uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var done []uint64
	for _, id := range ids {
		if f.keep[id] {
			continue
		}
		i := slices.IndexFunc(f.calls, func(c linetap.Call) bool { return c.ID == id })
		if i < 0 {
			continue
		}
		f.calls = slices.Delete(f.calls, i, i+1)
		done = append(done, id)
		f.audits = append(f.audits, storage.AuditEntry{Seq: uint64(len(f.audits) + 1), Who: who, Action: "delete", Call: id, Detail: why})
	}
	return done, nil
}

func (f *fakeCalls) Verify(id uint64) error {
	_, err := f.Call(id)
	return err
}

func (f *fakeCalls) Audit(e storage.AuditEntry) (storage.AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAud != nil {
		return e, f.failAud
	}
	e.Seq = uint64(len(f.audits) + 1)
	f.audits = append(f.audits, e)
	return e, nil
}

func (f *fakeCalls) AuditLog(after uint64, limit int) ([]storage.AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []storage.AuditEntry
	for _, e := range f.audits {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// actions lists the audited actions in order.
func (f *fakeCalls) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.audits {
		out = append(out, e.Action)
	}
	return out
}

func (f *fakeCalls) VerifyAudit() (storage.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return storage.Report{Audit: len(f.audits)}, nil
}

func (f *fakeCalls) Alarms() []storage.Alarm { return nil }

func (f *fakeCalls) VerifyAll() (storage.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return storage.Report{Calls: len(f.calls), Audit: len(f.audits)}, nil
}

func (f *fakeCalls) KVGet(b, k string) ([]byte, error)          { return f.kv.KVGet(b, k) }
func (f *fakeCalls) KVPut(b, k string, v []byte) error          { return f.kv.KVPut(b, k, v) }
func (f *fakeCalls) KVDelete(b, k string) error                 { return f.kv.KVDelete(b, k) }
func (f *fakeCalls) KVList(b string) (map[string][]byte, error) { return f.kv.KVList(b) }

// add stores a call with pcm as its audio, filling Samples, Rate and SHA256.
func (f *fakeCalls) add(c linetap.Call, pcm []int16) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.Rate = dsp.Rate
	c.Samples = int64(len(pcm))
	c.Codec = "l16"
	h := sha256.New()
	for _, s := range pcm {
		_ = binary.Write(h, binary.LittleEndian, s)
	}
	c.SHA256 = hex.EncodeToString(h.Sum(nil))
	f.calls = append(f.calls, c)
	f.pcm[c.ID] = pcm
}

func (f *fakeCalls) Calls(q linetap.CallQuery) ([]linetap.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if f.failAll != nil {
		return nil, f.failAll
	}
	var out []linetap.Call
	for _, c := range f.calls {
		if q.Before != 0 && c.ID >= q.Before {
			continue
		}
		if q.Line != nil && c.Line != *q.Line {
			continue
		}
		if q.Number != "" && !strings.Contains(c.CallerID.Number, q.Number) && !strings.Contains(c.Dialled, q.Number) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b linetap.Call) int { return int(b.ID) - int(a.ID) })
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeCalls) Call(id uint64) (linetap.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAll != nil {
		return linetap.Call{}, f.failAll
	}
	for _, c := range f.calls {
		if c.ID == id {
			return c, nil
		}
	}
	return linetap.Call{}, fmt.Errorf("fake: call %d: %w", id, errNotFound)
}

func (f *fakeCalls) PCM(id uint64) ([]int16, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pcmRead[id]++
	if f.failAll != nil {
		return nil, f.failAll
	}
	if f.failPCM != nil {
		return nil, f.failPCM
	}
	p, ok := f.pcm[id]
	if !ok {
		return nil, fmt.Errorf("fake: pcm %d: %w", id, errNotFound)
	}
	return slices.Clone(p), nil
}

// audio returns a call's samples without counting a read.
func (f *fakeCalls) audio(id uint64) []int16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.pcm[id])
}

func (f *fakeCalls) reads(id uint64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pcmRead[id]
}

func (f *fakeCalls) lastQuery() linetap.CallQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return linetap.CallQuery{Limit: -1}
	}
	return f.queries[len(f.queries)-1]
}

// fakeLive is a web.Live whose snapshots the test publishes. Like the
// engine, it never blocks: a subscriber whose one-slot buffer is full gets
// the newer snapshot instead of the older one.
type fakeLive struct {
	mu      sync.Mutex
	lines   []linetap.LineStatus
	subs    map[int]chan []linetap.LineStatus
	next    int
	stopped int // subscriptions ended by their stop function
	// onSubscribe, when set, is published to each new subscriber.
	onSubscribe []linetap.LineStatus
	// subscribed receives a value on each Subscribe call.
	subscribed chan struct{}
	// endStreams is how many of the first subscriptions are closed right
	// after onSubscribe, as by an engine that stops: the server ends those
	// streams and browsers reconnect.
	endStreams int
	// subscriptions counts Subscribe calls.
	subscriptions int
}

var _ web.Live = (*fakeLive)(nil)

func newFakeLive(lines ...linetap.LineStatus) *fakeLive {
	return &fakeLive{lines: lines, subs: map[int]chan []linetap.LineStatus{}, subscribed: make(chan struct{}, 16)}
}

func (f *fakeLive) Lines() []linetap.LineStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lines)
}

func (f *fakeLive) Subscribe() (<-chan []linetap.LineStatus, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan []linetap.LineStatus, 1)
	if f.onSubscribe != nil {
		ch <- slices.Clone(f.onSubscribe)
	}
	f.subscriptions++
	if f.subscriptions <= f.endStreams {
		close(ch)
		return ch, func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.stopped++
		}
	}
	id := f.next
	f.next++
	f.subs[id] = ch
	select {
	case f.subscribed <- struct{}{}:
	default:
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if _, ok := f.subs[id]; ok {
				delete(f.subs, id)
				f.stopped++
			}
		})
	}
}

// publish sends snap to every subscriber without blocking.
func (f *fakeLive) publish(snap []linetap.LineStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = slices.Clone(snap)
	for _, ch := range f.subs {
		select {
		case <-ch:
		default:
		}
		ch <- slices.Clone(snap)
	}
}

// closeAll closes every subscriber's channel, as an engine that stops.
func (f *fakeLive) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, ch := range f.subs {
		close(ch)
		delete(f.subs, id)
	}
}

func (f *fakeLive) active() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// tone returns d of a sine at hz and levelDBm0.
func tone(hz dsp.Hz, levelDBm0 float64, d time.Duration) []int16 {
	n := int(d * dsp.Rate / time.Second)
	a := dsp.Peak(levelDBm0)
	p := make([]int16, n)
	for i := range p {
		p[i] = int16(math.Round(a * math.Sin(2*math.Pi*float64(hz)*float64(i)/dsp.Rate)))
	}
	return p
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// sampleCalls returns a store with three calls on two lines.
func sampleCalls() *fakeCalls {
	f := newFakeCalls()
	f.add(linetap.Call{
		ID: 1, Line: 0, LineName: "Front desk", Direction: linetap.Inbound, State: linetap.StateComplete,
		EndReason: linetap.EndNearHangUp, Trigger: linetap.TriggerHook,
		Start: t0, End: t0.Add(2 * time.Second), Duration: 2 * time.Second,
		CallerID:   linetap.CallerID{Number: "6095551212", Name: "ACME CORP", Standard: "bell202-mdmf"},
		AudioStart: t0,
	}, tone(1000, -10, 2*time.Second))
	f.add(linetap.Call{
		ID: 2, Line: 1, LineName: "Back office", Direction: linetap.Outbound, State: linetap.StateInterrupted,
		EndReason: linetap.EndCrash, Trigger: linetap.TriggerHook,
		Start: t0.Add(time.Hour), End: t0.Add(time.Hour + time.Second), Duration: time.Second,
		Dialled: "18005550199", AudioStart: t0.Add(time.Hour),
	}, tone(440, -20, time.Second))
	f.add(linetap.Call{
		ID: 3, Line: 0, LineName: "Front desk", Direction: linetap.Inbound, State: linetap.StateComplete,
		Trigger: linetap.TriggerHook, Start: t0.Add(2 * time.Hour), End: t0.Add(2*time.Hour + 500*time.Millisecond),
		Duration: 500 * time.Millisecond, CallerID: linetap.CallerID{NumberAbsence: "P", NameAbsence: "P"},
		AudioStart: t0.Add(2 * time.Hour),
	}, tone(697, -15, 500*time.Millisecond))
	return f
}

// sampleLines is a snapshot of two lines.
func sampleLines() []linetap.LineStatus {
	return []linetap.LineStatus{
		{Line: 0, Name: "Front desk", State: linetap.LineIdle, Since: t0, LevelDBm0: -100},
		{Line: 1, Name: "Back office", State: linetap.LineConnected, Since: t0, CallID: 7,
			Direction: linetap.Outbound, Dialled: "5551234", LevelDBm0: -23.5},
	}
}

// fastParams make argon2id cheap in tests.
var fastParams = auth.Params{Memory: 64, Time: 1, Threads: 1}

// testPassword is every test user's password.
const testPassword = "password-for-tests"

// newAuth returns an auth service with one user of each role, named after
// the role.
func newAuth(t testing.TB) *auth.Service {
	t.Helper()
	svc, err := auth.New(auth.Options{KV: &auth.MemKV{}, Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		if err := svc.AddUser(auth.Principal{User: "local", Role: auth.Admin}, "test", string(r), r, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

// newServer builds a Server over the fakes, failing the test on error.
func newServer(t testing.TB, calls *fakeCalls, live *fakeLive, mod func(*web.Options)) *web.Server {
	t.Helper()
	opt := web.Options{Archive: calls, Auth: newAuth(t), Live: live, NotFound: errNotFound, Version: "test-1"}
	if mod != nil {
		mod(&opt)
	}
	s, err := web.New(opt)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return s
}
