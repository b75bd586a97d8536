package storage

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/linetap/linetap"
)

// DefaultSegmentSize is the size an audio segment grows to before the next
// one is started: small enough that a 32-bit board can map it.
const DefaultSegmentSize = 256 << 20

// Options tune Open.
type Options struct {
	SegmentSize int64         // bytes before a new audio segment is started (0 = 256 MiB)
	ReadOnly    bool          // open without the write lock (bbolt shared lock); nothing is modified
	Timeout     time.Duration // how long to wait for another process's lock (0 = fail at once)
	Logger      *slog.Logger

	// KeyFile, when set, is the AES-256 key (see ReadKeyFile) that
	// encrypts every chunk. A new store becomes encrypted; an encrypted
	// store cannot be opened without it.
	KeyFile string
	// Retention says what the store deletes by itself.
	Retention Retention
	// Now is the clock of audit entries and retention (nil: time.Now).
	Now func() time.Time
	// Statfs reports the free bytes of the filesystem holding dir (nil:
	// the operating system's statfs). Tests inject a full disk here.
	Statfs func(dir string) (free int64, err error)
	// OnAlarm, when set, is called as an alarm is raised or cleared. It
	// is called with the store locked: it must not call the Store.
	OnAlarm func(Alarm)
	// FlushInterval is how long the record of a call in progress may lag
	// behind its committed audio in index.db (0: DefaultFlushInterval;
	// negative: every Commit writes its records). Only a change of audio
	// waits: a new call, any other change of a record, a new segment and
	// Close write at once. The audio itself is durable at every Commit;
	// after a crash Open adopts the chunks the record does not yet list.
	FlushInterval time.Duration
}

// DefaultFlushInterval is how long, at most, the record of a call in
// progress lags behind its audio in index.db.
const DefaultFlushInterval = 10 * time.Second

// Store is a linetap data directory: index.db with the call records and
// audio-NNNNNN.db segments with the audio chunks. It is safe for
// concurrent use.
type Store struct {
	dir string
	opt Options
	log *slog.Logger

	mu        sync.Mutex
	closed    bool
	index     *bolt.DB
	cur       *bolt.DB // the segment being written; nil until the first chunk (or read-only)
	curNum    uint32
	curSize   int64  // bytes of cur in use (bbolt high-water mark)
	scanFrom  uint32 // first segment that may hold chunks no record mentions
	dirty     bool   // a commit failed after writing chunks: scanFrom must not advance
	stale     bool   // the last commit failed: its chunks may be in the segment
	segments  map[uint32]bool
	recovered []uint64
	// pending holds, per call still recording, its newest record when
	// index.db holds an older one that differs only in audio (Samples,
	// SHA256 and the chunks it lists); flushed is when index.db was last
	// brought up to date. Records in pending are never modified.
	pending map[uint64]*record
	flushed time.Time

	aead      cipher.AEAD // nil: not encrypted
	writeHook func(file string) error
	space     spaceState
	search    *searchIndex // built on first use
	// While the search index is built outside s.mu (searchIndex), the
	// changes committed meanwhile are kept here and replayed into it.
	building chan struct{} // closed when that build ends; nil when none runs
	missed   []indexOp

	cancel context.CancelFunc // stops the retention goroutine
	wg     sync.WaitGroup
}

var _ linetap.Store = (*Store)(nil)

// Open opens the data directory dir, creating it (0700) if it does not
// exist. Every file in it is checked, read-only, before anything is opened
// for writing; a read-write Open then finishes the calls a dead recorder
// left in state recording (see Recovered) and deletes audio no record
// mentions.
func Open(dir string, opt Options) (*Store, error) {
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = DefaultSegmentSize
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.FlushInterval == 0 {
		opt.FlushInterval = DefaultFlushInterval
	}
	s := &Store{dir: dir, opt: opt, log: opt.Logger.With("dir", dir), segments: map[uint32]bool{}, pending: map[uint64]*record{}}

	segs, hasIndex, err := s.scanDir()
	if err != nil {
		return nil, err
	}
	if !hasIndex {
		if opt.ReadOnly {
			return nil, fmt.Errorf("%w: %s: no linetap data directory (no %s)", ErrNotFound, dir, indexName)
		}
		if err := s.create(); err != nil {
			return nil, err
		}
	}
	// Check every file before opening any for writing.
	if err := s.checkFile(indexName, 0); err != nil {
		return nil, err
	}
	for _, n := range segs {
		if err := s.checkFile(segmentName(n), n); err != nil {
			return nil, err
		}
	}
	for _, n := range segs {
		s.segments[n] = true
	}
	if s.index, err = s.openBolt(indexName, opt.ReadOnly); err != nil {
		return nil, err
	}
	if err := s.setupKey(); err != nil {
		return nil, errors.Join(err, s.index.Close())
	}
	if opt.ReadOnly {
		if err := s.loadIndexMeta(); err != nil {
			return nil, errors.Join(err, s.index.Close())
		}
		return s, nil
	}
	if err := s.recover(segs); err != nil {
		return nil, errors.Join(err, s.closeFiles())
	}
	s.flushed = s.now()
	s.startRetention()
	return s, nil
}

