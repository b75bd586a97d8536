package export

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names of the device key files in the data directory.
const (
	// KeyFile holds the device's Ed25519 private key, PKCS #8 PEM, 0600.
	KeyFile = "device.key"
	// PubFile holds the device's public key, PKIX PEM; an export carries a
	// copy under the same name.
	PubFile = "device.pub.pem"
)

// LoadOrCreateKey returns the device key kept in dataDir, making it (and
// PubFile beside it) when there is none. A key file readable by group or
// others is refused, as is one that is not an Ed25519 PKCS #8 PEM key.
// Two processes making the key at once end up with the same key.
func LoadOrCreateKey(dataDir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, KeyFile)
	key, err := LoadKey(dataDir)
	if err == nil {
		if _, serr := os.Stat(filepath.Join(dataDir, PubFile)); errors.Is(serr, fs.ErrNotExist) {
			return key, writePub(dataDir, key.Public().(ed25519.PublicKey))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if _, err := os.Stat(dataDir); err != nil {
		return nil, fmt.Errorf("%w: data directory: %w", ErrKey, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%w: generate: %w", ErrKey, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %w", ErrKey, err)
	}
	// Written under a temporary name (ending in .key, which storage
	// ignores) and linked into place: the link fails if another process
	// got there first, and nobody ever reads a half-written key.
	tmp, err := writeTemp(dataDir, ".device-*.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	lerr := os.Link(tmp, path)
	rerr := os.Remove(tmp)
	if lerr != nil && !errors.Is(lerr, fs.ErrExist) {
		return nil, fmt.Errorf("%w: %w", ErrKey, lerr)
	}
	if rerr != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, rerr)
	}
	if key, err = LoadKey(dataDir); err != nil {
		return nil, err
	}
	if err := writePub(dataDir, key.Public().(ed25519.PublicKey)); err != nil {
		return nil, err
	}
	return key, syncDir(dataDir)
}

// LoadKey reads the device key kept in dataDir; the error wraps
// fs.ErrNotExist when there is none.
func LoadKey(dataDir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, KeyFile)
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s: mode %v lets others read it (want 0600)", ErrKey, path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: %s: not a PEM \"PRIVATE KEY\"", ErrKey, path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKey, path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s: a %T, not an Ed25519 key", ErrKey, path, k)
	}
	return priv, nil
}

// PublicPEM returns pub as a PKIX "PUBLIC KEY" PEM block, the form
// `openssl pkeyutl -pubin` reads.
func PublicPEM(pub ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub) // cannot fail for Ed25519
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicPEM reads an Ed25519 public key written by PublicPEM.
func ParsePublicPEM(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM \"PUBLIC KEY\"")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an Ed25519 key", k)
	}
	return pub, nil
}

// Fingerprint is the hex SHA-256 of pub's DER (PKIX) encoding, what
// `openssl pkey -pubin -in device.pub.pem -outform DER | sha256sum` prints.
func Fingerprint(pub ed25519.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// writePub writes PubFile into dataDir (replacing it: it is derived from
// the key).
func writePub(dataDir string, pub ed25519.PublicKey) error {
	tmp, err := writeTemp(dataDir, ".device-*.pem", PublicPEM(pub))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKey, err)
	}
	// Anyone may read a public key.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return errors.Join(fmt.Errorf("%w: %w", ErrKey, err), os.Remove(tmp))
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, PubFile)); err != nil {
		return errors.Join(fmt.Errorf("%w: %w", ErrKey, err), os.Remove(tmp))
	}
	return nil
}

// writeTemp writes b to a new 0600 file in dir named after pattern, synced,
// and returns its path.
func writeTemp(dir, pattern string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern) // CreateTemp makes 0600 files
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", errors.Join(err, os.Remove(f.Name()))
	}
	return f.Name(), nil
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
