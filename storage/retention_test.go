package storage_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// clock is a settable clock for Options.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// exists reports whether call id is still stored.
func exists(t *testing.T, s *storage.Store, id uint64) bool {
	t.Helper()
	_, err := s.Call(id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func auditActions(t *testing.T, s *storage.Store) map[string]int {
	t.Helper()
	log, err := s.AuditLog(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, e := range log {
		m[e.Action]++
	}
	return m
}

func TestRetentionByAge(t *testing.T) {
	// Calls end at t0 + id minutes (callGen); the clock is 40 days on.
	clk := &clock{t: t0.Add(40 * 24 * time.Hour)}
	s, dir := open(t, storage.Options{
		SegmentSize: 12 << 10, Now: clk.now,
		Retention: storage.Retention{MaxAge: 30 * 24 * time.Hour, LineMaxAge: map[int]time.Duration{2: 0}, MinFree: -1, Every: -1},
	})
	r := rand.New(rand.NewPCG(3, 3))
	var old []*callGen
	for i := 0; i < 12; i++ {
		old = append(old, record(t, s, r, i%3, "100"))
	}
	held := old[4] // line 1
	if err := s.SetKeep(held.call.ID, true, "legal"); err != nil {
		t.Fatal(err)
	}
	// Recent calls: their End is 39 days after the old ones.
	clk.t = clk.t.Add(39 * 24 * time.Hour)
	var recent []*callGen
	for i := 0; i < 3; i++ {
		g := newCall(t, s, 0, "l16")
		g.call.Start = clk.t
		g.call.AudioStart = clk.t
		for j := 0; j < 2; j++ {
			b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}}
			if j == 1 {
				g.finish()
			}
			b.Calls = []linetap.Call{g.call}
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
		}
		recent = append(recent, g)
	}
	segsBefore := len(segmentFiles(t, dir))
	res, err := s.ApplyRetention("cron")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range old {
		want := g == held || g.call.Line == 2
		if got := exists(t, s, g.call.ID); got != want {
			t.Errorf("old call %d on line %d (keep %v): exists %v, want %v", g.call.ID, g.call.Line, g == held, got, want)
		}
	}
	for _, g := range recent {
		if !exists(t, s, g.call.ID) {
			t.Errorf("recent call %d deleted", g.call.ID)
		}
	}
	if res.Deleted != 7 || res.Held != 1 {
		t.Errorf("result %+v, want 7 deleted, 1 held", res)
	}
	if n := len(segmentFiles(t, dir)); res.Reclaimed == 0 || n != segsBefore-res.Reclaimed {
		t.Errorf("segments before %d, now %d, reclaimed %d", segsBefore, n, res.Reclaimed)
	}
	a := auditActions(t, s)
	if a[storage.ActionDelete] != 7 || a[storage.ActionRetention] != 1 || a[storage.ActionKeep] != 1 {
		t.Errorf("audit actions %v, want 7 delete, 1 retention, 1 keep", a)
	}
	if rep, err := s.VerifyAll(); err != nil || rep.Deleted != 7 {
		t.Errorf("VerifyAll after retention: %+v, %v", rep, err)
	}
	pcm, err := s.PCM(held.call.ID)
	if err != nil || !slices.Equal(pcm, held.pcm) {
		t.Errorf("held call's audio: %d samples, %v", len(pcm), err)
	}
}

func TestRetentionReclaimsWholeSegments(t *testing.T) {
	// A long call recorded across many segments beside short calls: when
	// the short calls are deleted, segments the long call has chunks in
	// stay, the others are removed.
	s, dir := open(t, storage.Options{SegmentSize: 16 << 10, Retention: storage.Retention{MinFree: -1}})
	r := rand.New(rand.NewPCG(4, 4))
	long := newCall(t, s, 0, "l16")
	var short []*callGen
	for i := 0; i < 30; i++ {
		var b linetap.Batch
		if i < 20 {
			b.Chunks = append(b.Chunks, long.chunk(noise(r, 800)))
			if i == 19 {
				long.finish()
			}
			b.Calls = append(b.Calls, long.call)
		}
		g := newCall(t, s, 1, "l16")
		b.Chunks = append(b.Chunks, g.chunk(noise(r, 800)))
		g.finish()
		b.Calls = append(b.Calls, g.call)
		short = append(short, g)
		if err := s.Commit(&b); err != nil {
			t.Fatal(err)
		}
	}
	before := len(segmentFiles(t, dir))
	if err := s.SetKeep(long.call.ID, true, "legal"); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, g := range short {
		ids = append(ids, g.call.ID)
	}
	d, err := s.Delete(append(ids, long.call.ID), "test", "cleanup")
	if err != nil || len(d) != len(short) {
		t.Fatalf("Delete = %d calls, %v; want %d", len(d), err, len(short))
	}
	after := len(segmentFiles(t, dir))
	if after >= before || after < 2 {
		t.Errorf("%d segments before, %d after: want some reclaimed, the long call's kept", before, after)
	}
	pcm, err := s.PCM(long.call.ID)
	if err != nil || !slices.Equal(pcm, long.pcm) {
		t.Fatalf("long call after the deletion: %d samples, %v", len(pcm), err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if a := auditActions(t, s); a[storage.ActionReclaim] != before-after {
		t.Errorf("%d reclaim entries, %d files removed", a[storage.ActionReclaim], before-after)
	}
}

func TestEraseNumber(t *testing.T) {
	s, _ := open(t, storage.Options{Retention: storage.Retention{MinFree: -1}})
	r := rand.New(rand.NewPCG(5, 5))
	a := record(t, s, r, 0, "(609) 555-1212")
	b := record(t, s, r, 1, "6095551212")
	held := record(t, s, r, 0, "609.555.1212")
	other := record(t, s, r, 0, "60955512120")
	dialled := newCall(t, s, 2, "l16")
	dialled.call.Dialled = "6095551212"
	dialled.finish()
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{dialled.call}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeep(held.call.ID, true, "legal"); err != nil {
		t.Fatal(err)
	}
	erased, kept, err := s.EraseNumber("609-555-1212", "dpo")
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{a.call.ID, b.call.ID, dialled.call.ID}
	if !slices.Equal(erased, want) || !slices.Equal(kept, []uint64{held.call.ID}) {
		t.Errorf("erased %v held %v, want %v and %v", erased, kept, want, held.call.ID)
	}
	for _, id := range want {
		if _, err := s.PCM(id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("PCM(%d) after erasure = %v, want ErrNotFound", id, err)
		}
	}
	if !exists(t, s, other.call.ID) || !exists(t, s, held.call.ID) {
		t.Error("a call of another number, or a held one, was erased")
	}
	log, _ := s.AuditLog(0, 100)
	n := 0
	for _, e := range log {
		if e.Action == storage.ActionDelete && e.Who == "dpo" && strings.Contains(e.Detail, "609-555-1212") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d deletion entries by dpo, want 3", n)
	}
	refused := false
	for _, e := range log {
		refused = refused || (e.Call == held.call.ID && e.Who == "dpo" && strings.Contains(e.Detail, "legal hold"))
	}
	if !refused {
		t.Error("no audit entry records that the held call was not erased")
	}
	if _, _, err := s.EraseNumber("--", "dpo"); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("EraseNumber(\"--\") = %v, want ErrInvalid", err)
	}
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
}

func TestAnnotateAndKeep(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(6, 6))
	g := record(t, s, r, 0, "1")
	if err := s.Annotate(g.call.ID, storage.Annotation{Tags: []string{" sales ", "vip", "sales"}, Notes: "call back"}, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeep(g.call.ID, true, "alice"); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(g.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Tags, []string{"sales", "vip"}) || info.Notes != "call back" || !info.Keep || info.SHA256 != g.call.SHA256 {
		t.Errorf("Info = %+v", info)
	}
	tests := []struct {
		name string
		err  error
		f    func() error
	}{
		{"missing call", storage.ErrNotFound, func() error { return s.SetKeep(999, true, "a") }},
		{"no who", storage.ErrInvalid, func() error { return s.SetKeep(g.call.ID, true, "") }},
		{"empty tag", storage.ErrInvalid, func() error { return s.Annotate(g.call.ID, storage.Annotation{Tags: []string{" "}}, "a") }},
		{"long notes", storage.ErrInvalid, func() error {
			return s.Annotate(g.call.ID, storage.Annotation{Notes: strings.Repeat("x", storage.MaxNotesLen+1)}, "a")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f(); !errors.Is(err, tc.err) {
				t.Errorf("got %v, want %v", err, tc.err)
			}
		})
	}
	// Annotations are outside the chain: the store still verifies.
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
}

// TestSetLineRetention: a line's limit set while the store runs (the web
// UI's line settings) applies at the next pass, to that line only.
func TestSetLineRetention(t *testing.T) {
	clk := &clock{t: t0.Add(40 * 24 * time.Hour)}
	s, _ := open(t, storage.Options{Now: clk.now, Retention: storage.Retention{MinFree: -1, Every: -1}})
	r := rand.New(rand.NewPCG(5, 5))
	var calls []*callGen
	for i := range 6 {
		calls = append(calls, record(t, s, r, i%2, "100"))
	}
	if res, err := s.ApplyRetention("cron"); err != nil || res.Deleted != 0 {
		t.Fatalf("without limits: %+v, %v", res, err)
	}
	if err := s.SetLineRetention(1, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLineRetention(-1, time.Hour); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("line -1: %v", err)
	}
	res, err := s.ApplyRetention("cron")
	if err != nil || res.Deleted != 3 {
		t.Fatalf("with line 1 limited: %+v, %v", res, err)
	}
	for _, g := range calls {
		if got := exists(t, s, g.call.ID); got != (g.call.Line == 0) {
			t.Errorf("call %d on line %d exists %v", g.call.ID, g.call.Line, got)
		}
	}
	// Back to the store's policy (none): nothing more goes.
	if err := s.SetLineRetention(1, 0); err != nil {
		t.Fatal(err)
	}
}
