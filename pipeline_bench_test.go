package linetap_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/hw/wavfile"
	"github.com/linetap/linetap/storage"
)

// writeOfficeWAV renders testdata/sim/office8.scn into an 8-channel WAV and
// its line-event sidecar.
func writeOfficeWAV(b *testing.B, dir string) (wavPath, eventsPath string, seconds float64) {
	b.Helper()
	f, err := os.Open("testdata/sim/office8.scn")
	if err != nil {
		b.Fatal(err)
	}
	sc, err := sim.ParseScenario(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	audioCh, events := simTruth(b, sc, sim.Options{Lines: 8, Seed: 5})
	// With Origin 0 the event times count from the first frame, as the
	// sidecar format wants.
	n := len(audioCh[0])
	data := make([]int, 0, n*8)
	for i := 0; i < n; i++ {
		for c := 0; c < 8; c++ {
			data = append(data, int(audioCh[c][i]))
		}
	}
	wavPath = filepath.Join(dir, "office8.wav")
	out, err := os.Create(wavPath)
	if err != nil {
		b.Fatal(err)
	}
	enc := wav.NewEncoder(out, rate, 16, 8, 1)
	if err := enc.Write(&audio.IntBuffer{Data: data, Format: &audio.Format{NumChannels: 8, SampleRate: rate}, SourceBitDepth: 16}); err != nil {
		b.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	eventsPath = filepath.Join(dir, "office8.events")
	ef, err := os.Create(eventsPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := wavfile.WriteEvents(ef, events); err != nil {
		b.Fatal(err)
	}
	if err := ef.Close(); err != nil {
		b.Fatal(err)
	}
	return wavPath, eventsPath, float64(n) / rate
}

// BenchmarkPipeline runs the whole recorder — WAV replay as fast as
// possible, detectors, state machines, µ-law, bbolt commits with fsync —
// over 8 busy lines × 2 minutes, and reports channel-seconds of audio per
// CPU second and heap allocations per 20 ms block.
func BenchmarkPipeline(b *testing.B) {
	dir := b.TempDir()
	wavPath, eventsPath, secs := writeOfficeWAV(b, dir)
	cfg := configFor(8)
	var ms runtime.MemStats
	var mallocs uint64
	var cpu float64
	calls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src, err := wavfile.Open(wavPath, wavfile.Options{EventsPath: eventsPath})
		if err != nil {
			b.Fatal(err)
		}
		st, err := storage.Open(filepath.Join(dir, "data", strconv.Itoa(i)), storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e, err := linetap.New(linetap.Options{Config: cfg, Source: src, Sensor: src, Store: st})
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
		cpu += (cpuTime(b) - c0).Seconds()
		runtime.ReadMemStats(&ms)
		mallocs += ms.Mallocs - m0
		cs, err := st.Calls(linetap.CallQuery{})
		if err != nil {
			b.Fatal(err)
		}
		calls = len(cs)
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if calls != 8 {
		b.Fatalf("%d calls recorded, want 8", calls)
	}
	b.ReportMetric(float64(b.N)*8*secs/cpu, "ch-s/cpu-s")
	b.ReportMetric(float64(mallocs)/(float64(b.N)*secs*rate/linetap.BlockFrames), "allocs/block")
}

var _ hw.AudioSource = (*wavfile.Source)(nil)
