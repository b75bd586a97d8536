// Command linetap is the command-line tool for technicians, scripts and
// auditors: it lists recorded calls and extracts their audio (from a
// running linetapd through its control socket, or straight from a data
// directory), verifies the store, makes and checks signed audit exports,
// and analyses WAV recordings with every detector.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "linetap:", err)
		stop()
		os.Exit(exitCode(err))
	}
}
