package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// Since Linux 6.16, ext4 caches a file in large folios (up to 2 MiB):
// one pwrite of several pages, or readahead, makes one folio of them, and
// a later write of a single 4 KiB page into it marks the whole folio
// dirty. ext4 then writes only the blocks that changed (a 4 KiB write
// into a 1 MiB folio sent 4.2 KB to the disk, /sys/block/*/stat), but the
// task's write_bytes (/proc/<pid>/io), which the write-amplification
// benchmark reads, counts the whole folio. bbolt rewrites single pages
// at every transaction (its meta pages, the path to what changed): the
// four pages it writes at once when it creates a file made every meta
// page write count 16 KiB. So the store keeps the pages bbolt will
// rewrite out of large folios: the header checks read without readahead,
// and a file just created, or a segment about to be written, leaves the
// page cache before bbolt maps it (MADV_RANDOM, so its faults then cache
// single pages). index.db's other pages stay as Open's check read them
// ahead: the search index is built from them right after.

// adviseRandom tells the kernel not to read ahead on f: the header
// checks read only the meta pages, each cached on its own.
func adviseRandom(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_RANDOM) // advice only
}

// dropCache drops the clean cached pages of the file at path, which
// nobody may have mapped (mapped pages stay).
func dropCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
