package main

import (
	"syscall"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
)

// systemOf returns the system page's figures: the data filesystem's use,
// the load average and the SoC temperature (Linux thermal zone 0).
func systemOf(cfg linetap.Config, store *storage.Store, clockValid func() bool) func() web.System {
	return func() web.System {
		s := web.System{ClockValid: clockValid == nil || clockValid(), Lines: len(cfg.Lines), DataDir: cfg.Data}
		var st syscall.Statfs_t
		if syscall.Statfs(store.Dir(), &st) == nil {
			s.FreeBytes = int64(st.Bavail) * int64(st.Bsize)
			s.UsedBytes = int64(st.Blocks-st.Bfree) * int64(st.Bsize)
		}
		s.Load1, _ = readFloat("/proc/loadavg")
		if mc, ok := readFloat("/sys/class/thermal/thermal_zone0/temp"); ok {
			c := mc / 1000
			s.TemperatureC = &c
		}
		return s
	}
}
