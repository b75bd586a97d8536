//go:build !linux

package storage

import "errors"

// osFree is not implemented off Linux: the free-space checks are skipped
// (see doc.go, Caveats).
func osFree(string) (int64, error) { return 0, errors.ErrUnsupported }
