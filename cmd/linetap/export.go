package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage/export"
)

// exportUsage is the synopsis of the export command.
const exportUsage = `linetap export --data DIR [--from T] [--to T] [--line L] [--number N] [--quiet] OUTDIR`

// exportSource gives the export package the CLI's source: through the
// daemon's socket, or the store itself (which also verifies each call's
// stored audio before exporting it).
func exportSource(src source) export.Source {
	if f, ok := src.(files); ok {
		return export.StoreSource(f.st)
	}
	return sourceAdapter{src}
}

type sourceAdapter struct{ src source }

var _ export.Source = sourceAdapter{}

func (a sourceAdapter) Calls(ctx context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	return a.src.calls(ctx, q)
}

func (a sourceAdapter) WAV(ctx context.Context, id uint64, w io.Writer) error {
	return a.src.audio(ctx, id, w)
}

// parseTime reads --from and --to: RFC 3339, or a local date and time
// "2006-01-02 15:04[:05]" / "2006-01-02T15:04[:05]", or a local date. A
// date alone as the end of a range means the end of that day.
func parseTime(flagName, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: --%s %q: want 2006-01-02, 2006-01-02 15:04 or RFC 3339", errUsage, flagName, s)
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("linetap export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	from := fs.String("from", "", "only calls that started at or after this time (local, or RFC 3339)")
	to := fs.String("to", "", "only calls that started before this time (a date alone: before its end)")
	line := fs.Int("line", -1, "only this line (0-based)")
	number := fs.String("number", "", "only calls whose caller ID or dialled number contains this")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *dir == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: %s", errUsage, exportUsage)
	}
	var f export.Filter
	if f.From, err = parseTime("from", *from, false); err != nil {
		return err
	}
	if f.To, err = parseTime("to", *to, true); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return fmt.Errorf("%w: --from %s is not before --to %s", errUsage, *from, *to)
	}
	if *line >= 0 {
		f.Line = line
	}
	f.Number = *number
	out := fs.Arg(0)

	src, err := open(*dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.close()) }()
	key, err := export.LoadOrCreateKey(*dir)
	if err != nil {
		return err
	}
	dst, err := export.OpenDir(out)
	if err != nil {
		return err
	}
	opt := export.Options{Filter: f, Key: key}
	if !*quiet {
		opt.Progress = func(p export.Progress) {
			fmt.Fprintf(stderr, "%d/%d %s (%.1f MB)\n", p.Done, p.Total, p.File, float64(p.Bytes)/1e6)
		}
	}
	m, err := export.Export(ctx, exportSource(src), dst, opt)
	if err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	damaged := 0
	for _, s := range m.Skipped {
		fmt.Fprintf(stderr, "linetap: call %d not exported: %s\n", s.ID, s.Reason)
		if s.Reason != export.ReasonRecording {
			damaged++
		}
	}
	fmt.Fprintf(stdout, "%d calls exported to %s\nsigned by device key %s\n", len(m.Calls), out, m.Device.Fingerprint)
	if damaged > 0 {
		// The export is complete and signed, but not everything asked for
		// is in it: say so in the exit code too.
		return fmt.Errorf("%d selected calls could not be exported (listed above and in the manifest)", damaged)
	}
	return nil
}

func cmdVerifyExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linetap verify-export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: linetap verify-export OUTDIR", errUsage)
	}
	dir := fs.Arg(0)
	rep, err := export.Verify(dir)
	if rep == nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "BAD %s\n", p)
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("export %s fails its check: %d problems", dir, len(rep.Problems))
	}
	fmt.Fprintf(stdout, "OK %s: %d calls, %d files, signed by device key %s (created %s)\n",
		dir, rep.Calls, rep.Files, rep.Fingerprint, rep.Created.Local().Format(time.RFC3339))
	return nil
}
