package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/fnv"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"

	"github.com/linetap/linetap"
)

// On-disk names. Changing any of them is a format change.
const (
	indexName   = "index.db"
	tmpDir      = "tmp"
	formatV1    = 1
	indexMagic  = "linetap-index"
	audioMagic  = "linetap-audio"
	creatingExt = ".creating"
)

// Bucket and key names.
var (
	bucketMeta      = []byte("meta")      // both kinds of file: magic, format, ...
	bucketCalls     = []byte("calls")     // index: call id → record; its sequence hands out call IDs
	bucketRecording = []byte("recording") // index: ids of calls in state recording
	bucketSegments  = []byte("segments")  // index: segment number → segment info
	bucketChunks    = []byte("chunks")    // segment: batch number → bucket of (call, seq) → chunk
	bucketFirst     = []byte("first")     // segment: call → batch number of its first chunk there
	bucketChain     = []byte("chain")     // index: chain seq → call id and chain hash
	bucketAudit     = []byte("audit")     // index: audit seq → audit entry
	bucketSegCalls  = []byte("segcalls")  // index: (segment, call) → nothing: which calls have chunks where
	bucketPurge     = []byte("purge")     // index: (segment, call) → nothing: chunks of deleted calls still to remove

	keyMagic   = []byte("magic")
	keyFormat  = []byte("format")
	keySegment = []byte("segment")  // segment: its own number
	keyCurrent = []byte("current")  // index: the segment being written
	keyScan    = []byte("scan")     // index: first segment that may hold chunks no record mentions
	keyKey     = []byte("keycheck") // index: check value of the encryption key (encrypted stores only)
)

var segmentRE = regexp.MustCompile(`^audio-([0-9]{6,9})\.db$`)

// segmentName returns the file name of segment n.
func segmentName(n uint32) string { return fmt.Sprintf("audio-%06d.db", n) }

// parseSegmentName returns the number of a segment file name.
func parseSegmentName(name string) (uint32, bool) {
	m := segmentRE.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint32(n), segmentName(uint32(n)) == name
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// chunkKeyLen is the size of a chunk key: call id and seq, big-endian, so
// that keys sort by (call, seq).
const chunkKeyLen = 12

// chunkKey returns the key of a chunk.
func chunkKey(call uint64, seq uint32) []byte {
	k := make([]byte, chunkKeyLen)
	binary.BigEndian.PutUint64(k, call)
	binary.BigEndian.PutUint32(k[8:], seq)
	return k
}

// parseChunkKey splits a chunk key.
func parseChunkKey(k []byte) (call uint64, seq uint32, err error) {
	if len(k) != chunkKeyLen {
		return 0, 0, fmt.Errorf("%w: chunk key of %d bytes, want %d", ErrCorrupt, len(k), chunkKeyLen)
	}
	return binary.BigEndian.Uint64(k), binary.BigEndian.Uint32(k[8:]), nil
}

// chunkHeaderLen is the size of the header in front of a chunk's data:
// offset (8), samples (4), CRC-32C of the data (4).
const chunkHeaderLen = 16

// castagnoli is the CRC-32C table (RFC 3720 §12.1 polynomial 0x1EDC6F41).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendChunkValue appends the stored form of c.
func appendChunkValue(dst []byte, c *linetap.Chunk) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(c.Offset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Samples))
	dst = binary.BigEndian.AppendUint32(dst, crc32.Checksum(c.Data, castagnoli))
	return append(dst, c.Data...)
}

// chunkValue is a decoded chunk value; data aliases the input.
type chunkValue struct {
	offset  int64
	samples int
	data    []byte
}

// parseChunkValue decodes a stored chunk and checks its CRC.
func parseChunkValue(v []byte) (chunkValue, error) {
	if len(v) <= chunkHeaderLen {
		return chunkValue{}, fmt.Errorf("%w: chunk value of %d bytes, want more than %d", ErrCorrupt, len(v), chunkHeaderLen)
	}
	c := chunkValue{
		offset:  int64(binary.BigEndian.Uint64(v)),
		samples: int(binary.BigEndian.Uint32(v[8:])),
		data:    v[chunkHeaderLen:],
	}
	if c.offset < 0 || c.samples <= 0 {
		return chunkValue{}, fmt.Errorf("%w: chunk with offset %d and %d samples", ErrCorrupt, c.offset, c.samples)
	}
	if got, want := crc32.Checksum(c.data, castagnoli), binary.BigEndian.Uint32(v[12:]); got != want {
		return chunkValue{}, fmt.Errorf("%w: chunk data CRC-32C %08x, stored %08x", ErrCorrupt, got, want)
	}
	return c, nil
}

