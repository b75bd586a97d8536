package storage

import "errors"

// Errors returned by the store. Every one is wrapped with context that
// names the file, call or chunk concerned; test with errors.Is.
var (
	// ErrNotFound means the call (or, read-only, the data directory) does
	// not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrLocked means another process holds the database and did not let go
	// within Options.Timeout.
	ErrLocked = errors.New("storage: database locked by another process")
	// ErrForeign means a file in the data directory is not linetap's: not a
	// bbolt file, a bbolt file of someone else, or an unknown name.
	ErrForeign = errors.New("storage: not a linetap file")
	// ErrCorrupt means a linetap file or record is damaged: truncated, bad
	// checksum, missing or broken chunks.
	ErrCorrupt = errors.New("storage: corrupt")
	// ErrVersion means a file was written in a format this build does not
	// know (a newer linetap).
	ErrVersion = errors.New("storage: unknown format version")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("storage: store closed")
	// ErrReadOnly means a write was attempted on a store opened ReadOnly.
	ErrReadOnly = errors.New("storage: store is read-only")
	// ErrBatch means Commit refused a batch that breaks the store's rules;
	// nothing of it was written.
	ErrBatch = errors.New("storage: invalid batch")
	// ErrFull means the disk has too little free space for the batch even
	// after retention freed what it could; nothing of the batch was
	// written, and the same batch can be committed again once space
	// returns.
	ErrFull = errors.New("storage: disk full")
	// ErrKey means the encryption key is missing, wrong, unreadable or in
	// a key file others may read.
	ErrKey = errors.New("storage: encryption key")
	// ErrInvalid means an argument was refused: a negative limit, an
	// audit entry without who or action, an inverted range.
	ErrInvalid = errors.New("storage: invalid argument")
	// ErrBadCursor means a search cursor is garbled, or was made for
	// another sort order than the query's.
	ErrBadCursor = errors.New("storage: bad search cursor")
)
