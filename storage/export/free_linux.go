//go:build linux

package export

import (
	"fmt"
	"syscall"
)

// FreeBytes returns the bytes an unprivileged user may still write to the
// filesystem holding path (statfs(2): f_bavail × f_bsize).
func FreeBytes(path string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("export: free space of %s: %w", path, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
