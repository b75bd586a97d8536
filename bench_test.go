package linetap_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/hwtest"
)

// cpuTime is the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngine runs the call engine alone (scripted source, in-memory
// store) over 8 lines × 60 s, idle or with every line in a call for most of
// it, and reports channel-seconds of audio per CPU second and heap
// allocations per 20 ms block. Idle, the per-sample path allocates
// nothing; in calls, what allocates is the once-a-second commit.
func BenchmarkEngine(b *testing.B) {
	const lines = 8
	var script []hw.LineEvent
	for l := 0; l < lines; l++ {
		script = append(script, ev(l, hw.OffHook, 5+float64(l)), ev(l, hw.OnHook, 50+float64(l)))
	}
	b.Run("idle", func(b *testing.B) { benchEngine(b, lines, nil) })
	b.Run("calls", func(b *testing.B) { benchEngine(b, lines, script) })
}

func benchEngine(b *testing.B, lines int, script []hw.LineEvent) {
	const secs = 60
	cfg := configFor(lines)
	var cpu time.Duration
	var mallocs uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src := &hwtest.Source{Fmt: hw.Format{Channels: lines, Rate: rate}, Frames: secs * rate, Sample: hiss, Script: script}
		e, err := linetap.New(linetap.Options{Config: cfg, Source: src, Sensor: src, Store: newMemStore(b)})
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		m0, c0 := ms.Mallocs, cpuTime(b)
		b.StartTimer()
		if err := e.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime(b) - c0
		runtime.ReadMemStats(&ms)
		mallocs += ms.Mallocs - m0
		b.StartTimer()
	}
	blocks := float64(b.N) * secs * rate / linetap.BlockFrames
	b.ReportMetric(float64(b.N*lines*secs)/cpu.Seconds(), "ch-s/cpu-s")
	b.ReportMetric(float64(mallocs)/blocks, "allocs/block")
}

// configFor is the default configuration with n lines.
func configFor(n int) linetap.Config {
	cfg := linetap.DefaultConfig()
	cfg.Lines = nil
	for i := 0; i < n; i++ {
		cfg.Lines = append(cfg.Lines, linetap.DefaultLine(i))
	}
	return cfg
}
