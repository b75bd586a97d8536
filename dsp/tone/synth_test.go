package tone_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/tone"
)

// rmsDBm0 is the level of x in dBm0.
func rmsDBm0(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return dsp.DBm0(math.Sqrt(s / float64(len(x))))
}

// goertzelDBm0 is the level in dBm0 of the component of x at f.
func goertzelDBm0(x []int16, f dsp.Hz) float64 {
	var re, im float64
	for i, v := range x {
		w := 2 * math.Pi * float64(f) * float64(i) / dsp.Rate
		re += float64(v) * math.Cos(w)
		im -= float64(v) * math.Sin(w)
	}
	amp := 2 * math.Hypot(re, im) / float64(len(x))
	return dsp.DBm0(amp / math.Sqrt2)
}

func TestAppendTone(t *testing.T) {
	tests := []struct {
		name  string
		freqs []dsp.Hz
		level float64
		d     time.Duration
	}{
		{"single", []dsp.Hz{1000}, -10, time.Second},
		{"pair", []dsp.Hz{350, 440}, -13, 500 * time.Millisecond},
		{"quiet", []dsp.Hz{425}, -40, 200 * time.Millisecond},
		{"full scale", []dsp.Hz{1000}, dsp.FullScaleDBm0, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pre := []int16{7, 7}
			x := tone.AppendTone(pre, tc.freqs, tc.level, tc.d)
			if got, want := len(x), 2+tone.Samples(tc.d); got != want {
				t.Fatalf("len = %d, want %d", got, want)
			}
			if x[0] != 7 || x[1] != 7 {
				t.Fatalf("prefix overwritten: %v", x[:2])
			}
			body := x[2:]
			for _, f := range tc.freqs {
				if got := goertzelDBm0(body, f); math.Abs(got-tc.level) > 0.1 {
					t.Errorf("level at %v Hz = %.2f dBm0, want %.2f", f, got, tc.level)
				}
			}
			want := tc.level + 10*math.Log10(float64(len(tc.freqs)))
			if got := rmsDBm0(body); math.Abs(got-want) > 0.1 {
				t.Errorf("total level = %.2f dBm0, want %.2f", got, want)
			}
		})
	}
}

func TestAppendToneSilence(t *testing.T) {
	x := tone.AppendTone(nil, nil, -10, 10*time.Millisecond)
	if len(x) != 80 {
		t.Fatalf("len = %d, want 80", len(x))
	}
	for i, v := range x {
		if v != 0 {
			t.Fatalf("x[%d] = %d, want silence", i, v)
		}
	}
	if got := tone.AppendTone(nil, []dsp.Hz{400}, -10, -time.Second); len(got) != 0 {
		t.Fatalf("negative duration appended %d samples", len(got))
	}
}

// runs returns the lengths, in samples, of the alternating non-zero and
// zero runs of x (treating samples within 10 samples of a non-zero as on,
// so zero crossings do not split a burst).
func runs(x []int16) []int {
	var out []int
	on := func(i int) bool {
		for j := max(0, i-10); j <= min(len(x)-1, i+10); j++ {
			if x[j] != 0 {
				return true
			}
		}
		return false
	}
	cur, n := on(0), 0
	for i := range x {
		if on(i) != cur {
			out = append(out, n)
			cur, n = !cur, 0
		}
		n++
	}
	return append(out, n)
}

