package adpcm

import "errors"

// Errors returned by DecodeChunk and ChunkSamples, wrapped with what is
// wrong with the chunk; test with errors.Is.
var (
	// ErrCorrupt means the data is not a chunk EncodeChunk can have made:
	// too short for its header, a step index beyond 88, unknown flags or a
	// padding nibble that is not 0.
	ErrCorrupt = errors.New("adpcm: corrupt chunk")
)
