package storage_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
)

func TestRoundTrip(t *testing.T) {
	// Every codec there is: l16 today, pcmu and pcma as they land.
	for _, name := range codec.Names() {
		t.Run(name, func(t *testing.T) {
			s, _ := open(t, storage.Options{})
			r := rand.New(rand.NewPCG(1, 2))
			a, b := newCall(t, s, 0, name), newCall(t, s, 1, name)
			b.call.CallerID = linetap.CallerID{Number: "6095551212", Name: "ALICE", Standard: "bell202-mdmf"}
			for i := 0; i < 5; i++ {
				batch := &linetap.Batch{Chunks: []linetap.Chunk{a.chunk(noise(r, 800)), b.chunk(noise(r, 400+i))}}
				if i == 4 {
					a.finish()
				}
				batch.Calls = []linetap.Call{a.call, b.call}
				if err := s.Commit(batch); err != nil {
					t.Fatalf("Commit %d: %v", i, err)
				}
			}
			for _, g := range []*callGen{a, b} {
				got, err := s.Call(g.call.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Samples != g.call.Samples || got.SHA256 != g.call.SHA256 || got.State != g.call.State ||
					!got.Start.Equal(g.call.Start) || got.CallerID != g.call.CallerID || got.Codec != name {
					t.Errorf("call %d: got %+v, want %+v", g.call.ID, got, g.call)
				}
				pcm, err := s.PCM(g.call.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(pcm, g.pcm) {
					t.Errorf("call %d: PCM differs (%d samples, want %d)", g.call.ID, len(pcm), len(g.pcm))
				}
				if err := s.Verify(g.call.ID); err != nil {
					t.Errorf("Verify: %v", err)
				}
			}
			if _, err := s.Call(999); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Call(999) = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCommitRefuses(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name   string
		mangle func(g *callGen, b *linetap.Batch)
		want   string
	}{
		{"seq gap", func(g *callGen, b *linetap.Batch) { b.Chunks[0].Seq = 3 }, "seq 3: want seq 2"},
		{"seq repeated", func(g *callGen, b *linetap.Batch) { b.Chunks[0].Seq = 1 }, "seq 1: want seq 2"},
		{"offset", func(g *callGen, b *linetap.Batch) { b.Chunks[0].Offset++ }, "offset 1601, want 1600"},
		{"no record", func(g *callGen, b *linetap.Batch) { b.Calls = nil }, "no record of call"},
		{"samples", func(g *callGen, b *linetap.Batch) { b.Calls[0].Samples-- }, "record says 2399 samples, its chunks hold 2400"},
		{"sha256", func(g *callGen, b *linetap.Batch) { b.Calls[0].SHA256 = strings.Repeat("0", 64) }, "its chunks hash to"},
		{"chunk samples", func(g *callGen, b *linetap.Batch) { b.Chunks[0].Samples = 7 }, "chunk says 7"},
		{"empty chunk", func(g *callGen, b *linetap.Batch) { b.Chunks[0].Data = nil }, "empty chunk"},
		{"codec", func(g *callGen, b *linetap.Batch) { b.Calls[0].Codec = "mp3" }, `codec "mp3"`},
		{"id 0", func(g *callGen, b *linetap.Batch) { b.Calls[0].ID = 0 }, "call id 0"},
		{"rate", func(g *callGen, b *linetap.Batch) { b.Calls[0].Rate = 0 }, "rate 0"},
		{"state", func(g *callGen, b *linetap.Batch) { b.Calls[0].State = "paused" }, `unknown state "paused"`},
		{"twice", func(g *callGen, b *linetap.Batch) { b.Calls = append(b.Calls, b.Calls[0]) }, "appears twice"},
		{"second chunk", func(g *callGen, b *linetap.Batch) {
			c := g.chunk(noise(r, 10))
			c.Seq++
			b.Chunks = append(b.Chunks, c)
			b.Calls[0] = g.call
		}, "seq 4: want seq 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := open(t, storage.Options{})
			g := newCall(t, s, 0, "l16")
			for i := 0; i < 2; i++ {
				if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}, Calls: []linetap.Call{g.call}}); err != nil {
					t.Fatal(err)
				}
			}
			before := g.call
			snap := snapshot(t, dir)
			b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}, Calls: []linetap.Call{g.call}}
			tc.mangle(g, b)
			err := s.Commit(b)
			if !errors.Is(err, storage.ErrBatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Commit = %v, want ErrBatch with %q", err, tc.want)
			}
			sameFiles(t, snap, snapshot(t, dir))
			got, err := s.Call(before.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Samples != 1600 || got.SHA256 != before.SHA256 {
				t.Errorf("refused batch changed the record: %+v", got)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s, dir := open(t, storage.Options{SegmentSize: 64 << 10})
	var gens []*callGen
	for line := 0; line < 3; line++ {
		gens = append(gens, newCall(t, s, line, "l16"))
	}
	// 3 lines × 40 chunks × 1600 bytes ≈ 190 KiB: at least three segments.
	for i := 0; i < 40; i++ {
		var b linetap.Batch
		for _, g := range gens {
			b.Chunks = append(b.Chunks, g.chunk(noise(r, 800)))
			b.Calls = append(b.Calls, g.call)
		}
		if err := s.Commit(&b); err != nil {
			t.Fatalf("Commit %d: %v", i, err)
		}
	}
	if n := len(segmentFiles(t, dir)); n < 3 {
		t.Fatalf("%d segment files, want at least 3", n)
	}
	for _, g := range gens {
		pcm, err := s.PCM(g.call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pcm, g.pcm) {
			t.Errorf("call %d spanning segments: PCM differs", g.call.ID)
		}
	}
	// Reopened, the store keeps writing into the newest segment.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := storage.Open(dir, storage.Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Recovered(); len(got) != 3 {
		t.Errorf("Recovered = %v, want the 3 calls left recording", got)
	}
	g := newCall(t, s2, 0, "l16")
	g.finish()
	if err := s2.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 8000))}, Calls: []linetap.Call{g.call}}); err != nil {
		t.Fatal(err)
	}
	if err := s2.Verify(g.call.ID); err != nil {
		t.Error(err)
	}
}

