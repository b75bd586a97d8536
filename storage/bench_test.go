package storage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
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

// BenchmarkStore records eight lines, one-second batches of 60-second
// calls, with each codec, and reports what it costs: ns/op is one
// Commit of one second of eight lines; overhead-% the bytes the files
// take on the disk (allocated blocks) beyond the codec's own bytes;
// MB/h-line the disk bytes per hour of one line's audio; write-amp the
// bytes this process sent to the block device (/proc/self/io
// write_bytes) per byte of audio; page-amp the same from the pages bbolt
// wrote (data and meta pages of every transaction, as the device gets
// them whatever the page cache counts). The store's clock advances one
// second per batch, as the engine's does, so records flush every
// DefaultFlushInterval of audio. Run it with -benchtime 600x or more:
// the files' fixed costs dominate a short run.
func BenchmarkStore(b *testing.B) {
	for _, name := range codec.Names() {
		b.Run(name, func(b *testing.B) {
			cd, err := codec.Lookup(name)
			if err != nil {
				b.Fatal(err)
			}
			dir := filepath.Join(b.TempDir(), "data")
			var clock atomic.Int64 // seconds after t0
			s, err := storage.Open(dir, storage.Options{Now: func() time.Time { return t0.Add(time.Duration(clock.Load()) * time.Second) }})
			if err != nil {
				b.Fatal(err)
			}
			data := cd.Encode(nil, noise(rand.New(rand.NewPCG(1, 1)), 8000))
			type line struct {
				call linetap.Call
				h    hash.Hash
				seq  uint32
			}
			lines := make([]*line, 8)
			var raw int64
			var batch linetap.Batch
			io0 := procWriteBytes()
			i0, s0 := storage.WriteStats(s)
			for b.Loop() {
				clock.Add(1)
				batch.Reset()
				for i := range lines {
					l := lines[i]
					if l == nil {
						id, err := s.NewCallID()
						if err != nil {
							b.Fatal(err)
						}
						l = &line{h: sha256.New(), call: linetap.Call{ID: id, Line: i, Direction: linetap.Inbound, State: linetap.StateRecording,
							Trigger: linetap.TriggerHook, Start: t0, AudioStart: t0, Rate: 8000, Codec: name}}
						lines[i] = l
					}
					batch.Chunks = append(batch.Chunks, linetap.Chunk{Call: l.call.ID, Seq: l.seq, Offset: l.call.Samples, Samples: 8000, Data: data})
					l.seq++
					l.call.Samples += 8000
					l.h.Write(data)
					l.call.SHA256 = hex.EncodeToString(l.h.Sum(nil))
					raw += int64(len(data))
					if l.seq == 60 {
						l.call.State, l.call.End = linetap.StateComplete, t0.Add(time.Minute)
						l.call.Duration = time.Minute
						lines[i] = nil
					}
					batch.Calls = append(batch.Calls, l.call)
				}
				if err := s.Commit(&batch); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			wrote := procWriteBytes() - io0
			i1, s1 := storage.WriteStats(s)
			// The benchmark stays in one segment (256 MiB).
			pageBytes := i1.Bytes(i0) + s1.Bytes(s0)
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			disk := diskBytes(b, dir)
			hours := float64(b.N) * 8 / 3600
			b.ReportMetric(100*(float64(disk)/float64(raw)-1), "overhead-%")
			b.ReportMetric(float64(disk)/1e6/hours, "MB/h-line")
			b.ReportMetric(float64(raw)/1e6/hours, "raw-MB/h-line")
			if wrote > 0 {
				b.ReportMetric(float64(wrote)/float64(raw), "write-amp")
			}
			b.ReportMetric(float64(pageBytes)/float64(raw), "page-amp")
		})
	}
}

// procWriteBytes returns the bytes this process caused to be sent to the
// storage layer (/proc/self/io write_bytes; 0 if unknown).
func procWriteBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// diskBytes returns the bytes the files under dir take on the disk:
// their allocated blocks where the system says, else their sizes.
func diskBytes(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += allocated(fi)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
