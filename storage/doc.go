// Package storage keeps linetap's recordings in a data directory of bbolt
// files, built to survive years on an SD card and power cuts at any moment.
//
// # Layout
//
// A data directory holds:
//
//   - index.db: the call records (bucket "calls", keyed by big-endian call
//     ID, whose sequence hands out IDs), the IDs of calls still recording
//     ("recording"), the segment bookkeeping ("segments") and a "meta"
//     bucket with the magic "linetap-index" and the format version.
//   - audio-000001.db, audio-000002.db, …: audio segments. Bucket "chunks"
//     maps (call, seq) — 8 + 4 bytes big-endian, so keys sort by call then
//     seq — to offset, sample count, CRC-32C and the encoded data. A new
//     segment is started once the current one passes Options.SegmentSize,
//     so no file grows past what a 32-bit board can map and retention can
//     delete whole files. A call may span segments; its record lists, per
//     segment, the range of its chunks held there.
//   - tmp/: files being created. A new file is built there and renamed into
//     place, so a crash never leaves a half-made file among the others.
//
// Files named *.sock, *.json, *.conf, *.key, *.pem and lost+found are
// ignored; any other name refuses the directory.
//
// # Commit
//
// Commit writes a batch's chunks in one transaction of the current segment
// and then its call records in one transaction of index.db, each synced to
// disk by bbolt. A crash between the two leaves chunks that no record
// mentions, never a record that points at missing audio; the next
// read-write Open deletes them, or adopts them when they continue a call
// still recording. Every record carries the SHA-256 state over its chunks,
// so Commit checks the engine's SHA256 without rereading audio and Verify
// can recompute it.
//
// # Open
//
// Open checks every file read-only — bbolt meta pages, size against the
// high-water mark, linetap's magic and format, the whole index with bbolt's
// Check — before opening anything for writing, so a foreign or damaged
// file is refused and left as it was. A read-write Open then marks every
// call still recording as interrupted (Recovered lists them).
//
// # Caveats
//
//   - One writer per directory: a second read-write or a read-only Open
//     fails with ErrLocked after Options.Timeout while a writer holds it
//     (bbolt's flock). A read-only Store sees the files as they were opened
//     and is meant for tools run while the daemon is stopped.
//   - Open reads only the segments written since the last clean commit
//     when it looks for stray chunks; Check reads everything.
//   - Segments are never deleted yet: retention is a later issue, as are
//     encryption and export.
//   - The bbolt meta-page pre-check assumes a little-endian machine, like
//     every board linetap runs on.
//   - Reads of an older segment open and map it for the call; keep PCM
//     calls few on a 32-bit board.
package storage
