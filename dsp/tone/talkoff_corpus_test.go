//go:build talkoff

package tone_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// readCorpusWAV reads an 8 kHz 16-bit mono PCM WAV file as sox writes it.
func readCorpusWAV(t testing.TB, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a RIFF WAVE file", path)
	}
	le16 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 }
	le32 := func(p []byte) int { return le16(p) | le16(p[2:])<<16 }
	fmtOK := false
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), le32(b[p+4:])
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			if len(body) < 16 || le16(body[2:]) != 1 || le32(body[4:]) != dsp.Rate || le16(body[14:]) != 16 {
				t.Fatalf("%s: want PCM mono 8000 Hz 16-bit", path)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				t.Fatalf("%s: data before fmt", path)
			}
			x := make([]int16, len(body)/2)
			for i := range x {
				x[i] = int16(le16(body[2*i:]))
			}
			return x
		}
		p += 8 + n + n&1
	}
	t.Fatalf("%s: no data chunk", path)
	return nil
}

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
		x := readCorpusWAV(t, f)
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
