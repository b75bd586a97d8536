package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage"
)

func TestKV(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.KVGet("users", "ann"); err != nil || v != nil {
		t.Fatalf("missing key: %q, %v", v, err)
	}
	if all, err := st.KVList("users"); err != nil || len(all) != 0 {
		t.Fatalf("missing bucket: %v, %v", all, err)
	}
	for k, v := range map[string]string{"ann": `{"role":"admin"}`, "bob": `{"role":"auditor"}`} {
		if err := st.KVPut("users", k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.KVPut("tokens", "ann", []byte("other bucket")); err != nil {
		t.Fatal(err)
	}
	if err := st.KVDelete("users", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := st.KVDelete("users", "nobody"); err != nil {
		t.Errorf("deleting a missing key: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Durable across a reopen, read-only too.
	ro, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	all, err := ro.KVList("users")
	if err != nil || len(all) != 1 || string(all["ann"]) != `{"role":"admin"}` {
		t.Errorf("after reopen: %q, %v", all, err)
	}
	if v, _ := ro.KVGet("tokens", "ann"); string(v) != "other bucket" {
		t.Errorf("tokens/ann = %q", v)
	}
	if err := ro.KVPut("users", "eve", nil); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("put on a read-only store: %v", err)
	}
	if err := ro.Check(); err != nil {
		t.Errorf("Check after KV use: %v", err)
	}
}

func TestKVRefuses(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tests := []struct{ bucket, key, value string }{
		{"", "k", "v"},
		{"Users", "k", "v"},
		{"../x", "k", "v"},
		{"users", "", "v"},
		{"users", strings.Repeat("k", 257), "v"},
		{"users", "k", strings.Repeat("v", storage.MaxKVValue+1)},
	}
	for _, tt := range tests {
		err := st.KVPut(tt.bucket, tt.key, []byte(tt.value))
		if !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("KVPut(%q, %.20q, %d bytes) = %v, want ErrInvalid", tt.bucket, tt.key, len(tt.value), err)
		}
	}
}

func TestVerifyAudit(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 3 {
		if _, err := st.Audit(storage.AuditEntry{Who: "ann", Action: "login", Detail: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := st.VerifyAudit()
	if err != nil || rep.Audit != 3 || !rep.OK() {
		t.Errorf("VerifyAudit = %+v, %v; want 3 entries, no break", rep, err)
	}
}
