package callerid_test

import (
	"fmt"
	"time"

	"github.com/linetap/linetap/dsp/callerid"
)

func Example() {
	// An exchange sends GR-30 SDMF caller ID between the first and second
	// ring; the recorder hears it on the line and decodes it.
	sent := callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"}
	x, err := callerid.Synth(sent, -20)
	if err != nil {
		fmt.Println(err)
		return
	}
	line := append(make([]int16, 4000), x...) // half a second of quiet first
	line = append(line, make([]int16, 4000)...)

	r := callerid.NewReceiver()
	for _, m := range r.Flush(r.Process(line, 0, nil)) {
		if m.Err != nil {
			fmt.Println("damaged:", m.Err)
			continue
		}
		fmt.Printf("%s: %s at %s, bytes from sample %d to %d\n", m.Standard, m.Number, m.DateTime, m.Start, m.End)
	}
	// Output:
	// bell202-sdmf: 6095551212 at 09301224, bytes from sample 7200 to 8533
}

func ExampleDecodeDTMF() {
	// The national variants of DTMF caller ID, told apart by their start
	// and end digits.
	for _, digits := range []string{"A0851234567C", "B10C", "A33123456#", "D1#", "D0223456789C", "A12*C"} {
		m, err := callerid.DecodeDTMF(digits)
		if err != nil {
			fmt.Println(digits, "→", err)
			continue
		}
		fmt.Printf("%s → number %q, absence %q\n", digits, m.Number, m.NumberAbsence)
	}
	// Output:
	// A0851234567C → number "0851234567", absence ""
	// B10C → number "", absence "P"
	// A33123456# → number "33123456", absence ""
	// D1# → number "", absence "P"
	// D0223456789C → number "0223456789", absence ""
	// A12*C → callerid: bad DTMF caller ID: "A12*C": "*" where C should end it
}

func ExampleDecodeNTT() {
	// An NTT J-CLIP frame as it appears on the line: even parity in bit 7,
	// DLE framing, the CRC-16 last.
	frame, err := callerid.Encode(callerid.Message{Standard: callerid.NTT, Number: "0312345678"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% X\n", frame)
	m, err := callerid.DecodeNTT(frame)
	fmt.Println(m.Number, err)
	frame[12] ^= 0x01 // one bit flipped on the line
	_, err = callerid.DecodeNTT(frame)
	fmt.Println(err)
	// Output:
	// 90 81 87 90 82 C0 0C 82 0A 30 33 B1 B2 33 B4 35 36 B7 B8 90 03 FB 52
	// 0312345678 <nil>
	// callerid: parity error: ntt byte 12 (0xB3) has odd parity
}

func ExampleAlertDetector() {
	// A GR-30 CAS (2130 + 2750 Hz, 80 ms) after 100 ms of quiet.
	x := callerid.AppendAlert(make([]int16, 800), 80*time.Millisecond, -20)
	x = append(x, make([]int16, 800)...)
	d := callerid.NewAlertDetector()
	for _, a := range d.Flush(d.Process(x, 0, nil)) {
		fmt.Printf("alert at sample %d for %v\n", a.Start, a.Duration().Round(time.Millisecond))
	}
	// Output:
	// alert at sample 800 for 80ms
}

func ExampleReceiver_dtmfCLIP() {
	// The same Receiver hears DTMF caller ID: no configuration.
	x, err := callerid.Synth(callerid.Message{Standard: callerid.DTMFCLIP, Number: "0851234567"}, -12)
	if err != nil {
		fmt.Println(err)
		return
	}
	line := append(make([]int16, 800), x...)
	r := callerid.NewReceiver()
	for _, m := range r.Flush(r.Process(line, 0, nil)) {
		fmt.Println(m.Standard, string(m.Raw), m.Number, m.Err)
	}
	// Output:
	// dtmf-clip A0851234567C 0851234567 <nil>
}
