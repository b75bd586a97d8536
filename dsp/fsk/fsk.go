package fsk

import (
	"errors"
	"fmt"

	"github.com/linetap/linetap/dsp"
)

// Errors of this package.
var (
	// ErrParams: a Params that cannot be modulated or demodulated at
	// dsp.Rate.
	ErrParams = errors.New("fsk: invalid parameters")
)

// Params is an FSK physical layer: the tone for each binary value and the
// signalling rate.
type Params struct {
	// Name is the layer's name in logs and options ("bell202", "v23").
	Name string
	// Mark is the frequency of binary 1 (and of the idle line).
	Mark dsp.Hz
	// Space is the frequency of binary 0 (and of the start bit).
	Space dsp.Hz
	// Baud is the signalling rate in bits per second.
	Baud float64
}

// Bell202 is the Bell 202 layer of North American caller ID: mark 1200 Hz,
// space 2200 Hz, 1200 baud (Telcordia GR-30, TIA-716).
var Bell202 = Params{Name: "bell202", Mark: 1200, Space: 2200, Baud: 1200} // GR-30, TIA-716

// V23 is the V.23 forward channel used by ETSI caller ID: mark 1300 Hz,
// space 2100 Hz, 1200 baud (ETSI EN 300 659-1 §6.1.1, ITU-T V.23).
var V23 = Params{Name: "v23", Mark: 1300, Space: 2100, Baud: 1200} // EN 300 659-1

// Validate reports whether p can be modulated and demodulated at dsp.Rate:
// both tones inside (0, Nyquist), distinct, and a baud rate that gives at
// least two samples per bit.
func (p Params) Validate() error {
	nyq := dsp.Hz(dsp.Rate) / 2
	switch {
	case p.Mark <= 0 || p.Mark >= nyq:
		return fmt.Errorf("%w: %s: mark %g Hz outside (0, %g)", ErrParams, p.Name, float64(p.Mark), float64(nyq))
	case p.Space <= 0 || p.Space >= nyq:
		return fmt.Errorf("%w: %s: space %g Hz outside (0, %g)", ErrParams, p.Name, float64(p.Space), float64(nyq))
	case p.Mark == p.Space:
		return fmt.Errorf("%w: %s: mark and space are both %g Hz", ErrParams, p.Name, float64(p.Mark))
	case !(p.Baud > 0) || p.Baud > dsp.Rate/2:
		return fmt.Errorf("%w: %s: baud %g outside (0, %d]", ErrParams, p.Name, p.Baud, dsp.Rate/2)
	}
	return nil
}

// SamplesPerBit returns the length of one bit in samples at dsp.Rate
// (6⅔ at 1200 baud).
func (p Params) SamplesPerBit() float64 { return dsp.Rate / p.Baud }
