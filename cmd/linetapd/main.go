// Command linetapd is the linetap recorder daemon: it records the configured
// phone lines (or the simulated line bank when no hardware is configured)
// and serves the web UI.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "linetapd:", err)
		stop()
		os.Exit(1)
	}
}
