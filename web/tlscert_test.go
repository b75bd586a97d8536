package web_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/linetap/linetap/web"
)

func TestLoadOrCreateCert(t *testing.T) {
	dir := t.TempDir()
	c1, err := web.LoadOrCreateCert(dir, "192.0.2.10", "recorder.example")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c1.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("key %T, want ECDSA", leaf.PublicKey)
	}
	if err := leaf.VerifyHostname("192.0.2.10"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("recorder.example"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Error(err)
	}
	fi, err := os.Stat(filepath.Join(dir, web.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	// The second start loads the same certificate.
	c2, err := web.LoadOrCreateCert(dir)
	if err != nil || string(c2.Certificate[0]) != string(c1.Certificate[0]) {
		t.Errorf("second load made a new certificate: %v", err)
	}
	// A damaged key is an error naming the files, never a silent new cert.
	os.WriteFile(filepath.Join(dir, web.KeyFile), []byte("garbage"), 0o600)
	if _, err := web.LoadOrCreateCert(dir); err == nil {
		t.Error("a damaged key file was accepted")
	}
}
