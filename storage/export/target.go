package export

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Target is the directory an export is written into: a Dir on disk, or a
// wrapper around one that injects faults in tests.
type Target interface {
	// Create makes the new file name (slash-separated, relative, never
	// existing before) and returns its writer; Close makes it durable.
	Create(name string) (io.WriteCloser, error)
	// Remove deletes the file name.
	Remove(name string) error
	// Sync makes the directory entries created or removed so far durable.
	Sync() error
}

// Dir is a Target on the local filesystem.
type Dir struct {
	path string
	made map[string]bool // subdirectories created
}

var _ Target = (*Dir)(nil)

// OpenDir returns the Target for directory path, creating it when it does
// not exist. A directory that already holds anything is refused with
// ErrNotEmpty: an export never mixes with other files.
func OpenDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	if len(ents) > 0 {
		return nil, fmt.Errorf("%w: %s holds %s", ErrNotEmpty, path, ents[0].Name())
	}
	return &Dir{path: path, made: map[string]bool{}}, nil
}

// Path returns the directory's path.
func (d *Dir) Path() string { return d.path }

// file resolves name inside the directory, refusing names that leave it.
func (d *Dir) file(name string) (string, error) {
	if !fs.ValidPath(name) || strings.Contains(name, `\`) {
		return "", fmt.Errorf("export: file name %q is not a plain relative path", name)
	}
	return filepath.Join(d.path, filepath.FromSlash(name)), nil
}

// Create makes the file name, refusing one that exists.
func (d *Dir) Create(name string) (io.WriteCloser, error) {
	p, err := d.file(name)
	if err != nil {
		return nil, err
	}
	if sub := filepath.Dir(p); !d.made[sub] {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, err
		}
		d.made[sub] = true
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return syncCloser{f}, nil
}

// Remove deletes the file name.
func (d *Dir) Remove(name string) error {
	p, err := d.file(name)
	if err != nil {
		return err
	}
	return os.Remove(p)
}

// Sync syncs the directory and the subdirectories made in it.
func (d *Dir) Sync() error {
	var errs []error
	for sub := range d.made {
		errs = append(errs, syncDir(sub))
	}
	errs = append(errs, syncDir(d.path))
	return errors.Join(errs...)
}

// syncCloser syncs a file before closing it, so a written file is on the
// stick, not in the page cache, when Close returns.
type syncCloser struct{ *os.File }

func (f syncCloser) Close() error {
	err := f.File.Sync()
	return errors.Join(err, f.File.Close())
}
