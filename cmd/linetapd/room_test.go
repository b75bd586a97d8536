package main

import (
	"io"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage/export"
)

// memTarget is an export.Target that keeps what is written.
type memTarget struct{ files map[string]*strings.Builder }

type nopCloser struct{ *strings.Builder }

func (nopCloser) Close() error { return nil }

func (m *memTarget) Create(name string) (io.WriteCloser, error) {
	b := &strings.Builder{}
	m.files[name] = b
	return nopCloser{b}, nil
}
func (m *memTarget) Remove(name string) error { delete(m.files, name); return nil }
func (m *memTarget) Sync() error              { return nil }

var _ export.Target = (*memTarget)(nil)

func TestRoomGuard(t *testing.T) {
	free := int64(300 << 20)
	g := roomGuard{Target: &memTarget{files: map[string]*strings.Builder{}}, dir: "/data", floor: 256 << 20,
		free: func(string) (int64, error) { return free, nil }}
	w, err := g.Create("call-1.wav")
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	written := 0
	for range 64 { // 4 MiB with room to spare
		n, err := w.Write(chunk)
		if err != nil {
			t.Fatalf("with room: %v", err)
		}
		written += n
		free -= int64(n)
	}
	free = 200 << 20 // the disk filled meanwhile
	var werr error
	for range 32 {
		if _, werr = w.Write(chunk); werr != nil {
			break
		}
	}
	if werr == nil || !strings.Contains(werr.Error(), "keeps 256 MB for recording") {
		t.Fatalf("below the floor: %v", werr)
	}
}