func TestCadenceAppend(t *testing.T) {
	for _, country := range tone.Countries() {
		p, err := tone.PlanFor(country)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []tone.Cadence{p.Dial, p.Ringback, p.Busy, p.Reorder} {
			t.Run(country+"/"+c.Name, func(t *testing.T) {
				d := 2*c.Period() + 300*time.Millisecond
				if c.Continuous() {
					d = 1500 * time.Millisecond
				}
				x := c.Append(nil, d)
				if len(x) != tone.Samples(d) {
					t.Fatalf("len = %d, want %d", len(x), tone.Samples(d))
				}
				r := runs(x)
				if c.Continuous() {
					if len(r) != 1 {
						t.Fatalf("continuous tone has runs %v", r)
					}
					return
				}
				// Every complete run matches its pattern step within the
				// 10-sample smear of runs().
				for i, n := range r[:len(r)-1] {
					want := tone.Samples(c.Pattern[i%len(c.Pattern)])
					if i%2 == 0 {
						want += 10
					} else {
						want -= 10
					}
					if abs(n-want) > 12 {
						t.Errorf("run %d = %d samples, want %d (runs %v)", i, n, want, r)
					}
				}
				on := x[:tone.Samples(c.Pattern[0])]
				if got := rmsDBm0(on); math.Abs(got-(c.LevelDBm0+10*math.Log10(float64(len(c.Freqs))))) > 0.3 {
					t.Errorf("burst level %.2f dBm0 for %v at %v dBm0", got, c.Freqs, c.LevelDBm0)
				}
			})
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestPlanFor(t *testing.T) {
	for _, c := range []string{"US", "UK", "DE", "FR", "SE", "JP", "AU", "de", " us "} {
		t.Run(c, func(t *testing.T) {
			p, err := tone.PlanFor(c)
			if err != nil {
				t.Fatal(err)
			}
			if p.Country != strings.ToUpper(strings.TrimSpace(c)) {
				t.Errorf("Country = %q", p.Country)
			}
			if !p.Dial.Continuous() || p.Busy.Continuous() || p.Reorder.Continuous() || p.Ringback.Continuous() {
				t.Errorf("dial must be steady, the others cadenced: %+v", p)
			}
			if p.Ring.Freq < 15 || p.Ring.Freq > 50 || len(p.Ring.Pattern) == 0 {
				t.Errorf("ring = %+v", p.Ring)
			}
		})
	}
	us, _ := tone.PlanFor("US")
	if us.Busy.Freqs[0] != 480 || us.Busy.Freqs[1] != 620 || us.Busy.LevelDBm0 != -24 ||
		us.Reorder.Pattern[0] != 250*time.Millisecond || us.Ring.Freq != 20 {
		t.Errorf("US plan differs from DOMAIN.md §4: %+v", us)
	}
	us.Busy.Freqs[0] = 1
	again, _ := tone.PlanFor("US")
	if again.Busy.Freqs[0] != 480 {
		t.Error("PlanFor returned shared slices")
	}
	_, err := tone.PlanFor("XX")
	if !errors.Is(err, tone.ErrCountry) || !strings.Contains(err.Error(), `"XX"`) || !strings.Contains(err.Error(), "DE, FR") {
		t.Errorf("PlanFor(XX) error = %v", err)
	}
}

func TestAppendRing(t *testing.T) {
	for _, f := range []dsp.Hz{16, 20, 25, 50} {
		t.Run(fmt.Sprintf("%vHz", f), func(t *testing.T) {
			d := time.Second
			x := tone.AppendRing([]int16{1}, f, d)[1:]
			if len(x) != tone.Samples(d) {
				t.Fatalf("len = %d", len(x))
			}
			// DOMAIN.md §1 (DAHDI): alternating peaks beyond ±10000,
			// 10–50 ms apart.
			var peaks []int
			last := 0
			for i, v := range x {
				s := 0
				if v > 10000 {
					s = 1
				} else if v < -10000 {
					s = -1
				}
				if s != 0 && s != last {
					peaks = append(peaks, i)
					last = s
				}
			}
			if len(peaks) < int(float64(f)*1.5) {
				t.Fatalf("%d alternations in 1 s of %v Hz ringing", len(peaks), f)
			}
			for i := 2; i < len(peaks); i++ {
				gap := peaks[i] - peaks[i-1]
				if gap < 80*4/10 || gap > 400 {
					t.Errorf("peaks %d samples apart", gap)
				}
			}
			clipped := 0
			for _, v := range x {
				if v == 32767 || v == -32767 {
					clipped++
				}
				if v == -32768 {
					t.Fatal("ring reached -32768; the tap clips symmetrically at ±32767")
				}
			}
			if clipped < len(x)/2 {
				t.Errorf("only %d of %d samples clipped", clipped, len(x))
			}
			// The end of the burst is the capacitor discharging: one
			// sign, decaying to silence.
			tail := x[len(x)-tone.Samples(tone.RingTail)/2:]
			if tail[len(tail)-1] != 0 {
				t.Errorf("burst ends at %d, want the discharge finished", tail[len(tail)-1])
			}
			// The start is a transient: the first cycle is not symmetric.
			var sum int
			for _, v := range x[:int(dsp.Rate/float64(f))] {
				sum += int(v)
			}
			if abs(sum) < 32767 {
				t.Errorf("first cycle sums to %d: no coupling transient", sum)
			}
		})
	}
}
