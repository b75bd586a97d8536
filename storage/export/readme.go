package export

import (
	"bytes"
	"fmt"
	"time"
)

// readme is README.txt for the auditor: what the export is and how to
// check it, with linetap and with standard tools only.
func readme(m *Manifest) []byte {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("CALL RECORDINGS EXPORTED FROM A LINETAP RECORDER\n\n")
	p("Created:      %s\n", m.Created.Format(time.RFC3339))
	p("Calls:        %d (skipped: %d)\n", len(m.Calls), len(m.Skipped))
	p("Signing key:  %s\n", PubFile)
	p("Fingerprint:  %s\n\n", m.Device.Fingerprint)
	p(`WHAT IS HERE

  audio/call-NNNNNN.wav  one file per call: 8 kHz, 16-bit, mono PCM WAV
  %-22s the metadata of every call (times in UTC, line, direction,
  %-22s caller ID, dialled digits) with the SHA-256 of its WAV file
  %-22s the same as a spreadsheet table
  %-22s the recorder's Ed25519 public key
  %-22s the SHA-256 of every file above
  %-22s Ed25519 signature of SHA256SUMS by the recorder's key
  %-22s Ed25519 signature of manifest.json

A file named %s means the export did not finish: do not rely on it.

HOW TO CHECK IT WITH LINETAP

  linetap verify-export THIS-DIRECTORY

It checks both signatures, every file's SHA-256, and names every file
that was changed, removed or added. It needs nothing but this directory.

HOW TO CHECK IT WITHOUT LINETAP (GNU coreutils and OpenSSL 3.0 or newer)

1. In this directory, check every file against the list:

     sha256sum -c SHA256SUMS

   Every line must end in "OK". Then look for added files: every file
   shown by

     find . -type f ! -name SHA256SUMS ! -name '*.sig' | sort

   must appear in SHA256SUMS.

2. Check that the list was signed by the recorder's key:

     openssl pkeyutl -verify -pubin -inkey %s -rawin \
         -in SHA256SUMS -sigfile SHA256SUMS.sig

   It must print "Signature Verified Successfully". The same command with
   manifest.json and manifest.json.sig checks the manifest.

3. Check that the key is the recorder's, not one a forger put here:

     openssl pkey -pubin -in %s -outform DER | sha256sum

   must print the fingerprint above, and that fingerprint must match the
   one recorded for this device when it was installed (linetap shows it
   with every export).

If all three hold, the recordings and their metadata are exactly as the
recorder exported them.
`, ManifestJSON, "", ManifestCSV, PubFile, Sums, SumsSig, ManifestSig, Marker, PubFile, PubFile)
	if len(m.Skipped) > 0 {
		p("\nCALLS SELECTED BUT NOT EXPORTED\n\n")
		for _, s := range m.Skipped {
			p("  call %d: %s\n", s.ID, s.Reason)
		}
	}
	return b.Bytes()
}
