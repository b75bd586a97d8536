package storage_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// TestParsePack checks that a damaged packed batch is refused with an
// error that says what is wrong, and that a good one comes back whole.
func TestParsePack(t *testing.T) {
	c1 := linetap.Chunk{Call: 7, Seq: 3, Offset: 24000, Samples: 4, Data: []byte{1, 2, 3, 4}}
	c2 := linetap.Chunk{Call: 9, Seq: 0, Samples: 2, Data: []byte{5, 6}}
	k1, k2 := storage.ChunkKey(7, 3), storage.ChunkKey(9, 0)
	v1, v2 := storage.ChunkValue(&c1), storage.ChunkValue(&c2)
	good := storage.Pack([][]byte{k1, k2}, [][]byte{v1, v2})
	withLen := func(n uint32) []byte {
		b := append([]byte(nil), good...)
		binary.BigEndian.PutUint32(b[1+12:], n)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		msg  string // "" for a good pack
	}{
		{"two chunks", good, ""},
		{"empty", nil, "empty packed batch"},
		{"version only", []byte{1}, "without chunks"},
		{"other version", append([]byte{2}, good[1:]...), "version 2"},
		{"stray bytes", append(append([]byte(nil), good...), 0, 0, 0), "3 stray bytes"},
		{"length past the end", withLen(1 << 20), "1048576 bytes"},
		{"length of a header only", withLen(16), "of 16 bytes"},
		{"keys out of order", storage.Pack([][]byte{k2, k1}, [][]byte{v2, v1}), "after"},
		{"a key twice", storage.Pack([][]byte{k1, k1}, [][]byte{v1, v1}), "after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, values, err := storage.ParsePack(tc.in)
			if tc.msg != "" {
				if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("ParsePack = %v, want ErrCorrupt saying %q", err, tc.msg)
				}
				return
			}
			if err != nil || len(keys) != 2 || string(keys[0]) != string(k1) || string(values[1]) != string(v2) {
				t.Fatalf("ParsePack = %x %x %v", keys, values, err)
			}
			off, n, data, err := storage.ParseChunkValue(values[0])
			if err != nil || off != 24000 || n != 4 || string(data) != string(c1.Data) {
				t.Errorf("first chunk: offset %d, %d samples, %x, %v", off, n, data, err)
			}
		})
	}
}
