package export_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linetap/linetap/storage/export"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := export.LoadKey(dir); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, export.ErrKey) {
		t.Fatalf("LoadKey before: %v", err)
	}
	// Two at once make one key.
	keys := make([]ed25519.PrivateKey, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := export.LoadOrCreateKey(dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !k.Equal(keys[0]) {
			t.Fatal("concurrent LoadOrCreateKey made different keys")
		}
	}
	st, err := os.Stat(filepath.Join(dir, export.KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Join(dir, export.PubFile)); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("public key file: %v", err)
	}
	pubPEM, err := os.ReadFile(filepath.Join(dir, export.PubFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := export.ParsePublicPEM(pubPEM)
	if err != nil || !pub.Equal(keys[0].Public()) {
		t.Fatalf("public key file: %v", err)
	}
	// Only the two key files are left: no temporaries.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("data directory holds %d entries", len(ents))
	}
	// The fingerprint is the SHA-256 of the DER, as openssl prints it.
	blk, _ := pem.Decode(pubPEM)
	if fp := export.Fingerprint(pub); fp != fmt.Sprintf("%x", sha256.Sum256(blk.Bytes)) || len(fp) != 64 {
		t.Fatalf("Fingerprint = %s", fp)
	}
	// A removed public key is written again.
	if err := os.Remove(filepath.Join(dir, export.PubFile)); err != nil {
		t.Fatal(err)
	}
	again, err := export.LoadOrCreateKey(dir)
	if err != nil || !again.Equal(keys[0]) {
		t.Fatalf("reload: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, export.PubFile)); err != nil || !bytes.Equal(b, pubPEM) {
		t.Fatalf("public key not rewritten: %v", err)
	}
}

func TestKeyRefused(t *testing.T) {
	rsaLike, _ := x509.MarshalPKIXPublicKey(testKey.Public())
	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		want string
	}{
		{"readable by others", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), 0o644, "lets others read it"},
		{"not PEM", []byte("hello"), 0o600, `not a PEM "PRIVATE KEY"`},
		{"wrong block", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaLike}), 0o600, `not a PEM "PRIVATE KEY"`},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), 0o600, "device.key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, export.KeyFile)
			if err := os.WriteFile(p, tc.data, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, err := export.LoadOrCreateKey(dir)
			if !errors.Is(err, export.ErrKey) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrKey with %q", err, tc.want)
			}
			if b, _ := os.ReadFile(p); !bytes.Equal(b, tc.data) {
				t.Fatal("the bad key file was changed")
			}
		})
	}
	if _, err := export.LoadOrCreateKey(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, export.ErrKey) {
		t.Fatalf("missing data directory: %v", err)
	}
	if _, err := export.ParsePublicPEM([]byte("x")); err == nil {
		t.Fatal("ParsePublicPEM(garbage) succeeded")
	}
}