// scanDir creates dir if needed, removes stale half-created files from
// tmp/ and lists the segments; every other name is refused.
func (s *Store) scanDir() (segs []uint32, hasIndex bool, err error) {
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		if s.opt.ReadOnly {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrNotFound, s.dir, err)
		}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("storage: create %s: %w", s.dir, err)
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: %s: %w", s.dir, err)
	}
	var names []string
	for _, e := range ents {
		name := e.Name()
		switch {
		case name == "lost+found" || name == tmpDir || name == "setup-code" || name == "exports": // linetapd's first-start code and export zips
			continue
		case hasAnySuffix(name, ".sock", ".json", ".conf", ".key", ".pem"):
			continue
		case name == indexName:
			hasIndex = true
		default:
			n, ok := parseSegmentName(name)
			if !ok {
				return nil, false, fmt.Errorf("%w: %s: unknown file in the data directory", ErrForeign, filepath.Join(s.dir, name))
			}
			segs = append(segs, n)
		}
		names = append(names, name)
	}
	if len(names) > 0 && !hasIndex {
		return nil, false, fmt.Errorf("%w: %s: not a linetap data directory: no %s (found %s)", ErrForeign, s.dir, indexName, strings.Join(names, ", "))
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i] < segs[j] })
	if !s.opt.ReadOnly {
		// Files are built under tmp/ and renamed into place; one left
		// there was cut short by a crash.
		stale, _ := filepath.Glob(filepath.Join(s.dir, tmpDir, "*"+creatingExt))
		for _, p := range stale {
			s.log.Warn("storage: removing half-created file", "file", p)
			if err := os.Remove(p); err != nil {
				return nil, false, fmt.Errorf("storage: remove %s: %w", p, err)
			}
		}
	}
	return segs, hasIndex, nil
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// path returns the path of a file in the data directory.
func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// boltTimeout maps Options.Timeout to bbolt's, where 0 means forever.
func (s *Store) boltTimeout() time.Duration {
	if s.opt.Timeout <= 0 {
		return time.Nanosecond
	}
	return s.opt.Timeout
}

// openBolt opens a file of the data directory with bbolt.
func (s *Store) openBolt(name string, readOnly bool) (*bolt.DB, error) {
	p := s.path(name)
	db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: s.boltTimeout(), ReadOnly: readOnly, NoFreelistSync: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (waited %v)", ErrLocked, p, s.opt.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, p, err)
	}
	return db, nil
}

// guard runs f, turning a panic or a memory fault (a file shorter than
// bbolt believes) into ErrCorrupt naming path.
func guard(path string, f func() error) (err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
			}
		}()
		err = f()
	}()
	<-done
	return err
}

// checkFile checks that name is a linetap file of the right kind (segment
// n, or the index when n is 0) without modifying it.
func (s *Store) checkFile(name string, n uint32) error {
	p := s.path(name)
	if err := checkBoltFile(p); err != nil {
		return err
	}
	if n == 0 {
		// The index is small: walk every page of it.
		if err := checkBoltTree(p); err != nil {
			return err
		}
	}
	db, err := s.openBolt(name, true)
	if err != nil {
		return err
	}
	err = guard(p, func() error {
		return db.View(func(tx *bolt.Tx) error {
			if n == 0 {
				if err := checkMeta(tx, p, indexMagic); err != nil {
					return err
				}
				for _, b := range [][]byte{bucketCalls, bucketRecording, bucketSegments} {
					if tx.Bucket(b) == nil {
						return fmt.Errorf("%w: %s: no %q bucket", ErrCorrupt, p, b)
					}
				}
				return nil
			}
			if err := checkMeta(tx, p, audioMagic); err != nil {
				return err
			}
			if got := tx.Bucket(bucketMeta).Get(keySegment); len(got) != 4 || beU32(got) != n {
				return fmt.Errorf("%w: %s: says it is segment %x", ErrCorrupt, p, got)
			}
			if tx.Bucket(bucketChunks) == nil {
				return fmt.Errorf("%w: %s: no %q bucket", ErrCorrupt, p, bucketChunks)
			}
			return nil
		})
	})
	return errors.Join(err, db.Close())
}

// checkMeta checks the meta bucket's magic and format.
func checkMeta(tx *bolt.Tx, path, magic string) error {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return fmt.Errorf("%w: %s: a bbolt database without linetap's %q bucket", ErrForeign, path, bucketMeta)
	}
	if got := m.Get(keyMagic); string(got) != magic {
		return fmt.Errorf("%w: %s: magic %q, want %q", ErrForeign, path, got, magic)
	}
	if f := m.Get(keyFormat); len(f) != 4 || beU32(f) != formatV1 {
		return fmt.Errorf("%w: %s: format %x, this build reads %d", ErrVersion, path, f, formatV1)
	}
	return nil
}

