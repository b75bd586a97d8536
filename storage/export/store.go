package export

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// StoreSource reads calls straight from st: the daemon's own store, or a
// data directory opened read-only while no daemon runs. Each call's stored
// audio is verified against its record before it is exported; a call that
// fails is skipped (Skippable), not exported with damaged audio.
func StoreSource(st *storage.Store) Source { return storeSource{st} }

type storeSource struct{ st *storage.Store }

var _ Source = storeSource{}

func (s storeSource) Calls(_ context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	return s.st.Calls(q)
}

func (s storeSource) WAV(_ context.Context, id uint64, w io.Writer) error {
	c, err := s.st.Call(id)
	if err != nil {
		return perCall(err)
	}
	if err := s.st.Verify(id); err != nil {
		return perCall(fmt.Errorf("stored audio fails its check: %w", err))
	}
	pcm, err := s.st.PCM(id)
	if err != nil {
		return perCall(err)
	}
	var ws memFile
	if err := storage.WriteWAV(&ws, pcm, c.Rate); err != nil {
		return err
	}
	_, err = w.Write(ws.b)
	return err
}

// perCall marks errors about one call's audio as Skippable.
func perCall(err error) error {
	if errors.Is(err, storage.ErrCorrupt) || errors.Is(err, storage.ErrNotFound) {
		return &Skippable{err}
	}
	return err
}

// memFile is an in-memory io.WriteSeeker, for the WAV encoder, which
// seeks back to fill in the header's sizes.
type memFile struct {
	b   []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.off + int64(len(p)); end > int64(len(m.b)) {
		if end > int64(cap(m.b)) {
			nb := make([]byte, end, 2*end)
			copy(nb, m.b)
			m.b = nb
		} else {
			m.b = m.b[:end]
		}
	}
	copy(m.b[m.off:], p)
	m.off += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += m.off
	case io.SeekEnd:
		off += int64(len(m.b))
	default:
		return 0, fmt.Errorf("export: seek: whence %d", whence)
	}
	if off < 0 {
		return 0, fmt.Errorf("export: seek to %d", off)
	}
	m.off = off
	return off, nil
}
