package storage

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// bbolt page layout (go.etcd.io/bbolt internal/common/page.go): a 16-byte
// header (id, flags, count, overflow), then count elements of 16 bytes
// whose key and value offsets are relative to the element itself.
const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageFreelist = 0x10
	leafBucket   = 0x01 // leaf element holding a sub-bucket
	elemLen      = 16
	inBucketLen  = 16 // root pgid, sequence
	maxTreeDepth = 64
	noFreelist   = ^uint64(0)
)

// treeChecker walks a bbolt file's pages with plain reads, so that a file
// whose meta pages are sound but whose tree is not is refused before bbolt
// maps it (bbolt trusts page ids and would fault, loop or panic).
type treeChecker struct {
	f        io.ReaderAt
	path     string
	size     int64
	pageSize int64
	hwm      uint64 // high-water mark: pages in use
	seen     map[uint64]bool
}

// checkBoltTree walks every bucket of the bbolt file at path and its
// freelist. The file's meta pages must already have passed checkBoltFile.
func checkBoltTree(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	m, err := readBestMeta(f)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	c := &treeChecker{f: f, path: path, size: fi.Size(), pageSize: int64(m.pageSize), hwm: m.pgid, seen: map[uint64]bool{}}
	if m.freelist != noFreelist {
		if err := c.freelist(m.freelist); err != nil {
			return err
		}
	}
	return c.tree(m.root, 0)
}

// readBestMeta returns the valid meta page with the highest txid.
func readBestMeta(f io.ReaderAt) (boltMeta, error) {
	var best boltMeta
	found := false
	buf := make([]byte, boltPageHdr+boltMetaLen)
	for i := 0; i < boltMaxProbes+1; i++ {
		off := int64(0)
		if i > 0 {
			off = int64(boltMinPage) << (i - 1)
		}
		if n, _ := f.ReadAt(buf, off); n < len(buf) {
			continue
		}
		m, err := parseBoltMeta(buf)
		if err != nil || (i > 0 && int64(m.pageSize) != off) {
			continue
		}
		if !found || m.txid > best.txid {
			best, found = m, true
		}
	}
	if !found {
		return best, fmt.Errorf("no valid bbolt meta page")
	}
	return best, nil
}

func (c *treeChecker) bad(id uint64, format string, args ...any) error {
	return fmt.Errorf("%w: %s: page %d: %s", ErrCorrupt, c.path, id, fmt.Sprintf(format, args...))
}

// page reads page id with its overflow pages.
func (c *treeChecker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= c.hwm {
		return nil, c.bad(id, "id outside 2…%d", c.hwm-1)
	}
	hdr := make([]byte, boltPageHdr)
	if _, err := c.f.ReadAt(hdr, int64(id)*c.pageSize); err != nil {
		return nil, c.bad(id, "read: %v", err)
	}
	if got := binary.LittleEndian.Uint64(hdr); got != id {
		return nil, c.bad(id, "header says page %d", got)
	}
	over := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if id+over >= c.hwm {
		return nil, c.bad(id, "%d overflow pages run past the high-water mark", over)
	}
	p := make([]byte, int64(over+1)*c.pageSize)
	if n, err := c.f.ReadAt(p, int64(id)*c.pageSize); n < len(p) {
		return nil, c.bad(id, "read: %v", err)
	}
	return p, nil
}

// freelist checks the freelist page.
func (c *treeChecker) freelist(id uint64) error {
	p, err := c.page(id)
	if err != nil {
		return err
	}
	if flags := binary.LittleEndian.Uint16(p[8:]); flags != pageFreelist {
		return c.bad(id, "freelist page with flags %#x", flags)
	}
	start, count := uint64(boltPageHdr), uint64(binary.LittleEndian.Uint16(p[10:]))
	if count == 0xFFFF {
		count = binary.LittleEndian.Uint64(p[boltPageHdr:])
		start += 8
	}
	if count > uint64(len(p)) || start+count*8 > uint64(len(p)) {
		return c.bad(id, "freelist of %d ids does not fit its page", count)
	}
	for i := uint64(0); i < count; i++ {
		if fid := binary.LittleEndian.Uint64(p[start+8*i:]); fid < 2 || fid >= c.hwm {
			return c.bad(id, "free page id %d outside 2…%d", fid, c.hwm-1)
		}
	}
	return nil
}

// tree checks the bucket tree rooted at page id.
func (c *treeChecker) tree(id uint64, depth int) error {
	if depth > maxTreeDepth {
		return c.bad(id, "tree deeper than %d", maxTreeDepth)
	}
	if c.seen[id] {
		return c.bad(id, "reached twice")
	}
	c.seen[id] = true
	p, err := c.page(id)
	if err != nil {
		return err
	}
	return c.node(id, p, depth)
}

// node checks the elements of a branch or leaf page (or inline bucket).
func (c *treeChecker) node(id uint64, p []byte, depth int) error {
	if len(p) < boltPageHdr {
		return c.bad(id, "inline page of %d bytes", len(p))
	}
	flags, count := binary.LittleEndian.Uint16(p[8:]), int(binary.LittleEndian.Uint16(p[10:]))
	if boltPageHdr+count*elemLen > len(p) {
		return c.bad(id, "%d elements do not fit", count)
	}
	for i := 0; i < count; i++ {
		e := boltPageHdr + i*elemLen
		switch flags {
		case pageBranch:
			pos, ksize := uint64(binary.LittleEndian.Uint32(p[e:])), uint64(binary.LittleEndian.Uint32(p[e+4:]))
			if uint64(e)+pos+ksize > uint64(len(p)) {
				return c.bad(id, "branch element %d runs off the page", i)
			}
			if err := c.tree(binary.LittleEndian.Uint64(p[e+8:]), depth+1); err != nil {
				return err
			}
		case pageLeaf:
			ef := binary.LittleEndian.Uint32(p[e:])
			pos, ksize, vsize := uint64(binary.LittleEndian.Uint32(p[e+4:])), uint64(binary.LittleEndian.Uint32(p[e+8:])), uint64(binary.LittleEndian.Uint32(p[e+12:]))
			end := uint64(e) + pos + ksize + vsize
			if end > uint64(len(p)) {
				return c.bad(id, "leaf element %d runs off the page", i)
			}
			if ef&leafBucket == 0 {
				continue
			}
			v := p[uint64(e)+pos+ksize : end]
			if len(v) < inBucketLen {
				return c.bad(id, "bucket element %d of %d bytes", i, len(v))
			}
			root := binary.LittleEndian.Uint64(v)
			var err error
			if root == 0 { // inline bucket: its page follows in the value
				if depth+1 > maxTreeDepth {
					return c.bad(id, "buckets nested deeper than %d", maxTreeDepth)
				}
				err = c.node(id, v[inBucketLen:], depth+1)
			} else {
				err = c.tree(root, depth+1)
			}
			if err != nil {
				return err
			}
		default:
			return c.bad(id, "flags %#x where a branch or leaf page belongs", flags)
		}
	}
	if flags != pageBranch && flags != pageLeaf && count == 0 {
		return c.bad(id, "flags %#x where a branch or leaf page belongs", flags)
	}
	return nil
}
