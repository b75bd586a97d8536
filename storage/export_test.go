package storage

import "github.com/linetap/linetap"

// Test-only access to the on-disk encodings, for fuzzing and for tests
// that forge what a crash leaves behind.

// ChunkKey is chunkKey.
var ChunkKey = chunkKey

// ParseChunkKey is parseChunkKey.
var ParseChunkKey = parseChunkKey

// ChunkValue returns the stored form of c.
func ChunkValue(c *linetap.Chunk) []byte { return appendChunkValue(nil, c) }

// ParseChunkValue decodes a stored chunk.
func ParseChunkValue(v []byte) (offset int64, samples int, data []byte, err error) {
	c, err := parseChunkValue(v)
	return c.offset, c.samples, c.data, err
}

// ReencodeRecord decodes a stored record and encodes it again.
func ReencodeRecord(key, v []byte) ([]byte, error) {
	r, err := decodeRecord(key, v)
	if err != nil {
		return nil, err
	}
	return encodeRecord(r)
}

// CheckBoltFile is checkBoltFile.
var CheckBoltFile = checkBoltFile
