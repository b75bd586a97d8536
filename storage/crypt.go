package storage

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap"
)

// KeySize is the size of an encryption key: AES-256.
const KeySize = 32

// Sizes of what encryption adds to each chunk.
const (
	nonceSize = 12 // NIST SP 800-38D §8.2: 96-bit IVs are the recommended length
	tagSize   = 16 // full 128-bit GCM tag (SP 800-38D §5.2.1.2)
)

// labelKeyCheck derives the key check value kept in index.db.
const labelKeyCheck = "linetap-keycheck-v1\n"

// ReadKeyFile reads an AES-256 key from path: 32 raw bytes, or 64 hex
// digits (a trailing newline allowed). The file must be a regular file
// that only its owner can read (mode 0600 or 0400); anything wider is
// refused with ErrKey naming the file and its mode.
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: key file: %v", ErrKey, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: key file %s: not a regular file", ErrKey, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: key file %s: mode %#o lets others read it; chmod 600 %s", ErrKey, path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: key file: %v", ErrKey, err)
	}
	if len(b) == KeySize {
		return b, nil
	}
	t := bytes.TrimSpace(b)
	if len(t) == 2*KeySize {
		k, err := hex.DecodeString(string(t))
		if err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: key file %s: %d bytes; want %d raw bytes or %d hex digits", ErrKey, path, len(b), KeySize, 2*KeySize)
}

// NewKeyFile writes a fresh random key to path as hex, mode 0600,
// refusing to overwrite an existing file.
func NewKeyFile(path string) error {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("%w: new key: %v", ErrKey, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: new key file: %v", ErrKey, err)
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: new key file %s: %v", ErrKey, path, err)
	}
	return nil
}

// keyCheck returns the value index.db keeps to recognise the key: a hash
// of it under its own label, which tells nothing about the key.
func keyCheck(key []byte) []byte {
	h := sha256.New()
	h.Write([]byte(labelKeyCheck))
	h.Write(key)
	return h.Sum(nil)
}

// setupKey loads Options.KeyFile and checks it against index.db: an
// encrypted store needs its key, a plain store with calls refuses one,
// and a new or empty store becomes encrypted.
func (s *Store) setupKey() error {
	var key []byte
	if s.opt.KeyFile != "" {
		var err error
		if key, err = ReadKeyFile(s.opt.KeyFile); err != nil {
			return err
		}
		blk, err := aes.NewCipher(key)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrKey, err)
		}
		if s.aead, err = cipher.NewGCM(blk); err != nil {
			return fmt.Errorf("%w: %v", ErrKey, err)
		}
	}
	var stored []byte
	var hasCalls bool
	err := s.index.View(func(tx *bolt.Tx) error {
		stored = append([]byte(nil), tx.Bucket(bucketMeta).Get(keyKey)...)
		k, _ := tx.Bucket(bucketCalls).Cursor().First()
		hasCalls = k != nil || tx.Bucket(bucketCalls).Sequence() > 0
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case len(stored) > 0 && key == nil:
		return fmt.Errorf("%w: %s is encrypted and no key file was given", ErrKey, s.dir)
	case len(stored) > 0 && !bytes.Equal(stored, keyCheck(key)):
		return fmt.Errorf("%w: %s is not the key of %s", ErrKey, s.opt.KeyFile, s.dir)
	case len(stored) == 0 && key != nil && hasCalls:
		return fmt.Errorf("%w: %s holds unencrypted calls; it cannot be encrypted with %s", ErrKey, s.dir, s.opt.KeyFile)
	case len(stored) == 0 && key != nil:
		if s.opt.ReadOnly {
			return nil
		}
		return s.index.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyKey, keyCheck(key))
		})
	}
	return nil
}

// sealOverhead is what encryption adds to a chunk's data.
func (s *Store) sealOverhead() int {
	if s.aead == nil {
		return 0
	}
	return nonceSize + tagSize
}

// chunkAAD binds a chunk's ciphertext to its place: call, seq, offset and
// samples, so a chunk moved or relabelled fails to open.
func chunkAAD(dst []byte, call uint64, seq uint32, offset int64, samples int) []byte {
	dst = binary.BigEndian.AppendUint64(dst, call)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(offset))
	return binary.BigEndian.AppendUint32(dst, uint32(samples))
}

// appendChunk appends the stored form of c, sealed when the store is
// encrypted: nonce, then ciphertext and tag.
func (s *Store) appendChunk(dst []byte, c *linetap.Chunk) ([]byte, error) {
	if s.aead == nil {
		return appendChunkValue(dst, c), nil
	}
	// A random 96-bit nonce per chunk (SP 800-38D §8.2.2): nothing to
	// persist across power cuts, and at 8 lines × 1 chunk/s the 2^32
	// invocation limit of §8.3 is 17 years away per key.
	var nonce [nonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return dst, fmt.Errorf("%w: nonce: %v", ErrKey, err)
	}
	var aad [24]byte
	sealed := make([]byte, 0, nonceSize+len(c.Data)+tagSize)
	sealed = append(sealed, nonce[:]...)
	sealed = s.aead.Seal(sealed, nonce[:], c.Data, chunkAAD(aad[:0], c.Call, c.Seq, c.Offset, c.Samples))
	sc := *c
	sc.Data = sealed
	return appendChunkValue(dst, &sc), nil
}

// openChunk returns the plaintext of a stored chunk of call id.
func (s *Store) openChunk(id uint64, seq uint32, c chunkValue) (chunkValue, error) {
	if s.aead == nil {
		return c, nil
	}
	if len(c.data) < nonceSize+tagSize {
		return c, fmt.Errorf("%w: encrypted chunk of %d bytes", ErrCorrupt, len(c.data))
	}
	var aad [24]byte
	pt, err := s.aead.Open(nil, c.data[:nonceSize], c.data[nonceSize:], chunkAAD(aad[:0], id, seq, c.offset, c.samples))
	if err != nil {
		return c, fmt.Errorf("%w: chunk fails its AES-GCM authentication (tampered, or not written with this key)", ErrCorrupt)
	}
	c.data = pt
	return c, nil
}
