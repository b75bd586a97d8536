//go:build talkoff

package dtmf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/internal/dsptest"
)

// talkOffEnv names the directory scripts/talkoff.sh filled.
const talkOffEnv = "LINETAP_TALKOFF_DIR"

// TestTalkOff's budgets, false digits per hour: none, on the corpus
// scripts/talkoff.sh makes (speech, music, mixes) and on the harder part
// scripts/talkoff-hard.sh adds (files hard-*.wav). Both are reported
// apart (see BENCHMARKS.md for the figures).
const (
	maxFalsePerHour  = 0.0
	hardFalsePerHour = 0.0
)

// minCorpus is the least corpus TestTalkOff accepts: 15 minutes.
const minCorpus = 15 * 60 * dsp.Rate

// TestTalkOff runs the detector over the talk-off corpus (speech, music,
// mixes: no DTMF at all) and reports false digits per hour and the share
// of the time Pending is set. Run it with `make talkoff`.
func TestTalkOff(t *testing.T) {
	dir := os.Getenv(talkOffEnv)
	if dir == "" {
		t.Fatalf("%s is not set: run scripts/talkoff.sh DIR and set it to DIR (make talkoff does both)", talkOffEnv)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var total, pending int64
	var falses []string
	groups := map[string][3]int64{} // kind → samples, false digits, pending samples
	for _, path := range files {
		x := dsptest.ReadWAV(t, path)
		d := dtmf.NewDetector()
		var ev []dtmf.Event
		var pend int64
		const block = 80
		for i := 0; i < len(x); i += block {
			ev = d.Process(x[i:min(len(x), i+block)], int64(i), ev)
			if _, ok := d.Pending(); ok {
				pend += int64(min(block, len(x)-i))
			}
		}
		ev = d.Flush(ev)
		name := filepath.Base(path)
		for _, e := range ev {
			falses = append(falses, fmt.Sprintf("%s: %c at %.3f–%.3f s", name, e.Digit, float64(e.Start)/dsp.Rate, float64(e.End)/dsp.Rate))
		}
		kind := name[:len(name)-len(filepath.Ext(name))]
		for i, c := range kind {
			if c == '-' {
				kind = kind[:i]
				break
			}
		}
		g := groups[kind]
		g[0] += int64(len(x))
		g[1] += int64(len(ev))
		g[2] += pend
		groups[kind] = g
		total += int64(len(x))
		pending += pend
	}
	if total < minCorpus {
		t.Fatalf("corpus in %s is %.1f min, want at least 15 min: run scripts/talkoff.sh", dir, float64(total)/dsp.Rate/60)
	}
	hours := float64(total) / dsp.Rate / 3600
	kinds := make([]string, 0, len(groups))
	for k := range groups {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		g := groups[k]
		t.Logf("%-7s %6.1f min: %d false digits, Pending %.2f %% of the time", k, float64(g[0])/dsp.Rate/60, g[1], 100*float64(g[2])/float64(g[0]))
	}
	t.Logf("talk-off: %d files, %.1f min, %d false digits (%.1f per hour), Pending %.2f %% of the time",
		len(files), hours*60, len(falses), float64(len(falses))/hours, 100*float64(pending)/float64(total))
	for _, f := range falses {
		t.Logf("false digit: %s", f)
	}
	for _, k := range kinds {
		g := groups[k]
		budget := maxFalsePerHour
		if k == "hard" {
			budget = hardFalsePerHour
		}
		if perHour := float64(g[1]) / (float64(g[0]) / dsp.Rate / 3600); perHour > budget {
			t.Errorf("%s: %.1f false digits per hour, budget %v", k, perHour, budget)
		}
	}
}

// BenchmarkTalkOffCorpus runs the detector over the whole talk-off corpus
// (speech, music, mixes): the cost on audio that is mostly not DTMF.
func BenchmarkTalkOffCorpus(b *testing.B) {
	dir := os.Getenv(talkOffEnv)
	if dir == "" {
		b.Fatalf("%s is not set: run scripts/talkoff.sh DIR and set it to DIR", talkOffEnv)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no WAV files in %s (%v)", dir, err)
	}
	var corpus [][]int16
	n := 0
	for _, f := range files {
		x := dsptest.ReadWAV(b, f)
		corpus = append(corpus, x)
		n += len(x)
	}
	d := dtmf.NewDetector()
	out := make([]dtmf.Event, 0, 32)
	cpu0 := dsptest.CPUTime()
	for b.Loop() {
		for _, x := range corpus {
			d.Reset()
			for i := 0; i < len(x); i += 160 {
				out = d.Process(x[i:min(len(x), i+160)], int64(i), out[:0])
			}
		}
	}
	dsptest.ReportAudio(b, n, cpu0)
}
