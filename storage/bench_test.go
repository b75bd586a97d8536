package storage_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// BenchmarkCommit commits 1 s of l16 audio from each of 8 lines per batch.
func BenchmarkCommit(b *testing.B) {
	s, _ := open(b, storage.Options{})
	r := rand.New(rand.NewPCG(1, 1))
	gens := make([]*callGen, 8)
	for i := range gens {
		gens[i] = newCall(b, s, i, "l16")
	}
	pcm := noise(r, 8000)
	var batch linetap.Batch
	b.SetBytes(8 * 8000 * 2)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch.Reset()
		for _, g := range gens {
			batch.Chunks = append(batch.Chunks, g.chunk(pcm))
			g.pcm = g.pcm[:0]
			batch.Calls = append(batch.Calls, g.call)
		}
		b.StartTimer()
		if err := s.Commit(&batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPCM reads back a 1-minute call stored as 60 chunks.
func BenchmarkPCM(b *testing.B) {
	s, _ := open(b, storage.Options{})
	r := rand.New(rand.NewPCG(2, 2))
	g := newCall(b, s, 0, "l16")
	for i := 0; i < 60; i++ {
		if i == 59 {
			g.finish()
		}
		if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 8000))}, Calls: []linetap.Call{g.call}}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(60 * 8000 * 2)
	b.ReportAllocs()
	for b.Loop() {
		pcm, err := s.PCM(g.call.ID)
		if err != nil || len(pcm) != 480000 {
			b.Fatal(len(pcm), err)
		}
	}
}

// searchCalls is the size of BenchmarkSearch's store: 1,000,000 unless
// LINETAP_SEARCH_CALLS says otherwise.
func searchCalls(b *testing.B) int {
	if v := os.Getenv("LINETAP_SEARCH_CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("LINETAP_SEARCH_CALLS=%q: want a positive count", v)
		}
		return n
	}
	return 1_000_000
}

// BenchmarkSearch runs a mix of searches over a store of a million calls
// and reports the p50 and p99 latency of one search, and the process's
// resident memory with the index built.
func BenchmarkSearch(b *testing.B) {
	n := searchCalls(b)
	s, _ := open(b, storage.Options{})
	r := rand.New(rand.NewPCG(13, 13))
	calls, tags := genCalls(r, n)
	if err := storage.BulkCalls(s, calls, tags); err != nil {
		b.Fatal(err)
	}
	calls = nil
	line := 3
	end := t0.Add(time.Duration(n) * time.Minute)
	queries := []storage.Query{
		{},                 // the newest page
		{Number: "555123"}, // a number fragment: scans everything
		{Name: "alice", Line: &line},
		{From: end.Add(-30 * 24 * time.Hour), To: end.Add(-29 * 24 * time.Hour)}, // one day a month ago
		{Tags: []string{"vip", "complaint"}, MinDuration: 30 * time.Minute},
		{Direction: linetap.Outbound, Number: "99"},
		{Name: "zebra"}, // no match: a full scan
		{Before: uint64(n / 2), Line: &line, Limit: 50},
	}
	if _, err := s.Search(queries[0]); err != nil { // builds the index
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	lat := make([]time.Duration, 0, 1024)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		st := time.Now()
		if _, err := s.Search(queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(st))
		i++
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(rssBytes())/(1<<20), "rss-MiB")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(n), "calls")
}

// rssBytes returns the process's resident set size (0 if unknown).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
