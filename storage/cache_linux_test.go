package storage_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage"
)

// TestWriteBytesArePages shows that what the kernel counts as written by
// this process (/proc/self/io write_bytes) is the pages bbolt wrote, no
// more: the pages bbolt rewrites at every transaction are not cached in
// large folios that the count would take whole (see cache_linux.go).
func TestWriteBytesArePages(t *testing.T) {
	if b, err := os.ReadFile("/proc/self/io"); err != nil || !strings.Contains(string(b), "\nwrite_bytes: ") {
		t.Fatalf("/proc/self/io without write_bytes (%v): the kernel lacks task I/O accounting", err)
	}
	s, dir := open(t, storage.Options{Retention: storage.Retention{Every: -1}})
	r := rand.New(rand.NewPCG(7, 7))
	gens := make([]*callGen, 8)
	for i := range gens {
		gens[i] = newCall(t, s, i, "adpcm")
	}
	second(t, s, r, gens...)
	// Only the audio-only seconds are (nearly) exact: a transaction of
	// index.db may also reuse a page of a run bbolt wrote at once (a leaf
	// of records longer than a page), which the kernel cached as one
	// folio.
	steps := []struct {
		name  string
		do    func()
		exact bool
	}{
		{"audio only", func() { second(t, s, r, gens...) }, true},
		{"a record changed", func() { gens[3].call.DTMF = "5"; second(t, s, r, gens...) }, false},
		{"a new call", func() {
			gens[5].finish()
			second(t, s, r, gens...)
			gens[5] = newCall(t, s, 5, "adpcm")
			second(t, s, r, gens...)
		}, false},
		{"audio only again", func() { second(t, s, r, gens...) }, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			measure(t, s, st.exact, st.do)
		})
	}
	// Reopened, the segment's pages are cached as Open's checks left them.
	for _, g := range gens {
		g.finish()
	}
	second(t, s, r, gens...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, storage.Options{Retention: storage.Retention{Every: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range gens {
		gens[i] = newCall(t, s, i, "adpcm")
	}
	second(t, s, r, gens...)
	t.Run("audio only after a reopen", func(t *testing.T) {
		measure(t, s, true, func() { second(t, s, r, gens...) })
	})
}

// measure runs do and checks that write_bytes grew by what bbolt wrote
// meanwhile, counted in the 4 KiB pages of the page cache: index.db's
// pages are 4 KiB, a segment's smaller, so each write into a segment may
// dirty up to two cache pages more than its bytes (its first and last
// ones shared with other pages). exact: no more than that, give or take
// one cache page (one ran under -race once, as the file grew; before the
// fix it was three more, the meta page's folio); else no more than twice
// as much. It must be at least half the bytes (two of a segment's pages
// written in one sync may share a cache page).
func measure(t *testing.T, s *storage.Store, exact bool, do func()) {
	t.Helper()
	const cache = 4096
	i0, s0 := storage.WriteStats(s)
	w0 := procWriteBytes()
	do()
	w := procWriteBytes() - w0
	i1, s1 := storage.WriteStats(s)
	ib, sb, writes := i1.Bytes(i0), s1.Bytes(s0), s1.Writes-s0.Writes
	bound := ib + sb + cache
	if s1.PageSize < cache {
		bound += writes * (2*cache - s1.PageSize)
	}
	msg := fmt.Sprintf("write_bytes grew by %d (%.2f cache pages); bbolt wrote %d bytes (%d in index.db, %d in the segment in %d writes), bound %d",
		w, float64(w)/cache, ib+sb, ib, sb, writes, bound)
	switch {
	case exact && w > bound, 2*w < ib+sb, w > 2*bound:
		t.Error(msg)
	default:
		t.Log(msg)
	}
}
