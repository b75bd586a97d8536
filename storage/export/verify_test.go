package export_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage/export"
)

// TestVerifyTampered changes a good export in every way an auditor must
// notice; each problem is reported with its kind and the file's name.
func TestVerifyTampered(t *testing.T) {
	_, st := newStore(t,
		spec{line: 0, number: "1", codec: "pcmu", seconds: 0.5},
		spec{line: 1, number: "2", codec: "adpcm", seconds: 0.5},
	)
	good, _ := exportTo(t, export.StoreSource(st), opts())
	wav1 := "audio/call-000001.wav"
	otherKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))

	type want struct {
		kind error
		file string
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []want
	}{
		{"intact", func(*testing.T, string) {}, nil},
		{"a WAV byte flipped", func(t *testing.T, dir string) {
			flip(t, filepath.Join(dir, wav1), 100)
		}, []want{{export.ErrChanged, wav1}}},
		{"a WAV removed", func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, wav1))
		}, []want{{export.ErrMissing, wav1}}},
		{"a file added", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "audio/call-000099.wav"), []byte("RIFF"))
		}, []want{{export.ErrAdded, "audio/call-000099.wav"}}},
		{"a file added at the top", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "notes.txt"), []byte("hi"))
		}, []want{{export.ErrAdded, "notes.txt"}}},
		{"a symlink instead of a WAV", func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, wav1))
			if err := os.Symlink("call-000002.wav", filepath.Join(dir, wav1)); err != nil {
				t.Fatal(err)
			}
		}, []want{{export.ErrChanged, wav1}}},
		{"manifest edited", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, export.ManifestJSON), `"number": "2"`, `"number": "3"`)
		}, []want{{export.ErrSignature, export.ManifestSig}, {export.ErrChanged, export.ManifestJSON}}},
		{"a WAV changed and SHA256SUMS rewritten to match", func(t *testing.T, dir string) {
			p := filepath.Join(dir, wav1)
			old := sum(t, p)
			flip(t, p, 200)
			edit(t, filepath.Join(dir, export.Sums), old, sum(t, p))
		}, []want{{export.ErrSignature, export.SumsSig}, {export.ErrManifest, export.ManifestJSON}}},
		{"re-signed with another key", func(t *testing.T, dir string) {
			sums, _ := os.ReadFile(filepath.Join(dir, export.Sums))
			write(t, filepath.Join(dir, export.SumsSig), ed25519.Sign(otherKey, sums))
		}, []want{{export.ErrSignature, export.SumsSig}}},
		{"key swapped", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, export.PubFile), export.PublicPEM(otherKey.Public().(ed25519.PublicKey)))
		}, []want{{export.ErrSignature, export.SumsSig}, {export.ErrSignature, export.ManifestSig},
			{export.ErrChanged, export.PubFile}, {export.ErrManifest, export.ManifestJSON}}},
		{"signature removed", func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, export.SumsSig))
		}, []want{{export.ErrMissing, export.SumsSig}}},
		{"SHA256SUMS removed", func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, export.Sums))
		}, []want{{export.ErrMissing, export.Sums}}},
		{"garbage line in SHA256SUMS", func(t *testing.T, dir string) {
			p := filepath.Join(dir, export.Sums)
			b, _ := os.ReadFile(p)
			write(t, p, append(b, "nonsense ../../etc/passwd\n"...))
		}, []want{{export.ErrSignature, export.SumsSig}, {export.ErrManifest, export.Sums}}},
		{"marked incomplete", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, export.Marker), []byte("linetap export started x: not finished.\n"))
		}, []want{{export.ErrIncomplete, export.Marker}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "copy")
			if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			tc.change(t, dir)
			rep, err := export.Verify(dir)
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			var got []string
			for _, p := range rep.Problems {
				got = append(got, fmt.Sprintf("%v %s", p.Kind, p.File))
			}
			var exp []string
			for _, w := range tc.want {
				exp = append(exp, fmt.Sprintf("%v %s", w.kind, w.file))
				if !errors.Is(err, w.kind) || !strings.Contains(err.Error(), w.file) {
					t.Errorf("error %v does not name %v for %s", err, w.kind, w.file)
				}
			}
			if strings.Join(got, "\n") != strings.Join(exp, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s\n(error: %v)", strings.Join(got, "\n"), strings.Join(exp, "\n"), err)
			}
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestVerifyNotADirectory(t *testing.T) {
	if _, err := export.Verify(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("Verify of a missing directory succeeded")
	}
	f := filepath.Join(t.TempDir(), "file")
	write(t, f, nil)
	if _, err := export.Verify(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Verify of a file: %v", err)
	}
}

func flip(t *testing.T, path string, at int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 1
	write(t, path, b)
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s lacks %q", path, old)
	}
	write(t, path, bytes.Replace(b, []byte(old), []byte(new), 1))
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func sum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// FuzzVerify feeds Verify arbitrary SHA256SUMS and manifest.json: it never
// panics, and a file it cannot trust is always a Problem.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("0000000000000000000000000000000000000000000000000000000000000000  README.txt\n"), []byte(`{"format":"linetap-export/1","calls":[{"file":"audio/x.wav"}]}`))
	f.Add([]byte("zz  ../x\n\n"), []byte(`{`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sums, manifest []byte) {
		write(t, filepath.Join(dir, export.Sums), sums)
		write(t, filepath.Join(dir, export.ManifestJSON), manifest)
		rep, err := export.Verify(dir)
		if rep == nil || err == nil || len(rep.Problems) == 0 {
			t.Fatalf("an unsigned export passed: %+v %v", rep, err)
		}
		for _, p := range rep.Problems {
			if p.File == "" || p.Kind == nil {
				t.Fatalf("problem without a file or kind: %+v", p)
			}
		}
	})
}
