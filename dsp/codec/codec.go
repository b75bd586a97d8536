package codec

import (
	"errors"
	"fmt"
	"sort"
)

// Errors of this package; test with errors.Is.
var (
	// ErrUnknown is returned by Lookup for a codec name that does not exist.
	ErrUnknown = errors.New("codec: unknown codec")
	// ErrUnavailable is returned by Lookup for a codec linetap has but this
	// build left out (Opus without the opus build tag); see Unavailable.
	ErrUnavailable = errors.New("codec: not in this build")
	// ErrCorrupt is returned by Decode for data the codec cannot have produced.
	ErrCorrupt = errors.New("codec: corrupt data")
)

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
// filled by init functions. The codecs behind a build tag come from
// optional (opus.go with the tag, noopus.go without).
var codecs = withOptional(map[string]Codec{
	L16{}.Name():   L16{},
	PCMU{}.Name():  PCMU{},
	PCMA{}.Name():  PCMA{},
	ADPCM{}.Name(): ADPCM{},
})

// withOptional adds the codecs of this build's tags to m.
func withOptional(m map[string]Codec) map[string]Codec {
	for _, c := range optional {
		m[c.Name()] = c
	}
	return m
}

// Lookup returns the codec called name.
func Lookup(name string) (Codec, error) {
	if c, ok := codecs[name]; ok {
		return c, nil
	}
	if why, ok := unavailable[name]; ok {
		return nil, fmt.Errorf("%w: %q: %s", ErrUnavailable, name, why)
	}
	return nil, fmt.Errorf("%w %q (have %v)", ErrUnknown, name, Names())
}

// Unavailable reports whether name is a codec linetap knows but this build
// left out, and why (for a config error such as "linetap was built without
// Opus"). It is false for codecs that are available and for unknown names.
func Unavailable(name string) (reason string, ok bool) {
	reason, ok = unavailable[name]
	return reason, ok
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
