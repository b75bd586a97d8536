package export

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// zipTarget writes an export into a zip file as it goes: every file is an
// entry under one top-level directory named like the zip, so unzipping
// gives the same directory a USB export has. The zip is built as
// name.tmp and renamed into place only once complete and verified, so
// it needs no incomplete marker: the marker is not written into it.
type zipTarget struct {
	path  string // the finished zip
	tmp   string
	dir   string // the top-level directory in the zip
	mtime time.Time
	f     *os.File
	buf   *bufio.Writer
	zw    *zip.Writer
	names map[string]bool
}

var _ Target = (*zipTarget)(nil)

// newZipTarget creates p's temporary file.
func newZipTarget(p string, mtime time.Time) (*zipTarget, error) {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	z := &zipTarget{path: p, tmp: tmp, dir: strings.TrimSuffix(filepath.Base(p), ".zip"), mtime: mtime, f: f, buf: bufio.NewWriterSize(f, 64<<10), names: map[string]bool{}}
	z.zw = zip.NewWriter(z.buf)
	return z, nil
}

// Create starts the entry name. Entries are written one after another:
// the writer returned is good until the next Create.
func (z *zipTarget) Create(name string) (io.WriteCloser, error) {
	if name == Marker {
		return nopCloser{io.Discard}, nil
	}
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`) {
		return nil, fmt.Errorf("export: file name %q is not a plain relative path", name)
	}
	if z.names[name] {
		return nil, &fs.PathError{Op: "create", Path: name, Err: fs.ErrExist}
	}
	method := zip.Deflate
	if strings.HasSuffix(name, ".wav") {
		method = zip.Store // PCM speech barely shrinks: not worth a small board's CPU
	}
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: path.Join(z.dir, name), Method: method, Modified: z.mtime})
	if err != nil {
		return nil, err
	}
	z.names[name] = true
	return nopCloser{w}, nil
}

// Remove accepts only the marker, which is never in the zip.
func (z *zipTarget) Remove(name string) error {
	if name == Marker {
		return nil
	}
	return fmt.Errorf("export: %s: a zip entry cannot be removed", name)
}

// Sync pushes what is written to the file and the file to the disk.
func (z *zipTarget) Sync() error {
	if err := z.zw.Flush(); err != nil {
		return err
	}
	if err := z.buf.Flush(); err != nil {
		return err
	}
	return z.f.Sync()
}

// finish completes the zip, checks it with VerifyFS without extracting
// it, and renames it into place.
func (z *zipTarget) finish() error {
	err := z.zw.Close()
	if err == nil {
		err = z.buf.Flush()
	}
	if err == nil {
		err = z.f.Sync()
	}
	if cerr := z.f.Close(); err == nil {
		err = cerr
	}
	z.f = nil
	if err != nil {
		z.discard()
		return writeErr(filepath.Base(z.path), err)
	}
	if err := z.verify(); err != nil {
		z.discard()
		return fmt.Errorf("written but fails verification: %w", err)
	}
	if err := os.Rename(z.tmp, z.path); err != nil {
		z.discard()
		return writeErr(filepath.Base(z.path), err)
	}
	if err := syncDir(filepath.Dir(z.path)); err != nil {
		return writeErr(filepath.Dir(z.path), err)
	}
	return nil
}

// verify checks the written zip: one top-level directory holding an
// export that VerifyFS accepts.
func (z *zipTarget) verify() error {
	zr, err := zip.OpenReader(z.tmp)
	if err != nil {
		return err
	}
	defer zr.Close()
	_, err = VerifyZip(&zr.Reader, z.dir)
	return err
}

// VerifyZip checks an export in a zip archive made by a zip export job,
// whose entries all lie under the directory dir, without extracting it.
func VerifyZip(zr *zip.Reader, dir string) (*Report, error) {
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, dir+"/") {
			return nil, fmt.Errorf("%w: zip entry %q is outside %s/", ErrAdded, f.Name, dir)
		}
	}
	sub, err := fs.Sub(zr, dir)
	if err != nil {
		return nil, fmt.Errorf("export: zip: %w", err)
	}
	return VerifyFS(sub)
}

// discard deletes the unfinished zip.
func (z *zipTarget) discard() {
	if z.f != nil {
		z.f.Close()
		z.f = nil
	}
	os.Remove(z.tmp)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
