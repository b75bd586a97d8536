// Package export writes recordings out for auditors and checks such an
// export offline: one WAV file per call, a manifest of their metadata and
// SHA-256 digests, and an Ed25519 signature by the recorder's device key.
//
// # Layout of an export
//
//	audio/call-000123.wav  one per call: 8 kHz, 16-bit, mono PCM WAV
//	manifest.json          format "linetap-export/1": the device key's
//	                       fingerprint, the filter, and for every call its
//	                       file, the file's SHA-256 and size, and the call
//	                       record (times, line, numbers, stored-audio hash)
//	manifest.csv           the same, one row a call, for spreadsheets
//	README.txt             how to check the export, with and without linetap
//	device.pub.pem         the device's Ed25519 public key (PKIX, PEM)
//	SHA256SUMS             "digest  name" for every file above (GNU
//	                       coreutils format: sha256sum -c SHA256SUMS)
//	SHA256SUMS.sig         Ed25519 signature (RFC 8032, 64 raw bytes) of
//	                       SHA256SUMS
//	manifest.json.sig      Ed25519 signature of manifest.json
//	.incomplete            present only while the export is written, or
//	                       when it failed
//
// Export writes .incomplete first and deletes it last, after every other
// file is written and synced, so a stick that fills up or is pulled out
// leaves an export that Verify reports as incomplete. Export only reads
// from its Source: a failed export never touches the data directory.
//
// Verify checks an export with nothing but its files: the signatures
// against device.pub.pem, every file against SHA256SUMS, and the manifest
// against both. It names every changed, missing or added file.
//
// # Device key
//
// LoadOrCreateKey keeps the device's signing key in the data directory as
// device.key (PKCS #8 PEM, mode 0600) and its public half as
// device.pub.pem, making them on first use. The fingerprint is the
// SHA-256 of the public key's DER (PKIX) encoding, in hex; an auditor
// compares it with the one noted when the device was installed, since a
// forger could sign a changed export with a key of his own.
//
// # Export jobs
//
// Jobs runs exports for the daemon and the web UI, one at a time, each in
// a goroutine it owns (Close cancels and waits). A job writes to a USB
// stick (a new directory linetap-export-<key>-<time> on the stick Jobs.USB
// names), a directory, or a zip file in JobsOptions.WorkDir; its Job shows
// calls and bytes done as it goes, ends done (written and verified),
// incomplete (a stick that filled or was pulled, a cancel: what was
// written keeps its .incomplete marker) or failed, and is audited when it
// starts and when it ends. The zip holds the export under one top-level
// directory; it is streamed to WorkDir as a temporary file, checked with
// VerifyZip where it is, and renamed into place only then.
//
// WatchUSB polls for a stick holding a file named linetap-export at its
// top level and exports to it, once per mounting, every call not yet
// exported there. The stick's linetap-export.json records, per recorder
// (key fingerprint), the ID through which every call is on the stick; a
// call still recording holds that mark below itself, so it goes into the
// next export.
//
// # Caveats
//
//   - Each call's WAV file is built in memory before it is written (about
//     58 MB for an hour of audio).
//   - Calls still recording are not exported; the manifest lists them as
//     skipped, as it does calls whose stored audio fails its check.
//   - An export goes to an empty or new directory; Export never overwrites.
//   - The signature proves which key signed, not which device: trust rests
//     on the fingerprint being known out of band.
//   - DetectUSB goes by where a filesystem is mounted (/media, /run/media:
//     where udisks2 and the appliance's automounter put removable media)
//     and its type; it does not ask /sys whether the device is removable,
//     since many USB SSDs say they are not.
//   - A zip export needs its size again in WorkDir while it is written;
//     Jobs does not check free space first, so a WorkDir on the data
//     partition can take space the recorder needs. Zips and job history
//     last until the job drops off the list of the last 20 or the daemon
//     restarts (NewJobs deletes the zips an earlier run left).
//   - WatchUSB re-exports the calls that ended after a call still
//     recording at the time of an export began (they are above the
//     record's mark): the stick may hold a few calls twice, never none.
//     A stick whose record is unreadable gets everything again.
//   - A stick is told from its next mounting by the mount ID; with
//     JobsOptions.USBPath, by the marker file disappearing when it is
//     unmounted. A stick that stays mounted is exported to once.
//   - The public key file is device.pub.pem, not device.pub: storage
//     refuses unknown file names in the data directory and accepts *.pem.
package export
