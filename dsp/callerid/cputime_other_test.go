//go:build !linux

package callerid_test

// threadCPU is not available here: benchmarks fall back to wall time.
func threadCPU() int64 { return -1 }
