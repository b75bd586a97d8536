package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
)

// socketName must match linetapd's control socket.
const socketName = "linetapd.sock"

const usage = `usage: linetap COMMAND [flags]

Commands:
  calls --data DIR [--json] [--limit N] [--line L] [--number N]
        list recorded calls, newest first (--json: one object per line)
  audio --data DIR ID OUT.wav
        write call ID as an 8 kHz 16-bit WAV file
  export --data DIR [--from T] [--to T] [--line L] [--number N] [--quiet] OUTDIR
        write the selected calls as WAV files with a signed manifest for
        auditors into the new or empty OUTDIR (T: 2006-01-02[ 15:04] or RFC 3339)
  verify-export OUTDIR
        check an export offline: signatures, every file, nothing added
  verify --data DIR [--key FILE] [--json]
        check every call's audio and metadata, the chain and the audit log
        (through linetapd when it runs); names every break, exit 1 if there is one
  analyze [--json] FILE.wav...
        run every detector on every channel of WAV files and print the events
  user add --data DIR --role ROLE NAME     (password: first line of stdin)
  user passwd --data DIR NAME              (password: first line of stdin; lifts a lockout)
  user list --data DIR
  user del --data DIR NAME
        manage the web UI's users (roles: admin, supervisor, technician, auditor);
        the first admin of a new recorder is made with "user add"
  health --data DIR [--timeout D]
        exit 0 when the linetapd on DIR answers on its control socket (supervisor probe)

calls and audio work whether or not linetapd is running on DIR: with the daemon
running they ask it over DIR/linetapd.sock.
`

// errUsage marks a command line that could not be understood (exit 2).
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return fmt.Errorf("%w: no command", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "calls":
		return cmdCalls(ctx, args[1:], stdout, stderr)
	case "audio":
		return cmdAudio(ctx, args[1:], stdout, stderr)
	case "export":
		return cmdExport(ctx, args[1:], stdout, stderr)
	case "verify-export":
		return cmdVerifyExport(args[1:], stdout, stderr)
	case "analyze":
		return cmdAnalyze(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(ctx, args[1:], stdout, stderr)
	case "user":
		return cmdUser(ctx, args[1:], os.Stdin, stdout, stderr)
	case "health":
		return cmdHealth(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// source is where calls come from: the daemon or the files.
type source interface {
	calls(ctx context.Context, q linetap.CallQuery) ([]linetap.Call, error)
	audio(ctx context.Context, id uint64, w io.Writer) error
	close() error
}

// open reaches the daemon on dir's socket, or opens dir read-only when no
// daemon is running.
func open(dir string) (source, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	sock := filepath.Join(dir, socketName)
	conn, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err == nil {
		conn.Close()
		return newDaemon(sock), nil
	}
	if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ECONNREFUSED) {
		return nil, fmt.Errorf("linetapd socket %s: %w", sock, err)
	}
	st, err := storage.Open(dir, storage.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, storage.ErrLocked) {
			return nil, fmt.Errorf("%s is held by a linetapd whose socket %s does not answer: %w", dir, sock, err)
		}
		return nil, err
	}
	return files{st}, nil
}

// files reads a data directory directly.
type files struct{ st *storage.Store }

func (f files) calls(_ context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	return f.st.Calls(q)
}

func (f files) audio(_ context.Context, id uint64, w io.Writer) error {
	c, err := f.st.Call(id)
	if err != nil {
		return err
	}
	pcm, err := f.st.PCM(id)
	if err != nil {
		return err
	}
	ws, ok := w.(io.WriteSeeker)
	if !ok {
		return errors.New("audio: output is not seekable")
	}
	return storage.WriteWAV(ws, pcm, c.Rate)
}

func (f files) close() error { return f.st.Close() }

// daemon asks a running linetapd over its control socket.
type daemon struct{ c *http.Client }

func newDaemon(sock string) daemon {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return daemon{c: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

func (d daemon) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	u := "http://linetapd" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("linetapd: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("linetapd: %s", e.Error)
		}
		return nil, fmt.Errorf("linetapd: %s", resp.Status)
	}
	return resp, nil
}

func (d daemon) calls(ctx context.Context, q linetap.CallQuery) ([]linetap.Call, error) {
	sq := storage.Query{Limit: q.Limit, Before: q.Before, Line: q.Line, Number: q.Number}
	resp, err := d.get(ctx, "/api/v1/calls", web.SearchValues(sq))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var page storage.Page
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("linetapd: bad calls response: %w", err)
	}
	calls := make([]linetap.Call, len(page.Calls))
	for i, c := range page.Calls {
		calls[i] = c.Call
	}
	return calls, nil
}

func (d daemon) audio(ctx context.Context, id uint64, w io.Writer) error {
	resp, err := d.get(ctx, fmt.Sprintf("/api/v1/calls/%d/audio", id), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

func (d daemon) close() error { return nil }

func cmdCalls(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("linetap calls", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	asJSON := fs.Bool("json", false, "one JSON object per call per line")
	limit := fs.Int("limit", 0, "at most this many calls (0 = all)")
	line := fs.Int("line", -1, "only this line (0-based)")
	number := fs.String("number", "", "only calls whose caller ID or dialled number contains this")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *dir == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: linetap calls --data DIR [--json]", errUsage)
	}
	if *limit < 0 {
		return fmt.Errorf("%w: --limit %d is negative", errUsage, *limit)
	}
	src, err := open(*dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.close()) }()

	q := linetap.CallQuery{Number: *number}
	if *line >= 0 {
		q.Line = line
	}
	var tw *tabwriter.Writer
	enc := json.NewEncoder(stdout)
	if !*asJSON {
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTART\tLINE\tDIR\tNUMBER\tNAME\tDURATION\tSTATE")
	}
	n := 0
	for {
		q.Limit = 100
		if *limit > 0 {
			q.Limit = min(100, *limit-n)
		}
		page, err := src.calls(ctx, q)
		if err != nil {
			return err
		}
		for i := range page {
			c := &page[i]
			if *asJSON {
				if err := enc.Encode(c); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Start.Local().Format("2006-01-02 15:04:05"),
					c.LineName, c.Direction, numberOf(c), c.CallerID.Name, c.Duration.Round(time.Second), state(c))
			}
		}
		n += len(page)
		if len(page) < q.Limit || (*limit > 0 && n >= *limit) {
			break
		}
		q.Before = page[len(page)-1].ID
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func numberOf(c *linetap.Call) string {
	switch {
	case c.Direction == linetap.Outbound:
		return c.Dialled
	case c.CallerID.Number != "":
		return c.CallerID.Number
	case c.CallerID.NumberAbsence == "P":
		return "(private)"
	case c.CallerID.NumberAbsence == "O":
		return "(unavailable)"
	}
	return ""
}

func state(c *linetap.Call) string {
	if c.EndReason != "" {
		return string(c.State) + "/" + string(c.EndReason)
	}
	return string(c.State)
}

func cmdAudio(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("linetap audio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "", "data directory (required)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *dir == "" || fs.NArg() != 2 {
		return fmt.Errorf("%w: linetap audio --data DIR ID OUT.wav", errUsage)
	}
	id, perr := strconv.ParseUint(fs.Arg(0), 10, 64)
	if perr != nil || id == 0 {
		return fmt.Errorf("%w: call ID %q is not a positive number", errUsage, fs.Arg(0))
	}
	out := fs.Arg(1)
	src, err := open(*dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.close()) }()

	// Write beside the target and rename, so a failure leaves no half file.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".linetap-audio-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := src.audio(ctx, id, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("call %d: %w", id, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "call %d written to %s\n", id, out)
	return nil
}
