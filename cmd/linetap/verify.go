package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/linetap/linetap/storage"
)

// errBroken marks a store that failed verification (exit 1).
var errBroken = errors.New("integrity check failed")

// cmdVerify checks a whole data directory: every call's audio and
// metadata hash, the chain of calls and the audit log. It prints every
// break, one a line, and fails if there is any.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linetap verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	key := fs.String("key", "", "key file of an encrypted store")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *dir == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: linetap verify --data DIR [--key FILE] [--json]", errUsage)
	}
	if _, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var rep storage.Report
	var verr error
	if d, ok := daemonAt(*dir); ok {
		// linetapd holds the files: it checks them for us, with its key.
		if err := (daemonUsers{d}).send(ctx, http.MethodPost, "/api/v1/verify", nil, &rep); err != nil {
			return err
		}
		return report(stdout, *dir, rep, *asJSON)
	}
	st, err := storage.Open(*dir, storage.Options{ReadOnly: true, Timeout: 2 * time.Second, KeyFile: *key})
	if err != nil {
		if errors.Is(err, storage.ErrLocked) {
			return fmt.Errorf("%s is in use by a linetapd whose socket does not answer (%w)", *dir, err)
		}
		return err
	}
	rep, verr = st.VerifyAll()
	if err := st.Close(); err != nil {
		return err
	}
	if verr != nil && len(rep.Breaks) == 0 {
		return verr
	}
	return report(stdout, *dir, rep, *asJSON)
}

// report prints a verification report and fails when something broke.
func report(stdout io.Writer, dir string, rep storage.Report, asJSON bool) error {
	if asJSON {
		if rep.Breaks == nil {
			rep.Breaks = []storage.Break{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, b := range rep.Breaks {
			fmt.Fprintln(stdout, "BROKEN", b)
		}
		fmt.Fprintf(stdout, "%s: %d calls, %d chain links (%d deleted with an audit entry), %d audit entries, %d breaks\n",
			dir, rep.Calls, rep.Chained, rep.Deleted, rep.Audit, len(rep.Breaks))
	}
	if len(rep.Breaks) > 0 {
		return fmt.Errorf("%w: %s: %d breaks", errBroken, dir, len(rep.Breaks))
	}
	return nil
}
