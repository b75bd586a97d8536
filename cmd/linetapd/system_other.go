//go:build !linux

package main

import (
	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
)

// systemOf returns what is known without Linux's /proc and /sys.
func systemOf(cfg linetap.Config, _ *storage.Store, clockValid func() bool) func() web.System {
	return func() web.System {
		return web.System{ClockValid: clockValid == nil || clockValid(), Lines: len(cfg.Lines), DataDir: cfg.Data}
	}
}
