package callerid_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/linetap/linetap/dsp/callerid"
)

func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			b = append(b, byte(v))
		case string:
			b = append(b, v...)
		}
	}
	return b
}

// withCk appends the checksum computed independently of the package.
func withCk(b []byte) []byte {
	s := 0
	for _, c := range b {
		s += int(c)
	}
	return append(b, byte((256-s%256)%256))
}

func TestGR30TestVector(t *testing.T) {
	// DOMAIN.md §3: 04 12 "09301224" "6095551212" → checksum 0x51.
	m := callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"}
	raw, err := callerid.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(0x04, 0x12, "09301224", "6095551212", 0x51)
	if !bytes.Equal(raw, want) {
		t.Fatalf("Encode = % X\nwant     % X", raw, want)
	}
	got, err := callerid.Decode(want, "bell202")
	if err != nil {
		t.Fatal(err)
	}
	if got.Standard != callerid.Bell202SDMF || got.Type != 0x04 || got.DateTime != "09301224" || got.Number != "6095551212" {
		t.Errorf("Decode = %+v", got)
	}
}

// allParams has every parameter type of DOMAIN.md §3 for a layout.
var etsiAll = []callerid.Param{
	{0x01, []byte("01020304")}, {0x02, []byte("0123456789")}, {0x03, []byte("5551234")},
	{0x04, []byte("O")}, {0x07, []byte("ALICE")}, {0x08, []byte("P")}, {0x0B, []byte{0xFF}},
	{0x0D, []byte{0x01, 0x02, 0x03}}, {0x0F, []byte("0102")}, {0x10, []byte("999")},
	{0x11, []byte{0x81}}, {0x13, []byte{0x05}}, {0x15, []byte{0x01}}, {0x16, []byte{0x02}},
	{0x1A, []byte("4711")}, {0x20, []byte("12")}, {0x21, []byte("34")}, {0x23, []byte("000130")},
	{0x50, []byte("HELLO")}, {0x55, []byte{0x01}}, {0xE0, []byte{0xAA, 0xBB}},
}

var mdmfAll = []callerid.Param{
	{0x01, []byte("12251830")}, {0x02, []byte("2125551234")}, {0x03, []byte("12125551234")},
	{0x04, []byte("P")}, {0x05, []byte{0x01}}, {0x06, []byte("L")}, {0x07, []byte("DOE JOHN")},
	{0x08, []byte("O")}, {0x0B, []byte{0x00}},
}

