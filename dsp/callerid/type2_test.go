package callerid_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	dtmfpkg "github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/hw/sim"
)

// type2 is caller ID on call waiting as a tap hears it (GR-30 off-hook):
// speech, SAS (440 Hz, 300 ms), CAS (80 ms), the phone's DTMF D
// acknowledgement (60 ms), then FSK after a mark run with no seizure,
// then speech again.
func type2(t *testing.T, fsk []int16, seed int64) []int16 {
	t.Helper()
	v := sim.NewVoice(seed, -18)
	x := v.Append(nil, 2*time.Second)
	x = append(x, make([]int16, 400)...)
	x = append(x, tones(0.3, -13, 440)...) // SAS
	x = append(x, make([]int16, 80)...)
	x = callerid.AppendAlert(x, 80*time.Millisecond, -20) // CAS
	x = append(x, make([]int16, 480)...)
	x, err := dtmfpkg.AppendDigits(x, "D", 60*time.Millisecond, 100*time.Millisecond, -8) // ack, then 100 ms to the FSK
	if err != nil {
		t.Fatal(err)
	}
	x = append(x, fsk...)
	x = append(x, make([]int16, 800)...)
	return v.Append(x, 2*time.Second)
}

func TestReceiverType2(t *testing.T) {
	for _, m := range []callerid.Message{messages[0], messages[5], messages[8]} {
		for _, marks := range []int{70, 80, 90} { // GR-30: 58–75 ms of marks
			for _, level := range []float64{-10, -30} {
				t.Run(fmt.Sprintf("%s/marks%d/%gdBm0", m.Standard, marks, level), func(t *testing.T) {
					o := callerid.DefaultOptions(level)
					o.SeizureBits, o.MarkBits = 0, marks
					f, err := callerid.SynthOptions(m, o)
					if err != nil {
						t.Fatal(err)
					}
					r := callerid.NewReceiver()
					got := r.Flush(r.Process(type2(t, f, int64(marks)), 0, nil))
					raw, _ := callerid.Encode(m)
					if len(got) != 1 || got[0].Err != nil || !bytes.Equal(got[0].Raw, raw) || got[0].SeizureBits != 0 {
						t.Fatalf("got %+v", got)
					}
					if _, ok := r.LastAlert(); !ok {
						t.Error("no CAS heard")
					}
				})
			}
		}
	}
}

func TestReceiverType2Damaged(t *testing.T) {
	// A damaged Type 2 message after a CAS is reported as damaged; the
	// same bytes with no CAS before them are not reported at all (speech
	// can look like a mark run and a first byte).
	raw, _ := callerid.Encode(messages[5])
	raw[7] ^= 0x04
	o := callerid.DefaultOptions(-15)
	o.SeizureBits, o.MarkBits = 0, 80
	f, err := callerid.SynthRaw(raw, messages[5].Standard, o)
	if err != nil {
		t.Fatal(err)
	}
	r := callerid.NewReceiver()
	got := r.Flush(r.Process(type2(t, f, 1), 0, nil))
	if len(got) != 1 || !errors.Is(got[0].Err, callerid.ErrChecksum) || got[0].Number != "" {
		t.Fatalf("after CAS: %+v", got)
	}
	if got := receive(f); len(got) != 0 {
		t.Fatalf("without CAS: %+v", got)
	}
}

func TestReceiverSpeechTalkOff(t *testing.T) {
	// Ten minutes of synthetic speech from twenty voices at three levels:
	// no caller ID, good or damaged, and no alert tone.
	for seed := int64(1); seed <= 20; seed++ {
		level := []float64{-8, -18, -28}[seed%3]
		t.Run(fmt.Sprintf("voice%d/%gdBm0", seed, level), func(t *testing.T) {
			x := sim.NewVoice(seed, level).Append(nil, 30*time.Second)
			r := callerid.NewReceiver()
			if got := r.Flush(r.Process(x, 0, nil)); len(got) != 0 {
				t.Errorf("%d messages from speech: %+v", len(got), got)
			}
			if a, ok := r.LastAlert(); ok {
				t.Errorf("alert tone from speech: %+v", a)
			}
		})
	}
}

func TestReceiverAlertLevels(t *testing.T) {
	// Bellcore's CAS range, −14 to −32 dBm, after speech: the tone gate
	// (its 1920–2810 Hz band) opens and the Receiver hears the alert.
	for _, level := range []float64{-14, -32} {
		t.Run(fmt.Sprintf("%gdBm0", level), func(t *testing.T) {
			x := sim.NewVoice(3, -18).Append(nil, time.Second)
			x = append(x, make([]int16, 400)...)
			x = callerid.AppendAlert(x, 80*time.Millisecond, level)
			x = append(x, make([]int16, 1600)...)
			r := callerid.NewReceiver()
			if got := r.Flush(r.Process(x, 0, nil)); len(got) != 0 {
				t.Errorf("messages %+v", got)
			}
			a, ok := r.LastAlert()
			if !ok {
				t.Fatal("no CAS heard")
			}
			if want := int64(dsp.Rate + 400); a.Start < want-80 || a.Start > want+80 {
				t.Errorf("CAS at %d, sent at %d", a.Start, want)
			}
		})
	}
}
