//go:build !linux

package storage

import "os"

// adviseRandom does nothing off Linux (see cache_linux.go).
func adviseRandom(*os.File) {}

// dropCache does nothing off Linux (see cache_linux.go).
func dropCache(string) error { return nil }
