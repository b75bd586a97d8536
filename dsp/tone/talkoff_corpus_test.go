//go:build talkoff

package tone_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/internal/dsptest"
	"github.com/linetap/linetap/dsp/tone"
)

// TestTalkOffProgress runs the progress detector, with busy after three
// and after two cycles, over the talk-off corpus (speech, music, mixes:
// no call-progress tone at all) and reports false events per hour. Run it
// with `make talkoff`.
func TestTalkOffProgress(t *testing.T) {
	dir := os.Getenv("LINETAP_TALKOFF_DIR")
	if dir == "" {
		t.Fatal("LINETAP_TALKOFF_DIR is not set: run scripts/talkoff.sh DIR and set it to DIR (make talkoff does both)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var total int64
	var corpus [][]int16
	for _, f := range files {
		x := dsptest.ReadWAV(t, f)
		corpus = append(corpus, x)
		total += int64(len(x))
	}
	if total < 15*60*dsp.Rate {
		t.Fatalf("corpus in %s is %.1f min, want at least 15 min", dir, float64(total)/dsp.Rate/60)
	}
	hours := float64(total) / dsp.Rate / 3600
	for _, cycles := range []int{3, 2} {
		t.Run(fmt.Sprintf("busy%d", cycles), func(t *testing.T) {
			counts := map[tone.Progress]int{}
			for i, x := range corpus {
				d, err := tone.NewProgressDetectorOptions(tone.ProgressOptions{BusyCycles: cycles})
				if err != nil {
					t.Fatal(err)
				}
				var ev []tone.ProgressEvent
				for j := 0; j < len(x); j += 160 {
					ev = d.Process(x[j:min(len(x), j+160)], int64(j), ev)
				}
				for _, e := range ev {
					counts[e.Kind]++
					t.Logf("%s: %v at %.2f s", filepath.Base(files[i]), e.Kind, float64(e.Pos)/dsp.Rate)
					if e.Kind == tone.ProgressBusy || e.Kind == tone.ProgressReorder {
						t.Errorf("false %v in %s at %.2f s", e.Kind, filepath.Base(files[i]), float64(e.Pos)/dsp.Rate)
					}
				}
			}
			var n int
			for _, c := range counts {
				n += c
			}
			t.Logf("busy after %d cycles: %.1f min, %d false events (%.1f per hour): %v", cycles, hours*60, n, float64(n)/hours, counts)
		})
	}
}
