package callerid_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/tone"
	"github.com/linetap/linetap/hw/sim"
)

// lineNoise is idle-line noise: white, at levelDBm0.
func lineNoise(n int, levelDBm0 float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]int16, n)
	for i := range x {
		x[i] = sat(rng.NormFloat64() * dsp.Peak(levelDBm0) / math.Sqrt2)
	}
	return x
}

// onHookMinute is a minute of an on-hook line with one incoming call: idle
// noise at −68 dBm0, three US rings (20 Hz, clipped, 2 s on / 4 s off) with
// MDMF caller ID 500 ms after the first.
func onHookMinute(b *testing.B) []int16 {
	x := lineNoise(60*dsp.Rate, -68, 1)
	fsk, err := callerid.Synth(messages[5], -15)
	if err != nil {
		b.Fatal(err)
	}
	at := 10 * dsp.Rate
	for k := range 3 {
		ring := tone.AppendRing(nil, 20, 2*time.Second)
		copy(x[at+k*6*dsp.Rate:], ring)
	}
	for i, v := range fsk {
		x[at+2*dsp.Rate+dsp.Rate/2+i] += v
	}
	return x
}

// perSample reports the cost of n samples: ns per sample and seconds of
// audio per CPU second, from the thread's CPU time where the system gives
// it (so that other load on a shared machine does not count), else from
// wall time.
func perSample(b *testing.B, n int, cpu0 int64) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
	if cpu1 := threadCPU(); cpu0 >= 0 && cpu1 > cpu0 {
		ns = float64(cpu1-cpu0) / float64(n)
	}
	b.ReportMetric(ns, "ns/sample")
	b.ReportMetric(1e9/ns/dsp.Rate, "audio-s/CPU-s")
}

// benchReceiver runs a Receiver over x again and again and reports the
// cost per sample and the seconds of audio per CPU second.
func benchReceiver(b *testing.B, x []int16, want int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := callerid.NewReceiver()
	out := make([]callerid.Message, 0, 8)
	n := 0
	b.ReportAllocs()
	cpu0 := threadCPU()
	for b.Loop() {
		r.Reset()
		out = r.Flush(r.Process(x, 0, out[:0]))
		n += len(x)
	}
	perSample(b, n, cpu0)
	if want >= 0 && len(out) != want {
		b.Fatalf("%d messages, want %d: %+v", len(out), want, out)
	}
}

func BenchmarkReceiver(b *testing.B) {
	b.Run("idle", func(b *testing.B) { benchReceiver(b, lineNoise(60*dsp.Rate, -68, 2), 0) })
	b.Run("onhook-call", func(b *testing.B) { benchReceiver(b, onHookMinute(b), 1) })
	b.Run("fsk", func(b *testing.B) {
		var x []int16
		for range 10 {
			f, _ := callerid.Synth(messages[9], -20)
			x = append(x, f...)
		}
		benchReceiver(b, x, 10)
	})
	b.Run("speech", func(b *testing.B) {
		benchReceiver(b, sim.NewVoice(1, -18).Append(nil, 20*time.Second), 0)
	})
}

func BenchmarkAlertDetector(b *testing.B) {
	x := sim.NewVoice(2, -18).Append(nil, 10*time.Second)
	x = callerid.AppendAlert(x, 80*time.Millisecond, -20)
	d := callerid.NewAlertDetector()
	out := make([]callerid.Alert, 0, 4)
	n := 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	cpu0 := threadCPU()
	for b.Loop() {
		d.Reset()
		out = d.Flush(d.Process(x, 0, out[:0]))
		n += len(x)
	}
	perSample(b, n, cpu0)
	if len(out) != 1 {
		b.Fatalf("%d alerts", len(out))
	}
}

func BenchmarkDecodeNTT(b *testing.B) {
	raw, _ := callerid.Encode(nttMessages[3])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := callerid.DecodeNTT(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeDTMF(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := callerid.DecodeDTMF("A0851234567D0701112233C"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTalkOff measures false detections on an hour of synthetic speech
// (30 voices, two minutes each, −8 to −28 dBm0): caller-ID messages (good
// or damaged) and alert tones per hour. Run it with -benchtime 1x.
func BenchmarkTalkOff(b *testing.B) {
	var msgs, alerts int
	var secs float64
	for b.Loop() {
		msgs, alerts, secs = 0, 0, 0
		for seed := int64(100); seed < 130; seed++ {
			level := -8 - float64(seed%6)*4
			x := sim.NewVoice(seed, level).Append(nil, 2*time.Minute)
			r := callerid.NewReceiver()
			msgs += len(r.Flush(r.Process(x, 0, nil)))
			d := callerid.NewAlertDetector()
			alerts += len(d.Flush(d.Process(x, 0, nil)))
			secs += float64(len(x)) / dsp.Rate
		}
	}
	b.ReportMetric(float64(msgs)*3600/secs, "messages/h")
	b.ReportMetric(float64(alerts)*3600/secs, "alerts/h")
	b.ReportMetric(secs/3600, "hours")
}
