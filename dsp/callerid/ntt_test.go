package callerid_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/linetap/linetap/dsp"
	"github.com/linetap/linetap/dsp/callerid"
	"github.com/linetap/linetap/dsp/fsk"
)

func TestCRC16NTT(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint16
	}{
		{"123456789", 0x2189}, // the CRC-16/KERMIT check value
		{"", 0},
		{"\x00", 0},
	} {
		if got := callerid.CRC16NTT([]byte(c.in)); got != c.want {
			t.Errorf("CRC16NTT(%q) = 0x%04X, want 0x%04X", c.in, got, c.want)
		}
	}
}

var nttMessages = []callerid.Message{
	{Standard: callerid.NTT, Number: "0312345678"},
	{Standard: callerid.NTT, NumberAbsence: "P"},
	{Standard: callerid.NTT, NumberAbsence: "C"},
	{Standard: callerid.NTT, Type: callerid.TypeNTTCallerID, Params: []callerid.Param{
		{0x02, []byte("0312345678")}, {0x21, []byte{0x21}}, {0x09, []byte("0667890123")}}},
	// A length of 16 is a DLE, doubled on the line.
	{Standard: callerid.NTT, Number: "0123456789012345"},
	{Standard: callerid.NTT, Type: callerid.TypeNTTTest, Params: []callerid.Param{{0x04, []byte("S")}}},
}

func TestNTTLayout(t *testing.T) {
	raw, err := callerid.Encode(callerid.Message{Standard: callerid.NTT, Number: "0312345678"})
	if err != nil {
		t.Fatal(err)
	}
	// DLE SOH 07 DLE STX 40 0C 02 0A "0312345678" DLE ETX, with even
	// parity in bit 7, then the CRC low byte first.
	want := []byte{0x90, 0x81, 0x87, 0x90, 0x82, 0xC0, 0x0C, 0x82, 0x0A,
		0x30, 0x33, 0xB1, 0xB2, 0x33, 0xB4, 0x35, 0x36, 0xB7, 0xB8, 0x90, 0x03}
	if !bytes.Equal(raw[:len(raw)-2], want) {
		t.Fatalf("frame % X\nwant  % X", raw[:len(raw)-2], want)
	}
	// The CRC covers everything after DLE SOH up to ETX, as sent: the
	// DLEs and parity bits too.
	covered := want[2:]
	crc := callerid.CRC16NTT(covered)
	if raw[len(raw)-2] != byte(crc) || raw[len(raw)-1] != byte(crc>>8) {
		t.Errorf("CRC % X, want %04X low byte first", raw[len(raw)-2:], crc)
	}
	// DLE doubling: a parameter length of 16.
	raw, _ = callerid.Encode(nttMessages[4])
	if !bytes.Contains(raw, []byte{0x82, 0x90, 0x90, 0x30}) {
		t.Errorf("no doubled DLE in % X", raw)
	}
}

func TestNTTEncodeDecode(t *testing.T) {
	for i, m := range nttMessages {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			raw, err := callerid.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := callerid.DecodeNTT(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.Standard != callerid.NTT || !bytes.Equal(got.Raw, raw) || got.Number != m.Number && m.Params == nil ||
				got.NumberAbsence != m.NumberAbsence && m.Params == nil {
				t.Errorf("got %+v, sent %+v", got, m)
			}
			back, err := callerid.Encode(got)
			if err != nil || !bytes.Equal(back, raw) {
				t.Errorf("re-encoded % X, %v; want % X", back, err, raw)
			}
		})
	}
}

func TestNTTDecodeErrors(t *testing.T) {
	good, _ := callerid.Encode(nttMessages[0])
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good[:8], callerid.ErrShort},
		{"parity", mod(func(b []byte) []byte { b[9] ^= 0x80; return b }), callerid.ErrParity},
		{"data bit", mod(func(b []byte) []byte { b[9] ^= 0x81; return b }), callerid.ErrChecksum},
		{"crc", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), callerid.ErrChecksum},
		{"no SOH", mod(func(b []byte) []byte { b[1] = 0x82; return b }), callerid.ErrSyntax},
		{"no ETX", mod(func(b []byte) []byte { b[len(b)-3] = 0x84; return b }), callerid.ErrSyntax},
		{"after CRC", append(bytes.Clone(good), 0x00), callerid.ErrLength},
		{"type", encodeNTTRaw([]byte{0x42, 0x03, 0x02, 0x01, '1'}), callerid.ErrType},
		{"length", encodeNTTRaw([]byte{0x40, 0x04, 0x02, 0x01, '1'}), callerid.ErrLength},
		{"param", encodeNTTRaw([]byte{0x40, 0x03, 0x02, 0x05, '1'}), callerid.ErrParam},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := callerid.DecodeNTT(c.b)
			if !errors.Is(err, c.want) {
				t.Fatalf("DecodeNTT(% X) = %+v, %v; want %v", c.b, m, err, c.want)
			}
			if m.Number != "" || m.Params != nil {
				t.Errorf("error with data: %+v", m)
			}
		})
	}
}

// encodeNTTRaw frames any body (type, length, parameters) with parity,
// transparency and a correct CRC, as a test exchange would.
func encodeNTTRaw(body []byte) []byte {
	par := func(c byte) byte {
		n := 0
		for v := c; v != 0; v &= v - 1 {
			n++
		}
		if n%2 == 1 {
			c |= 0x80
		}
		return c
	}
	out := []byte{par(0x10), par(0x01), par(0x07), par(0x10), par(0x02)}
	for _, c := range body {
		if c == 0x10 {
			out = append(out, par(0x10))
		}
		out = append(out, par(c))
	}
	out = append(out, par(0x10), par(0x03))
	crc := callerid.CRC16NTT(out[2:])
	return append(out, byte(crc), byte(crc>>8))
}

func TestNTTEncodeErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		m    callerid.Message
		want error
	}{
		{"type", callerid.Message{Type: 0x80, Number: "1"}, callerid.ErrType},
		{"absence", callerid.Message{NumberAbsence: "X"}, callerid.ErrField},
		{"8-bit", callerid.Message{Number: "caf\xe9"}, callerid.ErrField},
		{"long", callerid.Message{Params: []callerid.Param{{0x02, bytes.Repeat([]byte("1"), 130)}}}, callerid.ErrLength},
		{"waiting", callerid.Message{Number: "1", Waiting: callerid.WaitingOn}, callerid.ErrField},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.m.Standard = callerid.NTT
			if b, err := callerid.Encode(c.m); !errors.Is(err, c.want) {
				t.Errorf("Encode = % X, %v; want %v", b, err, c.want)
			}
		})
	}
}

func TestReceiverNTT(t *testing.T) {
	for i, m := range nttMessages {
		for _, level := range []float64{-4, -40} {
			for _, carrier := range []float64{-0.015, 0.015} {
				for _, baud := range []float64{-0.01, 0.01} {
					t.Run(fmt.Sprintf("%d/%gdBm0/carrier%+g%%/baud%+g%%", i, level, carrier*100, baud*100), func(t *testing.T) {
						o := callerid.DefaultOptionsFor(callerid.NTT, level)
						o.Phys = fsk.V23
						o.Phys.Mark *= dsp.Hz(1 + carrier)
						o.Phys.Space *= dsp.Hz(1 + carrier)
						o.Phys.Baud *= 1 + baud
						x, err := callerid.SynthOptions(m, o)
						if err != nil {
							t.Fatal(err)
						}
						raw, _ := callerid.Encode(m)
						got := receive(x)
						if len(got) != 1 || got[0].Err != nil || got[0].Standard != callerid.NTT || !bytes.Equal(got[0].Raw, raw) {
							t.Fatalf("got %+v", got)
						}
						if got[0].SeizureBits != 0 || got[0].MarkBits < 70 {
							t.Errorf("preamble %d seizure, %d marks", got[0].SeizureBits, got[0].MarkBits)
						}
					})
				}
			}
		}
	}
}

func TestReceiverNTTDamage(t *testing.T) {
	// Every flipped bit of the frame is a damaged frame, never data; the
	// receiver still finds the frame when its first DLE is intact.
	raw, _ := callerid.Encode(nttMessages[0])
	for i := 8; i < len(raw)*8; i++ {
		bad := bytes.Clone(raw)
		bad[i/8] ^= 1 << (i % 8)
		x, err := callerid.SynthRaw(bad, callerid.NTT, callerid.DefaultOptionsFor(callerid.NTT, -20))
		if err != nil {
			t.Fatal(err)
		}
		got := receive(x)
		if i < 16 { // SOH damaged: not recognised as a frame at all
			for _, m := range got {
				if m.Err == nil {
					t.Errorf("bit %d: data from a damaged frame: %+v", i, m)
				}
			}
			continue
		}
		if len(got) != 1 || got[0].Err == nil || got[0].Number != "" || got[0].Params != nil {
			t.Errorf("bit %d of byte %d flipped: %+v", i%8, i/8, got)
		}
	}
}

func FuzzDecodeNTT(f *testing.F) {
	for _, m := range nttMessages {
		raw, _ := callerid.Encode(m)
		f.Add(raw)
	}
	f.Add(encodeNTTRaw([]byte{0x40, 0x00}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := callerid.DecodeNTT(b)
		if err != nil {
			if m.Raw != nil || m.Params != nil {
				t.Fatalf("error %v with data %+v", err, m)
			}
			return
		}
		// Round trip: a frame that decodes is exactly what Encode makes of
		// the message.
		back, err := callerid.Encode(m)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("% X decodes to %+v, which encodes to % X (%v)", b, m, back, err)
		}
	})
}

func TestNTTCRCCoverage(t *testing.T) {
	// The CRC covers every character after DLE SOH up to ETX as sent
	// (the DLEs and parity bits too), as the Murata fax firmware's
	// number-display receiver checks it; a frame whose CRC covers them
	// the binary-synchronous way (no DLE before STX or ETX, one DLE of a
	// doubled pair) is accepted too; any other CRC is an error.
	for i, m := range nttMessages {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			raw, err := callerid.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			frame := raw[:len(raw)-2]
			if crc := callerid.CRC16NTT(frame[2:]); raw[len(raw)-2] != byte(crc) || raw[len(raw)-1] != byte(crc>>8) {
				t.Fatalf("CRC % X, want %04X over % X", raw[len(raw)-2:], crc, frame[2:])
			}
			var bsc []byte
			for j := 2; j < len(frame); j++ {
				if frame[j]&0x7F == 0x10 {
					j++
				}
				bsc = append(bsc, frame[j])
			}
			crc := callerid.CRC16NTT(bsc)
			alt := append(bytes.Clone(frame), byte(crc), byte(crc>>8))
			if _, err := callerid.DecodeNTT(alt); err != nil {
				t.Errorf("binary-synchronous CRC % X rejected: %v", alt[len(alt)-2:], err)
			}
			bad := append(bytes.Clone(frame), byte(crc)^0x01, byte(crc>>8))
			if bytes.Equal(bad, raw) {
				bad[len(bad)-1] ^= 0x80
			}
			if _, err := callerid.DecodeNTT(bad); !errors.Is(err, callerid.ErrChecksum) {
				t.Errorf("CRC % X: err %v, want ErrChecksum", bad[len(bad)-2:], err)
			}
		})
	}
}
