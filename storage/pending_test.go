package storage_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
)

// second commits one second of new audio of every call in gens.
func second(t testing.TB, s *storage.Store, r *rand.Rand, gens ...*callGen) {
	t.Helper()
	var b linetap.Batch
	for _, g := range gens {
		b.Chunks = append(b.Chunks, g.chunk(noise(r, 8000)))
		b.Calls = append(b.Calls, g.call)
	}
	if err := s.Commit(&b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// indexTx returns the ID of index.db's last transaction.
func indexTx(s *storage.Store) int64 {
	i, _ := storage.WriteStats(s)
	return i.Tx
}

// TestRecordsWait shows that a call's record waits in memory while only
// its audio grows, that every reader sees the newest record meanwhile,
// and what writes it to index.db.
func TestRecordsWait(t *testing.T) {
	var clock atomic.Int64 // seconds after t0
	now := func() time.Time { return t0.Add(time.Duration(clock.Load()) * time.Second) }
	s, dir := open(t, storage.Options{Now: now, Retention: storage.Retention{Every: -1}})
	r := rand.New(rand.NewPCG(4, 4))
	a, b := newCall(t, s, 0, "pcmu"), newCall(t, s, 1, "adpcm")
	second(t, s, r, a, b) // new calls: written
	tx := indexTx(s)
	for range 3 {
		clock.Add(1)
		second(t, s, r, a, b)
	}
	if got := indexTx(s); got != tx {
		t.Errorf("index.db was written %d times while only audio changed", got-tx)
	}
	// Every reader sees the four seconds.
	line := 1
	readers := []struct {
		name string
		get  func() (int64, error)
	}{
		{"Call", func() (int64, error) { c, err := s.Call(b.call.ID); return c.Samples, err }},
		{"Info", func() (int64, error) { c, err := s.Info(b.call.ID); return c.Samples, err }},
		{"Calls", func() (int64, error) {
			cs, err := s.Calls(linetap.CallQuery{Line: &line})
			if err != nil || len(cs) != 1 {
				return 0, fmt.Errorf("%d calls, %v", len(cs), err)
			}
			return cs[0].Samples, nil
		}},
		{"Search", func() (int64, error) {
			p, err := s.Search(storage.Query{Line: &line})
			if err != nil || len(p.Calls) != 1 {
				return 0, fmt.Errorf("%d calls, %v", len(p.Calls), err)
			}
			return p.Calls[0].Samples, nil
		}},
		{"PCM", func() (int64, error) {
			pcm, err := s.PCM(b.call.ID)
			if err == nil && !slices.Equal(pcm, b.pcm) {
				err = errors.New("PCM differs from what was committed")
			}
			return int64(len(pcm)), err
		}},
		{"Verify", func() (int64, error) { return 4 * 8000, s.Verify(b.call.ID) }},
		{"VerifyAll", func() (int64, error) {
			rep, err := s.VerifyAll()
			if err != nil {
				return 0, fmt.Errorf("%v %v", err, rep.Breaks)
			}
			return 4 * 8000, nil
		}},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			if n, err := rd.get(); err != nil || n != 4*8000 {
				t.Errorf("%s: %d samples, %v; want %d", rd.name, n, err, 4*8000)
			}
		})
	}

	steps := []struct {
		name  string
		do    func()
		write bool
	}{
		{"audio only", func() { second(t, s, r, a, b) }, false},
		{"DTMF digits", func() { a.call.DTMF = "12#"; second(t, s, r, a, b) }, true},
		{"audio only again", func() { second(t, s, r, a, b) }, false},
		{"a keep flag", func() {
			if err := s.SetKeep(b.call.ID, true, "tester"); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"flush interval elapsed", func() { clock.Add(int64(storage.DefaultFlushInterval / time.Second)); second(t, s, r, a, b) }, true},
		{"audio only after the flush", func() { second(t, s, r, a, b) }, false},
	}
	for _, st := range steps {
		before := indexTx(s)
		st.do()
		clock.Add(1)
		if wrote := indexTx(s) != before; wrote != st.write {
			t.Errorf("%s: index.db written: %v, want %v", st.name, wrote, st.write)
		}
	}
	if info, err := s.Info(b.call.ID); err != nil || !info.Keep || info.Samples != b.call.Samples {
		t.Errorf("after SetKeep on a waiting record: keep %v, %d samples (want %d), %v", info.Keep, info.Samples, b.call.Samples, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close wrote the waiting records: a read-only Open sees them.
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, g := range []*callGen{a, b} {
		if c, err := ro.Call(g.call.ID); err != nil || c.Samples != g.call.Samples || c.SHA256 != g.call.SHA256 || c.DTMF != g.call.DTMF {
			t.Errorf("call %d after Close: %d samples %s dtmf %q, %v; want %d %s %q", g.call.ID, c.Samples, c.SHA256, c.DTMF, err, g.call.Samples, g.call.SHA256, g.call.DTMF)
		}
	}
}

// TestWriteFailureWhileRecordsWait: with the records waiting, a write
// fault in index.db does not fail audio commits (their audio goes to the
// segment); it fails the commit that must write a record, and the retry
// of that batch stores everything.
func TestWriteFailureWhileRecordsWait(t *testing.T) {
	s, _ := open(t, storage.Options{})
	r := rand.New(rand.NewPCG(5, 5))
	g := newCall(t, s, 0, "pcma")
	second(t, s, r, g)
	storage.SetWriteFault(s, func(f string) error {
		if f == "index.db" {
			return &fs.PathError{Op: "write", Path: f, Err: syscall.ENOSPC}
		}
		return nil
	})
	second(t, s, r, g)
	second(t, s, r, g)
	g.finish()
	b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 8000))}, Calls: []linetap.Call{g.call}}
	if err := s.Commit(b); !errors.Is(err, storage.ErrFull) {
		t.Fatalf("finishing Commit = %v, want ErrFull", err)
	}
	if c, err := s.Call(g.call.ID); err != nil || c.State != linetap.StateRecording || c.Samples != 3*8000 {
		t.Errorf("after the failed commit: %s, %d samples, %v; want recording, %d", c.State, c.Samples, err, 3*8000)
	}
	storage.SetWriteFault(s, nil)
	if err := s.Commit(b); err != nil {
		t.Fatalf("retry: %v", err)
	}
	pcm, err := s.PCM(g.call.ID)
	if err != nil || !slices.Equal(pcm, g.pcm) {
		t.Errorf("PCM after the retry: %d samples, %v", len(pcm), err)
	}
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
}

