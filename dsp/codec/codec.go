package codec

import (
	"errors"
	"fmt"
	"sort"
)

// ErrUnknown is returned by Lookup for a codec name that does not exist.
var ErrUnknown = errors.New("codec: unknown codec")

// ErrCorrupt is returned by Decode for data the codec cannot have produced.
var ErrCorrupt = errors.New("codec: corrupt data")

// Codec turns 8 kHz mono int16 PCM into stored bytes and back. Every
// implementation is stateless per chunk: a chunk decodes on its own.
type Codec interface {
	// Name is the codec's name in configs and call records.
	Name() string
	// Encode appends the encoding of pcm to dst and returns it.
	Encode(dst []byte, pcm []int16) []byte
	// Decode appends the samples encoded in data to dst and returns it.
	Decode(dst []int16, data []byte) ([]int16, error)
	// Samples returns how many samples data decodes to.
	Samples(data []byte) (int, error)
}

// codecs is every codec there is, by name: a literal, not a registry
// filled by init functions.
var codecs = map[string]Codec{
	L16{}.Name():  L16{},
	PCMU{}.Name(): PCMU{},
	PCMA{}.Name(): PCMA{},
}

// Lookup returns the codec called name.
func Lookup(name string) (Codec, error) {
	if c, ok := codecs[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w %q (have %v)", ErrUnknown, name, Names())
}

// Names lists the available codecs, sorted.
func Names() []string {
	n := make([]string, 0, len(codecs))
	for k := range codecs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
