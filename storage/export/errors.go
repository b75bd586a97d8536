package export

import "errors"

// Errors of this package, wrapped with the file or call concerned; test
// with errors.Is.
var (
	// ErrNotEmpty means the output directory already holds files.
	ErrNotEmpty = errors.New("export: output directory is not empty")
	// ErrKey means the device key could not be made, read or trusted.
	ErrKey = errors.New("export: device key")
	// ErrWrite means writing the export failed (a full or removed stick);
	// the export is left marked incomplete.
	ErrWrite = errors.New("export: write failed")
	// ErrSource means the calls or their audio could not be read.
	ErrSource = errors.New("export: reading calls")
	// ErrIncomplete means the export never finished (.incomplete exists).
	ErrIncomplete = errors.New("export: incomplete")
	// ErrSignature means a signature does not verify against the export's
	// public key, or the key is missing or unreadable.
	ErrSignature = errors.New("export: bad signature")
	// ErrChanged means a file's SHA-256 differs from SHA256SUMS.
	ErrChanged = errors.New("export: file changed")
	// ErrMissing means a file listed in SHA256SUMS (or a file every export
	// has) does not exist.
	ErrMissing = errors.New("export: file missing")
	// ErrAdded means a file exists that SHA256SUMS does not list.
	ErrAdded = errors.New("export: file added")
	// ErrManifest means SHA256SUMS or the manifest is malformed, or the
	// two disagree; or a stick's record (StickRecord) is unreadable.
	ErrManifest = errors.New("export: bad manifest")
	// ErrMountinfo means a line of /proc/self/mountinfo could not be parsed.
	ErrMountinfo = errors.New("export: bad mountinfo")
	// ErrNotSupported means USB detection is not available on this system.
	ErrNotSupported = errors.New("export: not supported on this system")
	// ErrRequest means an export job request or JobsOptions was refused:
	// an unknown target, no directory, nobody named as asking.
	ErrRequest = errors.New("export: bad export request")
	// ErrBusy means an export job is running already: one runs at a time.
	ErrBusy = errors.New("export: an export is running")
	// ErrNoJob means no export job has that ID (or it was dropped from
	// the list of the last 20).
	ErrNoJob = errors.New("export: no such export job")
	// ErrJobState means the job is not in a state that allows it: a zip
	// of a job that is not a finished zip export, cancelling a job that
	// ended.
	ErrJobState = errors.New("export: export job state")
	// ErrNoUSB means no writable USB stick is mounted.
	ErrNoUSB = errors.New("export: no USB stick")
	// ErrClosed means Jobs was used after Close.
	ErrClosed = errors.New("export: jobs closed")
)
