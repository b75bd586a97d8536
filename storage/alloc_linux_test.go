package storage_test

import (
	"io/fs"
	"syscall"
)

// allocated returns the bytes of disk blocks a file takes (st_blocks is
// in 512-byte units, stat(2)).
func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}