// flushEnv names the data directory flushHelper writes to.
const flushEnv = "LINETAP_STORAGE_FLUSH_DIR"

// flushSeconds is how many one-second batches flushHelper commits.
const flushSeconds = 7

// flushCodecs are the codecs of flushHelper's calls, one a line.
var flushCodecs = []string{"pcmu", "adpcm", "l16"}

// flushAudio is the audio of second sec of line's call in flushHelper.
func flushAudio(line, sec int) []int16 {
	return noise(rand.New(rand.NewPCG(uint64(line), uint64(sec))), 8000)
}

// flushHelper records one call a line in dir with records flushed only
// when something besides audio changes: at the first second (new calls)
// and the third (line 0 gets DTMF digits). It prints "committed N" after
// each commit and, after the last, waits to be killed.
func flushHelper(dir string) error {
	s, err := storage.Open(dir, storage.Options{FlushInterval: time.Hour, Retention: storage.Retention{Every: -1}})
	if err != nil {
		return err
	}
	gens := make([]*callGen, len(flushCodecs))
	for i, name := range flushCodecs {
		gens[i] = newCall(helperTB{}, s, i, name)
	}
	for sec := 0; sec < flushSeconds; sec++ {
		var b linetap.Batch
		for i, g := range gens {
			if sec == 2 && i == 0 {
				g.call.DTMF = "42"
			}
			b.Chunks = append(b.Chunks, g.chunk(flushAudio(i, sec)))
			b.Calls = append(b.Calls, g.call)
		}
		if err := s.Commit(&b); err != nil {
			return err
		}
		fmt.Printf("committed %d\n", sec+1)
	}
	for { // killed here, the last records never written to index.db
		time.Sleep(time.Hour)
	}
}

