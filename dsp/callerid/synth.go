package callerid

import (
	"fmt"
	"time"

	"github.com/linetap/linetap/dsp/dtmf"
	"github.com/linetap/linetap/dsp/fsk"
)

// Options shape a synthesized on-hook transmission. DefaultOptions gives
// the GR-30 / EN 300 659-1 preamble; tests and the line simulator change
// fields to stress a receiver.
type Options struct {
	// LevelDBm0 is the level of the FSK tones.
	LevelDBm0 float64
	// Phys is the physical layer; the zero value means the Standard's own
	// (fsk.Bell202 or fsk.V23). Set it to an off-nominal copy to test
	// carrier or baud tolerance.
	Phys fsk.Params
	// SeizureBits is the length of the channel seizure, alternating
	// 0 and 1 from a 0 (GR-30: 300 bits, the bytes 0x55 ×30).
	SeizureBits int
	// MarkBits is the mark run between seizure and message (GR-30: 180;
	// EN 300 659-1: 180 ± 25).
	MarkBits int
	// StopBits is the number of mark bits after each message byte, at
	// least 1; more inserts extra marks between bytes (GR-30 allows up to
	// 20 extra, BT up to 10 stop bits in all).
	StopBits int
	// TrailingMarks is the mark run after the last byte.
	TrailingMarks int
	// TwistDB is how much louder the space tone is than the mark tone
	// (LevelDBm0); negative is quieter (GR-30 receivers accept −6 to
	// +10 dB, EN 300 659-1 ±6 dB).
	TwistDB float64
	// DTMF is the national variant a DTMFCLIP message is keyed in.
	DTMF DTMFFormat
	// ToneOn and ToneOff are each DTMF digit's tone and the pause after
	// it (zero means 70 ms, the usual figure); LevelDBm0 is each tone's
	// level.
	ToneOn, ToneOff time.Duration
}

// clipTone is the DTMF CLIP tone and pause when Options leave them zero.
const clipTone = 70 * time.Millisecond

// DefaultOptions returns the nominal preamble and framing for levelDBm0:
// 300 seizure bits, 180 marks, one stop bit, 8 trailing marks.
func DefaultOptions(levelDBm0 float64) Options {
	return Options{
		LevelDBm0:     levelDBm0,
		SeizureBits:   300, // GR-30, EN 300 659-1 §6.1.2: 300 bits of 0101…
		MarkBits:      180, // GR-30, EN 300 659-1 §6.1.3: 180 mark bits
		StopBits:      1,   // GR-30: 8N1
		TrailingMarks: 8,
	}
}

// DefaultOptionsFor returns the nominal preamble and framing of standard s
// at levelDBm0: DefaultOptions for GR-30 and ETSI; for BT SIN227 its
// shortest preamble, 96 seizure bits and 55 marks; for NTT 80 marks and no
// seizure.
func DefaultOptionsFor(s Standard, levelDBm0 float64) Options {
	o := DefaultOptions(levelDBm0)
	switch s {
	case BT:
		o.SeizureBits = 96 // SIN227: 96–315 bits of channel seizure
		o.MarkBits = 55    // SIN227: at least 55 mark bits
	case NTT:
		o.SeizureBits = 0 // NTT number display: a mark run, no channel seizure
		o.MarkBits = 80
	}
	return o
}

// Synth returns the complete on-hook transmission of m with the nominal
// preamble of its standard (DefaultOptionsFor): for GR-30 and ETSI channel
// seizure (0x55 ×30 = 300 bits), 180 mark bits, the message bytes (Bell 202
// for bell202-*, V.23 for etsi-v23 and bt), a few trailing marks.
func Synth(m Message, levelDBm0 float64) ([]int16, error) {
	return SynthOptions(m, DefaultOptionsFor(m.Standard, levelDBm0))
}

// SynthOptions is Synth with the preamble, framing and physical layer of o.
func SynthOptions(m Message, o Options) ([]int16, error) {
	if m.Standard == DTMFCLIP {
		digits, err := EncodeDTMF(m, o.DTMF)
		if err != nil {
			return nil, err
		}
		return SynthRaw([]byte(digits), DTMFCLIP, o)
	}
	raw, err := Encode(m)
	if err != nil {
		return nil, err
	}
	return SynthRaw(raw, m.Standard, o)
}

// SynthRaw modulates message bytes as they are, checksum included, so that
// a damaged message can be transmitted on purpose; s chooses the physical
// layer unless o.Phys is set. For DTMFCLIP, raw is the digits, keyed with
// o.ToneOn, o.ToneOff at o.LevelDBm0 per tone.
func SynthRaw(raw []byte, s Standard, o Options) ([]int16, error) {
	if s == DTMFCLIP {
		on, off := o.ToneOn, o.ToneOff
		if on == 0 {
			on = clipTone
		}
		if off == 0 {
			off = clipTone
		}
		x, err := dtmf.AppendDigits(nil, string(raw), on, off, o.LevelDBm0)
		if err != nil {
			return nil, fmt.Errorf("callerid: synth %s: %w", s, err)
		}
		return x, nil
	}
	p := o.Phys
	if p == (fsk.Params{}) {
		switch s.Phys() {
		case "bell202":
			p = fsk.Bell202
		case "v23":
			p = fsk.V23
		default:
			return nil, fmt.Errorf("%w %q", ErrStandard, s)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("callerid: synth: %w", err)
	}
	if o.SeizureBits < 0 || o.MarkBits < 0 || o.TrailingMarks < 0 {
		return nil, fmt.Errorf("%w: synth: negative seizure (%d), mark (%d) or trailing (%d) bits", ErrField, o.SeizureBits, o.MarkBits, o.TrailingMarks)
	}
	if o.StopBits < 1 {
		return nil, fmt.Errorf("%w: synth: %d stop bits, need at least 1", ErrField, o.StopBits)
	}
	bits := o.SeizureBits + o.MarkBits + len(raw)*(9+o.StopBits) + o.TrailingMarks
	out := make([]int16, 0, int(float64(bits)*p.SamplesPerBit())+2)
	mod := fsk.NewModulator(p, o.LevelDBm0)
	mod.SetTwist(o.TwistDB)
	for i := 0; i < o.SeizureBits; i++ {
		out = mod.AppendBits(out, i&1, 1) // GR-30: channel seizure 0101…
	}
	out = mod.AppendBits(out, 1, o.MarkBits)
	out = mod.AppendBytes(out, raw, o.StopBits)
	return mod.AppendBits(out, 1, o.TrailingMarks), nil
}
