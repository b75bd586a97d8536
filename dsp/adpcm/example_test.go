package adpcm_test

import (
	"fmt"

	"github.com/linetap/linetap/dsp/adpcm"
)

func ExampleEncodeChunk() {
	pcm := []int16{0, 100, 250, 300, 200}
	data := adpcm.EncodeChunk(nil, pcm)
	back, err := adpcm.DecodeChunk(nil, data)
	fmt.Printf("% x\n%v %v\n", data, back, err)
	// Output:
	// 00 00 19 01 40 07 09
	// [10 92 257 280 216] <nil>
}

func ExampleState() {
	var enc, dec adpcm.State
	for _, x := range []int16{100, -100, 5} {
		code := enc.Encode(x)
		fmt.Println(x, "→", code, "→", dec.Decode(code))
	}
	// Output:
	// 100 → 7 → 11
	// -100 → 15 → -19
	// 5 → 2 → 2
}
