package callerid_test

import (
	"fmt"

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
