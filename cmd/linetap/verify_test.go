package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/linetap/linetap/storage"
)

func TestVerify(t *testing.T) {
	dir := record(t)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"verify", "--data", dir}, &out, &errb); err != nil {
		t.Fatalf("verify of a sound store: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), " 0 breaks") || strings.Contains(out.String(), "BROKEN") {
		t.Errorf("output %q", out.String())
	}

	// Change the caller ID of the first call behind the store's back.
	db, err := bolt.Open(filepath.Join(dir, "index.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var id uint64
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("calls"))
		k, v := b.Cursor().First()
		id = binary.BigEndian.Uint64(k)
		nv := bytes.Replace(v, []byte(`"line_name":"`), []byte(`"line_name":"x`), 1)
		return b.Put(append([]byte(nil), k...), nv)
	})
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"verify", "--data", dir}, &out, &errb)
	if !errors.Is(err, errBroken) || exitCode(err) != 1 {
		t.Fatalf("verify of a tampered store = %v, want errBroken", err)
	}
	if want := "BROKEN record: call " + itoa(id) + ": record fields changed"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q does not say %q", out.String(), want)
	}
	out.Reset()
	err = run(context.Background(), []string{"verify", "--data", dir, "--json"}, &out, &errb)
	var rep storage.Report
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil || !errors.Is(err, errBroken) || len(rep.Breaks) != 1 || rep.Breaks[0].Call != id {
		t.Errorf("--json: %v %v %+v", err, jerr, rep)
	}
}

func itoa(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestVerifyErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no data", []string{"verify"}, 2, "linetap verify --data DIR"},
		{"extra argument", []string{"verify", "--data", "x", "y"}, 2, "linetap verify --data DIR"},
		{"missing directory", []string{"verify", "--data", filepath.Join(t.TempDir(), "none")}, 1, "data directory"},
		{"key for a plain store", []string{"verify", "--data", record(t), "--key", filepath.Join(t.TempDir(), "none.key")}, 1, "encryption key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errb)
			if err == nil || exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("run(%q) = %v (exit %d), want exit %d saying %q", tc.args, err, exitCode(err), tc.code, tc.msg)
			}
		})
	}
}

// TestVerifyThroughTheDaemon: with linetapd holding the files, verify asks
// it over the control socket and reports the same way.
func TestVerifyThroughTheDaemon(t *testing.T) {
	dir := record(t)
	serve(t, dir)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"verify", "--data", dir}, &out, &errb); err != nil {
		t.Fatalf("verify with the daemon running: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), " 0 breaks") || strings.Contains(out.String(), " 0 calls") {
		t.Errorf("output %q", out.String())
	}
}
