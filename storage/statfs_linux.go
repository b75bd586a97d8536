package storage

import "syscall"

// osFree returns the bytes an unprivileged writer may still use on the
// filesystem holding dir (statfs f_bavail × f_bsize).
func osFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
