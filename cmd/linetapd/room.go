package main

import (
	"fmt"
	"io"

	"github.com/linetap/linetap/storage/export"
)

// roomCheckBytes is how often a guarded export looks at the free space.
const roomCheckBytes = 1 << 20

// roomGuard wraps an export target so that an export never eats the room
// recording needs: a zip export is written into the data directory, and a
// large one could otherwise fill the disk (and make retention delete
// calls). Every roomCheckBytes it checks that free(dir) stays above floor;
// below it the write fails, and the job ends incomplete with that reason.
type roomGuard struct {
	export.Target
	dir   string
	floor int64
	free  func(string) (int64, error)
}

func (g roomGuard) Create(name string) (io.WriteCloser, error) {
	w, err := g.Target.Create(name)
	if err != nil {
		return nil, err
	}
	return &roomWriter{WriteCloser: w, g: g}, nil
}

type roomWriter struct {
	io.WriteCloser
	g       roomGuard
	pending int
}

func (w *roomWriter) Write(p []byte) (int, error) {
	w.pending += len(p)
	if w.pending >= roomCheckBytes {
		w.pending = 0
		free, err := w.g.free(w.g.dir)
		if err == nil && free < w.g.floor {
			return 0, fmt.Errorf("export stopped: %s has %d MB free, the recorder keeps %d MB for recording", w.g.dir, free>>20, w.g.floor>>20)
		}
	}
	return w.WriteCloser.Write(p)
}