// record is what index.db keeps for a call: the call, how many chunks it
// has, which segments hold them, and the SHA-256 state over them so that a
// later commit can extend the hash without rereading the audio.
type record struct {
	Call   linetap.Call `json:"call"`
	Chunks uint32       `json:"chunks"`
	Spans  []span       `json:"spans,omitempty"`
	Hash   []byte       `json:"hash"` // sha256 state, encoding.BinaryMarshaler form

	// Annotations: changed after the call by people, audited, outside
	// the chain.
	Keep  bool     `json:"keep,omitempty"` // legal hold: retention never deletes it
	Tags  []string `json:"tags,omitempty"`
	Notes string   `json:"notes,omitempty"`

	// The chain, set once when the call is finished (see integrity.go).
	ChainSeq uint64 `json:"chain_seq,omitempty"`
	Meta     string `json:"meta,omitempty"`  // hex SHA-256 of the call's metadata
	Prev     string `json:"prev,omitempty"`  // chain hash of the record before
	Chain    string `json:"chain,omitempty"` // this record's chain hash
}

// clone returns a deep copy of r.
func (r *record) clone() *record {
	c := *r
	c.Call.CallWaiting = slices.Clone(r.Call.CallWaiting)
	c.Call.Gaps = slices.Clone(r.Call.Gaps)
	c.Spans = slices.Clone(r.Spans)
	c.Hash = slices.Clone(r.Hash)
	c.Tags = slices.Clone(r.Tags)
	return &c
}

// newest returns the newer of r, as read from index.db, and the record of
// the same call waiting in pending (a copy of it): a record waits only
// while its call records, and only its audio moves on, so the one listing
// more chunks is the newer.
func newest(r *record, pending map[uint64]*record) *record {
	if p := pending[r.Call.ID]; p != nil && p.Chunks > r.Chunks {
		return p.clone()
	}
	return r
}

// span says that segment Seg holds the call's chunks From ≤ seq < To.
type span struct {
	Seg  uint32 `json:"seg"`
	From uint32 `json:"from"`
	To   uint32 `json:"to"`
}

// holds reports whether r's spans place chunk seq in segment seg.
func (r *record) holds(seg, seq uint32) bool {
	for _, sp := range r.Spans {
		if sp.Seg == seg && seq >= sp.From && seq < sp.To {
			return true
		}
	}
	return false
}

// extend records that chunks [from, to) went into segment seg.
func (r *record) extend(seg, from, to uint32) {
	if n := len(r.Spans); n > 0 && r.Spans[n-1].Seg == seg && r.Spans[n-1].To == from {
		r.Spans[n-1].To = to
		return
	}
	r.Spans = append(r.Spans, span{Seg: seg, From: from, To: to})
}

// encodeRecord returns the stored form of r: format byte, then JSON.
func encodeRecord(r *record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("storage: encode call %d: %w", r.Call.ID, err)
	}
	return append([]byte{formatV1}, b...), nil
}

// decodeRecord decodes and checks the record stored under key.
func decodeRecord(key, v []byte) (*record, error) {
	if len(key) != 8 {
		return nil, fmt.Errorf("%w: call key of %d bytes, want 8", ErrCorrupt, len(key))
	}
	id := binary.BigEndian.Uint64(key)
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: call %d: empty record", ErrCorrupt, id)
	}
	if v[0] != formatV1 {
		return nil, fmt.Errorf("%w: call %d: record format %d", ErrVersion, id, v[0])
	}
	r := new(record)
	d := json.NewDecoder(bytes.NewReader(v[1:]))
	d.DisallowUnknownFields()
	if err := d.Decode(r); err != nil {
		return nil, fmt.Errorf("%w: call %d: record: %v", ErrCorrupt, id, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: call %d: trailing data after record", ErrCorrupt, id)
	}
	switch {
	case r.Call.ID != id:
		return nil, fmt.Errorf("%w: call %d: record says id %d", ErrCorrupt, id, r.Call.ID)
	case r.Call.Samples < 0:
		return nil, fmt.Errorf("%w: call %d: %d samples", ErrCorrupt, id, r.Call.Samples)
	case (r.Chunks == 0) != (r.Call.Samples == 0):
		return nil, fmt.Errorf("%w: call %d: %d chunks but %d samples", ErrCorrupt, id, r.Chunks, r.Call.Samples)
	case r.Call.Rate <= 0:
		return nil, fmt.Errorf("%w: call %d: rate %d", ErrCorrupt, id, r.Call.Rate)
	}
	// The spans must cover 0 … Chunks−1 in order, segments increasing.
	next := uint32(0)
	for i, sp := range r.Spans {
		if sp.Seg == 0 || sp.From != next || sp.To <= sp.From || (i > 0 && sp.Seg <= r.Spans[i-1].Seg) {
			return nil, fmt.Errorf("%w: call %d: segment spans %v do not cover its %d chunks in order", ErrCorrupt, id, r.Spans, r.Chunks)
		}
		next = sp.To
	}
	if next != r.Chunks {
		return nil, fmt.Errorf("%w: call %d: segment spans %v do not cover its %d chunks", ErrCorrupt, id, r.Spans, r.Chunks)
	}
	h, err := restoreHash(r.Hash)
	if err != nil {
		return nil, fmt.Errorf("%w: call %d: %v", ErrCorrupt, id, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != r.Call.SHA256 {
		return nil, fmt.Errorf("%w: call %d: SHA256 %q does not match its hash state %s", ErrCorrupt, id, r.Call.SHA256, sum)
	}
	return r, nil
}

// restoreHash returns a SHA-256 in the state b (nil: a fresh one).
func restoreHash(b []byte) (hash.Hash, error) {
	h := sha256.New()
	if b == nil {
		return h, nil
	}
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("hash state: %v", err)
	}
	return h, nil
}

// saveHash returns the state of h.
func saveHash(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		// sha256's MarshalBinary cannot fail.
		return nil
	}
	return b
}