func beU32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// createFile builds a new bbolt file under tmp/, lets init fill it, then
// renames it into place and syncs the directory, so a crash never leaves
// a half-made file where Open would refuse it.
func (s *Store) createFile(name string, pageSize int, init func(tx *bolt.Tx) error) error {
	tdir := s.path(tmpDir)
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return fmt.Errorf("storage: create %s: %w", tdir, err)
	}
	tmp := filepath.Join(tdir, name+creatingExt)
	_ = os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Nanosecond, PageSize: pageSize})
	if err != nil {
		return fmt.Errorf("storage: create %s: %w", tmp, err)
	}
	err = db.Update(init)
	if err = errors.Join(err, db.Close(), dropCache(tmp)); err != nil {
		return fmt.Errorf("storage: create %s: %w", tmp, err)
	}
	dst := s.path(name)
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("storage: create %s: already exists", dst)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("storage: create %s: %w", dst, err)
	}
	return syncDir(s.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("storage: sync %s: %w", dir, err)
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// putMeta writes the meta bucket of a new file.
func putMeta(tx *bolt.Tx, magic string) (*bolt.Bucket, error) {
	m, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return nil, err
	}
	if err := m.Put(keyMagic, []byte(magic)); err != nil {
		return nil, err
	}
	return m, m.Put(keyFormat, u32(formatV1))
}

// create makes index.db in an empty directory.
func (s *Store) create() error {
	s.log.Info("storage: creating data directory")
	return s.createFile(indexName, 0, func(tx *bolt.Tx) error {
		if _, err := putMeta(tx, indexMagic); err != nil {
			return err
		}
		for _, b := range indexBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// indexBuckets are the buckets of index.db besides meta.
var indexBuckets = [][]byte{bucketCalls, bucketRecording, bucketSegments, bucketChain, bucketAudit, bucketSegCalls, bucketPurge}

// loadIndexMeta reads the index's segment bookkeeping.
func (s *Store) loadIndexMeta() error {
	return s.index.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keyCurrent); len(v) == 4 {
			s.curNum = beU32(v)
		}
		s.scanFrom = 1
		if v := m.Get(keyScan); len(v) == 4 {
			s.scanFrom = beU32(v)
		}
		return tx.Bucket(bucketSegments).ForEach(func(k, _ []byte) error {
			if len(k) != 4 {
				return fmt.Errorf("%w: %s: segment key %x", ErrCorrupt, s.path(indexName), k)
			}
			if n := beU32(k); !s.segments[n] {
				return fmt.Errorf("%w: %s is listed in %s but missing", ErrCorrupt, s.path(segmentName(n)), indexName)
			}
			return nil
		})
	})
}

// segmentPageSize is the bbolt page size of new segments.
const segmentPageSize = 1024

// newSegment creates segment n and makes it the one being written.
func (s *Store) newSegment(n uint32) error {
	name := segmentName(n)
	err := s.createFile(name, segmentPageSize, func(tx *bolt.Tx) error {
		m, err := putMeta(tx, audioMagic)
		if err != nil {
			return err
		}
		if err := m.Put(keySegment, u32(n)); err != nil {
			return err
		}
		_, err = tx.CreateBucket(bucketChunks)
		return err
	})
	if err != nil {
		return err
	}
	s.segments[n] = true
	return s.useSegment(n)
}

// useSegment opens segment n for writing, closing the previous one.
func (s *Store) useSegment(n uint32) error {
	db, err := s.openBolt(segmentName(n), false)
	if err != nil {
		return err
	}
	if s.cur != nil {
		if err := s.cur.Close(); err != nil {
			s.log.Warn("storage: closing segment", "file", s.path(segmentName(s.curNum)), "err", err)
		}
	}
	s.cur, s.curNum = db, n
	return db.View(func(tx *bolt.Tx) error {
		s.curSize = tx.Size()
		return nil
	})
}

// closeFiles closes every open bbolt file.
func (s *Store) closeFiles() error {
	var err error
	if s.cur != nil {
		err = s.cur.Close()
		s.cur = nil
	}
	if s.index != nil {
		err = errors.Join(err, s.index.Close())
		s.index = nil
	}
	return err
}

// Close writes the records of calls in progress that lag behind their
// audio (see Options.FlushInterval) and closes the store. Every committed
// batch is already durable.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	var err error
	if !s.opt.ReadOnly {
		err = s.flushPending()
	}
	if err = errors.Join(err, s.closeFiles()); err != nil {
		return fmt.Errorf("storage: close %s: %w", s.dir, err)
	}
	return nil
}

// Recovered lists the calls Open found in state recording and marked
// interrupted.
func (s *Store) Recovered() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.recovered...)
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// readSegment runs f in a read transaction of segment n: the open writer
// when n is current, else a read-only handle opened for the call.
func (s *Store) readSegment(n uint32, f func(tx *bolt.Tx) error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.cur != nil && n == s.curNum {
		defer s.mu.Unlock()
		return guard(s.path(segmentName(n)), func() error { return s.cur.View(f) })
	}
	s.mu.Unlock()
	if _, err := os.Stat(s.path(segmentName(n))); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, s.path(segmentName(n)), err)
	}
	db, err := s.openBolt(segmentName(n), true)
	if err != nil {
		return err
	}
	err = guard(s.path(segmentName(n)), func() error { return db.View(f) })
	return errors.Join(err, db.Close())
}

var _ io.Closer = (*Store)(nil)
