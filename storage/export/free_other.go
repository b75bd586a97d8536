//go:build !linux

package export

// FreeBytes needs statfs(2) as Linux has it: elsewhere it returns
// ErrNotSupported.
func FreeBytes(path string) (int64, error) { return 0, ErrNotSupported }