// bbolt's on-disk meta page (go.etcd.io/bbolt internal/common: page header
// of 16 bytes, then magic, version, page size, flags, root bucket (root
// pgid, sequence), freelist pgid, high-water pgid, txid, FNV-64a checksum).
const (
	boltMagic     = 0xED0CDAED
	boltVersion   = 2
	boltPageHdr   = 16
	boltMetaSum   = 56 // bytes of meta covered by the checksum
	boltMetaLen   = boltMetaSum + 8
	boltMinPage   = 1024
	boltMaxPage   = 64 << 10
	boltMinFile   = 4 // pages written when bbolt creates a file
	boltMaxProbes = 7 // 1 KiB … 64 KiB candidate page sizes
)

// boltMeta is the part of a bbolt meta page the pre-check reads.
type boltMeta struct {
	pageSize uint32
	root     uint64 // root bucket's page
	freelist uint64
	pgid     uint64 // high-water mark: the file must hold this many pages
	txid     uint64
}

// parseBoltMeta decodes and checks one meta page at the start of p.
func parseBoltMeta(p []byte) (boltMeta, error) {
	if len(p) < boltPageHdr+boltMetaLen {
		return boltMeta{}, fmt.Errorf("short meta page")
	}
	m := p[boltPageHdr:]
	le := binary.LittleEndian // bbolt writes its native order; linetap targets are little-endian
	if le.Uint32(m) != boltMagic {
		return boltMeta{}, fmt.Errorf("no bbolt magic")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt version %d, want %d", v, boltVersion)
	}
	f := fnv.New64a()
	f.Write(m[:boltMetaSum])
	if f.Sum64() != le.Uint64(m[boltMetaSum:]) {
		return boltMeta{}, fmt.Errorf("meta page checksum mismatch")
	}
	bm := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if bm.pageSize < boltMinPage || bm.pageSize > boltMaxPage || bm.pageSize&(bm.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("page size %d", bm.pageSize)
	}
	return bm, nil
}

// checkBoltFile reads path's bbolt meta pages without bbolt and reports a
// file bbolt would refuse, misread or (if empty) overwrite. It never
// writes.
func checkBoltFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	adviseRandom(f)
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s: not a regular file (%v)", ErrForeign, path, fi.Mode().Type())
	}
	size := fi.Size()
	if size == 0 {
		return fmt.Errorf("%w: %s: empty file", ErrCorrupt, path)
	}
	head := make([]byte, boltMinPage)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return fmt.Errorf("storage: %s: %w", path, err)
	}
	head = head[:n]
	m0, err0 := parseBoltMeta(head)
	if err0 != nil && (len(head) < boltPageHdr+4 || binary.LittleEndian.Uint32(head[boltPageHdr:]) != boltMagic) {
		return fmt.Errorf("%w: %s: not a bbolt database (%v)", ErrForeign, path, err0)
	}
	// Meta page 1 sits one page in; its size is in page 0 when that is
	// good, else probe the sizes bbolt can use.
	var best boltMeta
	var bestErr error = err0
	if err0 == nil {
		best = m0
	}
	sizes := []int64{}
	if err0 == nil {
		sizes = append(sizes, int64(m0.pageSize))
	} else {
		for i := 0; i < boltMaxProbes; i++ {
			sizes = append(sizes, int64(boltMinPage)<<i)
		}
	}
	for _, ps := range sizes {
		p := make([]byte, boltPageHdr+boltMetaLen)
		if n, _ := f.ReadAt(p, ps); n < len(p) {
			continue
		}
		m1, err := parseBoltMeta(p)
		if err != nil || int64(m1.pageSize) != ps {
			continue
		}
		if bestErr != nil || m1.txid > best.txid {
			best, bestErr = m1, nil
		}
		break
	}
	if bestErr != nil {
		return fmt.Errorf("%w: %s: no valid bbolt meta page (%v)", ErrCorrupt, path, bestErr)
	}
	need := int64(best.pgid) * int64(best.pageSize)
	if best.pgid < boltMinFile || need/int64(best.pageSize) != int64(best.pgid) {
		return fmt.Errorf("%w: %s: bbolt high-water mark of %d pages", ErrCorrupt, path, best.pgid)
	}
	if size < need {
		return fmt.Errorf("%w: %s: truncated: %d bytes, the database needs %d", ErrCorrupt, path, size, need)
	}
	return nil
}
