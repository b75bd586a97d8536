package callerid_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
)

// BenchmarkSensitivity reports the share of transmissions lost (not
// reported as good data) and the number that came out as wrong data, at
// several signal-to-noise ratios (white noise relative to the weaker
// tone), over the whole sensitivity sweep (−4 to −40 dBm0, carrier ±1.5 %,
// baud ±1 %, twist, SDMF, MDMF, ETSI, BT), three noise seeds per case. It
// measures; TestReceiverSensitivityNoise asserts. Run it with -benchtime 1x.
func BenchmarkSensitivity(b *testing.B) {
	cases := sensitivitySweep()
	for _, snr := range []float64{14, 10, 8, 6} {
		b.Run(fmt.Sprintf("snr%g", snr), func(b *testing.B) {
			var lost, wrong, n int
			for b.Loop() {
				lost, wrong, n = 0, 0, 0
				for _, c := range cases {
					x, err := callerid.SynthOptions(c.m, c.o)
					if err != nil {
						b.Fatal(err)
					}
					raw, _ := callerid.Encode(c.m)
					for seed := uint64(1); seed <= 3; seed++ {
						in := cat16(make([]int16, lead), x, make([]int16, 800))
						addNoise(in, c.weak, snr, seed*7919+uint64(len(c.name))+uint64(snr)*31)
						n++
						l, w := judge(in, raw, c.m.Standard)
						lost, wrong = lost+l, wrong+w
					}
				}
			}
			reportLoss(b, lost, wrong, n)
		})
	}
}

// BenchmarkLevelSweep reports the share of transmissions lost at levels
// from −4 dBm0 down to and past GR-30's −48.2 dBm reject level, every
// message kind with the carrier at −1.5 %, 0 and +1.5 %, with white noise
// 20 dB under the signal, three seeds each. Run it with -benchtime 1x.
func BenchmarkLevelSweep(b *testing.B) {
	for _, level := range []float64{-4, -20, -36, -40, -44, -46} {
		b.Run(fmt.Sprintf("%gdBm0", level), func(b *testing.B) {
			var lost, wrong, n int
			for b.Loop() {
				lost, wrong, n = 0, 0, 0
				for _, m := range messages {
					for _, carrier := range []float64{-0.015, 0, 0.015} {
						o := callerid.DefaultOptions(level)
						o.Phys = physOf(m)
						o.Phys.Mark *= dsp.Hz(1 + carrier)
						o.Phys.Space *= dsp.Hz(1 + carrier)
						x, err := callerid.SynthOptions(m, o)
						if err != nil {
							b.Fatal(err)
						}
						raw, _ := callerid.Encode(m)
						for seed := uint64(1); seed <= 3; seed++ {
							in := cat16(make([]int16, lead), x, make([]int16, 800))
							addNoise(in, level, 20, seed+uint64(n))
							n++
							l, w := judge(in, raw, m.Standard)
							lost, wrong = lost+l, wrong+w
						}
					}
				}
			}
			reportLoss(b, lost, wrong, n)
		})
	}
}

// judge receives one transmission of raw in std: lost is 1 unless exactly
// one message came out as good data; wrong counts the good messages whose
// bytes or standard differ from what was sent.
func judge(in []int16, raw []byte, std callerid.Standard) (lost, wrong int) {
	good := 0
	for _, m := range receive(in) {
		if m.Err != nil {
			continue
		}
		if !bytes.Equal(m.Raw, raw) || m.Standard != std {
			wrong++
		}
		good++
	}
	if good != 1 {
		lost = 1
	}
	return lost, wrong
}

func reportLoss(b *testing.B, lost, wrong, n int) {
	b.ReportMetric(100*float64(lost)/float64(n), "%lost")
	b.ReportMetric(float64(wrong), "wrong")
	b.ReportMetric(float64(n), "transmissions")
}
