package export

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
)

// Report is what Verify found.
type Report struct {
	// Calls is the number of calls the manifest lists.
	Calls int
	// Files is the number of files SHA256SUMS lists.
	Files int
	// Created is when the export was made, from the manifest.
	Created time.Time
	// Fingerprint is the fingerprint of the export's public key: compare
	// it with the device's.
	Fingerprint string
	// Problems lists everything wrong, in file order; empty when the
	// export is intact.
	Problems []*Problem
}

// Problem is one thing wrong with an export.
type Problem struct {
	// Kind is ErrIncomplete, ErrSignature, ErrChanged, ErrMissing,
	// ErrAdded or ErrManifest.
	Kind error
	// File is the file concerned, slash-separated, relative to the export.
	File string
	// Detail says more.
	Detail string
}

// Error names the file and what is wrong with it.
func (p *Problem) Error() string {
	s := fmt.Sprintf("%s: %s", p.File, strings.TrimPrefix(p.Kind.Error(), "export: "))
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Unwrap returns Kind.
func (p *Problem) Unwrap() error { return p.Kind }

// unlisted are the files an export has that SHA256SUMS cannot list.
var unlisted = map[string]bool{Sums: true, SumsSig: true, ManifestSig: true, Marker: true}

// Verify checks the export in dir offline, with nothing but its files:
// the signatures against its public key, every file against SHA256SUMS,
// files that SHA256SUMS does not list, the manifest against SHA256SUMS,
// and the incomplete marker. The error joins every Problem (test with
// errors.Is: ErrChanged, ErrMissing, ...); the Report lists them too. An
// error that is not a Problem means dir could not be read at all.
func Verify(dir string) (*Report, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("export: %s is not a directory", dir)
	}
	return VerifyFS(os.DirFS(dir))
}

// VerifyFS is Verify for an export in fsys: a directory (os.DirFS) or a
// zip archive (zip.Reader), checked where it is without extracting it.
func VerifyFS(fsys fs.FS) (*Report, error) {
	r := &Report{}
	add := func(kind error, file, format string, a ...any) {
		r.Problems = append(r.Problems, &Problem{Kind: kind, File: file, Detail: fmt.Sprintf(format, a...)})
	}
	present, err := listFiles(fsys)
	if err != nil {
		return nil, err
	}
	if _, ok := present[Marker]; ok {
		b, _ := fs.ReadFile(fsys, Marker)
		add(ErrIncomplete, Marker, "the export did not finish (%s)", strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	}
	read := func(name string) []byte {
		regular, ok := present[name]
		if !ok {
			add(ErrMissing, name, "every export has it")
			return nil
		}
		if !regular {
			add(ErrChanged, name, "not a regular file")
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			add(ErrMissing, name, "%v", err)
			return nil
		}
		return b
	}
	var pub ed25519.PublicKey
	if b := read(PubFile); b != nil {
		if pub, err = ParsePublicPEM(b); err != nil {
			add(ErrSignature, PubFile, "%v", err)
		} else {
			r.Fingerprint = Fingerprint(pub)
		}
	}
	sums, mj := read(Sums), read(ManifestJSON)
	for _, s := range []struct {
		data []byte
		sig  string
	}{{sums, SumsSig}, {mj, ManifestSig}} {
		sig := read(s.sig)
		if s.data == nil || sig == nil || pub == nil {
			continue
		}
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, s.data, sig) {
			add(ErrSignature, s.sig, "does not verify against %s", PubFile)
		}
	}
	listed := map[string]string{}
	if sums != nil {
		listed = parseSums(sums, func(line int, format string, a ...any) {
			add(ErrManifest, Sums, "line %d: %s", line, fmt.Sprintf(format, a...))
		})
		r.Files = len(listed)
		names := make([]string, 0, len(listed))
		for name := range listed {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			regular, ok := present[name]
			if !ok {
				add(ErrMissing, name, "listed in %s", Sums)
				continue
			}
			if !regular {
				add(ErrChanged, name, "not a regular file")
				continue
			}
			got, err := hashFile(fsys, name)
			if err != nil {
				add(ErrMissing, name, "%v", err)
			} else if got != listed[name] {
				add(ErrChanged, name, "SHA-256 %s, %s says %s", got, Sums, listed[name])
			}
		}
		extra := make([]string, 0)
		for name := range present {
			if _, ok := listed[name]; !ok && !unlisted[name] {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			add(ErrAdded, name, "not in %s", Sums)
		}
	}
	if mj != nil {
		checkManifest(r, mj, listed, sums != nil, add)
	}
	errs := make([]error, len(r.Problems))
	for i, p := range r.Problems {
		errs[i] = p
	}
	return r, errors.Join(errs...)
}

// checkManifest compares manifest.json with SHA256SUMS.
func checkManifest(r *Report, mj []byte, listed map[string]string, haveSums bool, add func(kind error, file, format string, a ...any)) {
	var m Manifest
	if err := json.Unmarshal(mj, &m); err != nil {
		add(ErrManifest, ManifestJSON, "%v", err)
		return
	}
	if m.Format != Format {
		add(ErrManifest, ManifestJSON, "format %q, want %q", m.Format, Format)
	}
	r.Calls, r.Created = len(m.Calls), m.Created
	if r.Fingerprint != "" && m.Device.Fingerprint != r.Fingerprint {
		add(ErrManifest, ManifestJSON, "device fingerprint %s, %s has %s", m.Device.Fingerprint, PubFile, r.Fingerprint)
	}
	if !haveSums {
		return
	}
	inManifest := map[string]bool{}
	for _, e := range m.Calls {
		inManifest[e.File] = true
		switch sum, ok := listed[e.File]; {
		case !ok:
			add(ErrManifest, ManifestJSON, "call %d: %s is not in %s", e.Call.ID, e.File, Sums)
		case sum != e.SHA256:
			add(ErrManifest, ManifestJSON, "call %d: %s has SHA-256 %s here and %s in %s", e.Call.ID, e.File, e.SHA256, sum, Sums)
		}
	}
	for name := range listed {
		if strings.HasPrefix(name, "audio/") && !inManifest[name] {
			add(ErrManifest, ManifestJSON, "%s is in %s but no call names it", name, Sums)
		}
	}
}

// parseSums reads a GNU coreutils checksum list: 64 hex digits, a space,
// a space or '*' (binary mode), and a plain relative name.
func parseSums(b []byte, bad func(line int, format string, a ...any)) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		l := sc.Text()
		if len(l) < 67 || l[64] != ' ' || (l[65] != ' ' && l[65] != '*') {
			bad(n, "not \"<sha256>  <file>\"")
			continue
		}
		sum, name := strings.ToLower(l[:64]), l[66:]
		if _, err := hex.DecodeString(sum); err != nil {
			bad(n, "%q is not a hex SHA-256", l[:64])
			continue
		}
		if !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`) {
			bad(n, "file name %q is not a plain relative path", name)
			continue
		}
		if _, dup := out[name]; dup {
			bad(n, "%s listed twice", name)
			continue
		}
		out[name] = sum
	}
	if err := sc.Err(); err != nil {
		bad(n+1, "%v", err)
	}
	return out
}

// listFiles returns every file in fsys, slash-separated; anything but a
// regular file or a directory (a symlink, a device) is listed too, so it
// shows up as added.
func listFiles(fsys fs.FS) (map[string]bool, error) {
	out := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out[p] = d.Type().IsRegular()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return out, nil
}

// hashFile returns the hex SHA-256 of the file name in fsys.
func hashFile(fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