func TestEncodeDecode(t *testing.T) {
	cases := []struct {
		name string
		m    callerid.Message
		raw  []byte // without checksum
		want callerid.Message
	}{
		{"sdmf private", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "11051510", NumberAbsence: "P"},
			cat(0x04, 9, "11051510P"), callerid.Message{NumberAbsence: "P", DateTime: "11051510"}},
		{"sdmf out of area", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "11051510", NumberAbsence: "O"},
			cat(0x04, 9, "11051510O"), callerid.Message{NumberAbsence: "O", DateTime: "11051510"}},
		{"sdmf waiting on", callerid.Message{Standard: callerid.Bell202SDMF, Type: 0x06, Waiting: callerid.WaitingOn},
			cat(0x06, 3, 0x42, 0x42, 0x42), callerid.Message{Waiting: callerid.WaitingOn}},
		{"sdmf waiting off", callerid.Message{Standard: callerid.Bell202SDMF, Type: 0x06, Waiting: callerid.WaitingOff},
			cat(0x06, 3, 0x6F, 0x6F, 0x6F), callerid.Message{Waiting: callerid.WaitingOff}},
		{"mdmf fields", callerid.Message{Standard: callerid.Bell202MDMF, DateTime: "03141592", Number: "8005551212", Name: "SMITH JOE"},
			cat(0x80, 33, 1, 8, "03141592", 2, 10, "8005551212", 7, 9, "SMITH JOE"),
			callerid.Message{DateTime: "03141592", Number: "8005551212", Name: "SMITH JOE"}},
		{"mdmf absences", callerid.Message{Standard: callerid.Bell202MDMF, DateTime: "03141592", NumberAbsence: "O", NameAbsence: "P"},
			cat(0x80, 16, 1, 8, "03141592", 4, 1, "O", 8, 1, "P"),
			callerid.Message{DateTime: "03141592", NumberAbsence: "O", NameAbsence: "P"}},
		{"mdmf waiting", callerid.Message{Standard: callerid.Bell202MDMF, Type: 0x82, Waiting: callerid.WaitingOn},
			cat(0x82, 3, 0x0B, 1, 0xFF), callerid.Message{Waiting: callerid.WaitingOn}},
		{"mdmf every param", callerid.Message{Standard: callerid.Bell202MDMF, Params: mdmfAll}, nil,
			callerid.Message{DateTime: "12251830", Number: "2125551234", NumberAbsence: "P", Name: "DOE JOHN", NameAbsence: "O", Waiting: callerid.WaitingOff}},
		{"etsi every param", callerid.Message{Standard: callerid.ETSI, Params: etsiAll}, nil,
			callerid.Message{DateTime: "01020304", Number: "0123456789", NumberAbsence: "O", Name: "ALICE", NameAbsence: "P", Waiting: callerid.WaitingOn}},
		{"etsi long name", callerid.Message{Standard: callerid.ETSI, Number: "4930123456", Name: "ALEXANDRA VON UND ZU HOHENSTEIN"},
			cat(0x80, 45, 2, 10, "4930123456", 7, 31, "ALEXANDRA VON UND ZU HOHENSTEIN"),
			callerid.Message{Number: "4930123456", Name: "ALEXANDRA VON UND ZU HOHENSTEIN"}},
		{"etsi advice of charge", callerid.Message{Standard: callerid.ETSI, Type: 0x86, Params: []callerid.Param{{0x20, []byte("0150")}}},
			cat(0x86, 6, 0x20, 4, "0150"), callerid.Message{}},
		{"etsi sms", callerid.Message{Standard: callerid.ETSI, Type: 0x89, Params: []callerid.Param{{0x50, []byte("HI")}}},
			cat(0x89, 4, 0x50, 2, "HI"), callerid.Message{}},
		{"etsi empty", callerid.Message{Standard: callerid.ETSI}, cat(0x80, 0), callerid.Message{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := callerid.Encode(c.m)
			if err != nil {
				t.Fatal(err)
			}
			if c.raw != nil {
				if want := withCk(c.raw); !bytes.Equal(raw, want) {
					t.Fatalf("Encode = % X\nwant     % X", raw, want)
				}
			} else if raw[len(raw)-1] != withCk(raw[:len(raw)-1])[len(raw)-1] {
				t.Fatalf("bad checksum in % X", raw)
			}
			got, err := callerid.Decode(raw, c.m.Standard.Phys())
			if err != nil {
				t.Fatal(err)
			}
			if got.Standard != c.m.Standard {
				t.Errorf("standard %q, want %q", got.Standard, c.m.Standard)
			}
			if c.m.Params != nil && !reflect.DeepEqual(got.Params, c.m.Params) {
				t.Errorf("params %v, want %v", got.Params, c.m.Params)
			}
			w := c.want
			if got.DateTime != w.DateTime || got.Number != w.Number || got.Name != w.Name ||
				got.NumberAbsence != w.NumberAbsence || got.NameAbsence != w.NameAbsence || got.Waiting != w.Waiting {
				t.Errorf("decoded %+v\nwant fields of %+v", got, w)
			}
			again, err := callerid.Encode(got)
			if err != nil || !bytes.Equal(again, raw) {
				t.Errorf("re-encode = % X, %v; want % X", again, err, raw)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	long := string(bytes.Repeat([]byte("A"), 300))
	cases := []struct {
		name string
		m    callerid.Message
		want error
	}{
		{"no standard", callerid.Message{Number: "1"}, callerid.ErrStandard},
		{"sdmf no date", callerid.Message{Standard: callerid.Bell202SDMF, Number: "1"}, callerid.ErrField},
		{"sdmf bad date", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "0930122A", Number: "1"}, callerid.ErrField},
		{"sdmf no number", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224"}, callerid.ErrField},
		{"sdmf name", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "1", Name: "X"}, callerid.ErrField},
		{"sdmf absence code", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", NumberAbsence: "X"}, callerid.ErrField},
		{"sdmf both", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "1", NumberAbsence: "P"}, callerid.ErrConflict},
		{"sdmf control char", callerid.Message{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "1\n"}, callerid.ErrField},
		{"sdmf mwi unset", callerid.Message{Standard: callerid.Bell202SDMF, Type: 0x06}, callerid.ErrField},
		{"sdmf type", callerid.Message{Standard: callerid.Bell202SDMF, Type: 0x80}, callerid.ErrType},
		{"mdmf type", callerid.Message{Standard: callerid.Bell202MDMF, Type: 0x86}, callerid.ErrType},
		{"mdmf name too long", callerid.Message{Standard: callerid.Bell202MDMF, Name: "ABCDEFGHIJKLMNOP"}, callerid.ErrField},
		{"etsi name too long", callerid.Message{Standard: callerid.ETSI, Name: long[:51]}, callerid.ErrField},
		{"params conflict", callerid.Message{Standard: callerid.ETSI, Number: "2", Params: []callerid.Param{{2, []byte("1")}}}, callerid.ErrConflict},
		{"param too long", callerid.Message{Standard: callerid.ETSI, Params: []callerid.Param{{0x50, []byte(long)}}}, callerid.ErrLength},
		{"body too long", callerid.Message{Standard: callerid.ETSI, Params: []callerid.Param{{0x50, []byte(long[:200])}, {0x50, []byte(long[:200])}}}, callerid.ErrLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := callerid.Encode(c.m)
			if !errors.Is(err, c.want) {
				t.Fatalf("Encode = % X, %v; want %v", raw, err, c.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := withCk(cat(0x04, 0x12, "09301224", "6095551212"))
	flipped := bytes.Clone(good)
	flipped[7] ^= 0x04
	cases := []struct {
		name string
		raw  []byte
		phys string
		want error
	}{
		{"phys", good, "v22", callerid.ErrStandard},
		{"empty", nil, "bell202", callerid.ErrShort},
		{"two bytes", []byte{0x04, 0x00}, "bell202", callerid.ErrShort},
		{"length", good[:len(good)-1], "bell202", callerid.ErrLength},
		{"flipped bit", flipped, "bell202", callerid.ErrChecksum},
		{"sdmf on v23", good, "v23", callerid.ErrType},
		{"unknown type", withCk(cat(0x05, 1, "1")), "bell202", callerid.ErrType},
		{"sdmf date only", withCk(cat(0x04, 8, "09301224")), "bell202", callerid.ErrField},
		{"sdmf bad date", withCk(cat(0x04, 9, "0930X224", "1")), "bell202", callerid.ErrField},
		{"sdmf mwi body", withCk(cat(0x06, 3, 0x42, 0x6F, 0x42)), "bell202", callerid.ErrField},
		{"param overrun", withCk(cat(0x80, 4, 0x02, 5, "12")), "v23", callerid.ErrParam},
		{"param no length", withCk(cat(0x80, 4, 0x02, 1, "1", 0x07)), "bell202", callerid.ErrParam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := callerid.Decode(c.raw, c.phys)
			if !errors.Is(err, c.want) {
				t.Fatalf("Decode = %+v, %v; want %v", m, err, c.want)
			}
			if m.Number != "" || m.Raw != nil {
				t.Errorf("damaged message carries data: %+v", m)
			}
		})
	}
}

func TestDecodeEveryFlippedBit(t *testing.T) {
	// A single flipped bit anywhere must never decode as good data.
	for _, m := range []callerid.Message{
		{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"},
		{Standard: callerid.ETSI, Params: etsiAll},
	} {
		raw, err := callerid.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(raw) * 8 {
			b := bytes.Clone(raw)
			b[i/8] ^= 1 << (i % 8)
			if d, err := callerid.Decode(b, m.Standard.Phys()); err == nil {
				t.Errorf("%s: bit %d flipped decoded as %+v", m.Standard, i, d)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range []callerid.Message{
		{Standard: callerid.Bell202SDMF, DateTime: "09301224", Number: "6095551212"},
		{Standard: callerid.Bell202SDMF, Type: 0x06, Waiting: callerid.WaitingOn},
		{Standard: callerid.Bell202MDMF, Params: mdmfAll},
		{Standard: callerid.ETSI, Params: etsiAll},
	} {
		raw, err := callerid.Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, m.Standard.Phys() == "v23")
	}
	f.Fuzz(func(t *testing.T, raw []byte, v23 bool) {
		phys := "bell202"
		if v23 {
			phys = "v23"
		}
		m, err := callerid.Decode(raw, phys)
		if err != nil {
			return
		}
		again, err := callerid.Encode(m)
		if err != nil {
			t.Fatalf("Decode(% X) = %+v, which Encode refuses: %v", raw, m, err)
		}
		if !bytes.Equal(again, raw) {
			t.Fatalf("round trip of % X gave % X", raw, again)
		}
	})
}
