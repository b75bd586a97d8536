package storage_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// fakeDisk is a filesystem of a settable capacity holding only dir: its
// free space is the capacity less the bytes of the files under dir.
type fakeDisk struct {
	mu       sync.Mutex
	capacity int64
}

func used(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func (d *fakeDisk) statfs(dir string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.capacity - used(dir), nil
}

func (d *fakeDisk) set(c int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.capacity = c
}

// alarmLog records OnAlarm calls.
type alarmLog struct {
	mu  sync.Mutex
	got []string
}

func (a *alarmLog) on(al storage.Alarm) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, fmt.Sprintf("%s %v", al.Kind, al.Active))
}

func (a *alarmLog) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

func TestDiskFull(t *testing.T) {
	const floor = 32 << 20
	disk := &fakeDisk{capacity: 1 << 40}
	alarms := &alarmLog{}
	s, dir := open(t, storage.Options{SegmentSize: 10 << 10, Statfs: disk.statfs, OnAlarm: alarms.on,
		Retention: storage.Retention{MinFree: floor}})
	r := rand.New(rand.NewPCG(8, 8))
	var old []*callGen
	for i := 0; i < 12; i++ {
		old = append(old, record(t, s, r, i%4, "1"))
	}
	held := old[5]
	if err := s.SetKeep(held.call.ID, true, "legal"); err != nil {
		t.Fatal(err)
	}
	live := newCall(t, s, 7, "l16")
	commit := func() (*linetap.Batch, error) {
		b := &linetap.Batch{Chunks: []linetap.Chunk{live.chunk(noise(r, 800))}, Calls: []linetap.Call{live.call}}
		return b, s.Commit(b)
	}
	if _, err := commit(); err != nil {
		t.Fatal(err)
	}

	// Below the floor: an alarm, the oldest unprotected calls go until
	// the floor is free again, and recording goes on.
	disk.set(used(dir) + floor - 100<<10)
	if _, err := commit(); err != nil {
		t.Fatalf("Commit below the floor: %v", err)
	}
	if got := alarms.list(); !slices.Equal(got, []string{"disk-low true", "disk-low false"}) {
		t.Errorf("alarms %v, want disk-low raised and cleared", got)
	}
	deleted := 0
	for _, g := range old {
		if !exists(t, s, g.call.ID) {
			deleted++
		}
	}
	if deleted == 0 || deleted == len(old)-1 {
		t.Errorf("retention deleted %d of %d calls: want the oldest, enough to restore the floor", deleted, len(old))
	}

	// Far below: retention deletes every unprotected call it can, and
	// then refuses the batch.
	disk.set(used(dir) + 1<<20)
	b := &linetap.Batch{Chunks: []linetap.Chunk{live.chunk(noise(r, 800))}, Calls: []linetap.Call{live.call}}
	if err := s.Commit(b); !errors.Is(err, storage.ErrFull) {
		t.Fatalf("Commit on a full disk = %v, want ErrFull", err)
	}
	for _, g := range old {
		if exists(t, s, g.call.ID) != (g == held) {
			t.Errorf("call %d (held %v): exists %v", g.call.ID, g == held, !(g == held))
		}
	}
	// Nothing left to free: ErrFull again, nothing written.
	snap := snapshot(t, dir)
	if err := s.Commit(b); !errors.Is(err, storage.ErrFull) {
		t.Fatalf("Commit on a full disk = %v, want ErrFull", err)
	}
	sameFiles(t, snap, snapshot(t, dir))
	if a := s.Alarms(); len(a) != 2 || a[1].Kind != storage.AlarmDiskFull || !a[1].Active {
		t.Errorf("Alarms() = %+v, want disk-low and disk-full", a)
	}

	// Space returns: the same batch goes in and the alarms clear.
	disk.set(1 << 40)
	if err := s.Commit(b); err != nil {
		t.Fatalf("Commit after space returned: %v", err)
	}
	if a := s.Alarms(); len(a) != 0 {
		t.Errorf("Alarms() = %+v after space returned", a)
	}
	if got := alarms.list(); !slices.Equal(got, []string{"disk-low true", "disk-low false", "disk-low true", "disk-full true", "disk-full false", "disk-low false"}) {
		t.Errorf("alarm calls %v", got)
	}
	live.finish()
	if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{live.call}}); err != nil {
		t.Fatal(err)
	}
	pcm, err := s.PCM(live.call.ID)
	if err != nil || !slices.Equal(pcm, live.pcm) {
		t.Errorf("the call recorded through the full disk: %d samples, %v", len(pcm), err)
	}
	if rep, err := s.VerifyAll(); err != nil {
		t.Errorf("VerifyAll: %v %v", err, rep.Breaks)
	}
}

func TestWriteFailure(t *testing.T) {
	for _, file := range []string{"audio-000001.db", "index.db"} {
		t.Run(file, func(t *testing.T) {
			// Every commit writes its record: the fault hits the commit.
			s, _ := open(t, storage.Options{FlushInterval: -1})
			r := rand.New(rand.NewPCG(9, 9))
			g := newCall(t, s, 0, "l16")
			if err := s.Commit(&linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}, Calls: []linetap.Call{g.call}}); err != nil {
				t.Fatal(err)
			}
			storage.SetWriteFault(s, func(f string) error {
				if f == file {
					return &fs.PathError{Op: "write", Path: f, Err: syscall.ENOSPC}
				}
				return nil
			})
			b := &linetap.Batch{Chunks: []linetap.Chunk{g.chunk(noise(r, 800))}, Calls: []linetap.Call{g.call}}
			if err := s.Commit(b); !errors.Is(err, storage.ErrFull) {
				t.Fatalf("Commit = %v, want ErrFull", err)
			}
			if a := s.Alarms(); len(a) != 1 || a[0].Kind != storage.AlarmDiskFull {
				t.Errorf("Alarms() = %+v, want disk-full", a)
			}
			if got, _ := s.Call(g.call.ID); got.Samples != 800 {
				t.Errorf("the failed commit changed the record: %d samples", got.Samples)
			}
			storage.SetWriteFault(s, nil)
			if err := s.Commit(b); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if a := s.Alarms(); len(a) != 0 {
				t.Errorf("Alarms() = %+v after the retry", a)
			}
			pcm, err := s.PCM(g.call.ID)
			if err != nil || !slices.Equal(pcm, g.pcm) {
				t.Errorf("PCM after the retry: %d samples, %v", len(pcm), err)
			}
		})
	}
}
