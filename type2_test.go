package linetap_test

import (
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/hw"
)

// TestCallWaitingCallerID sends Type 2 caller ID (CAS alert, then FSK after
// a mark run, no seizure: GR-30 off-hook) in the middle of a call: the
// waiting caller is kept in the call's record.
func TestCallWaitingCallerID(t *testing.T) {
	sig := callerid.AppendAlert(nil, 80*time.Millisecond, -20)
	sig = append(sig, make([]int16, rate/10)...) // the phone's DTMF ack and a pause
	o := callerid.DefaultOptions(-15)
	o.SeizureBits, o.MarkBits = 0, 80
	fsk, err := callerid.SynthOptions(callerid.Message{Standard: callerid.Bell202MDMF, Type: 0x80,
		DateTime: "11221530", Number: "5550123", Name: "BOB"}, o)
	if err != nil {
		t.Fatal(err)
	}
	sig = append(sig, fsk...)
	at := int64(10 * rate)
	sample := func(ch int, pos int64) int16 {
		s := hiss(ch, pos) / 4
		if pos >= at && pos < at+int64(len(sig)) {
			s += sig[pos-at]
		}
		return s
	}
	r := newRun(t, 1, 25*rate, []hw.LineEvent{
		ev(0, hw.RingOn, 1), ev(0, hw.RingOff, 3), ev(0, hw.OffHook, 4), ev(0, hw.OnHook, 20),
	}, sample)
	calls := r.go_(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	want := linetap.CallerID{Number: "5550123", Name: "BOB", DateTime: "11221530", Standard: "bell202-mdmf"}
	if w := calls[0].CallWaiting; len(w) != 1 || w[0] != want {
		t.Fatalf("call waiting %+v, want [%+v]", w, want)
	}
	if !calls[0].CallerID.IsZero() {
		t.Errorf("the waiting caller became the call's caller ID: %+v", calls[0].CallerID)
	}
}