func TestRecovery(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s, dir := open(t, storage.Options{})
	g := newCall(t, s, 2, "l16")
	done := newCall(t, s, 3, "l16")
	for i := 0; i < 3; i++ {
		if i == 2 {
			done.finish()
		}
		b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 8000)), done.chunk(noise(r, 100))}, Calls: []linetap.Call{g.call, done.call}}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Recovered(); !slices.Equal(got, []uint64{g.call.ID}) {
		t.Fatalf("Recovered = %v, want [%d]", got, g.call.ID)
	}
	c, err := s.Call(g.call.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEnd := g.call.AudioStart.Add(3 * time.Second)
	if c.State != linetap.StateInterrupted || c.EndReason != linetap.EndCrash || c.Samples != 24000 ||
		c.SHA256 != g.call.SHA256 || !c.End.Equal(wantEnd) || c.Duration != wantEnd.Sub(g.call.Start) {
		t.Errorf("recovered call: %+v", c)
	}
	if err := s.Verify(g.call.ID); err != nil {
		t.Error(err)
	}
	if c, _ := s.Call(done.call.ID); c.State != linetap.StateComplete {
		t.Errorf("finished call changed to %q", c.State)
	}
	// A second open finds nothing more to recover.
	s.Close()
	s, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Recovered(); len(got) != 0 {
		t.Errorf("second Open recovered %v", got)
	}
}

