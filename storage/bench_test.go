package storage_test

import (
	"math/rand/v2"
	"testing"

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