// TestKillBetweenFlushes kills a writer whose records lag behind their
// audio in index.db: Open adopts the audio committed since, and each call
// verifies and holds every committed second, sample for sample.
func TestKillBetweenFlushes(t *testing.T) {
	dir := t.TempDir() + "/data"
	cmd, rd := startWriter(t, flushEnv, dir)
	for sec := 1; sec <= flushSeconds; sec++ {
		line, err := rd.ReadString('\n')
		if want := fmt.Sprintf("committed %d\n", sec); err != nil || line != want {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("helper said %q, %v; want %q", line, err, want)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() == 2 {
		t.Fatalf("helper ended on its own: %v", err)
	}

	// index.db alone is behind: the records of the third second.
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	before, err := ro.Calls(linetap.CallQuery{})
	if err := errors.Join(err, ro.Close()); err != nil {
		t.Fatal(err)
	}
	if len(before) != len(flushCodecs) {
		t.Fatalf("index.db lists %d calls, want %d", len(before), len(flushCodecs))
	}
	for _, c := range before {
		if c.State != linetap.StateRecording || c.Samples != 3*8000 {
			t.Errorf("index.db before recovery: call %d %s with %d samples; want recording with %d (the last flush)", c.ID, c.State, c.Samples, 3*8000)
		}
	}

	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("Open after SIGKILL: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		checkDir(t, dir)
	}()
	if got := s.Recovered(); len(got) != len(flushCodecs) {
		t.Errorf("Recovered() = %v, want the %d calls", got, len(flushCodecs))
	}
	calls, err := s.Calls(linetap.CallQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		t.Run(c.Codec, func(t *testing.T) {
			cd, err := codec.Lookup(c.Codec)
			if err != nil {
				t.Fatal(err)
			}
			var want []int16
			for sec := 0; sec < flushSeconds; sec++ {
				if want, err = cd.Decode(want, cd.Encode(nil, flushAudio(c.Line, sec))); err != nil {
					t.Fatal(err)
				}
			}
			if c.State != linetap.StateInterrupted || c.Samples != flushSeconds*8000 {
				t.Errorf("call %d: %s with %d samples; want interrupted with %d", c.ID, c.State, c.Samples, flushSeconds*8000)
			}
			if wantDTMF := map[int]string{0: "42"}[c.Line]; c.DTMF != wantDTMF {
				t.Errorf("call %d: DTMF %q, want %q", c.ID, c.DTMF, wantDTMF)
			}
			if err := s.Verify(c.ID); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if pcm, err := s.PCM(c.ID); err != nil || !slices.Equal(pcm, want) {
				t.Errorf("PCM: %d samples (want %d), equal %v, %v", len(pcm), len(want), slices.Equal(pcm, want), err)
			}
		})
	}
	if rep, err := s.VerifyAll(); err != nil || rep.Chained != len(flushCodecs) {
		t.Errorf("VerifyAll: %d chained (want %d), %v %v", rep.Chained, len(flushCodecs), err, rep.Breaks)
	}
}

// TestCommitPages measures what one second of eight lines costs in bbolt
// pages, per codec, once the calls are under way: nothing in index.db,
// and in the segment the batch's own pages (its chunks packed into one
// value of a new batch bucket: one run of pages, wasting only the rest
// of the last) plus the chunks leaf, the root leaf and the meta page.
func TestCommitPages(t *testing.T) {
	for _, name := range codec.Names() {
		t.Run(name, func(t *testing.T) {
			s, _ := open(t, storage.Options{FlushInterval: time.Hour})
			r := rand.New(rand.NewPCG(6, 6))
			gens := make([]*callGen, 8)
			for i := range gens {
				gens[i] = newCall(t, s, i, name)
			}
			second(t, s, r, gens...)
			i0, s0 := storage.WriteStats(s)
			page := int64(storage.SegmentPageSize)
			if s0.PageSize != page {
				t.Fatalf("segment page size %d, want %d", s0.PageSize, page)
			}
			const n = 20
			var want, audio int64
			for range n {
				var b linetap.Batch
				for _, g := range gens {
					b.Chunks = append(b.Chunks, g.chunk(noise(r, 8000)))
					b.Calls = append(b.Calls, g.call)
				}
				// Page header, leaf element, key "pack", pack version.
				size := int64(16 + 16 + 4 + 1)
				for _, c := range b.Chunks {
					size += 12 + 4 + 16 + int64(len(c.Data)) // key, length, chunk header, data
					audio += int64(len(c.Data))
				}
				want += (size+page-1)/page + 2 + 1 // the batch, chunks and root leaves, meta
				if err := s.Commit(&b); err != nil {
					t.Fatal(err)
				}
			}
			i1, s1 := storage.WriteStats(s)
			if got := i1.Bytes(i0); got != 0 {
				t.Errorf("index.db: %d bytes in %d transactions, want none", got, i1.Tx-i0.Tx)
			}
			got := s1.Bytes(s0)
			t.Logf("%s: %d bytes of audio a second; segment %.2f pages of %d bytes a second in %.2f transactions; write amplification by pages %.2f",
				name, audio/n, float64(got)/float64(page)/n, page, float64(s1.Tx-s0.Tx)/n, float64(got)/float64(audio))
			if s1.Tx-s0.Tx != n || got != want*page {
				t.Errorf("segment: %d pages in %d transactions, want %d in %d", got/page, s1.Tx-s0.Tx, want, n)
			}
		})
	}
}
