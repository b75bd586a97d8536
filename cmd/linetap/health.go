package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdHealth asks the linetapd on DIR's control socket whether it serves:
// exit 0 when it answers /healthz, 1 otherwise. It is the appliance's
// supervisor probe (no TLS, no login: the socket is local and 0600).
func cmdHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linetap health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *dir == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: linetap health --data DIR [--timeout D]", errUsage)
	}
	d, ok := daemonAt(*dir)
	if !ok {
		return fmt.Errorf("no linetapd answers on %s's control socket", *dir)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://linetapd/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := d.c.Do(req)
	if err != nil {
		return fmt.Errorf("linetapd: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("linetapd: health: %s", resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
