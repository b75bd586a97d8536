package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/storage/export"
)

func TestExportAndVerify(t *testing.T) {
	for _, mode := range []string{"files", "daemon"} {
		t.Run(mode, func(t *testing.T) {
			dir := record(t)
			if mode == "daemon" {
				serve(t, dir)
			}
			out := filepath.Join(t.TempDir(), "stick", "audit")
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), []string{"export", "--data", dir, out}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), "2 calls exported") || !strings.Contains(stderr.String(), "2/2 audio/call-000002.wav") {
				t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
			key, err := export.LoadKey(dir)
			if err != nil {
				t.Fatal(err)
			}
			fp := export.Fingerprint(key.Public().(ed25519.PublicKey))
			if !strings.Contains(stdout.String(), fp) {
				t.Fatalf("stdout %q lacks the key fingerprint %s", stdout.String(), fp)
			}

			stdout.Reset()
			if err := run(context.Background(), []string{"verify-export", out}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stdout.String(), "OK "+out+": 2 calls, 6 files, signed by device key "+fp) {
				t.Fatalf("verify-export said %q", stdout.String())
			}

			// Only the number filter: the outbound call's dialled digits.
			only := filepath.Join(t.TempDir(), "one")
			stdout.Reset()
			if err := run(context.Background(), []string{"export", "--data", dir, "--number", "5551234", "--quiet", only}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), "1 calls exported") {
				t.Fatalf("stdout %q", stdout.String())
			}

			// A changed WAV is named.
			p := filepath.Join(out, "audio", "call-000001.wav")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-1] ^= 0x40
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			stdout.Reset()
			err = run(context.Background(), []string{"verify-export", out}, &stdout, &stderr)
			if err == nil || exitCode(err) != 1 || !strings.Contains(stdout.String(), "BAD audio/call-000001.wav: file changed") {
				t.Fatalf("verify-export of a changed export: %v, %q", err, stdout.String())
			}
		})
	}
}

// TestExportLeavesDataUsable: the key files the export adds are ones the
// store accepts in its directory.
func TestExportLeavesDataUsable(t *testing.T) {
	dir := record(t)
	if err := run(context.Background(), []string{"export", "--data", dir, "--quiet", filepath.Join(t.TempDir(), "x")}, new(bytes.Buffer), new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{export.KeyFile, export.PubFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("the data directory no longer opens: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestExportUsage(t *testing.T) {
	dir := record(t)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no outdir", []string{"export", "--data", dir}, true, "linetap export --data DIR"},
		{"no data", []string{"export", "out"}, true, "linetap export --data DIR"},
		{"bad from", []string{"export", "--data", dir, "--from", "yesterday", "out"}, true, `--from "yesterday"`},
		{"empty range", []string{"export", "--data", dir, "--from", "2026-03-02", "--to", "2026-03-01", "out"}, true, "is not before"},
		{"not empty", []string{"export", "--data", dir, full}, false, "not empty"},
		{"no such data", []string{"export", "--data", filepath.Join(dir, "nope"), "out"}, false, "data directory"},
		{"verify no dir", []string{"verify-export"}, true, "linetap verify-export OUTDIR"},
		{"verify missing", []string{"verify-export", filepath.Join(dir, "nope")}, false, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, new(bytes.Buffer), new(bytes.Buffer))
			if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want usage=%v with %q", err, tc.usage, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	loc := time.Local
	tests := []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"", false, time.Time{}},
		{"2026-03-02T09:30:00Z", false, time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)},
		{"2026-03-02 09:30", false, time.Date(2026, 3, 2, 9, 30, 0, 0, loc)},
		{"2026-03-02T09:30:15", false, time.Date(2026, 3, 2, 9, 30, 15, 0, loc)},
		{"2026-03-02", false, time.Date(2026, 3, 2, 0, 0, 0, 0, loc)},
		{"2026-03-02", true, time.Date(2026, 3, 3, 0, 0, 0, 0, loc)},
	}
	for _, tc := range tests {
		got, err := parseTime("from", tc.in, tc.end)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
}

// TestExportDamagedCall: a call whose stored audio fails its check is left
// out, named, and the exit code says not everything was exported.
func TestExportDamagedCall(t *testing.T) {
	dir := record(t)
	st, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Call(1)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := st.PCM(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cd, err := codec.Lookup(c.Codec)
	if err != nil {
		t.Fatal(err)
	}
	// Find a run of call 1's stored bytes in the segment and damage it.
	seg := filepath.Join(dir, "audio-000001.db")
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for off := len(pcm) / 4; off+24 < len(pcm) && hits == 0; off += 97 {
		// µ-law stores −0 as 0x7F, which re-encodes as 0xFF: try windows
		// until one matches the stored bytes exactly. bbolt may hold stale
		// copies of a page too: damage every copy.
		win := cd.Encode(nil, pcm[off:off+24])
		for i := bytes.Index(b, win); i >= 0; i = bytes.Index(b, win) {
			b[i+10] ^= 0x55
			hits++
		}
	}
	if hits == 0 {
		t.Fatal("call 1's audio not found in the segment")
	}
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"export", "--data", dir, "--quiet", out}, &stdout, &stderr)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "1 selected calls could not be exported") {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(stderr.String(), "call 1 not exported: stored audio fails its check") || !strings.Contains(stdout.String(), "1 calls exported") {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	if _, err := export.Verify(out); err != nil {
		t.Fatalf("the export of the other call does not verify: %v", err)
	}
}