func TestCalls(t *testing.T) {
	s, _ := open(t, storage.Options{})
	var ids []uint64
	for i := 0; i < 6; i++ {
		g := newCall(t, s, i%2, "l16")
		if i == 1 {
			g.call.CallerID.Number = "6095551212"
		}
		if i == 4 {
			g.call.Dialled = "0015551234"
		}
		g.finish()
		if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{g.call}}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.call.ID)
	}
	line1 := 1
	tests := []struct {
		name string
		q    linetap.CallQuery
		want []uint64
	}{
		{"all", linetap.CallQuery{}, []uint64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"limit", linetap.CallQuery{Limit: 2}, []uint64{ids[5], ids[4]}},
		{"before", linetap.CallQuery{Before: ids[3], Limit: 2}, []uint64{ids[2], ids[1]}},
		{"before past end", linetap.CallQuery{Before: ids[5] + 10, Limit: 1}, []uint64{ids[5]}},
		{"line", linetap.CallQuery{Line: &line1}, []uint64{ids[5], ids[3], ids[1]}},
		{"caller number", linetap.CallQuery{Number: "555"}, []uint64{ids[4], ids[1]}},
		{"dialled", linetap.CallQuery{Number: "1234"}, []uint64{ids[4]}},
		{"none", linetap.CallQuery{Number: "999"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls, err := s.Calls(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, c := range calls {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := s.Calls(linetap.CallQuery{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestVerifyNamesBreak(t *testing.T) {
	s, dir := open(t, storage.Options{})
	g := newCall(t, s, 0, "l16")
	pat := make([]int16, 400)
	for i := range pat {
		pat[i] = 0x5a5a
	}
	g.finish()
	r := rand.New(rand.NewPCG(9, 9))
	b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 400)), g.chunk(pat)}}
	b.Calls = []linetap.Call{g.call}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	seg := filepath.Join(dir, "audio-000001.db")
	raw, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, bytes.Repeat([]byte{0x5a}, 800))
	if i < 0 {
		t.Fatal("chunk data not found in the segment")
	}
	raw[i+100] ^= 1
	if err := os.WriteFile(seg, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Verify(g.call.ID)
	if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), "chunk 1 in "+seg) || !strings.Contains(err.Error(), "CRC-32C") {
		t.Errorf("Verify = %v, want ErrCorrupt naming chunk 1 in %s", err, seg)
	}
	if _, err := s.PCM(g.call.ID); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("PCM = %v, want ErrCorrupt", err)
	}
	// Put it back so the cleanup check passes.
	raw[i+100] ^= 1
	if err := os.WriteFile(seg, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyAndClosed(t *testing.T) {
	s, dir := open(t, storage.Options{})
	g := newCall(t, s, 0, "l16")
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{g.call}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	snap := snapshot(t, dir)
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.NewCallID(); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("NewCallID read-only = %v", err)
	}
	if err := ro.Commit(&linetap.Batch{Calls: []linetap.Call{g.call}}); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("Commit read-only = %v", err)
	}
	if len(ro.Recovered()) != 0 {
		t.Error("read-only open recovered calls")
	}
	if c, _ := ro.Call(g.call.ID); c.State != linetap.StateRecording {
		t.Errorf("read-only open changed state to %q", c.State)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, snap, snapshot(t, dir))
	if _, err := ro.Call(g.call.ID); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Call after Close = %v", err)
	}
	if err := ro.Commit(&linetap.Batch{}); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Commit after Close = %v", err)
	}
	if _, err := storage.Open(filepath.Join(dir, "nope"), storage.Options{ReadOnly: true}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("read-only Open of a missing dir = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); !os.IsNotExist(err) {
		t.Error("read-only Open created the directory")
	}
}

func TestLocked(t *testing.T) {
	s, dir := open(t, storage.Options{})
	tests := []struct {
		name string
		opt  storage.Options
	}{
		{"read-only with timeout", storage.Options{ReadOnly: true, Timeout: 50 * time.Millisecond}},
		{"read-only at once", storage.Options{ReadOnly: true}},
		{"writer at once", storage.Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s2, err := storage.Open(dir, tc.opt)
			if err == nil {
				s2.Close()
			}
			if !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), filepath.Join(dir, "index.db")) {
				t.Errorf("Open while locked = %v, want ErrLocked naming index.db", err)
			}
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := storage.Open(dir, storage.Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after the writer closed: %v", err)
	}
	s2.Close()
}
