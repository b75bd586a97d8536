//go:build !linux

package main

import "fmt"

// gpioEdges is not supported off Linux.
func gpioEdges(bank string, toggles int) (string, error) {
	return "", fmt.Errorf("driver: gpio: the GPIO character device exists only on Linux")
}

// realtime is a no-op off Linux.
func realtime(on bool) error { return nil }
