// Package storage keeps linetap's recordings in a data directory of bbolt
// files, built to survive years on an SD card, power cuts at any moment, a
// full disk, and auditors who must be able to trust what they are given.
//
// # Layout
//
// A data directory holds:
//
//   - index.db: the call records (bucket "calls", keyed by big-endian call
//     ID, whose sequence hands out IDs), the IDs of calls still recording
//     ("recording"), the segment bookkeeping ("segments"; "segcalls": which
//     calls have chunks in which segment; "purge": chunks of deleted calls
//     still to remove), the chain of finished calls ("chain"), the audit
//     log ("audit") and a "meta" bucket with the magic "linetap-index",
//     the format version and, for an encrypted store, the key check value.
//   - audio-000001.db, audio-000002.db, …: audio segments, with 1 KiB
//     bbolt pages (index.db keeps the system's). Bucket "chunks" holds,
//     per committed batch, a nested bucket keyed by the batch number and
//     a part byte (0) whose one value, "pack", holds the batch's chunks
//     in (call, seq) order: per chunk its key — call and seq, 8 + 4
//     bytes big-endian — its length, and its stored form: offset, sample
//     count, CRC-32C and the encoded (or encrypted) data. Bucket "first"
//     says in which batch a call's chunks in the segment begin. Batches
//     only ever go to the end of the tree, so a chunk is written once:
//     bbolt rewrites a whole leaf for any insert into it and keeps at
//     least two values per leaf, and eight calls inserting into one
//     (call, seq) tree rewrote every chunk about three times. One value
//     per batch in small pages wastes at most the rest of one 1 KiB page
//     per batch: a second of Opus from eight lines (12.7 KB) took four
//     4 KiB pages in two buckets of four chunks, 29 % more than its
//     bytes, and takes 13 pages of 1 KiB. Segments written before (4 KiB
//     pages; batch buckets of at most four chunks under their own keys,
//     parts 0, 1, …; or chunks flat under "chunks") are read, recorded
//     into and deleted from as they are. A new segment is started once
//     the current one passes Options.SegmentSize, so no file grows past
//     what a 32-bit board can map and retention can delete whole files.
//     A call may span segments; its record lists, per segment, the range
//     of its chunks held there.
//   - tmp/: files being created. A new file is built there and renamed into
//     place, so a crash never leaves a half-made file among the others.
//
// Files named *.sock, *.json, *.conf, *.key, *.pem and lost+found are
// ignored; any other name refuses the directory.
//
// # Commit
//
// Commit writes a batch's chunks in one transaction of the current
// segment and, when a record must be written, its call records in one
// transaction of index.db, each synced to disk by bbolt. A record is
// written at once when anything besides its audio changes: a new call, a
// field such as caller ID, digits or state (so every finished call), an
// annotation, a new segment. A record whose call only recorded more audio
// waits in memory (Options.FlushInterval, 10 s by default) and is
// written with the next record that must be, when the interval has
// passed, or at Close: eight records of about 500 bytes rewritten every
// second cost index.db more pages than the audio cost its segment. Every
// reader (Call, Calls, Info, Search, PCM, Verify, VerifyAll, Check and
// the exports built on them) is given the waiting record, never the
// older one in index.db.
//
// The audio is durable at every Commit either way. Each chunk carries its
// call, seq, offset and sample count; after a crash the next read-write
// Open adopts, in order, the chunks that continue a call still recording
// (seq and offset where its record ends), rebuilds the record's Samples,
// SHA-256 and spans from them and marks the call interrupted, so a power
// cut loses only the batch being committed. Chunks that continue nothing
// (a crash between a segment's transaction and index.db's) are deleted;
// no record ever points at missing audio. Every record carries the
// SHA-256 state over its chunks, so Commit checks the engine's SHA256
// without rereading audio and Verify can recompute it. A commit that
// fails after its chunks were written leaves them for the retry of the
// same batch to replace.
//
// # Integrity
//
// When a call is finished (its first record in a state other than
// recording) it is chained: its record gets Meta, the SHA-256 of its
// metadata (linetap.Call as JSON), and Chain = SHA-256(label, chain
// position, call ID, Prev, Meta, the audio's SHA-256), where Prev is the
// Chain of the call finished before it; the "chain" bucket keeps (call
// ID, Chain) by position. A chained record cannot be changed by Commit.
// Tags, notes and the keep flag are annotations made later by people:
// they are outside the chain, and each change is an audit entry.
//
// The audit log is its own hash chain: each entry's Hash covers its
// fields and the Hash of the entry before. The store appends an entry for
// every deletion (naming the call and its Chain), retention run, keep
// flag, annotation and reclaimed segment; other packages add theirs with
// Audit.
//
// A deleted call's record leaves "calls" but its chain entry stays, so
// the chain still links. VerifyAll accepts a chain entry without a record
// only where the audit log holds a deletion of that call with the same
// Chain; anything else is a break it names: a chunk failing its CRC or
// AES-GCM tag, audio not matching its SHA-256, a record whose fields no
// longer match Meta, a broken link, a chain entry missing, a record gone
// without an audited deletion, a finished call outside the chain, an
// audit entry changed or missing.
//
// # Retention
//
// Options.Retention deletes calls older than a line's age limit (by End;
// hourly, or when ApplyRetention is called) and, when free space falls
// below MinFree, the calls of the oldest segments, oldest first, a whole
// segment at a time. Calls with the keep flag (SetKeep, a legal hold) and
// calls still recording are never deleted; a segment holding one is
// passed over. EraseNumber deletes every call of a number for a
// data-protection request, except held ones, which it reports.
//
// Deleting a call removes its record and queues its chunks in "purge";
// purge then removes every segment file that no live call has chunks in
// (never the one being written), and deletes the call's chunks from the
// segments that still hold other calls' audio. Deleting the file is what
// gives space back to the disk; deleted chunks in a shared segment only
// free pages inside it for bbolt to reuse.
//
// # Disk full
//
// Before each Commit the store reads the free space (Options.Statfs, or
// statfs(2)). Below the retention floor it raises AlarmDiskLow and
// applies free-space retention. If the batch still does not fit (twice
// its size plus 16 MiB, bbolt's growth step), it raises AlarmDiskFull and
// returns ErrFull having written nothing: the caller keeps the batch and
// commits it again later; the alarm clears by itself when a commit fits.
// A write that fails with ENOSPC is reported the same way.
//
// # Encryption
//
// With Options.KeyFile, every chunk's data is sealed with AES-256-GCM
// (NIST SP 800-38D) under a random 96-bit nonce, the chunk's (call, seq,
// offset, samples) as additional data. Random nonces need no counter to
// persist across power cuts; SP 800-38D §8.3 allows 2^32 of them per key,
// 17 years of eight lines committing every second. index.db keeps a hash
// of the key, so a wrong or missing key is ErrKey at Open, never garbage
// audio; a key file readable by group or others is refused.
//
// # Search
//
// Search filters an in-memory summary of every call (ID, start, duration,
// line, direction, tags as bits, the number, dialled digits and
// lower-case name in one byte arena), newest first, and reads only the
// page's records from index.db. A number or name of three bytes or more
// is looked up by trigram: of the query's trigrams, the one with the
// fewest calls gives the candidates, each then checked in full. The
// summary is built on the first Search and kept in step by Commit,
// Annotate and deletions.
//
// Query.Sort orders the results newest or oldest first (by ID) or longest
// or shortest first (by Duration, ties by ID). Page.Cursor is the opaque
// position after a page's last call (its sort key, checksummed, in
// base64url), so paging goes on from where it was even while calls are
// added or deleted. The duration orders keep no sorted copy of the index:
// each page is one scan that holds the page's calls in a heap.
//
// # Open
//
// Open checks every file read-only — bbolt meta pages, size against the
// high-water mark, linetap's magic and format, the whole index with bbolt's
// Check — before opening anything for writing, so a foreign or damaged
// file is refused and left as it was. A read-write Open then marks every
// call still recording as interrupted (Recovered lists them), removes
// segment files a crash left half-reclaimed, and finishes pending purges.
//
// # Caveats
//
//   - One writer per directory: a second read-write or a read-only Open
//     fails with ErrLocked after Options.Timeout while a writer holds it
//     (bbolt's flock). A read-only Store sees the files as they were opened
//     and is meant for tools run while the daemon is stopped: `linetap
//     verify` needs linetapd stopped.
//   - Open reads only the segments written since the last clean commit
//     when it looks for stray chunks; Check and VerifyAll read everything.
//   - After a crash, index.db alone lags behind the audio by up to
//     Options.FlushInterval until a read-write Open adopts the newer
//     chunks: a read-only Open before it (`linetap verify` on a copy)
//     shows the calls still recording, shorter, and Check reports their
//     newer chunks as in no record.
//   - Retention frees disk space only by deleting whole segment files. A
//     deleted call whose segments also hold kept or newer calls keeps
//     taking that space (its chunks are deleted, their pages reused by
//     bbolt inside the file) until every call in the segment is gone. A
//     legal hold on one call pins its segments, up to Options.SegmentSize
//     each; with 256 MiB segments and eight lines that is about 1.2 hours
//     of G.711 from every line around the held call.
//   - A batch's chunks are packed into one bbolt value: together at most
//     bbolt's MaxValueSize (2 GiB), or Commit refuses the batch with
//     ErrBatch. Deleting a call's chunks from a segment that other calls
//     keep rewrites every packed batch it shares with them, their chunks
//     included (once per deletion; the old pages are reused inside the
//     file).
//   - Erased audio is deleted from the bbolt files, but bbolt does not
//     zero freed pages: the bytes stay on the card until overwritten
//     (with encryption they are ciphertext under the store's key).
//   - The chain proves that nothing inside it was changed, removed
//     without an audit entry or reordered; it cannot show that the newest
//     calls were cut off together with the newest audit entries, nor that
//     someone rebuilt every hash. Anchor it outside the device: keep
//     ChainHead's value elsewhere (a signed export, a remote log).
//   - Meta covers linetap.Call as this build marshals it to JSON: a new
//     field in linetap.Call that is not omitempty changes every Meta and
//     is a format change. Records chained by an older build stay valid
//     only if the JSON of their Call is unchanged.
//   - Stores made before the chain (this version's first format) have
//     finished calls outside it: VerifyAll reports each as unchained.
//   - Retention runs and EraseNumber pick their calls from the search
//     index; the first of them (or the first Search) builds it by decoding
//     every record under the store lock, which with a million calls stalls
//     commits for a minute or more on a small board (the engine keeps the
//     audio meanwhile). Free-space retention decodes the records of the
//     segment it is about to empty.
//   - The first Search decodes every record (minutes for a million calls
//     on a Raspberry Pi-class CPU) and keeps, per call, about 64 bytes,
//     its texts and 4 bytes per trigram of them (about 130 bytes for a
//     call with a 10-digit number and a name) in memory. A number or name
//     query shorter than three bytes, and queries on other fields only
//     that match rarely, scan every summary. Deleted calls and changed
//     texts leave their trigram entries until the next Open.
//   - A page sorted by duration scans every summary (or every trigram
//     candidate), however deep the cursor. A call still recording has
//     the Duration of its last commit (the engine sets it when the call
//     ends), so a call that ends between two pages moves in a duration
//     order and may come twice or not at all; every finished call comes
//     once.
//   - Free space is read with statfs(2) on Linux only; elsewhere the
//     disk-full checks are skipped unless Options.Statfs is set.
//   - Segments are opened read-write to delete chunks of deleted calls; a
//     segment another reader has open at that moment keeps them queued
//     for the next deletion or Open.
//   - The bbolt meta-page pre-check assumes a little-endian machine, like
//     every board linetap runs on.
//   - Reads of an older segment open and map it for the call; keep PCM
//     calls few on a 32-bit board.
package storage
