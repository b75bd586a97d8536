//go:build !linux

package storage_test

import "io/fs"

// allocated returns the size of a file (block counts are Linux-only here).
func allocated(fi fs.FileInfo) int64 { return fi.Size() }
